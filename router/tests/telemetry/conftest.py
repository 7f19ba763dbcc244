"""A small federated graph served over real HTTP, with each subgraph recording request headers.

The supergraph is composed from inline SDL by our composer; each subgraph is a
:class:`~trellis_router.testing.MockSubgraph` (answers from data) behind an aiohttp server on a
free port of 127.0.0.1 that records the headers of every request it receives.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiohttp import web
from graphql import OperationDefinitionNode, parse
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.configuration.telemetry import TracingSettings
from trellis_router.executor import PreparedOperation, prepare_operation
from trellis_router.planner import plan_operation
from trellis_router.supergraph import Supergraph, load_supergraph
from trellis_router.telemetry import RouterTracing
from trellis_router.testing import MockSubgraph

_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
SUBGRAPHS = {
    "accounts": "type Query { me: User }\ntype User { id: ID! name: String! }",
    "products": (
        "type Query { topProducts: [Product!]! }\n"
        'type Product @key(fields: "upc") { upc: String! name: String! }'
    ),
    "reviews": (
        'type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }\n'
        "type Review { body: String! }"
    ),
    "inventory": 'type Product @key(fields: "upc") { upc: String! inStock: Boolean! }',
}
DATA: dict[str, dict[str, Any]] = {
    "accounts": {"Query": {"me": {"id": "1", "name": "Ada"}}},
    "products": {
        "Query": {"topProducts": [{"upc": "1", "name": "Table"}, {"upc": "2", "name": "Couch"}]}
    },
    "reviews": {
        "Product": [
            {"upc": "1", "reviews": [{"body": "Sturdy"}]},
            {"upc": "2", "reviews": []},
        ]
    },
    "inventory": {"Product": [{"upc": "1", "inStock": True}, {"upc": "2", "inStock": False}]},
}
QUERY = (
    "query Top($withMe: Boolean!) { me @include(if: $withMe) { name } "
    "topProducts { name reviews { body } inStock } }"
)
EXPECTED_DATA = {
    "me": {"name": "Ada"},
    "topProducts": [
        {"name": "Table", "reviews": [{"body": "Sturdy"}], "inStock": True},
        {"name": "Couch", "reviews": [], "inStock": False},
    ],
}
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
CALLER_TRACEPARENT = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"


def supergraph() -> Supergraph:
    """The four-subgraph supergraph (placeholder routing URLs)."""
    result = compose(
        [
            SubgraphDefinition(name, f"http://{name}.test/graphql", _LINK + sdl)
            for name, sdl in SUBGRAPHS.items()
        ]
    )
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    return load_supergraph(result.supergraph_sdl)


SUPERGRAPH = supergraph()


def prepared(query: str = QUERY) -> PreparedOperation:
    """``query`` planned over the supergraph and prepared for execution."""
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    name = operation.name.value if operation.name else None
    plan = plan_operation(SUPERGRAPH, document, name)
    return prepare_operation(SUPERGRAPH, document, operation, plan)


@dataclass
class Received:
    """One request a subgraph server received."""

    subgraph: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Subgraphs:
    """The subgraph servers: their URLs and every request they received, in order."""

    urls: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)

    def of(self, subgraph: str) -> list[Received]:
        return [r for r in self.received if r.subgraph == subgraph]


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def _serve(mock: MockSubgraph, kit: Subgraphs) -> AsyncIterator[str]:
    async def graphql(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        kit.received.append(Received(mock.name, dict(request.headers), body))
        status = kit.status.get(mock.name, 200)
        if status != 200:
            return web.Response(status=status, text="unavailable")
        result = mock.execute(body["query"], body.get("variables"), body.get("operationName"))
        return web.Response(body=orjson.dumps(result), content_type="application/json")

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = _free_socket()
    try:
        await web.SockSite(runner, sock).start()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    finally:
        await runner.cleanup()
        sock.close()


@pytest.fixture
async def subgraphs() -> AsyncIterator[Subgraphs]:
    """The four subgraphs, each on a free port, recording the requests they receive."""
    kit = Subgraphs()
    async with AsyncExitStack() as stack:
        for name, sdl in SUBGRAPHS.items():
            mock = MockSubgraph(name, _LINK + sdl, DATA[name])
            kit.urls[name] = await stack.enter_async_context(_serve(mock, kit))
        yield kit


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracing(exporter: InMemorySpanExporter) -> Iterator[RouterTracing]:
    """Tracing enabled, spans exported to ``exporter`` as they end."""
    tracing = RouterTracing(TracingSettings(enabled=True), exporter=exporter)
    yield tracing
    tracing.shutdown()


def hex_id(value: int, digits: int) -> str:
    return format(value, f"0{digits}x")


def tree(spans: tuple[ReadableSpan, ...] | list[ReadableSpan]) -> list[Any]:
    """The finished spans as nested ``[name, label, children]`` lists (children sorted).

    ``label`` is the ``subgraph.name`` or ``graphql.path`` attribute, else ``""``.
    """
    by_parent: dict[int | None, list[ReadableSpan]] = {}
    ids = {span.context.span_id for span in spans if span.context is not None}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None else None
        by_parent.setdefault(parent if parent in ids else None, []).append(span)

    def node(span: ReadableSpan) -> list[Any]:
        attributes = span.attributes or {}
        label = attributes.get("subgraph.name") or attributes.get("graphql.path") or ""
        assert span.context is not None
        children = [node(child) for child in by_parent.get(span.context.span_id, [])]
        return [span.name, label, sorted(children, key=repr)]

    return sorted((node(span) for span in by_parent.get(None, [])), key=repr)
