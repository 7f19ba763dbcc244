"""Fixtures shared by every subgraph test: a database URL for SQLite and for PostgreSQL.

``database_url`` is parametrized (ids ``sqlite`` and ``postgresql``), so a test that asks for
it runs on both. The PostgreSQL variant gets a fresh database on one throwaway cluster started
lazily for the whole session (``postgres_server``), or on the server named by
``TRELLIS_TEST_POSTGRES_URL``. Without PostgreSQL the variant is skipped, unless
``TRELLIS_REQUIRE_POSTGRES=1`` (CI), which makes it fail instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from trellis_subgraph.throwaway_postgres import (
    EXISTING_SERVER_ENV,
    ThrowawayPostgres,
    find_postgres_bin,
)

REQUIRE_POSTGRES_ENV = "TRELLIS_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """One PostgreSQL server for the session: a throwaway cluster, or an existing server.

    Only starts when a test asks for it. Holds no connection: each test opens its own, in its
    own event loop.
    """
    if not os.environ.get(EXISTING_SERVER_ENV) and find_postgres_bin() is None:
        reason = (
            "PostgreSQL server binaries not found (no initdb on PATH or in "
            f"/usr/lib/postgresql/*/bin) and {EXISTING_SERVER_ENV} is not set"
        )
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{reason}, but {REQUIRE_POSTGRES_ENV}=1 requires PostgreSQL tests")
        pytest.skip(reason)
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """SQLAlchemy async URL of an empty database: SQLite in ``tmp_path``, or a fresh PostgreSQL
    database that is dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    async with server.temporary_database() as url:
        yield url
