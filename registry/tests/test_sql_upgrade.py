"""A database file the first release wrote (tables without the later columns) still opens:
the missing columns are added and filled in, and nothing stored is lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect
from trellis_registry import (
    HealthCheck,
    InstanceStatus,
    SchemaRegistry,
    SqlRegistryBackend,
    supergraph_id,
)
from trellis_registry.sql_backend import ADDED_COLUMNS
from trellis_registry.testing import ManualClock

# The DDL SQLAlchemy emitted for the first release's models (SQLite dialect).
FIRST_RELEASE_SCHEMA = """
CREATE TABLE instances (
    service VARCHAR(128) NOT NULL,
    instance_id VARCHAR(128) NOT NULL,
    routing_url TEXT NOT NULL,
    health_url TEXT NOT NULL,
    status VARCHAR(32) NOT NULL,
    metadata JSON NOT NULL,
    registered_at DATETIME NOT NULL,
    last_heartbeat_at DATETIME NOT NULL,
    PRIMARY KEY (service, instance_id)
);
CREATE INDEX ix_instances_last_heartbeat_at ON instances (last_heartbeat_at);
CREATE TABLE recorded_operations (
    hash VARCHAR(64) NOT NULL,
    name TEXT,
    document TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_seen_at DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    PRIMARY KEY (hash)
);
CREATE TABLE registry_index (
    id INTEGER NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE subgraph_versions (
    name VARCHAR(128) NOT NULL,
    version INTEGER NOT NULL,
    routing_url TEXT NOT NULL,
    sdl TEXT NOT NULL,
    published_at DATETIME NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE supergraphs (
    seq INTEGER NOT NULL,
    id VARCHAR(64) NOT NULL,
    sdl TEXT NOT NULL,
    composed_at DATETIME NOT NULL,
    PRIMARY KEY (seq)
);
"""

CUSTOMERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { customer(id: ID!): Customer }
type Customer @key(fields: "id") { id: ID! name: String! }
"""
ORDERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { order(id: ID!): Order }
type Order @key(fields: "id") { id: ID! }
"""
URL = "http://127.0.0.1:4001/graphql"
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def stored(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def write_first_release_database(path: Path) -> None:
    """Two publishes (customers v1, then orders v1) and one instance, as the first release
    stored them: each publish wrote its version and its supergraph with the same time."""
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_RELEASE_SCHEMA)
        db.execute("INSERT INTO registry_index VALUES (1, 7)")
        db.execute(
            "INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "customers",
                "c-1",
                URL,
                "http://127.0.0.1:4001/health",
                "UP",
                '{"zone": "a"}',
                stored(T0),
                stored(T0 + timedelta(seconds=20)),
            ),
        )
        for name, sdl, moment in [
            ("customers", CUSTOMERS_SDL, T0),
            ("orders", ORDERS_SDL, T0 + timedelta(minutes=1)),
        ]:
            db.execute(
                "INSERT INTO subgraph_versions VALUES (?, 1, ?, ?, ?)",
                (name, URL, sdl, stored(moment)),
            )
            db.execute(
                "INSERT INTO supergraphs (id, sdl, composed_at) VALUES (?, ?, ?)",
                (supergraph_id(f"{name} supergraph"), f"{name} supergraph", stored(moment)),
            )


async def test_a_first_release_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    write_first_release_database(path)
    clock = ManualClock(T0 + timedelta(hours=2))
    backend = SqlRegistryBackend(f"sqlite+aiosqlite:///{path}", clock)
    await backend.open()
    try:
        assert await backend.current_index() == 7, "the index does not go back"
        index, [instance] = await backend.list_instances(clock.now - timedelta(seconds=30))
        assert index == 7
        assert (instance.instance_id, dict(instance.metadata)) == ("c-1", {"zone": "a"})
        assert (instance.status_override, instance.health) == (None, HealthCheck.UNKNOWN)
        assert instance.effective_status is InstanceStatus.UP
        assert instance.registered_at == T0
        assert instance.last_heartbeat_at == clock.now, "leases restart when the store opens"

        assert [(v.name, v.version, v.published_by) for v in await backend.current_subgraphs()] == [
            ("customers", 1, "unknown"),
            ("orders", 1, "unknown"),
        ]
        history = await backend.supergraph_history(10)
        assert [(s.revision, s.sdl, dict(s.subgraph_versions)) for s in history] == [
            (2, "orders supergraph", {"customers": 1, "orders": 1}),
            (1, "customers supergraph", {"customers": 1}),
        ]

        # The upgraded store takes new publications where the old history ends.
        registry = SchemaRegistry(backend, clock)
        result = await registry.publish("orders", ORDERS_SDL, "http://10.0.0.2:4004/graphql", "ci")
        assert (result.version, result.changed) == (2, True)
        current = await backend.current_supergraph()
        assert current is not None
        assert (current.revision, dict(current.subgraph_versions)) == (
            3,
            {"customers": 1, "orders": 2},
        )
        assert await backend.current_index() == 8
    finally:
        await backend.close()

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            for table, column, _ in ADDED_COLUMNS:
                assert column in {c["name"] for c in inspector.get_columns(table)}
    finally:
        engine.dispose()

    # Opening an upgraded store again changes nothing.
    again = SqlRegistryBackend(f"sqlite+aiosqlite:///{path}", clock)
    await again.open()
    try:
        assert [s.revision for s in await again.supergraph_history(10)] == [3, 2, 1]
        assert await again.current_index() == 8
    finally:
        await again.close()


async def test_a_fresh_store_starts_empty(database_url: str, clock: ManualClock) -> None:
    backend = SqlRegistryBackend(database_url, clock)
    await backend.open()
    try:
        assert await backend.current_index() == 0
        assert await backend.current_supergraph() is None
        assert await backend.supergraph_history(5) == []
        assert await backend.subgraph_versions("customers") == []
    finally:
        await backend.close()
