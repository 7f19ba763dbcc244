"""`SqlRegistryBackend`: the embedded storage, SQLAlchemy 2 async (SQLite by default).

Writes are serialised with one `asyncio.Lock` per backend, so SQLite never answers
"database is locked" to a registration; reads run concurrently (SQLite in WAL mode). Times
are stored as naive UTC and returned timezone-aware.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Integer,
    String,
    Text,
    TypeDecorator,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trellis_registry.instances import Instance, InstanceStatus
from trellis_registry.operations import OperationReport, RecordedOperation, operation_hash
from trellis_registry.subgraphs import SubgraphVersion, Supergraph

__all__ = ["SqlRegistryBackend", "ensure_sqlite_directory"]


class _UtcDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes as naive UTC; returns them aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the registry store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class _IndexRow(_Base):
    __tablename__ = "registry_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)


class _InstanceRow(_Base):
    __tablename__ = "instances"

    service: Mapped[str] = mapped_column(String(128), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    routing_url: Mapped[str] = mapped_column(Text, nullable=False)
    health_url: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, nullable=False)
    registered_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)
    last_heartbeat_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False, index=True)

    def to_instance(self) -> Instance:
        return Instance(
            service=self.service,
            instance_id=self.instance_id,
            routing_url=self.routing_url,
            health_url=self.health_url,
            status=InstanceStatus(self.status),
            metadata=dict(self.metadata_),
            registered_at=self.registered_at,
            last_heartbeat_at=self.last_heartbeat_at,
        )


class _SubgraphVersionRow(_Base):
    __tablename__ = "subgraph_versions"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    routing_url: Mapped[str] = mapped_column(Text, nullable=False)
    sdl: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)

    def to_version(self) -> SubgraphVersion:
        return SubgraphVersion(
            name=self.name,
            version=self.version,
            routing_url=self.routing_url,
            sdl=self.sdl,
            published_at=self.published_at,
        )


class _SupergraphRow(_Base):
    __tablename__ = "supergraphs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), nullable=False)
    sdl: Mapped[str] = mapped_column(Text, nullable=False)
    composed_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)


class _OperationRow(_Base):
    __tablename__ = "recorded_operations"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)

    def to_operation(self) -> RecordedOperation:
        return RecordedOperation(
            hash=self.hash,
            name=self.name,
            document=self.document,
            count=self.count,
            first_seen_at=self.first_seen_at,
            last_seen_at=self.last_seen_at,
        )


def ensure_sqlite_directory(database_url: str) -> None:
    """Creates the directory of a SQLite database file if it is missing.

    Args:
        database_url: A SQLAlchemy URL; only ``sqlite`` URLs naming a file are acted on.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _enable_sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class SqlRegistryBackend:
    """A `RegistryBackend` on SQLAlchemy 2 async.

    Args:
        database_url: An async SQLAlchemy URL, e.g. ``sqlite+aiosqlite:///var/registry.db``.

    Example:
        >>> backend = SqlRegistryBackend("sqlite+aiosqlite:///var/registry.db")
        >>> await backend.open()  # doctest: +SKIP
    """

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        """Connects, enables WAL on SQLite and creates the tables if they are missing."""
        ensure_sqlite_directory(self._database_url)
        engine = create_async_engine(self._database_url)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _enable_sqlite_wal)
        async with engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with self._write_lock, self._session() as session, session.begin():
            if await session.get(_IndexRow, 1) is None:
                session.add(_IndexRow(id=1, value=0))

    async def close(self) -> None:
        """Disposes of the connection pool."""
        if self._engine is not None:
            await self._engine.dispose()
        self._engine = None
        self._sessions = None

    def _session(self) -> AsyncSession:
        if self._sessions is None:
            raise RuntimeError("the registry backend is not open")
        return self._sessions()

    @staticmethod
    async def _bump_index(session: AsyncSession) -> int:
        result = await session.execute(
            update(_IndexRow)
            .where(_IndexRow.id == 1)
            .values(value=_IndexRow.value + 1)
            .returning(_IndexRow.value)
        )
        return result.scalar_one()

    @staticmethod
    async def _read_index(session: AsyncSession) -> int:
        result = await session.execute(select(_IndexRow.value).where(_IndexRow.id == 1))
        return result.scalar_one()

    async def current_index(self) -> int:
        """Returns the current index (0 on a fresh store)."""
        async with self._session() as session:
            return await self._read_index(session)

    async def put_instance(self, instance: Instance) -> int:
        """Stores an instance, replacing one with the same key; returns the new index."""
        row = _InstanceRow(
            service=instance.service,
            instance_id=instance.instance_id,
            routing_url=instance.routing_url,
            health_url=instance.health_url,
            status=instance.status.value,
            metadata_=dict(instance.metadata),
            registered_at=instance.registered_at,
            last_heartbeat_at=instance.last_heartbeat_at,
        )
        async with self._write_lock, self._session() as session, session.begin():
            await session.merge(row)
            return await self._bump_index(session)

    async def renew_instance(
        self, service: str, instance_id: str, now: datetime, alive_since: datetime
    ) -> Instance | None:
        """Renews a live lease; returns the instance, or None if unknown or expired."""
        async with self._write_lock, self._session() as session, session.begin():
            row = await session.get(_InstanceRow, (service, instance_id))
            if row is None or row.last_heartbeat_at < alive_since:
                return None
            row.last_heartbeat_at = now
            return row.to_instance()

    async def delete_instance(self, service: str, instance_id: str) -> int | None:
        """Deletes an instance; returns the new index, or None if there was none."""
        async with self._write_lock, self._session() as session, session.begin():
            row = await session.get(_InstanceRow, (service, instance_id))
            if row is None:
                return None
            await session.delete(row)
            return await self._bump_index(session)

    async def delete_expired_instances(self, alive_since: datetime) -> tuple[int, int]:
        """Deletes instances whose last heartbeat is older than ``alive_since``."""
        async with self._write_lock, self._session() as session, session.begin():
            result = await session.execute(
                delete(_InstanceRow)
                .where(_InstanceRow.last_heartbeat_at < alive_since)
                .returning(_InstanceRow.instance_id)
            )
            removed = len(result.all())
            index = await self._bump_index(session) if removed else await self._read_index(session)
            return removed, index

    async def list_instances(
        self, alive_since: datetime, service: str | None = None
    ) -> tuple[int, list[Instance]]:
        """Lists live instances by service then instance id, with the index."""
        query = select(_InstanceRow).where(_InstanceRow.last_heartbeat_at >= alive_since)
        if service is not None:
            query = query.where(_InstanceRow.service == service)
        query = query.order_by(_InstanceRow.service, _InstanceRow.instance_id)
        async with self._session() as session, session.begin():
            index = await self._read_index(session)
            rows = (await session.scalars(query)).all()
            return index, [row.to_instance() for row in rows]

    async def current_subgraphs(self) -> list[SubgraphVersion]:
        """Returns the newest version of every published subgraph, ordered by name."""
        newest = (
            select(
                _SubgraphVersionRow.name,
                func.max(_SubgraphVersionRow.version).label("version"),
            )
            .group_by(_SubgraphVersionRow.name)
            .subquery()
        )
        query = (
            select(_SubgraphVersionRow)
            .join(
                newest,
                (_SubgraphVersionRow.name == newest.c.name)
                & (_SubgraphVersionRow.version == newest.c.version),
            )
            .order_by(_SubgraphVersionRow.name)
        )
        async with self._session() as session:
            return [row.to_version() for row in (await session.scalars(query)).all()]

    async def current_supergraph(self) -> Supergraph | None:
        """Returns the most recently composed supergraph, or None."""
        query = select(_SupergraphRow).order_by(_SupergraphRow.seq.desc()).limit(1)
        async with self._session() as session:
            row = (await session.scalars(query)).first()
            if row is None:
                return None
            return Supergraph(id=row.id, sdl=row.sdl, composed_at=row.composed_at)

    async def save_publication(self, version: SubgraphVersion, supergraph: Supergraph) -> int:
        """Stores a subgraph version and its supergraph in one transaction."""
        async with self._write_lock, self._session() as session, session.begin():
            session.add(
                _SubgraphVersionRow(
                    name=version.name,
                    version=version.version,
                    routing_url=version.routing_url,
                    sdl=version.sdl,
                    published_at=version.published_at,
                )
            )
            session.add(
                _SupergraphRow(
                    id=supergraph.id, sdl=supergraph.sdl, composed_at=supergraph.composed_at
                )
            )
            await session.flush()
            return await self._bump_index(session)

    async def record_operations(self, reports: Sequence[OperationReport], now: datetime) -> None:
        """Adds reported operations in one transaction (counts summed per document)."""
        async with self._write_lock, self._session() as session, session.begin():
            for report in reports:
                key = operation_hash(report.document)
                row = await session.get(_OperationRow, key)
                if row is None:
                    session.add(
                        _OperationRow(
                            hash=key,
                            name=report.name,
                            document=report.document,
                            count=report.count,
                            first_seen_at=now,
                            last_seen_at=now,
                        )
                    )
                    await session.flush()
                else:
                    row.count += report.count
                    row.name = report.name
                    row.last_seen_at = now

    async def recorded_operations(self) -> list[RecordedOperation]:
        """Returns every recorded document, ordered by hash."""
        async with self._session() as session:
            rows = (await session.scalars(select(_OperationRow).order_by(_OperationRow.hash))).all()
            return [row.to_operation() for row in rows]
