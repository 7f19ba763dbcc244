"""The `RegistryBackend` contract, run against every backend.

Each test gets a ``Stores`` pair: ``backend`` and ``peer``. For the SQL backend (one process
owns the file) the peer is the same object; for etcd it is a second backend object on the
same cluster and key prefix, i.e. another registry replica, so every "wakes on change" and
"sees" assertion also checks that replicas see each other.

The etcd variants run on one throwaway single-member etcd per test session, each test under
its own key prefix; they skip when etcd is not installed (``TRELLIS_REQUIRE_ETCD=1`` makes
that a failure).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from trellis_registry.backend import ConcurrentPublishError, RegistryBackend
from trellis_registry.etcd_backend import EtcdRegistryBackend
from trellis_registry.instances import HealthCheck, Instance, InstanceStatus
from trellis_registry.operations import OperationReport, operation_hash
from trellis_registry.sql_backend import SqlRegistryBackend
from trellis_registry.subgraphs import SubgraphVersion, Supergraph, supergraph_id
from trellis_registry.throwaway_etcd import REQUIRE_ETCD_ENV, etcd_missing_reason, shared_etcd

TTL = timedelta(seconds=30)
WAIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Stores:
    """The backend under test and a peer that writes to the same store."""

    backend: RegistryBackend
    peer: RegistryBackend


def etcd_endpoints() -> list[str]:
    reason = etcd_missing_reason()
    if reason is not None:
        if os.environ.get(REQUIRE_ETCD_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return shared_etcd().endpoints


@pytest.fixture(params=["sql", "etcd"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "sql":
        sql = SqlRegistryBackend(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
        await sql.open()
        try:
            yield Stores(backend=sql, peer=sql)
        finally:
            await sql.close()
        return
    endpoints = etcd_endpoints()
    prefix = f"/trellis-test/{uuid.uuid4().hex}/"
    backend = EtcdRegistryBackend(endpoints, prefix=prefix)
    peer = EtcdRegistryBackend(endpoints, prefix=prefix)
    await backend.open()
    await peer.open()
    try:
        yield Stores(backend=backend, peer=peer)
    finally:
        await backend.close()
        await peer.close()


def now() -> datetime:
    return datetime.now(UTC)


def long_ago() -> datetime:
    """An ``alive_since`` every lease in these tests satisfies."""
    return now() - timedelta(hours=1)


def instance(service: str = "customers", instance_id: str = "customers-1") -> Instance:
    moment = now()
    return Instance(
        service=service,
        instance_id=instance_id,
        routing_url=f"http://{instance_id}.test/graphql",
        health_url=f"http://{instance_id}.test/health",
        status=InstanceStatus.UP,
        registered_at=moment,
        last_heartbeat_at=moment,
        metadata={"zone": "a"},
    )


def version(name: str, number: int) -> SubgraphVersion:
    return SubgraphVersion(
        name=name,
        version=number,
        routing_url=f"http://{name}.test/graphql",
        sdl=f"type Query {{ {name}{number}: Int }}",
        published_at=now(),
        published_by="ci@test",
    )


def supergraph(revision: int, versions: dict[str, int]) -> Supergraph:
    sdl = f"# revision {revision}\n" + "".join(f"# {n} {v}\n" for n, v in sorted(versions.items()))
    return Supergraph(
        id=supergraph_id(sdl),
        sdl=sdl,
        composed_at=now(),
        revision=revision,
        subgraph_versions=versions,
    )


async def listed(backend: RegistryBackend, service: str | None = None) -> list[Instance]:
    _, instances = await backend.list_instances(long_ago(), service)
    return instances


# -- index -----------------------------------------------------------------------------------


async def test_every_change_increases_the_index(stores: Stores) -> None:
    backend = stores.backend
    indexes = [await backend.current_index()]
    indexes.append(await backend.put_instance(instance(), TTL))
    renewed = await backend.renew_instance(
        "customers", "customers-1", now(), long_ago(), InstanceStatus.DOWN
    )
    assert renewed is not None
    indexes.append(renewed[1])
    overridden = await backend.set_status_override(
        "customers", "customers-1", InstanceStatus.OUT_OF_SERVICE
    )
    assert overridden is not None
    indexes.append(overridden[1])
    checked = await backend.set_health("customers", "customers-1", HealthCheck.CRITICAL)
    assert checked is not None
    indexes.append(checked[1])
    deleted = await backend.delete_instance("customers", "customers-1")
    assert deleted is not None
    indexes.append(deleted)
    indexes.append(await backend.save_publication(version("customers", 1), supergraph(1, {})))

    assert indexes == sorted(set(indexes)), indexes  # strictly increasing
    assert await backend.current_index() == indexes[-1]
    assert await stores.peer.current_index() == indexes[-1]


async def test_wait_for_index_returns_at_once_when_the_index_is_already_greater(
    stores: Stores,
) -> None:
    index = await stores.backend.put_instance(instance(), TTL)

    assert await stores.backend.wait_for_index(index - 1, WAIT_SECONDS) == index


async def test_wait_for_index_wakes_on_a_change_by_the_peer(stores: Stores) -> None:
    before = await stores.backend.current_index()
    waiter = asyncio.create_task(stores.backend.wait_for_index(before, WAIT_SECONDS))
    await asyncio.sleep(0.2)
    assert not waiter.done()

    changed = await stores.peer.put_instance(instance(), TTL)

    woken = await asyncio.wait_for(waiter, WAIT_SECONDS)
    assert before < woken <= changed


async def test_wait_for_index_times_out_with_the_unchanged_index(stores: Stores) -> None:
    before = await stores.backend.current_index()

    assert await stores.backend.wait_for_index(before, 0.3) == before


async def test_close_wakes_waiters(stores: Stores) -> None:
    before = await stores.backend.current_index()
    waiter = asyncio.create_task(stores.backend.wait_for_index(before, WAIT_SECONDS))
    await asyncio.sleep(0.2)
    assert not waiter.done()

    await stores.backend.close()

    assert await asyncio.wait_for(waiter, 5.0) <= before


# -- instances -------------------------------------------------------------------------------


async def test_put_list_renew_and_delete_instances(stores: Stores) -> None:
    backend = stores.backend
    await backend.put_instance(instance("orders", "orders-1"), TTL)
    await backend.put_instance(instance("customers", "customers-2"), TTL)
    index = await backend.put_instance(instance("customers", "customers-1"), TTL)

    listed_index, everything = await stores.peer.list_instances(long_ago())
    assert listed_index == index
    assert [(i.service, i.instance_id) for i in everything] == [
        ("customers", "customers-1"),
        ("customers", "customers-2"),
        ("orders", "orders-1"),
    ]
    first = everything[0]
    assert first.routing_url == "http://customers-1.test/graphql"
    assert first.health_url == "http://customers-1.test/health"
    assert first.metadata == {"zone": "a"}
    assert first.status is InstanceStatus.UP
    assert first.health is HealthCheck.UNKNOWN
    assert first.status_override is None
    assert [i.instance_id for i in await listed(backend, "orders")] == ["orders-1"]

    heartbeat = now()
    renewed = await stores.peer.renew_instance("customers", "customers-1", heartbeat, long_ago())
    assert renewed is not None
    assert renewed[0].last_heartbeat_at == heartbeat
    assert renewed[0].status is InstanceStatus.UP
    assert renewed[1] == index  # a heartbeat that changes nothing else leaves the index

    deleted = await backend.delete_instance("customers", "customers-1")
    assert deleted is not None and deleted > index
    assert await backend.delete_instance("customers", "customers-1") is None
    assert await backend.renew_instance("customers", "customers-1", now(), long_ago()) is None
    assert [i.instance_id for i in await listed(stores.peer)] == ["customers-2", "orders-1"]


async def test_renewing_with_a_new_status_stores_it(stores: Stores) -> None:
    index = await stores.backend.put_instance(instance(), TTL)

    down = await stores.backend.renew_instance(
        "customers", "customers-1", now(), long_ago(), InstanceStatus.DOWN
    )
    assert down is not None
    assert down[0].status is InstanceStatus.DOWN
    assert down[1] > index
    again = await stores.backend.renew_instance(
        "customers", "customers-1", now(), long_ago(), InstanceStatus.DOWN
    )
    assert again is not None and again[1] == down[1]
    [stored] = await listed(stores.peer)
    assert stored.status is InstanceStatus.DOWN
    assert stored.effective_status is InstanceStatus.DOWN


async def test_reregistering_replaces_the_instance(stores: Stores) -> None:
    await stores.backend.put_instance(instance(), TTL)

    moved = replace(instance(), routing_url="http://elsewhere.test/graphql")
    await stores.peer.put_instance(moved, TTL)

    [stored] = await listed(stores.backend)
    assert stored.routing_url == "http://elsewhere.test/graphql"


async def test_status_override_survives_reregistration(stores: Stores) -> None:
    backend = stores.backend
    await backend.put_instance(instance(), TTL)
    overridden = await backend.set_status_override(
        "customers", "customers-1", InstanceStatus.OUT_OF_SERVICE
    )
    assert overridden is not None
    assert overridden[0].status_override is InstanceStatus.OUT_OF_SERVICE
    assert overridden[0].effective_status is InstanceStatus.OUT_OF_SERVICE

    # The new registration's own override is ignored; the stored one is kept.
    await stores.peer.put_instance(replace(instance(), status_override=InstanceStatus.UP), TTL)

    [stored] = await listed(backend)
    assert stored.status_override is InstanceStatus.OUT_OF_SERVICE
    assert stored.effective_status is InstanceStatus.OUT_OF_SERVICE

    same = await backend.set_status_override(
        "customers", "customers-1", InstanceStatus.OUT_OF_SERVICE
    )
    assert same is not None and same[1] == await backend.current_index()
    removed = await backend.set_status_override("customers", "customers-1", None)
    assert removed is not None
    assert removed[0].status_override is None
    assert removed[1] > same[1]
    [stored] = await listed(stores.peer)
    assert stored.effective_status is InstanceStatus.UP


async def test_deleting_an_instance_drops_its_override(stores: Stores) -> None:
    await stores.backend.put_instance(instance(), TTL)
    await stores.backend.set_status_override("customers", "customers-1", InstanceStatus.DOWN)
    await stores.backend.delete_instance("customers", "customers-1")

    await stores.backend.put_instance(instance(), TTL)

    [stored] = await listed(stores.peer)
    assert stored.status_override is None


async def test_override_and_health_of_an_unknown_instance(stores: Stores) -> None:
    backend = stores.backend
    assert await backend.set_status_override("nobody", "nobody-1", InstanceStatus.DOWN) is None
    assert await backend.set_health("nobody", "nobody-1", HealthCheck.PASSING) is None
    assert await backend.renew_instance("nobody", "nobody-1", now(), long_ago()) is None


async def test_set_health_increases_the_index_only_on_change(stores: Stores) -> None:
    backend = stores.backend
    index = await backend.put_instance(instance(), TTL)

    critical = await backend.set_health("customers", "customers-1", HealthCheck.CRITICAL)
    assert critical is not None
    assert critical[0].health is HealthCheck.CRITICAL
    assert critical[0].effective_status is InstanceStatus.DOWN
    assert critical[1] > index
    again = await backend.set_health("customers", "customers-1", HealthCheck.CRITICAL)
    assert again is not None and again[1] == critical[1]
    assert await backend.current_index() == critical[1]
    passing = await stores.peer.set_health("customers", "customers-1", HealthCheck.PASSING)
    assert passing is not None and passing[1] > critical[1]
    [stored] = await listed(backend)
    assert stored.health is HealthCheck.PASSING
    assert stored.effective_status is InstanceStatus.UP


async def test_delete_expired_instances_keeps_live_ones(stores: Stores) -> None:
    index = await stores.backend.put_instance(instance(), TTL)

    removed, after = await stores.backend.delete_expired_instances(long_ago())

    assert (removed, after) == (0, index)
    assert len(await listed(stores.peer)) == 1


# -- schema registry -------------------------------------------------------------------------


async def test_publications_keep_versions_and_supergraph_history(stores: Stores) -> None:
    backend, peer = stores.backend, stores.peer
    assert await backend.current_supergraph() is None
    assert await backend.current_subgraphs() == []
    assert await backend.subgraph_versions("customers") == []
    assert await backend.supergraph_history(10) == []

    first = await backend.save_publication(version("customers", 1), supergraph(1, {"customers": 1}))
    second = await peer.save_publication(
        version("billing", 1), supergraph(2, {"customers": 1, "billing": 1})
    )
    third_version = version("customers", 2)
    third_supergraph = supergraph(3, {"customers": 2, "billing": 1})
    third = await backend.save_publication(third_version, third_supergraph)
    assert first < second < third

    current = await peer.current_subgraphs()
    assert [(v.name, v.version) for v in current] == [("billing", 1), ("customers", 2)]
    assert current[1] == third_version
    assert [v.version for v in await peer.subgraph_versions("customers")] == [2, 1]
    assert await peer.current_supergraph() == third_supergraph
    assert [s.revision for s in await peer.supergraph_history(10)] == [3, 2, 1]
    assert [s.revision for s in await peer.supergraph_history(2)] == [3, 2]


async def test_a_stale_publication_is_refused_and_stores_nothing(stores: Stores) -> None:
    backend, peer = stores.backend, stores.peer
    await backend.save_publication(version("customers", 1), supergraph(1, {"customers": 1}))
    index = await backend.current_index()

    with pytest.raises(ConcurrentPublishError):  # the supergraph revision is taken
        await peer.save_publication(version("billing", 1), supergraph(1, {"billing": 1}))
    with pytest.raises(ConcurrentPublishError):  # the subgraph version is taken
        await peer.save_publication(version("customers", 1), supergraph(2, {"customers": 1}))
    with pytest.raises(ConcurrentPublishError):  # a version was skipped
        await peer.save_publication(version("customers", 3), supergraph(2, {"customers": 3}))
    with pytest.raises(ConcurrentPublishError):  # a revision was skipped
        await peer.save_publication(version("billing", 1), supergraph(3, {"billing": 1}))

    assert await backend.current_index() == index
    assert [v.name for v in await backend.current_subgraphs()] == ["customers"]
    assert [s.revision for s in await backend.supergraph_history(10)] == [1]


# -- recorded operations ---------------------------------------------------------------------


async def test_record_operations_sums_counts(stores: Stores) -> None:
    first_seen = now()
    await stores.backend.record_operations(
        [
            OperationReport(name="Customers", document="query Customers { a }"),
            OperationReport(name=None, document="{ b }", count=3),
            OperationReport(name="Customers", document="query Customers { a }", count=2),
        ],
        first_seen,
    )
    last_seen = first_seen + timedelta(seconds=5)
    await stores.peer.record_operations(
        [OperationReport(name="Renamed", document="query Customers { a }", count=4)], last_seen
    )

    recorded = await stores.backend.recorded_operations()

    assert [r.hash for r in recorded] == sorted(
        [operation_hash("query Customers { a }"), operation_hash("{ b }")]
    )
    by_document = {r.document: r for r in recorded}
    customers = by_document["query Customers { a }"]
    assert (customers.name, customers.count) == ("Renamed", 7)
    assert (customers.first_seen_at, customers.last_seen_at) == (first_seen, last_seen)
    anonymous = by_document["{ b }"]
    assert (anonymous.name, anonymous.count) == (None, 3)
    assert anonymous.last_seen_at == first_seen
