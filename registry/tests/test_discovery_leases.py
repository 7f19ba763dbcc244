"""Lease rules of `Discovery` on the real SQLite backend, with a hand-moved clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from trellis_registry import (
    Discovery,
    InstanceNotFoundError,
    Registration,
    SqlRegistryBackend,
)
from trellis_registry.testing import ManualClock


@pytest.fixture
async def backend(database_url: str) -> AsyncIterator[SqlRegistryBackend]:
    store = SqlRegistryBackend(database_url)
    await store.open()
    yield store
    await store.close()


def registration(instance_id: str) -> Registration:
    return Registration(
        service="inventory",
        instance_id=instance_id,
        routing_url=f"http://127.0.0.1:4002/{instance_id}",
        health_url="http://127.0.0.1:4002/health",
        metadata={},
    )


async def test_a_heartbeat_extends_the_lease(
    backend: SqlRegistryBackend, clock: ManualClock
) -> None:
    discovery = Discovery(backend, timedelta(seconds=30), clock)
    await discovery.register(registration("i-1"))
    clock.advance(25)
    renewed = await discovery.heartbeat("inventory", "i-1")
    assert renewed.last_heartbeat_at == clock.now
    clock.advance(25)
    listing = await discovery.instances("inventory")
    assert [i.instance_id for i in listing.instances] == ["i-1"]
    assert await discovery.expire() == 0


async def test_a_lapsed_lease_expires(backend: SqlRegistryBackend, clock: ManualClock) -> None:
    discovery = Discovery(backend, timedelta(seconds=30), clock)
    await discovery.register(registration("i-1"))
    clock.advance(10)
    await discovery.register(registration("i-2"))
    index_before = (await discovery.instances()).index
    clock.advance(25)

    listing = await discovery.instances()
    assert [i.instance_id for i in listing.instances] == ["i-2"]
    assert listing.index == index_before, "hiding an expired lease is not a change yet"
    with pytest.raises(InstanceNotFoundError):
        await discovery.heartbeat("inventory", "i-1")

    assert await discovery.expire() == 1
    assert (await discovery.instances()).index > index_before
    assert await discovery.expire() == 0
    with pytest.raises(InstanceNotFoundError):
        await discovery.deregister("inventory", "i-1")


async def test_state_survives_reopening(database_url: str, clock: ManualClock) -> None:
    first = SqlRegistryBackend(database_url)
    await first.open()
    await Discovery(first, timedelta(seconds=30), clock).register(registration("i-1"))
    index = await first.current_index()
    await first.close()

    second = SqlRegistryBackend(database_url)
    await second.open()
    try:
        listing = await Discovery(second, timedelta(seconds=30), clock).instances()
        assert listing.index == index
        assert [i.instance_id for i in listing.instances] == ["i-1"]
        assert listing.instances[0].registered_at == clock.now
    finally:
        await second.close()
