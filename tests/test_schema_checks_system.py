"""Schema checks across real processes: the router reports the operations clients run to the
registry; a registry that refuses breaking changes refuses a publish that would break one of
them, and ``trellis-registry subgraph check --registry`` names the operation."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import BIN, ROOT, Processes, free_port, wait_until

SCHEMA = ROOT / "schema" / "subgraphs"


@pytest.fixture
def registry_and_router(tmp_path: Path) -> Iterator[tuple[str, str, Processes]]:
    """A registry refusing breaking changes, the committed subgraph SDL published to it, and a
    router following it (subgraph URLs point nowhere: planning is enough to record)."""
    processes = Processes(tmp_path)
    try:
        registry_url = f"http://127.0.0.1:{free_port()}"
        processes.start(
            "registry",
            [
                str(BIN / "trellis-registry"),
                "serve",
                "--port",
                registry_url.rsplit(":", 1)[1],
                "--database-url",
                f"sqlite+aiosqlite:///{tmp_path}/registry.db",
            ],
            env={"TRELLIS_REGISTRY_REFUSE_BREAKING_CHANGES": "true"},
        )
        wait_until(
            lambda: httpx.get(f"{registry_url}/health").status_code == 200, "registry", processes
        )
        for name in ("billing", "customers", "inventory", "orders"):
            response = httpx.post(
                f"{registry_url}/v1/subgraphs/{name}",
                json={
                    "sdl": (SCHEMA / f"{name}.graphql").read_text(),
                    "routing_url": f"http://127.0.0.1:{free_port()}/graphql",
                },
            )
            assert response.status_code == 200, response.text
        router_url = f"http://127.0.0.1:{free_port()}"
        processes.start(
            "router",
            [
                str(BIN / "trellis-router"),
                "serve",
                "--registry",
                registry_url,
                "--listen",
                router_url.removeprefix("http://"),
            ],
            env={
                "TRELLIS_ROUTER_POLL_INTERVAL_SECONDS": "0.5",
                "TRELLIS_ROUTER_REPORT_INTERVAL_SECONDS": "0.5",
            },
        )
        wait_until(lambda: httpx.get(f"{router_url}/ready").status_code == 200, "router", processes)
        yield registry_url, router_url, processes
    finally:
        processes.stop_all()


def test_a_publish_breaking_a_recorded_operation_is_refused(
    registry_and_router: tuple[str, str, Processes], tmp_path: Path
) -> None:
    registry_url, router_url, processes = registry_and_router
    query = "query CustomerEmails { customers { nodes { email } } }"
    httpx.post(f"{router_url}/graphql", json={"query": query}, timeout=30)

    def recorded() -> bool:
        operations = httpx.get(f"{registry_url}/v1/operations").json()
        return any(op.get("name") == "CustomerEmails" for op in operations["operations"])

    wait_until(recorded, "the router reporting CustomerEmails", processes)

    customers = (SCHEMA / "customers.graphql").read_text()
    without_email = customers.replace(
        '  """Email address, lower-cased; unique."""\n  email: String!\n', "", 1
    )
    assert without_email != customers
    before = httpx.get(f"{registry_url}/v1/subgraphs/customers").json()
    refused = httpx.post(
        f"{registry_url}/v1/subgraphs/customers",
        json={"sdl": without_email, "routing_url": before["routing_url"]},
    )
    assert refused.status_code == 409, refused.text
    assert "CustomerEmails" in refused.text
    assert "Customer.email" in refused.text
    after = httpx.get(f"{registry_url}/v1/subgraphs/customers").json()
    assert after["sdl"] == before["sdl"], "a refused publish must leave the stored SDL unchanged"

    candidate = tmp_path / "customers.graphql"
    candidate.write_text(without_email)
    check = subprocess.run(
        [
            str(BIN / "trellis-registry"),
            "subgraph",
            "check",
            "customers",
            str(candidate),
            "--registry",
            registry_url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 1, check.stdout + check.stderr
    assert "Customer.email" in check.stdout
    assert "CustomerEmails" in check.stdout
