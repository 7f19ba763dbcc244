"""OpenTelemetry traces: a span per request, per router stage, per plan node and per fetch.

The span tree of one request follows Apollo Router's names::

    router                    SERVER, the HTTP request (the caller's traceparent is its parent)
      supergraph              the GraphQL request (opened by the pipeline)
        query_planning        planning, on a plan cache miss
        execution             running the plan
          sequence / parallel / condition
            fetch             a root fetch          (subgraph.name)
              subgraph        CLIENT, the HTTP request to the subgraph
            flatten           an entity fetch       (graphql.path)
              fetch
                subgraph

:class:`RouterTracing` owns its own ``TracerProvider`` (never the global one), so each app and
each test has its own exporter. With tracing disabled every method is a cheap no-op: no
provider, no span objects, the subgraph client is returned unwrapped, and :meth:`tracer` is None.

Spec: W3C Trace Context (``traceparent``, ``tracestate``); OpenTelemetry semantic conventions
for GraphQL (``graphql.operation.name``, ``graphql.operation.type``) and HTTP client spans
(``url.full``, ``http.request.method``, ``http.response.status_code``, ``error.type``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import (
    INVALID_SPAN,
    Span,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
    format_trace_id,
    get_current_span,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ..configuration.telemetry import TracingSettings
from ..executor.client import SubgraphClient, SubgraphFetchError
from ..executor.run import PlanTracer

__all__ = [
    "EXECUTION_SPAN",
    "QUERY_PLANNING_SPAN",
    "ROUTER_SPAN",
    "SUBGRAPH_SPAN",
    "SUPERGRAPH_SPAN",
    "RouterTracing",
]

ROUTER_SPAN = "router"
"""The HTTP request span (kind SERVER), opened by :meth:`RouterTracing.request_span`."""
SUPERGRAPH_SPAN = "supergraph"
"""The GraphQL request span: parse, validate, plan and execute."""
QUERY_PLANNING_SPAN = "query_planning"
"""Query planning (a plan cache miss)."""
EXECUTION_SPAN = "execution"
"""Running the query plan; the plan node spans are its children."""
SUBGRAPH_SPAN = "subgraph"
"""One HTTP request to a subgraph (kind CLIENT), opened by the traced subgraph client."""

_INSTRUMENTATION = "trellis_router"
_OPERATION_NAME = re.compile(rb'"operationName":"([_A-Za-z][_0-9A-Za-z]*)"')
_OPERATION_TYPE = re.compile(rb'^\{"query":"\s*(query|mutation|subscription)\b')


class _HeaderGetter(Getter[Mapping[str, str]]):
    """Reads propagation headers from any mapping, whatever the case of its keys."""

    def get(self, carrier: Mapping[str, str], key: str) -> list[str] | None:
        value = carrier.get(key)
        if value is None:
            for name, candidate in carrier.items():
                if name.lower() == key:
                    value = candidate
                    break
        return None if value is None else [value]

    def keys(self, carrier: Mapping[str, str]) -> list[str]:
        return list(carrier.keys())


_GETTER = _HeaderGetter()


class _PlanSpans:
    """:class:`~trellis_router.executor.run.PlanTracer` over an OpenTelemetry tracer."""

    __slots__ = ("_tracer",)

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def span(self, name: str, attributes: Mapping[str, str]) -> AbstractContextManager[object]:
        return self._tracer.start_as_current_span(name, attributes=attributes)


class _TracedSubgraphClient:
    """A :class:`SubgraphClient` that opens a ``subgraph`` span around each fetch and sends the
    span's context to the subgraph as ``traceparent`` (and ``tracestate``)."""

    __slots__ = ("_inner", "_propagator", "_tracer")

    def __init__(
        self,
        inner: SubgraphClient,
        tracer: Tracer,
        propagator: TraceContextTextMapPropagator | None,
    ) -> None:
        self._inner = inner
        self._tracer = tracer
        self._propagator = propagator

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request in a ``subgraph`` span; see :meth:`SubgraphClient.fetch`."""
        attributes = {
            "subgraph.name": subgraph_name,
            "url.full": url,
            "http.request.method": "POST",
        }
        with self._tracer.start_as_current_span(
            SUBGRAPH_SPAN,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            if span.is_recording():
                _operation_attributes(span, body)
            if self._propagator is not None:
                carrier = dict(headers)
                self._propagator.inject(carrier)
                headers = carrier
            try:
                return await self._inner.fetch(subgraph_name, url, body, headers)
            except SubgraphFetchError as error:
                span.set_attribute("error.type", error.kind)
                if error.status is not None:
                    span.set_attribute("http.response.status_code", error.status)
                span.set_status(Status(StatusCode.ERROR, error.reason))
                raise


def _operation_attributes(span: Span, body: bytes) -> None:
    """Set ``graphql.operation.name`` / ``.type`` from a subgraph request body, without parsing
    the whole body (it may hold many representations)."""
    name = _OPERATION_NAME.search(body)
    if name is not None:
        span.set_attribute("graphql.operation.name", name.group(1).decode())
    kind = _OPERATION_TYPE.match(body)
    if kind is not None:
        span.set_attribute("graphql.operation.type", kind.group(1).decode())
    elif body.startswith(b'{"query":"{'):
        span.set_attribute("graphql.operation.type", "query")


class RouterTracing:
    """The router's traces: its own tracer provider, exporter and W3C propagation.

    Args:
        settings: the ``telemetry.tracing`` settings.
        exporter: an exporter to use instead of the configured one (tests pass an
            ``InMemorySpanExporter``); it gets a ``SimpleSpanProcessor`` (spans exported as
            they end), where the configured OTLP/HTTP or console exporter gets a
            ``BatchSpanProcessor``.

    Example:
        >>> tracing = RouterTracing(TracingSettings(enabled=False))
        >>> tracing.enabled, tracing.tracer()
        (False, None)

    Spec: W3C Trace Context; OpenTelemetry trace SDK (parent-based ratio sampling: a caller's
    sampled ``traceparent`` is honoured, new traces are kept with ``sampling_ratio``).
    """

    def __init__(self, settings: TracingSettings, *, exporter: SpanExporter | None = None) -> None:
        self._settings = settings
        self._provider: TracerProvider | None = None
        self._tracer: Tracer | None = None
        self._plan_spans: _PlanSpans | None = None
        self._propagator: TraceContextTextMapPropagator | None = None
        if not settings.enabled:
            return
        self._provider = TracerProvider(
            sampler=ParentBased(TraceIdRatioBased(settings.sampling_ratio)),
            resource=Resource.create({"service.name": settings.service_name}),
            shutdown_on_exit=False,
        )
        self._provider.add_span_processor(_processor(settings, exporter))
        self._tracer = self._provider.get_tracer(_INSTRUMENTATION)
        self._plan_spans = _PlanSpans(self._tracer)
        if settings.propagate:
            self._propagator = TraceContextTextMapPropagator()

    @property
    def enabled(self) -> bool:
        """True when traces are recorded and exported."""
        return self._tracer is not None

    def request_span(
        self, headers: Mapping[str, str], operation_name: str | None
    ) -> AbstractContextManager[Span]:
        """The ``router`` span of one HTTP request (kind SERVER), made current.

        With ``propagate`` on, a valid ``traceparent`` (and ``tracestate``) among ``headers``
        makes the span a child of the caller's span, in the caller's trace; otherwise the
        span starts a new trace.

        Args:
            headers: the HTTP request headers (any case).
            operation_name: the GraphQL operation name, when known (``graphql.operation.name``).

        Returns:
            A context manager yielding the span (``INVALID_SPAN`` when tracing is disabled);
            the caller may set more attributes on it (e.g. ``http.response.status_code``).
        """
        if self._tracer is None:
            return nullcontext(INVALID_SPAN)
        if self._propagator is not None:
            context = self._propagator.extract(headers, getter=_GETTER)
        else:
            context = Context()
        attributes = {"graphql.operation.name": operation_name} if operation_name else None
        return self._tracer.start_as_current_span(
            ROUTER_SPAN, context=context, kind=SpanKind.SERVER, attributes=attributes
        )

    def span(
        self, name: str, attributes: Mapping[str, str] | None = None
    ) -> AbstractContextManager[Span]:
        """A child span of the current one, made current (e.g. ``supergraph``,
        ``query_planning``, ``execution``).

        Args:
            name: the span name (see the module constants).
            attributes: span attributes, e.g. ``graphql.operation.name`` /
                ``graphql.operation.type`` on the ``supergraph`` span.

        Returns:
            A context manager yielding the span (``INVALID_SPAN`` when tracing is disabled).
        """
        if self._tracer is None:
            return nullcontext(INVALID_SPAN)
        return self._tracer.start_as_current_span(name, attributes=attributes)

    def tracer(self) -> PlanTracer | None:
        """What the plan runner uses for node spans (``execute_operation(..., tracer=…)``).

        Returns:
            The plan tracer, or None when tracing is disabled (the runner then opens no span).
        """
        return self._plan_spans

    def subgraph_client(self, inner: SubgraphClient) -> SubgraphClient:
        """Wrap a subgraph client: a ``subgraph`` span per fetch (``subgraph.name``,
        ``url.full``, ``graphql.operation.name``/``type``; on failure ``error.type`` (the
        :class:`SubgraphFetchError` kind), ``http.response.status_code`` and an ERROR
        status), and with ``propagate`` on a ``traceparent`` header naming that span.

        Args:
            inner: the client that sends the requests.

        Returns:
            The traced client, or ``inner`` itself when tracing is disabled.
        """
        if self._tracer is None:
            return inner
        return _TracedSubgraphClient(inner, self._tracer, self._propagator)

    def trace_id(self) -> str | None:
        """The trace id of the current span, as 32 lowercase hex digits (for logs).

        Returns:
            The trace id, or None outside any valid span.
        """
        context = get_current_span().get_span_context()
        return format_trace_id(context.trace_id) if context.is_valid else None

    def shutdown(self) -> None:
        """Export the spans still queued and stop the exporter (idempotent)."""
        provider, self._provider = self._provider, None
        if provider is not None:
            provider.force_flush()
            provider.shutdown()
        self._tracer = None
        self._plan_spans = None


def _processor(settings: TracingSettings, exporter: SpanExporter | None) -> SpanProcessor:
    if exporter is not None:
        return SimpleSpanProcessor(exporter)
    if settings.exporter == "console":
        console = ConsoleSpanExporter(service_name=settings.service_name, out=sys.stdout)
        return BatchSpanProcessor(console)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint))
