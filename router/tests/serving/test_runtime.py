"""Settings applied live through ``app.state.runtime``: CORS, timeouts, limits, log level;
restart-only keys are reported, not applied."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import ValidationError
from trellis_router.configuration import RouterRuntime, RouterSettings
from trellis_router.http import create_app
from trellis_router.sources import FileSource, follow_source
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SHOP_SDL

ORIGIN = "https://shop.example"
QUERY = {"query": "{ me { name } }"}


@asynccontextmanager
async def router(settings: RouterSettings, urls: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    """The router app (its lifespan running) over an httpx client; accounts at ``urls``."""
    holder = StateHolder(RouterState.build(load_supergraph(SHOP_SDL), {"accounts": urls}))
    app = create_app(settings, holder)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            client.runtime = app.state.runtime  # type: ignore[attr-defined]
            yield client


def live(client: httpx.AsyncClient, **changes: object) -> frozenset[str]:
    runtime: RouterRuntime = client.runtime  # type: ignore[attr-defined]
    return runtime.apply(runtime.settings.model_copy(update=changes))


def preflight(origin: str = ORIGIN, headers: str | None = None) -> dict[str, str]:
    sent = {"origin": origin, "access-control-request-method": "POST"}
    if headers:
        sent["access-control-request-headers"] = headers
    return sent


async def test_cors_is_off_until_origins_are_configured_then_follows_changes():
    async with router(RouterSettings(), ["http://127.0.0.1:9/graphql"]) as client:
        before = await client.options("/graphql", headers=preflight())
        assert "access-control-allow-origin" not in before.headers
        changed = live(client, cors_allow_origins=[ORIGIN], cors_max_age_seconds=600)
        assert changed == {"cors_allow_origins", "cors_max_age_seconds"}
        allowed = await client.options(
            "/graphql", headers=preflight(headers="x-trace, content-type")
        )
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert allowed.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
        assert allowed.headers["access-control-allow-headers"] == "x-trace, content-type"
        assert allowed.headers["access-control-max-age"] == "600"
        assert "access-control-allow-credentials" not in allowed.headers
        assert "Origin" in allowed.headers["vary"]
        other = await client.options("/graphql", headers=preflight("https://evil.example"))
        assert other.status_code == 403
        assert "access-control-allow-origin" not in other.headers
        live(client, cors_allow_origins=[])
        after = await client.options("/graphql", headers=preflight())
        assert "access-control-allow-origin" not in after.headers


async def test_cors_headers_on_responses(start_instance):
    accounts = await start_instance("a")
    async with router(RouterSettings(cors_allow_origins=[ORIGIN]), [accounts.url]) as client:
        response = await client.post("/graphql", json=QUERY, headers={"origin": ORIGIN})
        assert response.json() == {"data": {"me": {"name": "a"}}}
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert response.headers["vary"] == "Origin"
        other = await client.post("/graphql", json=QUERY, headers={"origin": "https://x.example"})
        assert "access-control-allow-origin" not in other.headers
        live(client, cors_allow_origins=["*"])
        anyone = await client.post("/graphql", json=QUERY, headers={"origin": "https://x.example"})
        assert anyone.headers["access-control-allow-origin"] == "*"
        live(
            client,
            cors_allow_origins=[ORIGIN],
            cors_allow_credentials=True,
            cors_allow_headers=["content-type"],
        )
        credentialed = await client.options("/graphql", headers=preflight(headers="x-other"))
        assert credentialed.headers["access-control-allow-credentials"] == "true"
        assert credentialed.headers["access-control-allow-headers"] == "content-type"
        plain = await client.get("/health")
        assert "access-control-allow-origin" not in plain.headers  # no Origin, no CORS


def test_cors_any_origin_with_credentials_is_refused():
    with pytest.raises(ValidationError, match="credentials"):
        RouterSettings(cors_allow_origins=["*"], cors_allow_credentials=True)


async def test_a_new_subgraph_timeout_applies_to_the_next_request(start_instance):
    slow = await start_instance("slow", "slow", delay=0.3)
    async with router(RouterSettings(subgraph_timeout_seconds=5), [slow.url]) as client:
        assert (await client.post("/graphql", json=QUERY)).json() == {
            "data": {"me": {"name": "slow"}}
        }
        assert live(client, subgraph_timeout_seconds=0.05) == {"subgraph_timeout_seconds"}
        timed_out = (await client.post("/graphql", json=QUERY)).json()
        assert timed_out["data"] == {"me": None}
        assert timed_out["errors"][0]["extensions"]["reason"] == "request timed out"
        live(client, subgraph_timeout_seconds=5)
        assert (await client.post("/graphql", json=QUERY)).json() == {
            "data": {"me": {"name": "slow"}}
        }


async def test_limits_and_plan_exposure_apply_live(start_instance):
    accounts = await start_instance("a")
    async with router(RouterSettings(), [accounts.url]) as client:
        plan_header = {"apollo-expose-query-plan": "true"}
        exposed = await client.post("/graphql", json=QUERY, headers=plan_header)
        assert "apolloQueryPlan" in exposed.json()["extensions"]
        live(client, expose_query_plan=False, max_request_body_bytes=10)
        hidden = await client.post("/graphql", json=QUERY, headers=plan_header)
        assert hidden.status_code == 413
        live(client, max_request_body_bytes=10_000)
        hidden = await client.post("/graphql", json=QUERY, headers=plan_header)
        assert "extensions" not in hidden.json()


async def test_retry_and_ejection_settings_reach_the_balancer():
    holder = StateHolder(RouterState.build(load_supergraph(SHOP_SDL)))
    app = create_app(RouterSettings(), holder)
    runtime: RouterRuntime = app.state.runtime
    runtime.apply(RouterSettings(subgraph_retry_attempts=0, ejection_seconds=3))
    assert app.state.balancer.retry_attempts == 0
    assert app.state.balancer.ejection_seconds == 3


def test_the_log_level_applies_to_the_router_loggers():
    logger = logging.getLogger("trellis_router")
    previous = logger.level
    try:
        runtime = RouterRuntime(RouterSettings())
        assert runtime.apply(RouterSettings(log_level="debug")) == {"log_level"}
        assert runtime.settings.log_level == "DEBUG"
        assert logging.getLogger("trellis_router.executor").getEffectiveLevel() == logging.DEBUG
        runtime.apply(RouterSettings(log_level="WARNING"))
        assert logger.level == logging.WARNING
    finally:
        logger.setLevel(previous)
        logging.getLogger("trellis_config").setLevel(logging.NOTSET)


def test_an_unknown_log_level_is_refused():
    with pytest.raises(ValidationError, match="log_level"):
        RouterSettings(log_level="LOUD")


def test_restart_only_keys_are_reported_and_not_applied(caplog):
    caplog.set_level(logging.WARNING, logger="trellis_router.configuration.runtime")
    runtime = RouterRuntime(RouterSettings())
    seen = []
    runtime.on_change(lambda settings, changed: seen.append(changed))
    wanted = RouterSettings(listen="0.0.0.0:4100", subgraph_pool_size=8, expose_query_plan=False)
    assert runtime.apply(wanted) == {"expose_query_plan"}
    assert runtime.settings.listen == "127.0.0.1:4000"
    assert runtime.settings.subgraph_pool_size == 256
    assert runtime.settings.expose_query_plan is False
    assert runtime.restart_required == {"listen", "subgraph_pool_size"}
    assert "needs a restart: listen, subgraph_pool_size" in caplog.text
    assert seen == [{"expose_query_plan"}]
    assert runtime.apply(wanted) == frozenset()  # nothing new: no listener call
    assert seen == [{"expose_query_plan"}]


async def test_a_new_plan_cache_size_applies_to_the_next_supergraph(tmp_path):
    path = tmp_path / "supergraph.graphql"
    path.write_text(SHOP_SDL)
    runtime = RouterRuntime(RouterSettings(plan_cache_size=10))
    runtime.apply(RouterSettings(plan_cache_size=3))
    holder = StateHolder()
    await follow_source(FileSource(path), holder, lambda: runtime.settings.plan_cache_size)
    assert holder.current is not None
    assert holder.current.caches.operations.max_size == 3
