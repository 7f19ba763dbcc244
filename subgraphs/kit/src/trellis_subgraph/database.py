"""The subgraph's database: one async engine per process, one session per request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

__all__ = ["Database", "ModelBase"]


class ModelBase(DeclarativeBase):
    """Base class for ORM models; each subgraph subclasses it once for its own metadata."""

    __abstract__ = True


@dataclass(frozen=True, slots=True)
class Database:
    """An async SQLAlchemy engine and the session factory bound to it.

    Attributes:
        engine: The process-wide async engine.
        sessions: Factory of sessions; use one session per request.
    """

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def connect(cls, database_url: str) -> Database:
        """Create the engine for a URL (no connection is opened yet).

        For SQLite files the parent directory is created and foreign keys are enforced.

        Args:
            database_url: SQLAlchemy async URL, e.g. ``sqlite+aiosqlite:///var/customers.db``.

        Returns:
            A ready :class:`Database`.
        """
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        if url.get_backend_name() == "sqlite":
            event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        return cls(engine=engine, sessions=sessions)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
