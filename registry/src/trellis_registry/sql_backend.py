"""`SqlRegistryBackend`: the embedded storage, SQLAlchemy 2 async (SQLite by default).

Writes are serialised with one `asyncio.Lock` per backend, so SQLite never answers
"database is locked" to a registration; reads run concurrently (SQLite in WAL mode). Times
are stored as naive UTC and returned timezone-aware.

Blocking queries: every write that increases the index wakes the callers of
`SqlRegistryBackend.wait_for_index` in this process once its transaction has committed, so a
woken watcher reads the new state. One registry process owns a database file; writes from
another process reach the store but do not wake this one's watchers.

Upgrades: `SqlRegistryBackend.open` adds the columns later versions introduced to tables an
earlier version created (``ALTER TABLE … ADD COLUMN``, see `ADDED_COLUMNS`) and fills them in:
supergraph revisions in storage order, and the subgraph versions each old supergraph was
composed from (each publish stored its version and its supergraph with the same time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Dialect,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    delete,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trellis_registry.backend import ConcurrentPublishError
from trellis_registry.clock import Clock, utc_now
from trellis_registry.instances import HealthCheck, Instance, InstanceStatus
from trellis_registry.operations import OperationReport, RecordedOperation, operation_hash
from trellis_registry.subgraphs import SubgraphVersion, Supergraph

__all__ = ["ADDED_COLUMNS", "SqlRegistryBackend", "ensure_sqlite_directory"]

_log = logging.getLogger(__name__)


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
    status_override: Mapped[str | None] = mapped_column(String(32), nullable=True)
    health: Mapped[str] = mapped_column(
        String(16), nullable=False, default=HealthCheck.UNKNOWN.value
    )

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
            status_override=(
                None if self.status_override is None else InstanceStatus(self.status_override)
            ),
            health=HealthCheck(self.health),
        )


class _SubgraphVersionRow(_Base):
    __tablename__ = "subgraph_versions"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    routing_url: Mapped[str] = mapped_column(Text, nullable=False)
    sdl: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)
    published_by: Mapped[str] = mapped_column(Text, nullable=False, default="unknown")

    def to_version(self) -> SubgraphVersion:
        return SubgraphVersion(
            name=self.name,
            version=self.version,
            routing_url=self.routing_url,
            sdl=self.sdl,
            published_at=self.published_at,
            published_by=self.published_by,
        )


class _SupergraphRow(_Base):
    __tablename__ = "supergraphs"
    __table_args__ = (Index("ix_supergraphs_revision", "revision", unique=True),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), nullable=False)
    sdl: Mapped[str] = mapped_column(Text, nullable=False)
    composed_at: Mapped[datetime] = mapped_column(_UtcDateTime, nullable=False)
    # Nullable only for tables an earlier version created; open() fills both in.
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subgraph_versions: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)

    def to_supergraph(self) -> Supergraph:
        return Supergraph(
            id=self.id,
            sdl=self.sdl,
            composed_at=self.composed_at,
            revision=self.revision or 0,
            subgraph_versions=dict(self.subgraph_versions or {}),
        )


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


ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("instances", "status_override", "VARCHAR(32)"),
    ("instances", "health", "VARCHAR(16) NOT NULL DEFAULT 'UNKNOWN'"),
    ("subgraph_versions", "published_by", "TEXT NOT NULL DEFAULT 'unknown'"),
    ("supergraphs", "revision", "INTEGER"),
    ("supergraphs", "subgraph_versions", "JSON"),
)
"""Columns added after the first release: ``(table, column, SQL type and default)``.

`SqlRegistryBackend.open` adds each one a stored table lacks."""


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


def _add_missing_columns(connection: Connection) -> list[str]:
    """Adds every `ADDED_COLUMNS` entry a stored table lacks; returns ``table.column`` names."""
    inspector = inspect(connection)
    added: list[str] = []
    for table, column, definition in ADDED_COLUMNS:
        present = {stored["name"] for stored in inspector.get_columns(table)}
        if column not in present:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {definition}"))
            added.append(f"{table}.{column}")
    return added


def _fill_supergraph_history(connection: Connection) -> int:
    """Numbers supergraphs stored without a revision and records the subgraph versions each
    was composed from; returns how many rows were filled in."""
    rows = connection.execute(
        select(
            _SupergraphRow.seq,
            _SupergraphRow.composed_at,
            _SupergraphRow.revision,
            _SupergraphRow.subgraph_versions,
        )
        .where(_SupergraphRow.revision.is_(None) | _SupergraphRow.subgraph_versions.is_(None))
        .order_by(_SupergraphRow.seq)
    ).all()
    if not rows:
        return 0
    published = connection.execute(
        select(
            _SubgraphVersionRow.name, _SubgraphVersionRow.version, _SubgraphVersionRow.published_at
        )
    ).all()
    stored = connection.execute(select(func.max(_SupergraphRow.revision))).scalar()
    next_revision = (stored or 0) + 1
    for seq, composed_at, revision, composed_from in rows:
        if revision is None:
            revision, next_revision = next_revision, next_revision + 1
        if composed_from is None:
            composed_from = {}
            for name, version, published_at in published:
                if published_at <= composed_at and version > composed_from.get(name, 0):
                    composed_from[name] = version
        connection.execute(
            update(_SupergraphRow)
            .where(_SupergraphRow.seq == seq)
            .values(revision=revision, subgraph_versions=composed_from)
        )
    return len(rows)


def _upgrade(connection: Connection) -> None:
    """Creates missing tables, adds missing columns, fills them in and creates indexes."""
    _Base.metadata.create_all(connection)
    added = _add_missing_columns(connection)
    filled = _fill_supergraph_history(connection)
    for index in _Base.metadata.tables["supergraphs"].indexes:
        index.create(connection, checkfirst=True)
    if added or filled:
        _log.info(
            "upgraded the registry store: added %s; numbered %d stored supergraph(s)",
            ", ".join(added) or "no column",
            filled,
        )


class SqlRegistryBackend:
    """A `RegistryBackend` on SQLAlchemy 2 async.

    Liveness is computed from ``last_heartbeat_at`` and the callers' ``alive_since``; the
    ``ttl`` given to `put_instance` is not stored.

    Args:
        database_url: An async SQLAlchemy URL, e.g. ``sqlite+aiosqlite:///var/registry.db``.
        clock: The source of the current time (used by `open` to restart stored leases).

    Example:
        >>> backend = SqlRegistryBackend("sqlite+aiosqlite:///var/registry.db")
        >>> await backend.open()  # doctest: +SKIP
    """

    def __init__(self, database_url: str, clock: Clock = utc_now) -> None:
        self._database_url = database_url
        self._clock = clock
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._write_lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._index = 0
        self._closed = False
        self._watchers = 0

    @property
    def watchers(self) -> int:
        """How many callers are blocked in `wait_for_index` right now."""
        return self._watchers

    async def open(self) -> None:
        """Connects, enables WAL on SQLite, creates or upgrades the tables, and restarts the
        lease of every stored instance at the current time.

        Spec: Eureka's self-preservation: while the registry was down no instance could
        heartbeat, so stored leases are renewed instead of expiring at once; an instance that
        is really gone expires one TTL later.

        Raises:
            OSError | sqlalchemy.exc.SQLAlchemyError: The database cannot be opened.
        """
        ensure_sqlite_directory(self._database_url)
        engine = create_async_engine(self._database_url)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _enable_sqlite_wal)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade)
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._closed = False
        async with self._write_lock, self._session() as session, session.begin():
            if await session.get(_IndexRow, 1) is None:
                session.add(_IndexRow(id=1, value=0))
                await session.flush()
            self._index = await self._read_index(session)
            renewed = await session.execute(
                update(_InstanceRow)
                .values(last_heartbeat_at=self._clock())
                .returning(_InstanceRow.instance_id)
            )
            kept = len(renewed.all())
        if kept:
            _log.info(
                "kept %d registration(s) from the previous run; their leases restart now", kept
            )

    async def close(self) -> None:
        """Wakes every `wait_for_index` caller and disposes of the connection pool."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()
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

    @classmethod
    async def _index_after(cls, session: AsyncSession, changed: bool) -> int:
        """Flushes and bumps the index when the transaction changed something a watcher sees;
        else reads it."""
        if not changed:
            return await cls._read_index(session)
        await session.flush()
        return await cls._bump_index(session)

    async def _announce(self, index: int) -> None:
        """Wakes the watchers after a committed change that raised the index to ``index``."""
        async with self._changed:
            if index > self._index:
                self._index = index
                self._changed.notify_all()

    async def current_index(self) -> int:
        """Returns the current index (0 on a fresh store)."""
        async with self._session() as session:
            return await self._read_index(session)

    async def wait_for_index(self, after: int, timeout_seconds: float) -> int:
        """Blocks until the index is greater than ``after``, the timeout passes, or the
        backend closes.

        Spec: Consul's blocking queries: returns at once when the index is already greater.

        Args:
            after: The index the caller has seen.
            timeout_seconds: The longest wait, in seconds.

        Returns:
            The current index (equal to or less than ``after`` only on timeout or close).
        """
        async with self._changed:
            self._watchers += 1
            try:
                async with asyncio.timeout(timeout_seconds):
                    await self._changed.wait_for(lambda: self._closed or self._index > after)
            except TimeoutError:
                pass
            finally:
                self._watchers -= 1
            return self._index

    async def put_instance(self, instance: Instance, ttl: timedelta) -> int:
        """Stores an instance, replacing one with the same key but keeping its status
        override; returns the new index. ``ttl`` is not stored (see the class docstring)."""
        async with self._write_lock, self._session() as session, session.begin():
            stored = await session.get(_InstanceRow, (instance.service, instance.instance_id))
            row = _InstanceRow(
                service=instance.service,
                instance_id=instance.instance_id,
                routing_url=instance.routing_url,
                health_url=instance.health_url,
                status=instance.status.value,
                metadata_=dict(instance.metadata),
                registered_at=instance.registered_at,
                last_heartbeat_at=instance.last_heartbeat_at,
                status_override=None if stored is None else stored.status_override,
                health=instance.health.value,
            )
            await session.merge(row)
            index = await self._bump_index(session)
        await self._announce(index)
        return index

    async def renew_instance(
        self,
        service: str,
        instance_id: str,
        now: datetime,
        alive_since: datetime,
        status: InstanceStatus | None = None,
    ) -> tuple[Instance, int] | None:
        """Renews a live lease, storing a newly reported status (which increases the index).

        Returns:
            ``(instance, index)``, or None when the instance is unknown or expired.
        """
        async with self._write_lock, self._session() as session, session.begin():
            row = await session.get(_InstanceRow, (service, instance_id))
            if row is None or row.last_heartbeat_at < alive_since:
                return None
            row.last_heartbeat_at = now
            changed = status is not None and status.value != row.status
            if status is not None and changed:
                row.status = status.value
            index = await self._index_after(session, changed)
            instance = row.to_instance()
        await self._announce(index)
        return instance, index

    async def delete_instance(self, service: str, instance_id: str) -> int | None:
        """Deletes an instance; returns the new index, or None if there was none."""
        async with self._write_lock, self._session() as session, session.begin():
            row = await session.get(_InstanceRow, (service, instance_id))
            if row is None:
                return None
            await session.delete(row)
            index = await self._bump_index(session)
        await self._announce(index)
        return index

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
        await self._announce(index)
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

    async def set_status_override(
        self, service: str, instance_id: str, override: InstanceStatus | None
    ) -> tuple[Instance, int] | None:
        """Sets or removes an operator's status override (the index increases on a change).

        Returns:
            ``(instance, index)``, or None when the instance is not stored.
        """
        value = None if override is None else override.value
        async with self._write_lock, self._session() as session, session.begin():
            row = await session.get(_InstanceRow, (service, instance_id))
            if row is None:
                return None
            changed = row.status_override != value
            if changed:
                row.status_override = value
            index = await self._index_after(session, changed)
            instance = row.to_instance()
        await self._announce(index)
        return instance, index

    async def set_health(
        self, service: str, instance_id: str, health: HealthCheck
    ) -> tuple[Instance, int] | None:
        """Records a health check outcome (the index increases on a change).

        Returns:
            ``(instance, index)``, or None when the instance is not stored.
        """
        async with self._write_lock, self._session() as session, session.begin():
            row = await session.get(_InstanceRow, (service, instance_id))
            if row is None:
                return None
            changed = row.health != health.value
            if changed:
                row.health = health.value
            index = await self._index_after(session, changed)
            instance = row.to_instance()
        await self._announce(index)
        return instance, index

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

    async def subgraph_versions(self, name: str) -> list[SubgraphVersion]:
        """Returns every version of one subgraph, newest first."""
        query = (
            select(_SubgraphVersionRow)
            .where(_SubgraphVersionRow.name == name)
            .order_by(_SubgraphVersionRow.version.desc())
        )
        async with self._session() as session:
            return [row.to_version() for row in (await session.scalars(query)).all()]

    async def current_supergraph(self) -> Supergraph | None:
        """Returns the supergraph with the highest revision, or None."""
        history = await self.supergraph_history(1)
        return history[0] if history else None

    async def supergraph_history(self, limit: int) -> list[Supergraph]:
        """Returns the ``limit`` most recent supergraphs, newest first."""
        query = select(_SupergraphRow).order_by(_SupergraphRow.revision.desc()).limit(limit)
        async with self._session() as session:
            return [row.to_supergraph() for row in (await session.scalars(query)).all()]

    async def save_publication(self, version: SubgraphVersion, supergraph: Supergraph) -> int:
        """Stores a subgraph version and its supergraph in one transaction.

        Raises:
            ConcurrentPublishError: ``supergraph.revision`` or ``version.version`` is not one
                more than the stored one; nothing stored.
        """
        try:
            async with self._write_lock, self._session() as session, session.begin():
                revision = await session.scalar(select(func.max(_SupergraphRow.revision)))
                current = await session.scalar(
                    select(func.max(_SubgraphVersionRow.version)).where(
                        _SubgraphVersionRow.name == version.name
                    )
                )
                if (
                    supergraph.revision != (revision or 0) + 1
                    or version.version != (current or 0) + 1
                ):
                    raise ConcurrentPublishError(
                        f"stale publication of {version.name!r}: revision {supergraph.revision}"
                        f" and version {version.version} follow {revision or 0} and {current or 0}"
                    )
                session.add(
                    _SubgraphVersionRow(
                        name=version.name,
                        version=version.version,
                        routing_url=version.routing_url,
                        sdl=version.sdl,
                        published_at=version.published_at,
                        published_by=version.published_by,
                    )
                )
                session.add(
                    _SupergraphRow(
                        id=supergraph.id,
                        sdl=supergraph.sdl,
                        composed_at=supergraph.composed_at,
                        revision=supergraph.revision,
                        subgraph_versions=dict(supergraph.subgraph_versions),
                    )
                )
                await session.flush()
                index = await self._bump_index(session)
        except IntegrityError as error:
            # Another process wrote the same revision or version first (unique keys).
            raise ConcurrentPublishError(str(error.orig)) from error
        await self._announce(index)
        return index

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
