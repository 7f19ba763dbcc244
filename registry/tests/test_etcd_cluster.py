"""Acceptance: losing one member of a three-member etcd cluster loses no registration, and
watchers see changes within 2 s.

A throwaway three-member cluster; the backends are given every endpoint, the leader's first,
so the member killed (SIGKILL) is both the one they talk to and the leader: the test covers
client failover, watch re-creation and a leader election at once. Skips when etcd is not
installed (``TRELLIS_REQUIRE_ETCD=1`` makes that a failure).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from trellis_registry.etcd_backend import EtcdRegistryBackend
from trellis_registry.instances import Instance, InstanceStatus
from trellis_registry.throwaway_etcd import REQUIRE_ETCD_ENV, ThrowawayEtcd, etcd_missing_reason

TTL = timedelta(seconds=30)
INSTANCES = 20
WATCH_DEADLINE_SECONDS = 2.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayEtcd]:
    reason = etcd_missing_reason()
    if reason is not None:
        if os.environ.get(REQUIRE_ETCD_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with ThrowawayEtcd(members=3) as started:
        yield started


def now() -> datetime:
    return datetime.now(UTC)


def instance(number: int) -> Instance:
    moment = now()
    return Instance(
        service="orders",
        instance_id=f"orders-{number:02d}",
        routing_url=f"http://orders-{number:02d}.test/graphql",
        health_url=f"http://orders-{number:02d}.test/health",
        status=InstanceStatus.UP,
        registered_at=moment,
        last_heartbeat_at=moment,
    )


async def listed_ids(backend: EtcdRegistryBackend) -> list[str]:
    _, instances = await backend.list_instances(now())
    return [i.instance_id for i in instances]


async def test_losing_the_leader_member_loses_nothing(cluster: ThrowawayEtcd) -> None:
    leader = cluster.leader_index()
    others = [index for index in range(3) if index != leader]
    endpoints = [cluster.endpoint(leader), *(cluster.endpoint(i) for i in others)]
    prefix = f"/trellis-test/{uuid.uuid4().hex}/"
    registry = EtcdRegistryBackend(endpoints, prefix=prefix)
    watcher = EtcdRegistryBackend(endpoints, prefix=prefix)
    await registry.open()
    await watcher.open()
    try:
        for number in range(INSTANCES):
            await registry.put_instance(instance(number), TTL)
        registered = sorted(f"orders-{number:02d}" for number in range(INSTANCES))
        assert await listed_ids(watcher) == registered
        seen = await watcher.current_index()
        # A watch open on the member that is about to die.
        waiting = asyncio.create_task(watcher.wait_for_index(seen, 30.0))
        await asyncio.sleep(0.2)
        assert not waiting.done()

        cluster.kill(leader)
        assert not cluster.is_alive(leader)

        assert await listed_ids(registry) == registered
        assert registry.endpoint != cluster.endpoint(leader)
        added = await registry.put_instance(instance(INSTANCES), TTL)
        woken = await asyncio.wait_for(waiting, WATCH_DEADLINE_SECONDS)
        assert seen < woken <= added
        for number in range(INSTANCES + 1):
            renewed = await registry.renew_instance("orders", f"orders-{number:02d}", now(), now())
            assert renewed is not None, number
        assert await listed_ids(watcher) == [*registered, f"orders-{INSTANCES:02d}"]

        # A watcher that starts after the loss sees a change within 2 s too.
        seen = await watcher.current_index()
        waiting = asyncio.create_task(watcher.wait_for_index(seen, 30.0))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        deleted = await registry.delete_instance("orders", "orders-00")
        assert deleted is not None
        assert seen < await asyncio.wait_for(waiting, WATCH_DEADLINE_SECONDS) <= deleted
    finally:
        await registry.close()
        await watcher.close()


async def test_no_member_answering_is_a_connection_error(cluster: ThrowawayEtcd) -> None:
    prefix = f"/trellis-test/{uuid.uuid4().hex}/"
    backend = EtcdRegistryBackend(cluster.endpoints, prefix=prefix, timeout_seconds=2.0)
    try:
        await backend.open()
        for index in range(3):
            cluster.kill(index)

        with pytest.raises(ConnectionError, match="no etcd endpoint answered"):
            await backend.current_index()
    finally:
        await backend.close()
