"""Prometheus metrics: recorded values read back from the endpoint's exposition, label bounds,
in-flight gauge, and the recording subgraph client against real HTTP servers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from starlette.applications import Starlette
from starlette.routing import Route
from trellis_router.executor import AiohttpSubgraphClient, SubgraphFetchError
from trellis_router.telemetry import RouterMetrics

from .conftest import Subgraphs

BODY = b'{"query":"{ me { name } }","variables":{}}'


async def _scrape(metrics: RouterMetrics, accept: str | None = None) -> httpx.Response:
    app = Starlette(routes=[Route("/metrics", metrics.endpoint)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        headers = {"accept": accept} if accept else {}
        return await client.get("/metrics", headers=headers)


async def _samples(metrics: RouterMetrics) -> list[Sample]:
    response = await _scrape(metrics)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return [s for f in text_string_to_metric_families(response.text) for s in f.samples]


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    (value,) = [s.value for s in samples if s.name == name and s.labels == labels]
    return value


async def test_endpoint_exposes_counts_and_histogram_buckets() -> None:
    metrics = RouterMetrics()
    metrics.request("TopProducts", "success", 0.004)
    metrics.request("TopProducts", "success", 0.2)
    metrics.request("TopProducts", "graphql_error", 3.0)
    metrics.request(None, "request_error", 0.0005)
    metrics.subgraph_fetch("products", 0.02, None)
    metrics.subgraph_fetch("products", 1.5, "timeout")
    metrics.plan_cache(hit=False)
    metrics.plan_cache(hit=True)
    metrics.plan_cache(hit=True)
    metrics.supergraph_reload(ok=True)
    metrics.supergraph_reload(ok=False)

    samples = await _samples(metrics)

    requests = "trellis_router_requests_total"
    assert _value(samples, requests, operation_name="TopProducts", outcome="success") == 2
    assert _value(samples, requests, operation_name="TopProducts", outcome="graphql_error") == 1
    assert _value(samples, requests, operation_name="other", outcome="request_error") == 1
    bucket = "trellis_router_request_duration_seconds_bucket"
    ok = {"operation_name": "TopProducts", "outcome": "success"}
    assert _value(samples, bucket, **ok, le="0.001") == 0
    assert _value(samples, bucket, **ok, le="0.005") == 1
    assert _value(samples, bucket, **ok, le="0.1") == 1
    assert _value(samples, bucket, **ok, le="0.25") == 2
    assert _value(samples, bucket, **ok, le="+Inf") == 2
    assert _value(samples, "trellis_router_request_duration_seconds_count", **ok) == 2
    total = _value(samples, "trellis_router_request_duration_seconds_sum", **ok)
    assert total == pytest.approx(0.204)
    fetches = "trellis_router_subgraph_requests_total"
    assert _value(samples, fetches, subgraph="products", outcome="success") == 1
    assert _value(samples, fetches, subgraph="products", outcome="timeout") == 1
    fetch_bucket = "trellis_router_subgraph_request_duration_seconds_bucket"
    assert _value(samples, fetch_bucket, subgraph="products", outcome="timeout", le="1.0") == 0
    cache = "trellis_router_plan_cache_lookups_total"
    assert _value(samples, cache, result="hit") == 2
    assert _value(samples, cache, result="miss") == 1
    reloads = "trellis_router_supergraph_reloads_total"
    assert _value(samples, reloads, outcome="success") == 1
    assert _value(samples, reloads, outcome="failure") == 1
    assert _value(samples, "trellis_router_supergraph_last_reload_timestamp_seconds") > 0
    assert _value(samples, "trellis_router_requests_in_flight") == 0


async def test_each_instance_has_its_own_registry() -> None:
    first, second = RouterMetrics(), RouterMetrics()
    first.request("A", "success", 0.01)

    assert (
        _value(
            await _samples(first),
            "trellis_router_requests_total",
            operation_name="A",
            outcome="success",
        )
        == 1
    )
    assert not [s for s in await _samples(second) if s.name == "trellis_router_requests_total"]
    assert REGISTRY.get_sample_value("trellis_router_requests_total") is None


async def test_openmetrics_when_the_scraper_asks() -> None:
    metrics = RouterMetrics()
    metrics.request("A", "success", 0.01)

    response = await _scrape(metrics, "application/openmetrics-text; version=1.0.0")

    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


async def test_label_cardinality_is_bounded() -> None:
    metrics = RouterMetrics(max_operation_names=2)
    for name in ("A", "B", "C", "A", "not a name", "x" * 65, None, "B"):
        metrics.request(name, "success", 0.01)
    metrics.request("A", "Made Up!", 0.01)
    for outcome in [f"kind_{n}" for n in range(40)]:
        metrics.request("A", outcome, 0.01)

    samples = await _samples(metrics)

    requests = [s for s in samples if s.name == "trellis_router_requests_total"]
    names = {s.labels["operation_name"] for s in requests}
    assert names == {"A", "B", "other"}
    assert (
        _value(samples, "trellis_router_requests_total", operation_name="other", outcome="success")
        == 4
    )
    outcomes = {s.labels["outcome"] for s in requests}
    assert len(outcomes) == 33  # 32 kept (success, kind_0..kind_30) and other
    assert "Made Up!" not in outcomes
    assert (
        _value(samples, "trellis_router_requests_total", operation_name="A", outcome="other") == 10
    )


async def test_in_flight_counts_requests_being_answered() -> None:
    metrics = RouterMetrics()
    gauge = "trellis_router_requests_in_flight"

    with metrics.in_flight(), metrics.in_flight():
        assert _value(await _samples(metrics), gauge) == 2
    with pytest.raises(RuntimeError), metrics.in_flight():
        raise RuntimeError("handler failed")

    assert _value(await _samples(metrics), gauge) == 0


@pytest.fixture
async def http_client() -> AsyncIterator[AiohttpSubgraphClient]:
    client = AiohttpSubgraphClient(timeout_seconds=5)
    yield client
    await client.close()


async def test_subgraph_client_records_real_fetches(
    subgraphs: Subgraphs, http_client: AiohttpSubgraphClient
) -> None:
    metrics = RouterMetrics()
    client = metrics.subgraph_client(http_client)
    subgraphs.status["products"] = 503

    response = await client.fetch("accounts", subgraphs.urls["accounts"], BODY, {})
    with pytest.raises(SubgraphFetchError):
        await client.fetch("products", subgraphs.urls["products"], BODY, {})

    assert response == {"data": {"me": {"name": "Ada"}}}
    samples = await _samples(metrics)
    fetches = "trellis_router_subgraph_requests_total"
    assert _value(samples, fetches, subgraph="accounts", outcome="success") == 1
    assert _value(samples, fetches, subgraph="products", outcome="status") == 1
    count = "trellis_router_subgraph_request_duration_seconds_count"
    assert _value(samples, count, subgraph="accounts", outcome="success") == 1
