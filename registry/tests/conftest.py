"""Shared fixtures: a registry app on a temporary SQLite file, driven through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from trellis_registry import RegistrySettings
from trellis_registry.testing import ManualClock, serve_in_process


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture
def settings(database_url: str) -> RegistrySettings:
    return RegistrySettings(
        database_url=database_url, lease_ttl_seconds=30.0, expiry_sweep_interval_seconds=3600.0
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 1, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
async def client(settings: RegistrySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_process(settings) as client:
        yield client
