"""Blocking queries (``?index=N&wait=…``) on a real uvicorn server: watchers wake on every
kind of change, time out with the same index, end on client disconnect and on shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import HTTPException
from trellis_registry import RegistrySettings, SqlRegistryBackend
from trellis_registry.http.blocking import (
    DEFAULT_WAIT_SECONDS,
    MAX_WAIT_SECONDS,
    blocking_query,
    parse_duration,
)
from trellis_registry.testing import eventually, serve_over_http

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { customer(id: ID!): Customer }
type Customer @key(fields: "id") { id: ID! name: String! }
"""
SDL_V2 = SDL.replace("name: String!", "name: String!\n  email: String")

# Long enough that an answer before it means the watcher woke on a change (the client's
# own timeout, well below it, turns a missed wake-up into a failure instead of a hang).
LONG_WAIT = "5m"
CLIENT_TIMEOUT = 20.0


@dataclass
class Registry:
    url: str
    http: httpx.AsyncClient
    store: SqlRegistryBackend

    async def index(self) -> int:
        value: int = (await self.http.get("/v1/services")).json()["index"]
        return value

    async def register(self, instance_id: str, port: int = 4001) -> httpx.Response:
        return await self.http.post(
            "/v1/services/customers/instances",
            json={
                "instance_id": instance_id,
                "routing_url": f"http://127.0.0.1:{port}/graphql",
                "health_url": f"http://127.0.0.1:{port}/health",
            },
        )

    async def watching(self, path: str, index: int, **headers: str) -> asyncio.Task[httpx.Response]:
        """Starts a blocking query and returns once the server is waiting on it."""
        waiting = self.store.watchers
        task = asyncio.create_task(
            self.http.get(
                path,
                params={"index": index, "wait": LONG_WAIT},
                headers=headers,
                timeout=CLIENT_TIMEOUT,
            )
        )
        while self.store.watchers <= waiting:
            assert not task.done(), (await task).text
            await asyncio.sleep(0.01)
        return task


@pytest.fixture
async def registry(settings: RegistrySettings, database_url: str) -> AsyncIterator[Registry]:
    store = SqlRegistryBackend(database_url)
    async with (
        serve_over_http(settings.model_copy(update={"port": 0}), backend=store) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        yield Registry(url, http, store)


def header_index(response: httpx.Response) -> int:
    return int(response.headers["X-Registry-Index"])


async def test_a_watcher_wakes_on_registration_and_deregistration(registry: Registry) -> None:
    start = await registry.index()
    watcher = await registry.watching("/v1/services", start)
    await registry.register("c-1")
    woke = await watcher
    assert woke.status_code == 200
    body = woke.json()
    assert body["index"] > start
    assert header_index(woke) == body["index"]
    assert [i["instance_id"] for i in body["services"]["customers"]] == ["c-1"]

    one = await registry.watching("/v1/services/customers", body["index"])
    urls = await registry.watching("/v1/routing-urls", body["index"])
    deleted = await registry.http.delete("/v1/services/customers/instances/c-1")
    assert deleted.status_code == 204
    assert header_index(deleted) > body["index"]
    assert (await one).json()["instances"] == []
    assert (await urls).json()["subgraphs"] == {}


async def test_a_watcher_wakes_on_status_changes(registry: Registry) -> None:
    await registry.register("c-1")
    start = await registry.index()

    watcher = await registry.watching("/v1/routing-urls", start)
    overridden = await registry.http.put(
        "/v1/services/customers/instances/c-1/status", json={"status": "OUT_OF_SERVICE"}
    )
    assert overridden.status_code == 200
    woke = await watcher
    assert woke.json()["subgraphs"] == {}
    after_override = woke.json()["index"]
    assert after_override > start

    watcher = await registry.watching("/v1/routing-urls", after_override)
    cleared = await registry.http.delete("/v1/services/customers/instances/c-1/status")
    assert cleared.status_code == 200
    woke = await watcher
    assert woke.json()["subgraphs"] == {"customers": ["http://127.0.0.1:4001/graphql"]}

    watcher = await registry.watching("/v1/services/customers", woke.json()["index"])
    down = await registry.http.put(
        "/v1/services/customers/instances/c-1/heartbeat", params={"status": "DOWN"}
    )
    assert down.status_code == 200
    [instance] = (await watcher).json()["instances"]
    assert (instance["status"], instance["effective_status"]) == ("DOWN", "DOWN")


async def test_a_timeout_answers_with_the_same_index(registry: Registry) -> None:
    await registry.register("c-1")
    now = await registry.http.get("/v1/services")
    index = now.json()["index"]
    for path in ["/v1/services", "/v1/services/customers", "/v1/routing-urls"]:
        response = await registry.http.get(path, params={"index": index, "wait": "200ms"})
        assert response.status_code == 200
        assert response.json()["index"] == index
        assert header_index(response) == index
    timed_out = await registry.http.get("/v1/services", params={"index": index, "wait": "100ms"})
    assert timed_out.json() == now.json()


async def test_an_old_index_answers_at_once(registry: Registry) -> None:
    await registry.register("c-1")
    index = await registry.index()
    # With the default wait (5 minutes) only an immediate answer beats the client timeout.
    response = await registry.http.get(
        "/v1/services", params={"index": index - 1}, timeout=CLIENT_TIMEOUT
    )
    assert response.status_code == 200
    assert response.json()["index"] == index


async def test_supergraph_watchers(registry: Registry) -> None:
    missing = await registry.http.get("/v1/supergraph")
    assert missing.status_code == 404
    start = header_index(missing)

    first = await registry.watching("/v1/supergraph", start)
    published = await registry.http.post(
        "/v1/subgraphs/customers", json={"sdl": SDL, "routing_url": "http://127.0.0.1:4001/graphql"}
    )
    assert published.status_code == 200
    woke = await first
    assert woke.status_code == 200
    etag = woke.headers["etag"]
    assert etag == f'"{published.json()["supergraph_id"]}"'
    published_index = header_index(woke)
    assert published_index > start

    # The index moves on a registration, the supergraph does not: 304 with the new index.
    unchanged = await registry.watching(
        "/v1/supergraph", published_index, **{"If-None-Match": etag}
    )
    await registry.register("c-1")
    not_modified = await unchanged
    assert not_modified.status_code == 304
    assert header_index(not_modified) > published_index

    changed = await registry.watching(
        "/v1/supergraph", header_index(not_modified), **{"If-None-Match": etag}
    )
    republished = await registry.http.post(
        "/v1/subgraphs/customers",
        json={"sdl": SDL_V2, "routing_url": "http://127.0.0.1:4001/graphql"},
    )
    assert republished.status_code == 200
    new = await changed
    assert new.status_code == 200
    assert new.headers["etag"] != etag
    assert "email" in new.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"index": "-1"}, "index"),
        ({"index": "abc"}, "index"),
        ({"index": "1.5"}, "index"),
        ({"index": "1", "wait": "10"}, "wait"),
        ({"index": "1", "wait": "5x"}, "wait"),
        ({"index": "1", "wait": "-1s"}, "wait"),
        ({"index": "1", "wait": ""}, "wait"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/services", "/v1/routing-urls", "/v1/supergraph"])
async def test_bad_blocking_parameters_get_400(
    client: httpx.AsyncClient, path: str, params: dict[str, str], message: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


async def test_a_client_disconnect_ends_the_wait(registry: Registry) -> None:
    index = await registry.index()
    watcher = await registry.watching("/v1/services", index)
    assert registry.store.watchers == 1
    watcher.cancel()
    with pytest.raises(asyncio.CancelledError):
        await watcher
    await eventually(lambda: registry.store.watchers == 0)
    # The server still answers and watches.
    assert (await registry.http.get("/v1/services")).status_code == 200


async def test_shutdown_answers_waiting_watchers(
    settings: RegistrySettings, database_url: str
) -> None:
    store = SqlRegistryBackend(database_url)
    async with httpx.AsyncClient() as http:
        server = serve_over_http(settings.model_copy(update={"port": 0}), backend=store)
        url = await server.__aenter__()
        try:
            index = (await http.get(f"{url}/v1/services")).json()["index"]
            registry = Registry(url, http, store)
            watcher = await registry.watching(f"{url}/v1/services", index)
        finally:
            # The graceful shutdown ends the wait instead of waiting 5 minutes for it.
            async with asyncio.timeout(CLIENT_TIMEOUT):
                await server.__aexit__(None, None, None)
        answered = await watcher
    assert answered.status_code == 200
    assert answered.json()["index"] == index


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("500ms", 0.5),
        ("10s", 10.0),
        ("5m", 300.0),
        ("1m30s", 90.0),
        ("1.5h", 5400.0),
        ("250us", 0.00025),
        ("2µs", 0.000002),
        (".5s", 0.5),
    ],
)
def test_consul_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "s", "5x", "-1s", "+1s", "1 s", "1d", "1s2"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_wait_defaults_and_cap() -> None:
    assert blocking_query(index="3").wait_seconds == DEFAULT_WAIT_SECONDS == 300
    assert blocking_query(index="3", wait="1h").wait_seconds == MAX_WAIT_SECONDS == 600
    assert blocking_query(index=None, wait="10s").index is None
    with pytest.raises(HTTPException):
        blocking_query(index="٣")  # a digit, but not an ASCII one
