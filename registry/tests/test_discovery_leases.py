"""Lease, status and health rules of `Discovery` on the real SQLite backend, with a
hand-moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from trellis_registry import (
    Discovery,
    HealthCheck,
    InstanceNotFoundError,
    InstanceStatus,
    Registration,
    SqlRegistryBackend,
)
from trellis_registry.testing import ManualClock, eventually

TTL = timedelta(seconds=30)


@pytest.fixture
async def backend(database_url: str, clock: ManualClock) -> AsyncIterator[SqlRegistryBackend]:
    store = SqlRegistryBackend(database_url, clock)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def discovery(backend: SqlRegistryBackend, clock: ManualClock) -> Discovery:
    return Discovery(backend, TTL, clock)


def registration(instance_id: str, port: int = 4002) -> Registration:
    return Registration(
        service="inventory",
        instance_id=instance_id,
        routing_url=f"http://127.0.0.1:{port}/{instance_id}",
        health_url="http://127.0.0.1:4002/health",
        metadata={},
    )


async def test_a_heartbeat_extends_the_lease(discovery: Discovery, clock: ManualClock) -> None:
    _, registered_index = await discovery.register(registration("i-1"))
    clock.advance(25)
    renewed, index = await discovery.heartbeat("inventory", "i-1")
    assert renewed.last_heartbeat_at == clock.now
    assert index == registered_index, "a plain heartbeat is not a change"
    assert discovery.lease_expires_at(renewed) == clock.now + TTL
    clock.advance(25)
    listing = await discovery.instances("inventory")
    assert [i.instance_id for i in listing.instances] == ["i-1"]
    assert await discovery.expire() == 0


async def test_a_lapsed_lease_expires(discovery: Discovery, clock: ManualClock) -> None:
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


async def test_a_reported_status_change_is_a_change(
    discovery: Discovery, clock: ManualClock
) -> None:
    await discovery.register(registration("i-1"))
    await discovery.register(registration("i-2", 4012))
    start = (await discovery.instances()).index

    down, index = await discovery.heartbeat("inventory", "i-1", InstanceStatus.DOWN)
    assert (down.status, down.effective_status) == (InstanceStatus.DOWN, InstanceStatus.DOWN)
    assert index > start
    listing = await discovery.instances()
    assert listing.routing_urls() == {"inventory": ["http://127.0.0.1:4012/i-2"]}

    clock.advance(5)
    kept, same = await discovery.heartbeat("inventory", "i-1")
    assert (kept.status, same) == (InstanceStatus.DOWN, index), "no status: keep the reported one"
    _, same = await discovery.heartbeat("inventory", "i-1", InstanceStatus.DOWN)
    assert same == index, "the same status again is not a change"
    up, after = await discovery.heartbeat("inventory", "i-1", InstanceStatus.UP)
    assert up.status is InstanceStatus.UP
    assert after > index
    with pytest.raises(ValueError, match="OUT_OF_SERVICE"):
        await discovery.heartbeat("inventory", "i-1", InstanceStatus.OUT_OF_SERVICE)


async def test_an_override_survives_heartbeats_and_reregistration(
    discovery: Discovery, clock: ManualClock
) -> None:
    await discovery.register(registration("i-1"))
    start = (await discovery.instances()).index

    overridden, index = await discovery.set_status_override(
        "inventory", "i-1", InstanceStatus.OUT_OF_SERVICE
    )
    assert overridden.status is InstanceStatus.UP
    assert overridden.status_override is InstanceStatus.OUT_OF_SERVICE
    assert overridden.effective_status is InstanceStatus.OUT_OF_SERVICE
    assert index > start
    assert (await discovery.instances()).routing_urls() == {}
    _, same = await discovery.set_status_override("inventory", "i-1", InstanceStatus.OUT_OF_SERVICE)
    assert same == index, "setting the same override again is not a change"

    clock.advance(20)
    renewed, _ = await discovery.heartbeat("inventory", "i-1", InstanceStatus.UP)
    assert renewed.effective_status is InstanceStatus.OUT_OF_SERVICE
    again, _ = await discovery.register(registration("i-1", 5002))
    assert again.routing_url == "http://127.0.0.1:5002/i-1"
    assert again.status_override is InstanceStatus.OUT_OF_SERVICE

    cleared, after = await discovery.clear_status_override("inventory", "i-1")
    assert (cleared.status_override, cleared.effective_status) == (None, InstanceStatus.UP)
    assert after > index
    assert (await discovery.instances()).routing_urls() == {
        "inventory": ["http://127.0.0.1:5002/i-1"]
    }
    _, same = await discovery.clear_status_override("inventory", "i-1")
    assert same == after, "clearing a missing override is not a change"


async def test_overriding_an_unknown_or_expired_instance_fails(
    discovery: Discovery, backend: SqlRegistryBackend, clock: ManualClock
) -> None:
    with pytest.raises(InstanceNotFoundError):
        await discovery.set_status_override("inventory", "nope", InstanceStatus.OUT_OF_SERVICE)
    await discovery.register(registration("i-1"))
    index = await backend.current_index()
    clock.advance(31)
    with pytest.raises(InstanceNotFoundError):
        await discovery.set_status_override("inventory", "i-1", InstanceStatus.OUT_OF_SERVICE)
    with pytest.raises(InstanceNotFoundError):
        await discovery.clear_status_override("inventory", "i-1")
    assert await backend.current_index() == index


async def test_health_outcomes_and_the_effective_status(
    discovery: Discovery, backend: SqlRegistryBackend
) -> None:
    await discovery.register(registration("i-1"))
    start = await backend.current_index()

    changed = await backend.set_health("inventory", "i-1", HealthCheck.CRITICAL)
    assert changed is not None
    critical, index = changed
    assert (critical.health, critical.effective_status) == (
        HealthCheck.CRITICAL,
        InstanceStatus.DOWN,
    )
    assert index > start
    assert (await discovery.instances()).routing_urls() == {}
    unchanged = await backend.set_health("inventory", "i-1", HealthCheck.CRITICAL)
    assert unchanged is not None and unchanged[1] == index

    forced, _ = await discovery.set_status_override("inventory", "i-1", InstanceStatus.UP)
    assert forced.effective_status is InstanceStatus.UP, "an override beats a failing check"
    await discovery.clear_status_override("inventory", "i-1")
    # A re-registration starts with an unknown health (the health URL may have moved).
    again, _ = await discovery.register(registration("i-1"))
    assert (again.health, again.effective_status) == (HealthCheck.UNKNOWN, InstanceStatus.UP)
    assert await backend.set_health("inventory", "nope", HealthCheck.PASSING) is None


async def test_wait_for_index(discovery: Discovery, backend: SqlRegistryBackend) -> None:
    _, index = await discovery.register(registration("i-1"))
    assert await backend.wait_for_index(index - 1, 60) == index, "already newer: no wait"
    assert await backend.wait_for_index(index, 0.05) == index, "timeout: the same index"

    waiter = asyncio.create_task(backend.wait_for_index(index, 60))
    await eventually(lambda: backend.watchers == 1)
    _, registered = await discovery.register(registration("i-2"))
    assert await asyncio.wait_for(waiter, 10) == registered
    assert backend.watchers == 0

    closing = asyncio.create_task(backend.wait_for_index(registered, 60))
    await eventually(lambda: backend.watchers == 1)
    await backend.close()
    assert await asyncio.wait_for(closing, 10) == registered


async def test_state_survives_reopening(database_url: str, clock: ManualClock) -> None:
    first = SqlRegistryBackend(database_url, clock)
    await first.open()
    registered_at = clock.now
    await Discovery(first, TTL, clock).register(registration("i-1"))
    await Discovery(first, TTL, clock).set_status_override(
        "inventory", "i-1", InstanceStatus.OUT_OF_SERVICE
    )
    index = await first.current_index()
    await first.close()

    clock.advance(3600)  # the registry was down for an hour
    second = SqlRegistryBackend(database_url, clock)
    await second.open()
    try:
        discovery = Discovery(second, TTL, clock)
        listing = await discovery.instances()
        assert listing.index == index
        [kept] = listing.instances
        assert (kept.instance_id, kept.registered_at) == ("i-1", registered_at)
        assert kept.last_heartbeat_at == clock.now, "the lease restarts when the store opens"
        assert kept.status_override is InstanceStatus.OUT_OF_SERVICE
        await discovery.heartbeat("inventory", "i-1")

        clock.advance(31)  # an instance that is really gone expires one TTL later
        assert await discovery.expire() == 1
        assert await second.current_index() > index
    finally:
        await second.close()
