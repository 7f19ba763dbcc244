"""Request batching: a POST body that is a JSON array of requests (``batching.enabled``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from trellis_router.configuration import RouterSettings
from trellis_router.configuration.batching import BatchingSettings
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SUPERGRAPH_SDL, SubgraphServer

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def batching_router(
    subgraphs: dict[str, SubgraphServer],
) -> AsyncIterator[httpx.AsyncClient]:
    """The router app with batching on (at most 3 requests a batch)."""
    routing = {name: [server.url] for name, server in subgraphs.items()}
    holder = StateHolder(RouterState.build(load_supergraph(SUPERGRAPH_SDL), routing))
    client = AiohttpSubgraphClient(timeout_seconds=5)
    settings = RouterSettings(batching=BatchingSettings(enabled=True, max_size=3))
    app = create_app(settings, holder, client=client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as router:
        yield router
    await client.close()


async def _alone(router: httpx.AsyncClient, item: Any, accept: str) -> Any:
    response = await router.post("/graphql", json=item, headers={"accept": accept})
    return response.json()


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
async def test_each_request_of_a_batch_is_answered_as_if_sent_alone(
    batching_router: httpx.AsyncClient, subgraphs: dict[str, SubgraphServer], accept: str
) -> None:
    batch: list[Any] = [
        {"query": "{ me { name reviews { body } } }"},
        {"query": "query($id: ID!) { user(id: $id) { name } }", "variables": {"id": "2"}},
        {"query": "{ me { "},
    ]
    response = await batching_router.post("/graphql", json=batch, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    body = response.json()
    assert body[0] == {
        "data": {"me": {"name": "Ada", "reviews": [{"body": "Great"}, {"body": "Fine"}]}}
    }
    assert body[1] == {"data": {"user": {"name": "Alan"}}}
    assert body[2]["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "data" not in body[2]
    assert len(subgraphs["accounts"].requests) == 2
    alone = [await _alone(batching_router, item, accept) for item in batch]
    assert body == alone


async def test_invalid_entries_get_their_own_errors(batching_router: httpx.AsyncClient) -> None:
    batch = [{"query": "{ me { id } }"}, [1], {"query": "{ me { id } }", "variables": [1]}]
    response = await batching_router.post("/graphql", json=batch)
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == {"data": {"me": {"id": "1"}}}
    assert second["errors"][0]["message"] == "Each request of a batch must be a JSON object."
    assert second["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert third["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_mutations_run_in_a_batch(batching_router: httpx.AsyncClient) -> None:
    batch = [{"query": 'mutation { rename(name: "Ada L.") { name } }'}, {"query": "{ me { id } }"}]
    response = await batching_router.post("/graphql", json=batch)
    assert response.json() == [
        {"data": {"rename": {"name": "Ada L."}}},
        {"data": {"me": {"id": "1"}}},
    ]


async def test_a_batch_larger_than_max_size_is_refused(
    batching_router: httpx.AsyncClient, subgraphs: dict[str, SubgraphServer]
) -> None:
    batch = [{"query": "{ me { id } }"}] * 4
    response = await batching_router.post("/graphql", json=batch)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BATCH_LIMIT_EXCEEDED"
    assert "4" in error["message"] and "3" in error["message"]
    assert subgraphs["accounts"].requests == []


async def test_an_empty_batch_is_refused(batching_router: httpx.AsyncClient) -> None:
    response = await batching_router.post("/graphql", json=[])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_array_body_is_refused_while_batching_is_off(shop: Any) -> None:
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await shop.router.post(
            "/graphql", json=[{"query": "{ me { id } }"}], headers={"accept": accept}
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BATCHING_NOT_ENABLED"
        assert error["message"] == (
            "Batching is not enabled: send one request object, not an array."
        )
    assert shop.accounts.requests == []
