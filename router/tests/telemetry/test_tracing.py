"""Traces: span tree of a federated request, W3C propagation to real subgraph servers,
sampling, failures, exporters, and no span machinery when tracing is off."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from types import FrameType
from typing import Any

import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import INVALID_SPAN, SpanKind, StatusCode
from trellis_router.configuration.telemetry import TracingSettings
from trellis_router.executor import AiohttpSubgraphClient, execute_operation
from trellis_router.executor.run import PlanTracer
from trellis_router.telemetry import EXECUTION_SPAN, SUPERGRAPH_SPAN, RouterTracing

from .conftest import (
    CALLER_SPAN_ID,
    CALLER_TRACE_ID,
    CALLER_TRACEPARENT,
    EXPECTED_DATA,
    Subgraphs,
    hex_id,
    prepared,
    tree,
)

PREPARED = prepared()


@pytest.fixture
async def http_client() -> AsyncIterator[AiohttpSubgraphClient]:
    client = AiohttpSubgraphClient(timeout_seconds=5)
    yield client
    await client.close()


async def _run(
    tracing: RouterTracing,
    subgraphs: Subgraphs,
    http_client: AiohttpSubgraphClient,
    headers: dict[str, str],
    with_me: bool = True,
) -> dict[str, Any]:
    client = tracing.subgraph_client(http_client)
    with (
        tracing.request_span(headers, "Top"),
        tracing.span(SUPERGRAPH_SPAN, {"graphql.operation.name": "Top"}),
        tracing.span(EXECUTION_SPAN),
    ):
        return await execute_operation(
            PREPARED,
            client=client,
            routing_url=subgraphs.urls.__getitem__,
            variables={"withMe": with_me},
            tracer=tracing.tracer(),
        )


def _subgraph(name: str) -> list[Any]:
    return ["subgraph", name, []]


def _fetch(name: str) -> list[Any]:
    return ["fetch", name, [_subgraph(name)]]


def _flatten(name: str) -> list[Any]:
    return ["flatten", "topProducts.@", [_fetch(name)]]


async def test_spans_follow_the_plan_under_the_callers_trace(
    tracing: RouterTracing,
    exporter: InMemorySpanExporter,
    subgraphs: Subgraphs,
    http_client: AiohttpSubgraphClient,
) -> None:
    response = await _run(tracing, subgraphs, http_client, {"Traceparent": CALLER_TRACEPARENT})

    assert response == {"data": EXPECTED_DATA}
    spans = exporter.get_finished_spans()
    sequence = [
        "sequence",
        "",
        sorted(
            [
                _fetch("products"),
                ["parallel", "", sorted([_flatten("reviews"), _flatten("inventory")], key=repr)],
            ],
            key=repr,
        ),
    ]
    condition = ["condition", "", [_fetch("accounts")]]
    parallel = ["parallel", "", sorted([condition, sequence], key=repr)]
    assert tree(spans) == [["router", "", [["supergraph", "", [["execution", "", [parallel]]]]]]]
    assert {hex_id(s.context.trace_id, 32) for s in spans if s.context} == {CALLER_TRACE_ID}
    (router,) = [s for s in spans if s.name == "router"]
    assert router.kind is SpanKind.SERVER
    assert router.parent is not None and router.parent.is_remote
    assert hex_id(router.parent.span_id, 16) == CALLER_SPAN_ID
    assert router.attributes == {"graphql.operation.name": "Top"}
    assert router.resource.attributes["service.name"] == "trellis-router"


async def test_subgraphs_receive_a_traceparent_naming_their_subgraph_span(
    tracing: RouterTracing,
    exporter: InMemorySpanExporter,
    subgraphs: Subgraphs,
    http_client: AiohttpSubgraphClient,
) -> None:
    headers = {"traceparent": CALLER_TRACEPARENT, "tracestate": "vendor=abc"}
    await _run(tracing, subgraphs, http_client, headers)

    spans = {
        str((s.attributes or {})["subgraph.name"]): s
        for s in exporter.get_finished_spans()
        if s.name == "subgraph"
    }
    assert sorted(spans) == ["accounts", "inventory", "products", "reviews"]
    assert len(subgraphs.received) == 4
    for received in subgraphs.received:
        span = spans[received.subgraph]
        assert span.context is not None
        version, trace_id, parent_id, flags = received.headers["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", CALLER_TRACE_ID, "01")
        assert parent_id == hex_id(span.context.span_id, 16)
        assert received.headers["tracestate"] == "vendor=abc"
        assert received.headers["Content-Type"] == "application/json"
        assert span.kind is SpanKind.CLIENT
        attributes = span.attributes or {}
        assert attributes["url.full"] == subgraphs.urls[received.subgraph]
        assert attributes["graphql.operation.name"] == received.body["operationName"]
        assert attributes["graphql.operation.type"] == "query"
        assert span.status.status_code is StatusCode.UNSET


async def test_without_a_caller_traceparent_the_router_starts_the_trace(
    tracing: RouterTracing,
    exporter: InMemorySpanExporter,
    subgraphs: Subgraphs,
    http_client: AiohttpSubgraphClient,
) -> None:
    await _run(tracing, subgraphs, http_client, {}, with_me=False)

    spans = exporter.get_finished_spans()
    (router,) = [s for s in spans if s.name == "router"]
    assert router.parent is None and router.context is not None
    trace_id = hex_id(router.context.trace_id, 32)
    assert trace_id != CALLER_TRACE_ID
    assert [r.subgraph for r in subgraphs.received if r.subgraph == "accounts"] == []
    for received in subgraphs.received:
        assert received.headers["traceparent"].split("-")[1] == trace_id
    assert "condition" in [s.name for s in spans]
    assert "accounts" not in str(tree(spans))


async def test_propagation_off_ignores_and_sends_no_traceparent(
    exporter: InMemorySpanExporter, subgraphs: Subgraphs, http_client: AiohttpSubgraphClient
) -> None:
    tracing = RouterTracing(TracingSettings(enabled=True, propagate=False), exporter=exporter)
    try:
        await _run(tracing, subgraphs, http_client, {"traceparent": CALLER_TRACEPARENT})
    finally:
        tracing.shutdown()

    (router,) = [s for s in exporter.get_finished_spans() if s.name == "router"]
    assert router.parent is None and router.context is not None
    assert hex_id(router.context.trace_id, 32) != CALLER_TRACE_ID
    assert len(subgraphs.received) == 4
    assert all("traceparent" not in r.headers for r in subgraphs.received)


async def test_sampling_ratio_zero_records_nothing_unless_the_caller_sampled(
    exporter: InMemorySpanExporter, subgraphs: Subgraphs, http_client: AiohttpSubgraphClient
) -> None:
    tracing = RouterTracing(TracingSettings(enabled=True, sampling_ratio=0), exporter=exporter)
    try:
        await _run(tracing, subgraphs, http_client, {})
        assert exporter.get_finished_spans() == ()
        flags = subgraphs.received[0].headers["traceparent"].split("-")[3]
        assert int(flags, 16) & 1 == 0  # sampled flag off
        await _run(tracing, subgraphs, http_client, {"traceparent": CALLER_TRACEPARENT})
    finally:
        tracing.shutdown()

    spans = exporter.get_finished_spans()
    assert len([s for s in spans if s.name == "subgraph"]) == 4
    assert {hex_id(s.context.trace_id, 32) for s in spans if s.context} == {CALLER_TRACE_ID}


async def test_failed_fetches_mark_the_subgraph_span(
    tracing: RouterTracing,
    exporter: InMemorySpanExporter,
    subgraphs: Subgraphs,
    http_client: AiohttpSubgraphClient,
) -> None:
    subgraphs.status["reviews"] = 503
    subgraphs.urls["inventory"] = _closed_port_url()

    response = await _run(tracing, subgraphs, http_client, {})

    codes = sorted(e["extensions"]["serviceName"] for e in response["errors"])
    assert codes == ["inventory", "reviews"]
    spans = {
        str((s.attributes or {})["subgraph.name"]): s
        for s in exporter.get_finished_spans()
        if s.name == "subgraph"
    }
    reviews = spans["reviews"].attributes or {}
    assert reviews["error.type"] == "status"
    assert reviews["http.response.status_code"] == 503
    assert spans["reviews"].status.status_code is StatusCode.ERROR
    inventory = spans["inventory"].attributes or {}
    assert inventory["error.type"] == "connect"
    assert "http.response.status_code" not in inventory
    assert spans["inventory"].status.status_code is StatusCode.ERROR
    assert spans["products"].status.status_code is StatusCode.UNSET


def _closed_port_url() -> str:
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/graphql"


def test_trace_id_is_the_current_spans(tracing: RouterTracing) -> None:
    assert tracing.trace_id() is None
    with tracing.request_span({"traceparent": CALLER_TRACEPARENT}, None) as span:
        assert tracing.trace_id() == CALLER_TRACE_ID
        assert span.get_span_context().is_valid
    assert tracing.trace_id() is None


async def test_disabled_tracing_is_inert(
    subgraphs: Subgraphs, http_client: AiohttpSubgraphClient
) -> None:
    tracing = RouterTracing(TracingSettings())

    assert not tracing.enabled
    assert tracing.tracer() is None
    assert tracing.subgraph_client(http_client) is http_client
    with tracing.request_span({"traceparent": CALLER_TRACEPARENT}, "Top") as span:
        assert span is INVALID_SPAN
        assert tracing.trace_id() is None
    response = await _run(tracing, subgraphs, http_client, {"traceparent": CALLER_TRACEPARENT})
    assert response == {"data": EXPECTED_DATA}
    assert all("traceparent" not in r.headers for r in subgraphs.received)
    tracing.shutdown()


async def test_a_plan_run_without_tracer_touches_no_span_machinery(
    tracing: RouterTracing,
    exporter: InMemorySpanExporter,
    subgraphs: Subgraphs,
    http_client: AiohttpSubgraphClient,
) -> None:
    async def run_profiled(tracer: PlanTracer | None) -> set[str]:
        touched: set[str] = set()

        def profile(frame: FrameType, event: str, _arg: object) -> None:
            if event == "call" and "opentelemetry" in frame.f_code.co_filename:
                touched.add(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

        with tracing.request_span({}, "Top"):
            sys.setprofile(profile)
            try:
                response = await execute_operation(
                    PREPARED,
                    client=http_client,
                    routing_url=subgraphs.urls.__getitem__,
                    variables={"withMe": True},
                    tracer=tracer,
                )
            finally:
                sys.setprofile(None)
        assert response == {"data": EXPECTED_DATA}
        return touched

    assert await run_profiled(None) == set()
    assert [s.name for s in exporter.get_finished_spans()] == ["router"]
    assert len(subgraphs.received) == 4
    # The same run with a tracer is seen by the profiler (the check above can fail).
    assert await run_profiled(tracing.tracer()) != set()


def test_console_exporter_prints_spans(capsys: pytest.CaptureFixture[str]) -> None:
    settings = TracingSettings(enabled=True, exporter="console", service_name="router-a")
    tracing = RouterTracing(settings)
    with tracing.request_span({}, "Hello"), tracing.span(EXECUTION_SPAN):
        pass
    tracing.shutdown()

    out = capsys.readouterr().out
    assert '"name": "router"' in out
    assert '"name": "execution"' in out
    assert '"graphql.operation.name": "Hello"' in out
    assert '"service.name": "router-a"' in out


async def test_otlp_exporter_posts_protobuf_to_the_collector() -> None:
    bodies: list[bytes] = []

    async def traces(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        endpoint = f"http://127.0.0.1:{port}/v1/traces"
        tracing = RouterTracing(TracingSettings(enabled=True, otlp_endpoint=endpoint))
        with tracing.request_span({"traceparent": CALLER_TRACEPARENT}, "Top"):
            pass
        # The exporter posts from its own thread; this loop must keep serving meanwhile.
        await asyncio.to_thread(tracing.shutdown)
    finally:
        await runner.cleanup()

    request = ExportTraceServiceRequest()
    request.ParseFromString(b"".join(bodies))
    (resource_spans,) = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "trellis-router"
    (span,) = [s for scope in resource_spans.scope_spans for s in scope.spans]
    assert span.name == "router"
    assert span.trace_id.hex() == CALLER_TRACE_ID
    assert span.parent_span_id.hex() == CALLER_SPAN_ID
