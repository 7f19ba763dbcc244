"""What only the etcd backend does: leases etcd expires itself, replicas sharing a cluster,
publish races between replicas, and failing over between endpoints.

Runs on the session's throwaway single-member etcd, each test under its own key prefix;
skips when etcd is not installed (``TRELLIS_REQUIRE_ETCD=1`` makes that a failure).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aetcd  # type: ignore[import-untyped]
import pytest
from trellis_registry.backend import ConcurrentPublishError
from trellis_registry.etcd_backend import EtcdRegistryBackend
from trellis_registry.instances import Instance, InstanceStatus
from trellis_registry.subgraphs import SubgraphVersion, Supergraph, supergraph_id
from trellis_registry.testing import free_port
from trellis_registry.throwaway_etcd import (
    REQUIRE_ETCD_ENV,
    etcd_missing_reason,
    find_etcd,
    shared_etcd,
)

SHORT_TTL = timedelta(seconds=2)
LONG_TTL = timedelta(seconds=30)


@pytest.fixture(scope="module")
def endpoints() -> list[str]:
    reason = etcd_missing_reason()
    if reason is not None:
        if os.environ.get(REQUIRE_ETCD_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return shared_etcd().endpoints


@pytest.fixture
async def replicas(
    endpoints: list[str],
) -> AsyncIterator[Callable[[], EtcdRegistryBackend]]:
    """Makes backend objects (registry replicas) on one fresh key prefix; closes them all."""
    prefix = f"/trellis-test/{uuid.uuid4().hex}/"
    made: list[EtcdRegistryBackend] = []

    def make() -> EtcdRegistryBackend:
        backend = EtcdRegistryBackend(endpoints, prefix=prefix)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.close()


async def opened(backend: EtcdRegistryBackend) -> EtcdRegistryBackend:
    await backend.open()
    return backend


def now() -> datetime:
    return datetime.now(UTC)


def instance(instance_id: str, service: str = "customers") -> Instance:
    moment = now()
    return Instance(
        service=service,
        instance_id=instance_id,
        routing_url=f"http://{instance_id}.test/graphql",
        health_url=f"http://{instance_id}.test/health",
        status=InstanceStatus.UP,
        registered_at=moment,
        last_heartbeat_at=moment,
    )


async def ids(backend: EtcdRegistryBackend) -> list[str]:
    _, instances = await backend.list_instances(now())
    return [i.instance_id for i in instances]


async def eventually_empty(backend: EtcdRegistryBackend, within_seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + within_seconds
    while await ids(backend):
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_etcd_expires_a_lease_and_wakes_watchers(
    replicas: Callable[[], EtcdRegistryBackend],
) -> None:
    registrar, watcher = await opened(replicas()), await opened(replicas())
    index = await registrar.put_instance(instance("short-lived"), SHORT_TTL)
    await registrar.set_status_override("customers", "short-lived", InstanceStatus.DOWN)
    after = await watcher.current_index()
    waiting = asyncio.create_task(watcher.wait_for_index(after, 10.0))

    assert await eventually_empty(watcher, within_seconds=4.0)
    woken = await asyncio.wait_for(waiting, 5.0)
    assert woken > after > index
    assert await registrar.renew_instance("customers", "short-lived", now(), now()) is None
    assert await registrar.delete_instance("customers", "short-lived") is None
    removed, index_now = await registrar.delete_expired_instances(now())
    assert removed == 0  # etcd expired it already
    assert index_now >= woken  # etcd's revision is cluster-wide: other writes may follow

    # An override left behind by an expired instance does not come back with it.
    await registrar.put_instance(instance("short-lived"), LONG_TTL)
    [again] = (await watcher.list_instances(now()))[1]
    assert again.status_override is None


async def test_keep_alives_keep_the_lease(replicas: Callable[[], EtcdRegistryBackend]) -> None:
    registrar, heartbeater = await opened(replicas()), await opened(replicas())
    await registrar.put_instance(instance("kept"), SHORT_TTL)

    for _ in range(8):  # 4 s, twice the TTL
        await asyncio.sleep(0.5)
        assert await heartbeater.renew_instance("customers", "kept", now(), now()) is not None

    _, [kept] = await registrar.list_instances(now())
    assert kept.instance_id == "kept"
    assert kept.registered_at <= kept.last_heartbeat_at <= now()
    assert now() - kept.last_heartbeat_at < SHORT_TTL


async def test_replicas_see_each_others_registrations_and_publishes(
    replicas: Callable[[], EtcdRegistryBackend],
) -> None:
    first, second = await opened(replicas()), await opened(replicas())
    seen = await second.current_index()
    waiting = asyncio.create_task(second.wait_for_index(seen, 10.0))
    await asyncio.sleep(0.2)

    registered = await first.put_instance(instance("host/1"), LONG_TTL)  # "/" in an id

    assert seen < await asyncio.wait_for(waiting, 10.0) <= registered
    assert await ids(second) == ["host/1"]
    renewed = await second.renew_instance("customers", "host/1", now(), now(), InstanceStatus.DOWN)
    assert renewed is not None and renewed[0].status is InstanceStatus.DOWN
    [down] = (await first.list_instances(now()))[1]
    assert down.status is InstanceStatus.DOWN

    sdl = "type Query { a: Int }"
    published = Supergraph(
        id=supergraph_id(sdl), sdl=sdl, composed_at=now(), revision=1, subgraph_versions={"a": 1}
    )
    version = SubgraphVersion(
        name="a", version=1, routing_url="http://a.test", sdl=sdl, published_at=now()
    )
    await second.save_publication(version, published)
    assert await first.current_supergraph() == published
    assert await first.current_subgraphs() == [version]

    assert await second.delete_instance("customers", "host/1") is not None
    assert await ids(first) == []


async def test_concurrent_publishes_one_wins_per_revision(
    replicas: Callable[[], EtcdRegistryBackend],
) -> None:
    contenders = {name: await opened(replicas()) for name in ("left", "middle", "right")}
    wins = dict.fromkeys(contenders, 0)

    for revision in range(1, 6):
        # Every replica composes against the same current state, then all publish at once.
        prepared = []
        for name, backend in contenders.items():
            current = await backend.current_supergraph()
            assert (current.revision if current else 0) == revision - 1
            number = len(await backend.subgraph_versions(name)) + 1
            version = SubgraphVersion(
                name=name,
                version=number,
                routing_url=f"http://{name}.test",
                sdl=f"type Query {{ {name}{number}: Int }}",
                published_at=now(),
            )
            composed = Supergraph(
                id=f"{name}-{revision}",
                sdl=f"# {name} {revision}",
                composed_at=now(),
                revision=revision,
                subgraph_versions={name: number},
            )
            prepared.append((name, backend.save_publication(version, composed)))
        outcomes = await asyncio.gather(
            *(attempt for _, attempt in prepared), return_exceptions=True
        )

        winners = [
            name for (name, _), o in zip(prepared, outcomes, strict=True) if isinstance(o, int)
        ]
        losers = [o for o in outcomes if isinstance(o, ConcurrentPublishError)]
        assert (len(winners), len(losers)) == (1, 2), outcomes
        wins[winners[0]] += 1
        stored = await contenders["left"].current_supergraph()
        assert stored is not None and stored.id == f"{winners[0]}-{revision}"

    history = await contenders["right"].supergraph_history(10)
    assert [s.revision for s in history] == [5, 4, 3, 2, 1]
    for name, backend in contenders.items():  # a loser stored no subgraph version
        assert len(await backend.subgraph_versions(name)) == wins[name]


async def test_open_fails_when_no_endpoint_answers() -> None:
    dead = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    backend = EtcdRegistryBackend(dead, timeout_seconds=2.0)

    with pytest.raises(ConnectionError, match="no etcd endpoint answered") as raised:
        await backend.open()

    assert dead[0] in str(raised.value) and dead[1] in str(raised.value)
    await backend.close()


async def test_fails_over_past_a_dead_endpoint(endpoints: list[str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    backend = EtcdRegistryBackend([dead, *endpoints], prefix=f"/trellis-test/{uuid.uuid4()}/")
    try:
        await backend.open()
        assert backend.endpoint == endpoints[0]
        await backend.put_instance(instance("one"), LONG_TTL)
        assert await ids(backend) == ["one"]
    finally:
        await backend.close()


def test_rejects_bad_endpoints_and_prefixes() -> None:
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        EtcdRegistryBackend(["https://127.0.0.1:2379"])
    with pytest.raises(ValueError, match="at least one endpoint"):
        EtcdRegistryBackend([])
    with pytest.raises(ValueError, match="must end with '/'"):
        EtcdRegistryBackend(["http://127.0.0.1:2379"], prefix="/trellis")


async def test_calls_before_open_are_refused(replicas: Callable[[], EtcdRegistryBackend]) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        await replicas().current_index()


async def test_writes_outside_the_prefix_wake_no_waiter(
    replicas: Callable[[], EtcdRegistryBackend], endpoints: list[str]
) -> None:
    registry, peer = await opened(replicas()), await opened(replicas())
    stranger = EtcdRegistryBackend(endpoints, prefix=f"/trellis-test/{uuid.uuid4().hex}/")
    await stranger.open()
    try:
        after = await registry.current_index()
        waiting = asyncio.create_task(registry.wait_for_index(after, 30.0))
        await stranger.put_instance(instance("elsewhere"), LONG_TTL)
        await asyncio.sleep(0.3)
        assert not waiting.done()

        ours = await peer.put_instance(instance("ours"), LONG_TTL)

        assert await asyncio.wait_for(waiting, 10.0) == ours
    finally:
        await stranger.close()


async def test_compacted_history_returns_the_current_revision(
    replicas: Callable[[], EtcdRegistryBackend], endpoints: list[str]
) -> None:
    registry = await opened(replicas())
    first = await registry.put_instance(instance("one"), LONG_TTL)
    await registry.put_instance(instance("two"), LONG_TTL)
    current = await registry.current_index()
    host, port = endpoints[0].removeprefix("http://").split(":")
    async with aetcd.Client(host=host, port=int(port)) as client:
        await client.compact(current, physical=True)

    # The events after `first - 1` are gone; the waiter cannot replay them.
    woken = await asyncio.wait_for(registry.wait_for_index(first - 1, 30.0), 10.0)

    assert woken == await registry.current_index()


def test_find_etcd_searches_the_path_then_the_fallback(tmp_path: Path) -> None:
    assert find_etcd(path=str(tmp_path), fallback=tmp_path / "missing") is None
    fallback = tmp_path / "fallback-etcd"
    fallback.write_text("#!/bin/sh\n")
    fallback.chmod(0o755)
    assert find_etcd(path=str(tmp_path), fallback=fallback) == fallback
    on_path = tmp_path / "etcd"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    assert find_etcd(path=str(tmp_path), fallback=fallback) == on_path
