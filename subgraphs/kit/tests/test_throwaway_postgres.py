"""The PostgreSQL test infrastructure: the throwaway cluster and the ``database_url`` fixture."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
import trellis_subgraph.throwaway_postgres as throwaway_postgres
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from trellis_subgraph.throwaway_postgres import (
    PostgresNotFoundError,
    ThrowawayPostgres,
    find_postgres_bin,
)


async def write_and_read(url: str, table: str, values: list[str]) -> list[str]:
    """Create ``table`` in the database at ``url``, insert ``values``, and read them back."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)"))
            for index, value in enumerate(values):
                await conn.execute(
                    text(f"INSERT INTO {table} (id, name) VALUES (:id, :name)"),
                    {"id": index, "name": value},
                )
        async with engine.connect() as conn:
            rows = await conn.execute(text(f"SELECT name FROM {table} ORDER BY id"))
            return [row.name for row in rows]
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    """Names of the tables in the public schema of the PostgreSQL database at ``url``."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row.tablename for row in rows}
    finally:
        await engine.dispose()


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


# -- the database_url fixture --------------------------------------------------------------


async def test_database_url_gives_a_working_empty_database(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    backend = request.node.callspec.params["database_url"]
    url = make_url(database_url)
    if backend == "sqlite":
        assert url.drivername == "sqlite+aiosqlite"
        assert url.database == f"{tmp_path}/test.db"
    else:
        assert backend == "postgresql"
        assert url.drivername == "postgresql+asyncpg"
        assert url.host == "127.0.0.1" or os.environ.get("TRELLIS_TEST_POSTGRES_URL")
        assert (url.database or "").startswith("trellis_test_")
    assert await write_and_read(database_url, "widgets", ["a", "b"]) == ["a", "b"]


# -- databases on the session server -------------------------------------------------------


async def test_created_database_accepts_an_engine(postgres_server: ThrowawayPostgres) -> None:
    url = await postgres_server.create_database()
    try:
        assert make_url(url).drivername == "postgresql+asyncpg"
        assert await table_names(url) == set()
        assert await write_and_read(url, "gadgets", ["x", "y", "z"]) == ["x", "y", "z"]
    finally:
        await postgres_server.drop_database(make_url(url).database or "")


async def test_created_databases_are_isolated(postgres_server: ThrowawayPostgres) -> None:
    async with (
        postgres_server.temporary_database() as first,
        postgres_server.temporary_database() as second,
    ):
        assert first != second
        await write_and_read(first, "only_in_first", ["1"])
        await write_and_read(second, "only_in_second", ["2"])
        assert await table_names(first) == {"only_in_first"}
        assert await table_names(second) == {"only_in_second"}


async def test_create_database_with_a_name(postgres_server: ThrowawayPostgres) -> None:
    url = await postgres_server.create_database("trellis_named_db")
    try:
        assert make_url(url).database == "trellis_named_db"
        assert url == postgres_server.url_for("trellis_named_db")
        assert await postgres_server.database_exists("trellis_named_db")
    finally:
        await postgres_server.drop_database("trellis_named_db")
    assert not await postgres_server.database_exists("trellis_named_db")


async def test_drop_removes_the_database_even_while_connected(
    postgres_server: ThrowawayPostgres,
) -> None:
    url = await postgres_server.create_database()
    name = make_url(url).database or ""
    assert await postgres_server.database_exists(name)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await postgres_server.drop_database(name)
    finally:
        connection.terminate()
    assert not await postgres_server.database_exists(name)
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(dsn)
    await postgres_server.drop_database(name)  # dropping again is no error


async def test_temporary_database_is_dropped_afterwards(
    postgres_server: ThrowawayPostgres,
) -> None:
    async with postgres_server.temporary_database() as url:
        name = make_url(url).database or ""
        assert await postgres_server.database_exists(name)
    assert not await postgres_server.database_exists(name)


async def test_database_names_must_be_plain(postgres_server: ThrowawayPostgres) -> None:
    for bad in ['x"; DROP DATABASE postgres; --', "", "1abc", "a" * 64]:
        with pytest.raises(ValueError, match="not a plain database name"):
            await postgres_server.create_database(bad)


async def test_existing_server_mode_starts_nothing(
    postgres_server: ThrowawayPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_url(postgres_server.admin_url).set(drivername="postgresql")
    monkeypatch.setenv("TRELLIS_TEST_POSTGRES_URL", admin.render_as_string(hide_password=False))
    with ThrowawayPostgres() as existing:
        assert existing.external
        assert existing.admin_url == postgres_server.admin_url
        async with existing.temporary_database() as url:
            assert await postgres_server.database_exists(make_url(url).database or "")
    # Stopping an existing server's handle leaves the server alone.
    assert await postgres_server.database_exists("postgres")


# -- the cluster's own lifecycle -----------------------------------------------------------


def test_cluster_starts_on_loopback_and_stop_removes_everything(
    postgres_server: ThrowawayPostgres,
) -> None:
    if find_postgres_bin() is None:
        pytest.skip("no local PostgreSQL binaries (the session uses TRELLIS_TEST_POSTGRES_URL)")
    with ThrowawayPostgres(use_env=False, base_dir=Path("/tmp")) as server:
        assert server.running and not server.external
        assert server.admin_url == f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}/postgres"
        assert accepts_connections(server.port)
        root = server._root
        assert root is not None and root.parent == Path("/tmp")
        assert (root / "data" / "PG_VERSION").exists()
        conf = (root / "data" / "postgresql.conf").read_text()
        for setting in ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]:
            assert setting in conf
        port = server.port
    assert not server.running
    assert not root.exists()
    assert not accepts_connections(port)
    server.stop()  # a second stop is harmless
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.admin_url


def test_missing_binaries_raise_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throwaway_postgres, "find_postgres_bin", lambda: None)
    with pytest.raises(PostgresNotFoundError, match="apt-get install postgresql"):
        ThrowawayPostgres(use_env=False).start()


# -- finding the binaries ------------------------------------------------------------------


def make_bin(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name in ["initdb", "pg_ctl", "postgres"]:
        (directory / name).write_text("#!/bin/sh\n")
        (directory / name).chmod(0o755)
    return directory


def test_find_postgres_bin_prefers_path(tmp_path: Path) -> None:
    on_path = make_bin(tmp_path / "opt" / "pg" / "bin")
    link_dir = tmp_path / "links"
    link_dir.mkdir()
    (link_dir / "initdb").symlink_to(on_path / "initdb")
    make_bin(tmp_path / "lib" / "16" / "bin")
    assert find_postgres_bin(path=str(link_dir), lib_root=tmp_path / "lib") == on_path


def test_find_postgres_bin_takes_the_newest_versioned_dir(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    for version in ["9.6", "10", "15"]:
        make_bin(lib / version / "bin")
    (lib / "17" / "bin").mkdir(parents=True)  # client-only install: no initdb
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_postgres_bin(path=str(empty), lib_root=lib) == lib / "15" / "bin"


def test_find_postgres_bin_returns_none_without_postgres(tmp_path: Path) -> None:
    assert find_postgres_bin(path=str(tmp_path), lib_root=tmp_path / "nothing") is None
