"""Issue 6 acceptance on the scale-out store: two registry replicas on a three-member etcd
cluster, the whole system registered through one replica and the router following the other.

Losing one etcd member (the leader) loses no registration, the system keeps answering with
zero failed client requests under load, and a publish through one replica reaches the router
through the other within 2 s. The measured times are printed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from trellis_registry.throwaway_etcd import REQUIRE_ETCD_ENV, ThrowawayEtcd, etcd_missing_reason

from .conftest import BIN, System, free_port, start_system, wait_until
from .test_live_changes import VISIBLE_WITHIN_SECONDS, api_fields, instances, load, seconds_until

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def etcd_cluster() -> Iterator[ThrowawayEtcd]:
    """A throwaway three-member etcd cluster (skipped without etcd unless CI requires it)."""
    reason = etcd_missing_reason()
    if reason is not None:
        if os.environ.get(REQUIRE_ETCD_ENV) == "1":
            pytest.fail(f"{reason}, but {REQUIRE_ETCD_ENV}=1 requires the etcd tests")
        pytest.skip(reason)
    with ThrowawayEtcd(members=3) as cluster:
        yield cluster


def endpoint_args(cluster: ThrowawayEtcd) -> list[str]:
    """``--etcd-endpoint`` options naming every member."""
    return [arg for endpoint in cluster.endpoints for arg in ("--etcd-endpoint", endpoint)]


def test_registry_replicas_on_etcd_survive_the_loss_of_a_member(
    etcd_cluster: ThrowawayEtcd, tmp_path: Path
) -> None:
    with start_system(tmp_path, registry_args=endpoint_args(etcd_cluster)) as system:
        port = free_port()
        replica_url = f"http://127.0.0.1:{port}"
        system.processes.start(
            "registry-replica",
            [
                str(BIN / "trellis-registry"),
                "serve",
                "--port",
                str(port),
                *endpoint_args(etcd_cluster),
            ],
        )
        wait_until(
            lambda: httpx.get(f"{replica_url}/health", timeout=2).status_code == 200,
            "the second registry replica",
            system.processes,
        )
        replica = System(replica_url, system.router_url, system.subgraphs, system.processes)
        registered = instances(system)
        assert instances(replica) == registered
        assert all(registered.get(name) for name in system.subgraphs)

        with load.BackgroundLoad(system.router_url, concurrency=4, token=system.token()) as running:
            wait_until(lambda: running.outcomes_so_far() > 20, "load running", system.processes)
            assert running.report.failures() == [], running.report.summary()
            leader = etcd_cluster.leader_index()
            etcd_cluster.kill(leader)
            killed_at = time.monotonic()
            time.sleep(3.0)  # several heartbeats through the failover
            assert instances(system) == registered
            assert instances(replica) == registered

            # A publish through the replica reaches the router, which follows the first one.
            current = httpx.get(f"{replica_url}/v1/subgraphs/inventory", timeout=10).json()
            sdl = current["sdl"].replace(
                'type Product @key(fields: "id") {',
                'type Product @key(fields: "id") {\n  warehouseNote: String',
                1,
            )
            assert "warehouseNote" in sdl
            published = httpx.post(
                f"{replica_url}/v1/subgraphs/inventory",
                json={"sdl": sdl, "routing_url": current["routing_url"], "published_by": "test"},
                timeout=60,
            )
            assert published.status_code == 200, published.text
            visible = seconds_until(
                lambda: "warehouseNote" in api_fields(system, "Product"), system, "the publish"
            )

    report = running.report
    print("\n" + report.summary())
    print(
        f"etcd member {leader} (the leader) killed; publish visible after {visible * 1000:.0f} ms"
    )
    print(f"requests after the kill: {sum(1 for o in report.outcomes if o.started >= killed_at)}")
    assert report.failures() == [], report.summary()
    assert visible <= VISIBLE_WITHIN_SECONDS
