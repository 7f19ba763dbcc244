"""The Rover-style commands (``subgraph publish|fetch|history|rollback``, ``supergraph
fetch``, ``instance status``) against a real registry server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from trellis_registry import RegistrySettings
from trellis_registry.cli import app
from trellis_registry.testing import free_port, serve_over_http
from typer.testing import CliRunner, Result

CUSTOMERS = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  customer(id: ID!): Customer
}

type Customer @key(fields: "id") {
  id: ID!
  name: String!
}
"""
CUSTOMERS_V2 = CUSTOMERS.replace("name: String!", "name: String!\n  email: String")
ORDERS = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  order(id: ID!): Order
}

type Order @key(fields: "id") {
  id: ID!
}

type Customer @key(fields: "id") {
  id: ID!
  name: Int!
}
"""
URL = "http://127.0.0.1:4001/graphql"


async def cli(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, [str(arg) for arg in args], env=env)


@pytest.fixture
async def registry(settings: RegistrySettings) -> AsyncIterator[str]:
    async with serve_over_http(settings.model_copy(update={"port": 0})) as url:
        yield url


@pytest.fixture
def schemas(tmp_path: Path) -> dict[str, Path]:
    files = {"customers": CUSTOMERS, "customers_v2": CUSTOMERS_V2, "orders": ORDERS}
    paths = {}
    for name, sdl in files.items():
        paths[name] = tmp_path / f"{name}.graphql"
        paths[name].write_text(sdl)
    return paths


async def test_publish_fetch_history_and_rollback(
    registry: str, schemas: dict[str, Path], tmp_path: Path
) -> None:
    first = await cli(
        "subgraph", "publish", "customers", "--schema", schemas["customers"],
        "--routing-url", URL, "--registry", registry, "--published-by", "ci@build-1",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    async with httpx.AsyncClient(base_url=registry) as http:
        supergraph_v1 = await http.get("/v1/supergraph")
    v1_id = supergraph_v1.headers["etag"].strip('"')
    assert first.stdout == f"customers: version 1 (published); supergraph {v1_id}\n"

    again = await cli(
        "subgraph", "publish", "customers", "--schema", schemas["customers"],
        "--routing-url", URL, "--registry", registry,
    )  # fmt: skip
    assert again.exit_code == 0
    assert "version 1 (unchanged)" in again.stdout

    # The registry URL may come from the environment.
    second = await cli(
        "subgraph", "publish", "customers", "--schema", schemas["customers_v2"],
        "--routing-url", URL, env={"TRELLIS_REGISTRY_URL": registry},
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert "version 2 (published)" in second.stdout

    fetched = await cli("subgraph", "fetch", "customers", "--registry", registry)
    assert (fetched.exit_code, fetched.stdout) == (0, CUSTOMERS_V2)
    old = await cli("subgraph", "fetch", "customers", "--version", "1", "--registry", registry)
    assert (old.exit_code, old.stdout) == (0, CUSTOMERS)

    history = await cli("subgraph", "history", "customers", "--registry", registry)
    assert history.exit_code == 0, history.output
    lines = history.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("*    2  ") and "unknown" in lines[0]
    assert lines[1].startswith("     1  ") and "ci@build-1" in lines[1] and URL in lines[1]

    rolled = await cli(
        "subgraph", "rollback", "customers", "--version", "1", "--registry", registry,
        "--published-by", "ops",
    )  # fmt: skip
    assert rolled.exit_code == 0, rolled.output
    assert rolled.stdout == (
        f"customers: version 1 published again as version 3; supergraph {v1_id}\n"
    )
    noop = await cli("subgraph", "rollback", "customers", "--version", "3", "--registry", registry)
    assert noop.exit_code == 0
    assert "already current" in noop.stdout

    printed = await cli("supergraph", "fetch", "--registry", registry)
    assert (printed.exit_code, printed.stdout) == (0, supergraph_v1.text.rstrip("\n") + "\n")
    output = tmp_path / "out" / "supergraph.graphql"
    output.parent.mkdir()
    written = await cli("supergraph", "fetch", "--registry", registry, "--output", output)
    assert written.exit_code == 0, written.output
    assert output.read_text() == supergraph_v1.text
    assert v1_id in written.stdout


async def test_refusals_and_unknowns_exit_1(registry: str, schemas: dict[str, Path]) -> None:
    nothing = await cli("supergraph", "fetch", "--registry", registry)
    assert nothing.exit_code == 1
    assert "no supergraph" in nothing.stderr
    unknown = await cli("subgraph", "fetch", "customers", "--registry", registry)
    assert unknown.exit_code == 1
    assert "customers" in unknown.stderr
    assert (await cli("subgraph", "history", "nope", "--registry", registry)).exit_code == 1

    publish = ("--routing-url", URL, "--registry", registry)
    assert (
        await cli("subgraph", "publish", "customers", "--schema", schemas["customers"], *publish)
    ).exit_code == 0
    refused = await cli("subgraph", "publish", "orders", "--schema", schemas["orders"], *publish)
    assert refused.exit_code == 1
    assert "refused" in refused.stderr
    assert "INVALID_FIELD_SHARING" in refused.stderr or "FIELD_TYPE_MISMATCH" in refused.stderr
    missing_version = await cli(
        "subgraph", "rollback", "customers", "--version", "9", "--registry", registry
    )
    assert missing_version.exit_code == 1
    assert "version 9" in missing_version.stderr
    missing_instance = await cli(
        "instance", "status", "customers", "c-9", "OUT_OF_SERVICE", "--registry", registry
    )
    assert missing_instance.exit_code == 1


async def test_bad_input_and_an_unreachable_registry_exit_2(
    registry: str, schemas: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {\n  broken\n")
    bad_sdl = await cli(
        "subgraph", "publish", "customers", "--schema", broken, "--routing-url", URL,
        "--registry", registry,
    )  # fmt: skip
    assert bad_sdl.exit_code == 2
    assert f"{broken}:3:1: Syntax Error" in bad_sdl.stderr
    missing_file = await cli(
        "subgraph", "publish", "customers", "--schema", tmp_path / "nope.graphql",
        "--routing-url", URL, "--registry", registry,
    )  # fmt: skip
    assert missing_file.exit_code == 2
    bad_url = await cli(
        "subgraph", "publish", "customers", "--schema", schemas["customers"],
        "--routing-url", "localhost:4001", "--registry", registry,
    )  # fmt: skip
    assert bad_url.exit_code == 2
    assert "routing_url" in bad_url.stderr

    nobody = f"http://127.0.0.1:{free_port()}"
    for args in [
        ("subgraph", "publish", "customers", "--schema", schemas["customers"],
         "--routing-url", URL),
        ("subgraph", "fetch", "customers"),
        ("subgraph", "history", "customers"),
        ("subgraph", "rollback", "customers", "--version", "1"),
        ("supergraph", "fetch"),
        ("instance", "status", "customers", "c-1", "--clear"),
    ]:  # fmt: skip
        unreachable = await cli(*args, "--registry", nobody)
        assert unreachable.exit_code == 2, args
        assert "cannot reach the registry" in unreachable.stderr


async def test_instance_status(registry: str) -> None:
    async with httpx.AsyncClient(base_url=registry) as http:
        registered = await http.post(
            "/v1/services/customers/instances",
            json={"instance_id": "c-1", "routing_url": URL, "health_url": URL},
        )
        assert registered.status_code == 200

        out = await cli(
            "instance", "status", "customers", "c-1", "OUT_OF_SERVICE", "--registry", registry
        )
        assert out.exit_code == 0, out.output
        assert out.stdout == (
            "customers/c-1: reported UP, override OUT_OF_SERVICE, health UNKNOWN, "
            "effective OUT_OF_SERVICE\n"
        )
        assert (await http.get("/v1/routing-urls")).json()["subgraphs"] == {}

        cleared = await cli(
            "instance", "status", "customers", "c-1", "--clear", "--registry", registry
        )
        assert cleared.exit_code == 0, cleared.output
        assert "override none" in cleared.stdout
        assert (await http.get("/v1/routing-urls")).json()["subgraphs"] == {"customers": [URL]}

    neither = await cli("instance", "status", "customers", "c-1", "--registry", registry)
    both = await cli(
        "instance", "status", "customers", "c-1", "UP", "--clear", "--registry", registry
    )
    assert (neither.exit_code, both.exit_code) == (2, 2)
    bad = await cli("instance", "status", "customers", "c-1", "SIDEWAYS", "--registry", registry)
    assert bad.exit_code == 2
