"""The playground on ``GET /graphql`` (the web app's graphiql.html or the built-in page) and its
``/assets/*``, served by the router over real HTTP (uvicorn on a free port)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.configuration import RouterSettings
from trellis_router.configuration.runtime import LIVE_SETTINGS
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.http.playground import ASSETS_CACHE_CONTROL, PLAYGROUND_HTML
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph
from trellis_router.testing import MockSubgraph, serve_mock_subgraphs

HELLO_SDL = "type Query { hello: String }"
PAGE = '<!doctype html><title>Trellis playground</title><script src="/assets/x.js"></script>\n'
SCRIPT = 'console.log("playground");\n'
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@dataclass
class Router:
    """A running router: its base URL and an HTTP client for it."""

    url: str
    http: httpx.AsyncClient

    async def raw_get(self, target: str) -> int:
        """Send ``GET <target>`` as written (no client-side path normalisation); the status."""
        host, port = self.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            request = f"GET {target} HTTP/1.1\r\nHost: router\r\nConnection: close\r\n\r\n"
            writer.write(request.encode("latin-1"))
            await writer.drain()
            status_line = await reader.readline()
        finally:
            writer.close()
            await writer.wait_closed()
        return int(status_line.split()[1])


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A web build folder: graphiql.html and assets/x.js, with a secret file beside it."""
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "graphiql.html").write_text(PAGE, encoding="utf-8")
    (folder / "assets" / "x.js").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    return folder


@contextlib.asynccontextmanager
async def running_router(playground_dir: Path | None) -> AsyncIterator[Router]:
    """The router app with one mock subgraph (``hello``), served by uvicorn on a free port."""
    mock = MockSubgraph("hello", HELLO_SDL, {"Query": {"hello": "hi"}})
    async with serve_mock_subgraphs([mock]) as urls:
        result = compose([SubgraphDefinition("hello", urls["hello"], HELLO_SDL)])
        assert result.supergraph_sdl is not None
        state = RouterState.build(
            load_supergraph(result.supergraph_sdl), {"hello": [urls["hello"]]}
        )
        client = AiohttpSubgraphClient(timeout_seconds=5)
        settings = RouterSettings(playground_dir=playground_dir)
        app = create_app(settings, StateHolder(state), client=client)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with httpx.AsyncClient(base_url=url) as http:
                yield Router(url, http)
        finally:
            server.should_exit = True
            await task
            await client.close()
            sock.close()


async def test_serves_graphiql_html_from_the_playground_dir(dist: Path) -> None:
    async with running_router(dist) as router:
        response = await router.http.get("/graphql", headers=HTML)

    assert response.status_code == 200
    assert response.text == PAGE
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"


async def test_built_in_page_when_the_setting_is_unset() -> None:
    async with running_router(None) as router:
        page = await router.http.get("/graphql", headers=HTML)
        asset = await router.http.get("/assets/x.js")

    assert page.status_code == 200
    assert page.text == PLAYGROUND_HTML
    assert page.headers["content-type"].startswith("text/html")
    assert asset.status_code == 404


async def test_built_in_page_when_graphiql_html_is_missing(dist: Path) -> None:
    (dist / "graphiql.html").unlink()
    async with running_router(dist) as router:
        page = await router.http.get("/graphql", headers=HTML)
        asset = await router.http.get("/assets/x.js")

    assert page.text == PLAYGROUND_HTML
    assert asset.status_code == 200


async def test_built_in_page_when_the_folder_does_not_exist(tmp_path: Path) -> None:
    async with running_router(tmp_path / "no-such-dist") as router:
        page = await router.http.get("/graphql", headers=HTML)
        asset = await router.http.get("/assets/x.js")

    assert page.text == PLAYGROUND_HTML
    assert asset.status_code == 404


async def test_assets_are_served_with_a_long_immutable_cache(dist: Path) -> None:
    nested = dist / "assets" / "fonts"
    nested.mkdir()
    (nested / "a.css").write_text("body{}", encoding="utf-8")
    async with running_router(dist) as router:
        script = await router.http.get("/assets/x.js")
        head = await router.http.head("/assets/x.js")
        style = await router.http.get("/assets/fonts/a.css")

    assert script.status_code == 200
    assert script.text == SCRIPT
    assert script.headers["cache-control"] == ASSETS_CACHE_CONTROL
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-type"].startswith("text/javascript")
    assert head.status_code == 200
    assert head.headers["cache-control"] == ASSETS_CACHE_CONTROL
    assert style.text == "body{}"
    assert style.headers["content-type"].startswith("text/css")


async def test_unknown_assets_are_404(dist: Path) -> None:
    (dist / "assets" / "folder").mkdir()
    async with running_router(dist) as router:
        statuses = [
            (await router.http.get(path)).status_code
            for path in ("/assets/nope.js", "/assets/", "/assets/folder", "/assets/x.js/more")
        ]

    assert statuses == [404, 404, 404, 404]


async def test_paths_leaving_the_assets_folder_are_refused(dist: Path, tmp_path: Path) -> None:
    (dist / "assets" / "link.txt").symlink_to(tmp_path / "secret.txt")
    async with running_router(dist) as router:
        literal = [
            await router.raw_get(target)
            for target in (
                "/assets/../graphiql.html",
                "/assets/../../secret.txt",
                "/assets/./../graphiql.html",
                "/assets//etc/passwd",
            )
        ]
        encoded = [
            (await router.http.get(path)).status_code
            for path in (
                "/assets/%2e%2e/graphiql.html",
                "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
                "/assets/..%2f..%2fsecret.txt",
                f"/assets/{'%2e%2e/' * 12}etc/passwd",
                "/assets/%2Fetc%2Fpasswd",
                "/assets/x.js%00.png",
            )
        ]
        via_link = await router.http.get("/assets/link.txt")
        still_served = await router.raw_get("/assets/x.js")

    assert literal == [404, 404, 404, 404]
    assert encoded == [404] * 6
    assert via_link.status_code == 404
    assert still_served == 200


async def test_post_graphql_is_unaffected(dist: Path) -> None:
    async with running_router(dist) as router:
        post = await router.http.post(
            "/graphql",
            json={"query": "{ hello }"},
            headers={"accept": "application/graphql-response+json"},
        )
        # A browser GET with a query runs it (given the CSRF preflight header).
        get_with_query = await router.http.get(
            "/graphql",
            params={"query": "{ hello }"},
            headers={**HTML, "apollo-require-preflight": "true"},
        )

    assert post.status_code == 200
    assert post.json() == {"data": {"hello": "hi"}}
    assert get_with_query.json() == {"data": {"hello": "hi"}}


def test_playground_dir_setting(monkeypatch: pytest.MonkeyPatch, dist: Path) -> None:
    monkeypatch.setenv("TRELLIS_ROUTER_PLAYGROUND_DIR", str(dist))

    assert RouterSettings().playground_dir == dist
    assert RouterSettings.model_fields["playground_dir"].default is None
    assert "playground_dir" not in LIVE_SETTINGS
