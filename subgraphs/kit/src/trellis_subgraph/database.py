"""The subgraph's database: one async engine per process, one session per request.

Two backends pass the same tests: SQLite (the embedded default, ``sqlite+aiosqlite``) and
PostgreSQL (``postgresql+asyncpg``, selected by ``TRELLIS_DATABASE_URL``).

Writes go through :meth:`Database.write`, one short transaction that commits on success. On
SQLite a write transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front,
so two writers never deadlock upgrading read locks) and in-process writers queue on an asyncio
lock instead of polling SQLite's busy handler; the file is in WAL mode, so readers never wait
for writers. On PostgreSQL the default READ COMMITTED isolation applies; correctness under
concurrency comes from conditional ``UPDATE ... WHERE`` statements, row locks and unique
constraints in each subgraph's repository.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

__all__ = ["SQLITE_BUSY_TIMEOUT_SECONDS", "Database", "ModelBase", "sync_id_sequences"]

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
"""How long a SQLite connection waits for another process's write lock (seconds)."""

_WRITE_OPTION = "trellis_write"


class ModelBase(DeclarativeBase):
    """Base class for ORM models; each subgraph subclasses it once for its own metadata."""

    __abstract__ = True


@dataclass(frozen=True, slots=True)
class Database:
    """An async SQLAlchemy engine and the session factories bound to it.

    Attributes:
        engine: The process-wide async engine.
        sessions: Factory of read sessions; one per request.
        write_sessions: Factory of sessions whose transactions take the write lock up front
            (SQLite ``BEGIN IMMEDIATE``); use through :meth:`write`.
        backend: ``sqlite`` or ``postgresql``.
    """

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    backend: str
    _write_lock: asyncio.Lock | None = field(default=None, repr=False)

    @classmethod
    def connect(cls, database_url: str) -> Database:
        """Create the engine for a URL (no connection is opened yet).

        For SQLite files the parent directory is created; every SQLite connection enforces
        foreign keys, uses WAL journaling and waits up to
        :data:`SQLITE_BUSY_TIMEOUT_SECONDS` for a lock.

        Args:
            database_url: SQLAlchemy async URL, e.g. ``sqlite+aiosqlite:///var/customers.db`` or
                ``postgresql+asyncpg://user@host:5432/customers``.

        Returns:
            A ready :class:`Database`.

        Raises:
            sqlalchemy.exc.ArgumentError: If the URL cannot be parsed.
        """
        url = make_url(database_url)
        backend = url.get_backend_name()
        kwargs: dict[str, Any] = {}
        if backend == "sqlite":
            if url.database not in (None, "", ":memory:"):
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        engine = create_async_engine(url, **kwargs)
        if backend == "sqlite":
            event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
            event.listen(engine.sync_engine, "begin", _begin_sqlite_transaction)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        write_engine = engine.execution_options(**{_WRITE_OPTION: True})
        write_sessions = async_sessionmaker(write_engine, expire_on_commit=False)
        return cls(
            engine=engine,
            sessions=sessions,
            write_sessions=write_sessions,
            backend=backend,
            _write_lock=asyncio.Lock() if backend == "sqlite" else None,
        )

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits when the block ends, rolls back on an exception.

        Keep the block short and never call a peer service inside it: on SQLite it holds the
        database's write lock.

        Yields:
            A session inside its transaction.
        """
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with lock, self.write_sessions.begin() as session:
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let the "begin" event emit BEGIN itself (pysqlite's implicit BEGIN is DEFERRED and comes
    # too late for SAVEPOINT and transactional DDL); SQLAlchemy documents this recipe for
    # pysqlite and aiosqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    write = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


async def sync_id_sequences(session: AsyncSession, *tables: str) -> None:
    """Move PostgreSQL id sequences past rows inserted with explicit ids (seeding does that).

    Without it the next ``INSERT`` without an id would collide with a seeded row. A no-op on
    SQLite, whose ``INTEGER PRIMARY KEY`` takes ``max(id) + 1``.

    Args:
        session: A session inside a write transaction.
        tables: Table names whose ``id`` column is an integer primary key with a sequence.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in tables:
        await session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            ),
            {"table": table},
        )
