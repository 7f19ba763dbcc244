"""Settings from the config server (a stand-in for its Spring Cloud Config contract): loaded at
start with the documented precedence, then followed by long poll and applied live."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from aiohttp import web
from trellis_router.configuration import RouterRuntime
from trellis_router.configuration.live import live_router_settings
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SHOP_SDL, _Server, eventually


class ConfigServerStandIn(_Server):
    """``GET /router/default``: one property source; long poll with ``If-None-Match`` and
    ``wait`` (304 when nothing changed in time)."""

    def __init__(self, properties: dict[str, Any]) -> None:
        super().__init__()
        self.properties = properties
        self.version = 1
        self._changed = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def change(self, properties: dict[str, Any]) -> None:
        self.properties = properties
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def app(self) -> web.Application:
        async def environment(request: web.Request) -> web.Response:
            etag = f'"v{self.version}"'
            if request.headers.get("If-None-Match") == etag:
                try:
                    await asyncio.wait_for(self._changed.wait(), 5)
                except TimeoutError:
                    return web.Response(status=304, headers={"ETag": etag})
            body = {
                "name": "router",
                "profiles": ["default"],
                "label": None,
                "version": f"v{self.version}",
                "propertySources": [{"name": "router.yml", "source": self.properties}],
            }
            return web.json_response(body, headers={"ETag": f'"v{self.version}"'})

        app = web.Application()
        app.router.add_get("/router/default", environment)
        return app


@pytest.fixture
async def config_server(monkeypatch):
    server = ConfigServerStandIn(
        {
            "expose_query_plan": False,
            "max_request_body_bytes": 99,
            "cors_allow_origins[0]": "https://shop.example",
            "some_other_service_key": "ignored",
        }
    )
    await server.start()
    monkeypatch.setenv("TRELLIS_CONFIG_URL", server.url)
    monkeypatch.delenv("TRELLIS_CONFIG_PROFILE", raising=False)
    monkeypatch.delenv("TRELLIS_CONFIG_LABEL", raising=False)
    yield server
    await server.stop()


def test_no_config_server_configured(monkeypatch):
    monkeypatch.delenv("TRELLIS_CONFIG_URL", raising=False)
    assert live_router_settings({"listen": "127.0.0.1:4000"}) is None


async def test_precedence_flags_env_config_server_yaml_defaults(
    config_server, monkeypatch, tmp_path
):
    monkeypatch.setenv("TRELLIS_ROUTER_MAX_REQUEST_BODY_BYTES", "1234")
    yaml = tmp_path / "router.yaml"
    yaml.write_text("expose_query_plan: true\nplan_cache_size: 7\nlisten: 127.0.0.1:4999\n")
    live = live_router_settings({"listen": "127.0.0.1:4555", "registry_url": None}, yaml)
    assert live is not None
    settings = await asyncio.to_thread(live.load)
    assert settings.listen == "127.0.0.1:4555"  # flag over the file
    assert settings.max_request_body_bytes == 1234  # environment over the config server
    assert settings.expose_query_plan is False  # config server over the file
    assert settings.cors_allow_origins == ["https://shop.example"]
    assert settings.plan_cache_size == 7  # the file over the defaults
    assert settings.registry_url is None


async def test_config_server_changes_apply_live(config_server):
    live = live_router_settings({"listen": "127.0.0.1:4555"})
    assert live is not None
    settings = await asyncio.to_thread(live.load)
    holder = StateHolder(RouterState.build(load_supergraph(SHOP_SDL)))
    app = create_app(settings, holder, live=live)
    runtime: RouterRuntime = app.state.runtime
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            preflight = {"origin": "https://new.example", "access-control-request-method": "POST"}
            assert (await client.options("/graphql", headers=preflight)).status_code == 403
            config_server.change(
                {
                    "expose_query_plan": True,
                    "cors_allow_origins[0]": "https://new.example",
                    "subgraph_pool_size": 9,
                    "listen": "0.0.0.0:1",
                }
            )
            await eventually(lambda: runtime.settings.expose_query_plan)
            allowed = await client.options("/graphql", headers=preflight)
            assert allowed.headers["access-control-allow-origin"] == "https://new.example"
            assert runtime.settings.max_request_body_bytes == 2_000_000  # back to the default
            assert runtime.settings.subgraph_pool_size == 256
            assert runtime.restart_required == {"subgraph_pool_size"}
            assert runtime.settings.listen == "127.0.0.1:4555"  # a flag is pinned
