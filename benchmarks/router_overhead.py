"""What authentication and telemetry cost the router per request, on the benchmark query.

End to end through the router's ASGI app in process (no sockets), with instant subgraphs (a
client answering from recorded responses), so the numbers are the router's own CPU per
request. Five configurations, alternated A B C D E over several rounds:

    plain        CSRF, JWT, metrics, tracing and access logs off
    defaults     + metrics and the access log (what a router runs with by default)
    auth         + JWT (RS256, verified-token cache) + @authenticated/@requiresScopes filtering
    telemetry    + Prometheus metrics + OpenTelemetry spans (in-memory exporter) + access log
    everything   auth and telemetry together (and CSRF prevention)

Usage::

    .venv/bin/python benchmarks/router_overhead.py [--requests 2000] [--rounds 3]

Prints the median microseconds per request of each configuration and the overhead over
``plain``; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import statistics
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.configuration import RouterSettings
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph
from trellis_router.telemetry import RouterTracing, configure_logging
from trellis_router.testing import MockSubgraph

_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", '
    'import: ["@key", "@authenticated", "@requiresScopes"])\n'
)
SUBGRAPHS = {
    "accounts": (
        "type Query { me: User }\n"
        'type User @key(fields: "id") { id: ID! name: String! email: String @authenticated }'
    ),
    "products": (
        "type Query { topProducts: [Product!]! }\n"
        'type Product @key(fields: "upc") { upc: String! name: String! '
        'price: Int @requiresScopes(scopes: [["read:price"]]) }'
    ),
    "reviews": (
        'type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }\n'
        'type User @key(fields: "id") { id: ID! }\n'
        "type Review { body: String! author: User! }"
    ),
}
USERS = [{"id": str(i), "name": f"user {i}", "email": f"u{i}@example.com"} for i in range(5)]
PRODUCTS = [{"upc": f"p{i}", "name": f"product {i}", "price": 100 + i} for i in range(5)]
DATA = {
    "accounts": {"Query": {"me": USERS[0]}, "User": USERS},
    "products": {"Query": {"topProducts": PRODUCTS}, "Product": PRODUCTS},
    "reviews": {
        "Product": [
            {
                "upc": p["upc"],
                "reviews": [
                    {"body": f"review {j} of {p['upc']}", "author": {"id": str(j)}}
                    for j in range(3)
                ],
            }
            for p in PRODUCTS
        ],
        "User": [{"id": u["id"]} for u in USERS],
    },
}
QUERY = (
    "query Top { topProducts { upc name price reviews { body author { id name email } } } "
    "me { name email } }"
)


class RecordedSubgraphs:
    """Instant subgraphs: each distinct request is executed once by data, then replayed."""

    def __init__(self) -> None:
        self.mocks = {
            name: MockSubgraph(name, _LINK + sdl, DATA[name]) for name, sdl in SUBGRAPHS.items()
        }
        self.answers: dict[tuple[str, bytes], dict[str, Any]] = {}

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        key = (subgraph_name, body)
        answer = self.answers.get(key)
        if answer is None:
            request = orjson.loads(body)
            answer = self.answers[key] = self.mocks[subgraph_name].execute(
                request["query"], request.get("variables")
            )
        return answer


def _supergraph() -> str:
    definitions = [
        SubgraphDefinition(name, f"http://{name}.invalid/graphql", _LINK + sdl)
        for name, sdl in SUBGRAPHS.items()
    ]
    result = compose(definitions)
    if not result.ok or result.supergraph_sdl is None:
        raise SystemExit(f"composition failed: {result.errors}")
    return result.supergraph_sdl


def _settings(name: str, jwks_file: str) -> dict[str, Any]:
    auth = name in ("auth", "everything")
    telemetry = name in ("telemetry", "everything")
    metrics = telemetry or name == "defaults"
    values: dict[str, Any] = {
        "csrf": {"enabled": name == "everything"},
        "traffic_shaping_deduplicate_query": False,
        "telemetry": {
            "metrics": {"enabled": metrics},
            "tracing": {"enabled": telemetry},
            "logging": {"access_log": metrics},
        },
    }
    if auth:
        values["authentication"] = {"jwt": {"jwks": [{"file": jwks_file}]}}
    return values


async def _measure(name: str, sdl: str, jwks_file: str, token: str, requests: int) -> float:
    """Microseconds of router CPU per request (process time, median of batches)."""
    settings = RouterSettings.model_validate(_settings(name, jwks_file))
    holder = StateHolder(RouterState.build(load_supergraph(sdl)))
    app = create_app(settings, holder, client=RecordedSubgraphs())
    if settings.telemetry.tracing.enabled:
        app.state.services.tracing = RouterTracing(
            settings.telemetry.tracing, exporter=InMemorySpanExporter()
        )
    headers = {"authorization": f"Bearer {token}"} if name in ("auth", "everything") else {}
    body = orjson.dumps({"query": QUERY, "operationName": "Top"})
    headers["content-type"] = "application/json"
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://router") as client,
    ):
        first = await client.post("/graphql", content=body, headers=headers)
        answer = first.json()
        if "data" not in answer:
            raise SystemExit(f"{name}: {answer}")
        samples = []
        batch = 100
        for _ in range(max(1, requests // batch)):
            started = time.process_time()
            for _ in range(batch):
                await client.post("/graphql", content=body, headers=headers)
            samples.append((time.process_time() - started) / batch * 1e6)
        if settings.telemetry.tracing.enabled:
            app.state.services.tracing.shutdown()
    return statistics.median(samples)


async def _baseline_client_cost(requests: int) -> float:
    """The httpx in-process client's own cost per request, measured against a bare ASGI app."""

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    transport = httpx.ASGITransport(app=bare)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        started = time.process_time()
        for _ in range(requests):
            await client.post("/graphql", content=b"{}")
        return (time.process_time() - started) / requests * 1e6


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="A B C D E rounds")
    args = parser.parse_args()
    # Access log lines go to an in-memory stream: formatting them is part of the cost.
    configure_logging("info", "json")
    sink = io.StringIO()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)
    import tempfile

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "k1", "alg": "RS256"})
    token = jwt.encode(
        {"sub": "u1", "scope": "read:price", "exp": int(time.time()) + 3600},
        key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    sdl = _supergraph()
    names = ("plain", "defaults", "auth", "telemetry", "everything")
    results: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as jwks:
        jwks.write(json.dumps({"keys": [jwk]}))
    client_cost = asyncio.run(_baseline_client_cost(args.requests))
    for _ in range(args.rounds):
        for name in names:
            results[name].append(asyncio.run(_measure(name, sdl, jwks.name, token, args.requests)))
    plain = statistics.median(results["plain"])
    print(f"query: {QUERY}")
    print(f"in-process client cost (subtracted): {client_cost:.0f} µs/request")
    print(f"{'configuration':<12} {'µs/request':>11} {'overhead':>10}")
    for name in names:
        value = statistics.median(results[name]) - client_cost
        print(f"{name:<12} {value:>11.0f} {value - (plain - client_cost):>+10.0f}")


if __name__ == "__main__":
    main()
