"""The graphql-http server audit (GraphQL-over-HTTP conformance) against a real router.

The audits come from the ``graphql-http`` npm package pinned in ``audit/package.json``; they
run in Node (``audit/audit.mjs``) against the router served by uvicorn on a free port, in front
of the real subgraph servers of ``conftest.py``. Every MUST and SHOULD audit has to pass; the
MAY audits are printed with the rest.

Without ``node`` the test is skipped, unless ``TRELLIS_REQUIRE_NODE`` is set (CI), which turns
the missing tool into a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
from trellis_router.configuration import RouterSettings
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SUPERGRAPH_SDL, SubgraphServer

AUDIT_DIR = Path(__file__).parent / "audit"

# CSRF prevention (Apollo Router's csrf: a GET, or a POST with a "simple" content type, must
# carry a non-simple header such as apollo-require-preflight) refuses some of the audit's
# requests, e.g. its GETs without any header. A browser could never send this header without a
# CORS preflight, so adding it to every audit request keeps CSRF prevention out of a test that
# is about the GraphQL-over-HTTP rules.
CSRF_HEADER = "apollo-require-preflight:true"


@pytest.fixture(scope="module")
def node() -> str:
    """The ``node`` executable, with the audit's npm packages installed (``npm ci``)."""
    found = shutil.which("node")
    if found is None:
        if os.environ.get("TRELLIS_REQUIRE_NODE"):
            pytest.fail("node is not installed and TRELLIS_REQUIRE_NODE is set")
        pytest.skip("node is not installed (set TRELLIS_REQUIRE_NODE to fail instead)")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=AUDIT_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return found


@pytest.fixture
async def router_url(subgraphs: dict[str, SubgraphServer]) -> AsyncIterator[str]:
    """The router's ``/graphql`` URL (uvicorn on a free port, lifespan on)."""
    routing = {name: [server.url] for name, server in subgraphs.items()}
    holder = StateHolder(RouterState.build(load_supergraph(SUPERGRAPH_SDL), routing))
    client = AiohttpSubgraphClient(timeout_seconds=5)
    app = create_app(RouterSettings(), holder, client=client)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", ws="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        sock.close()
        await client.close()


async def _run_audit(node: str, url: str) -> list[dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        node,
        "audit.mjs",
        url,
        "--header",
        CSRF_HEADER,
        cwd=AUDIT_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    results: list[dict[str, Any]] = orjson.loads(stdout)
    return results


def _table(results: list[dict[str, Any]]) -> str:
    lines = []
    for result in results:
        reason = f"  ({result['reason']})" if result["status"] != "ok" else ""
        lines.append(f"{result['id']:<5} {result['status']:<6} {result['name']}{reason}")
    return "\n".join(lines)


async def test_every_must_and_should_audit_passes(node: str, router_url: str) -> None:
    results = await _run_audit(node, router_url)
    table = _table(results)
    print(f"\ngraphql-http server audit of {router_url}\n{table}")
    assert len(results) > 40, table
    required = [r for r in results if r["name"].split(" ", 1)[0] in {"MUST", "SHOULD"}]
    assert len(required) > 25, table
    failing = [r for r in required if r["status"] != "ok"]
    assert failing == [], table
