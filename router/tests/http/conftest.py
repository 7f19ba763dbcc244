"""Real tiny subgraph servers (Starlette + graphql-core on free ports) and the router app."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from graphql import GraphQLSchema, build_schema, graphql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from trellis_router.configuration import RouterSettings
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

SUPERGRAPH_SDL = (Path(__file__).parent / "shop.supergraph.graphql").read_text()
USERS = {"1": {"id": "1", "name": "Ada"}, "2": {"id": "2", "name": "Alan"}}
REVIEWS = {"1": [{"body": "Great"}, {"body": "Fine"}], "2": []}


def _accounts() -> GraphQLSchema:
    schema = build_schema(
        "scalar _Any\nunion _Entity = User\n"
        "type Query { me: User user(id: ID!): User "
        "_entities(representations: [_Any!]!): [_Entity]! }\n"
        "type Mutation { rename(name: String!): User }\n"
        "type User { id: ID! name: String }"
    )
    fields = schema.query_type.fields  # type: ignore[union-attr]
    fields["me"].resolve = lambda *_: USERS["1"]
    fields["user"].resolve = lambda _o, _i, id: USERS.get(id)
    fields["_entities"].resolve = lambda _o, _i, representations: [
        USERS.get(r["id"]) for r in representations
    ]
    schema.mutation_type.fields["rename"].resolve = (  # type: ignore[union-attr]
        lambda _o, _i, name: {**USERS["1"], "name": name}
    )
    schema.get_type("_Entity").resolve_type = lambda *_: "User"  # type: ignore[union-attr]
    return schema


def _reviews() -> GraphQLSchema:
    schema = build_schema(
        "scalar _Any\nunion _Entity = User\n"
        "type Query { _entities(representations: [_Any!]!): [_Entity]! }\n"
        "type User { id: ID! reviews: [Review] }\ntype Review { body: String! }"
    )
    schema.query_type.fields["_entities"].resolve = (  # type: ignore[union-attr]
        lambda _o, _i, representations: [{"id": r["id"]} for r in representations]
    )
    schema.get_type("User").fields["reviews"].resolve = (  # type: ignore[union-attr]
        lambda obj, _i: REVIEWS.get(obj["id"], [])
    )
    schema.get_type("_Entity").resolve_type = lambda *_: "User"  # type: ignore[union-attr]
    return schema


@dataclass
class SubgraphServer:
    """A subgraph served over real HTTP; records the request bodies it receives."""

    schema: GraphQLSchema
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            body = orjson.loads(await request.body())
            self.requests.append(body)
            result = await graphql(
                self.schema,
                body["query"],
                variable_values=body.get("variables"),
                operation_name=body.get("operationName"),
            )
            return Response(orjson.dumps(result.formatted), media_type="application/json")

        return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])


async def serve(app: Any) -> tuple[str, uvicorn.Server, asyncio.Task[None]]:
    """Serve an ASGI app on a free port of 127.0.0.1; returns its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    task = asyncio.create_task(server.serve(sockets=[sock]))
    return f"http://127.0.0.1:{port}", server, task


async def stop(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await task


@dataclass
class Shop:
    """The router app (over httpx's ASGI transport) in front of two real subgraph servers."""

    router: httpx.AsyncClient
    holder: StateHolder
    accounts: SubgraphServer
    reviews: SubgraphServer


@pytest.fixture
async def subgraphs() -> AsyncIterator[dict[str, SubgraphServer]]:
    servers = {"accounts": SubgraphServer(_accounts()), "reviews": SubgraphServer(_reviews())}
    running = []
    for server in servers.values():
        base, uv, task = await serve(server.app())
        server.url = f"{base}/graphql"
        running.append((uv, task))
    yield servers
    for uv, task in running:
        await stop(uv, task)


@pytest.fixture
async def shop(subgraphs: dict[str, SubgraphServer]) -> AsyncIterator[Shop]:
    routing = {name: [server.url] for name, server in subgraphs.items()}
    holder = StateHolder(RouterState.build(load_supergraph(SUPERGRAPH_SDL), routing))
    client = AiohttpSubgraphClient(timeout_seconds=5)
    # CSRF prevention is off here: these are GraphQL-over-HTTP conformance tests (GET without
    # a preflight header, POST without a content type). test_csrf.py tests it on the endpoint.
    settings = RouterSettings(max_request_body_bytes=10_000, csrf={"enabled": False})
    app = create_app(settings, holder, client=client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as router:
        yield Shop(router, holder, subgraphs["accounts"], subgraphs["reviews"])
    await client.close()
