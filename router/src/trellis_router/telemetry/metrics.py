"""Prometheus metrics of the router, in a registry of its own (never the global one).

Metrics (all prefixed ``trellis_router_``)::

    requests_total{operation_name, outcome}                counter
    request_duration_seconds{operation_name, outcome}      histogram
    requests_in_flight                                     gauge
    subgraph_requests_total{subgraph, outcome}             counter
    subgraph_request_duration_seconds{subgraph, outcome}   histogram
    plan_cache_lookups_total{result}                       counter (hit | miss)
    supergraph_reloads_total{outcome}                      counter (success | failure)
    supergraph_last_reload_timestamp_seconds               gauge (Unix time of the last success)

Label values that clients choose are bounded: an operation name is kept only when it is a
GraphQL name of at most 64 characters and among the first ``max_operation_names`` seen; any
other (and an unknown one: None) is counted as ``other``. Outcomes, subgraph names and fetch
error kinds are bounded the same way.

Spec: Prometheus exposition formats (text 0.0.4 / 1.0.0, OpenMetrics by ``Accept``);
Prometheus naming conventions (base units, ``_total`` counters, ``_seconds``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import Response

from ..executor.client import SubgraphClient, SubgraphFetchError

__all__ = ["OTHER", "RouterMetrics"]

OTHER = "other"
"""The label value standing for every value past the cardinality bound."""

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_OUTCOME = re.compile(r"[a-z][_a-z0-9]{0,31}")
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Latency histogram buckets, in seconds."""


class _Bounded:
    """Maps label values to themselves while they are valid and few, else to :data:`OTHER`."""

    __slots__ = ("_limit", "_pattern", "_seen")

    def __init__(self, pattern: re.Pattern[str], limit: int) -> None:
        self._pattern = pattern
        self._limit = limit
        self._seen: set[str] = set()

    def __call__(self, value: str | None) -> str:
        if value is None:
            return OTHER
        if value in self._seen:
            return value
        if len(self._seen) >= self._limit or self._pattern.fullmatch(value) is None:
            return OTHER
        self._seen.add(value)
        return value


class _MeteredSubgraphClient:
    """A :class:`SubgraphClient` that records each fetch's duration and outcome."""

    __slots__ = ("_inner", "_metrics")

    def __init__(self, inner: SubgraphClient, metrics: RouterMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request and record it; see :meth:`SubgraphClient.fetch`."""
        start = time.perf_counter()
        try:
            response = await self._inner.fetch(subgraph_name, url, body, headers)
        except SubgraphFetchError as error:
            self._metrics.subgraph_fetch(subgraph_name, time.perf_counter() - start, error.kind)
            raise
        self._metrics.subgraph_fetch(subgraph_name, time.perf_counter() - start, None)
        return response


class RouterMetrics:
    """The router's Prometheus metrics and their ``/metrics`` endpoint.

    Args:
        max_operation_names: distinct operation names kept as label values; later ones are
            counted as ``other``.
        max_subgraphs: distinct subgraph names kept as label values.

    Example:
        >>> metrics = RouterMetrics()
        >>> metrics.request("TopProducts", "success", 0.012)
        >>> metrics.registry.get_sample_value(
        ...     "trellis_router_requests_total",
        ...     {"operation_name": "TopProducts", "outcome": "success"},
        ... )
        1.0
    """

    def __init__(self, *, max_operation_names: int = 100, max_subgraphs: int = 64) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        """The registry holding every metric of this router (not the global one)."""
        registry = self.registry
        self._operation_name = _Bounded(_NAME, max_operation_names)
        self._outcome = _Bounded(_OUTCOME, 32)
        self._subgraph = _Bounded(_NAME, max_subgraphs)
        self._fetch_outcome = _Bounded(_OUTCOME, 16)
        # labelled children by label values (label values are bounded: see _Bounded)
        self._request_children: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._fetch_children: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._requests = Counter(
            "trellis_router_requests",
            "GraphQL requests, by operation name and outcome.",
            ("operation_name", "outcome"),
            registry=registry,
        )
        self._request_seconds = Histogram(
            "trellis_router_request_duration_seconds",
            "Time to answer a GraphQL request, in seconds.",
            ("operation_name", "outcome"),
            buckets=_BUCKETS,
            registry=registry,
        )
        self._in_flight = Gauge(
            "trellis_router_requests_in_flight",
            "GraphQL requests being answered.",
            registry=registry,
        )
        self._fetches = Counter(
            "trellis_router_subgraph_requests",
            "Subgraph requests, by subgraph and outcome (success or the failure kind).",
            ("subgraph", "outcome"),
            registry=registry,
        )
        self._fetch_seconds = Histogram(
            "trellis_router_subgraph_request_duration_seconds",
            "Time of a subgraph request, in seconds.",
            ("subgraph", "outcome"),
            buckets=_BUCKETS,
            registry=registry,
        )
        self._plan_cache = Counter(
            "trellis_router_plan_cache_lookups",
            "Query plan cache lookups, by result (hit or miss).",
            ("result",),
            registry=registry,
        )
        self._reloads = Counter(
            "trellis_router_supergraph_reloads",
            "Supergraph reloads, by outcome (success or failure).",
            ("outcome",),
            registry=registry,
        )
        self._last_reload = Gauge(
            "trellis_router_supergraph_last_reload_timestamp_seconds",
            "Unix time of the last successful supergraph reload, in seconds.",
            registry=registry,
        )

    def request(self, operation_name: str | None, outcome: str, seconds: float) -> None:
        """Record one answered GraphQL request.

        Args:
            operation_name: the operation name (None when unknown or anonymous).
            outcome: ``success``, ``graphql_error``, ``request_error``, ``unauthenticated``,
                ``rate_limited``, … (lowercase snake case; others count as ``other``).
            seconds: the time taken, in seconds.
        """
        labels = (self._operation_name(operation_name), self._outcome(outcome))
        children = self._request_children.get(labels)
        if children is None:
            children = (self._requests.labels(*labels), self._request_seconds.labels(*labels))
            self._request_children[labels] = children
        children[0].inc()
        children[1].observe(seconds)

    def subgraph_fetch(self, subgraph: str, seconds: float, error: str | None) -> None:
        """Record one subgraph request.

        Args:
            subgraph: the subgraph name.
            seconds: the time taken, in seconds.
            error: None when a response came, else how it failed (a
                :data:`~trellis_router.executor.client.FetchFailure`: ``connect``,
                ``timeout``, ``status``, …).
        """
        outcome = "success" if error is None else self._fetch_outcome(error)
        labels = (self._subgraph(subgraph), outcome)
        children = self._fetch_children.get(labels)
        if children is None:
            children = (self._fetches.labels(*labels), self._fetch_seconds.labels(*labels))
            self._fetch_children[labels] = children
        children[0].inc()
        children[1].observe(seconds)

    def plan_cache(self, hit: bool) -> None:
        """Record one query plan cache lookup.

        Args:
            hit: True when the plan came from the cache.
        """
        self._plan_cache.labels("hit" if hit else "miss").inc()

    def supergraph_reload(self, ok: bool) -> None:
        """Record one supergraph (re)load.

        Args:
            ok: True when the new supergraph is in use, False when it was refused.
        """
        self._reloads.labels("success" if ok else "failure").inc()
        if ok:
            self._last_reload.set_to_current_time()

    def in_flight(self) -> AbstractContextManager[None]:
        """A context manager counting a request in flight for its duration.

        Returns:
            The context manager (the gauge goes up on enter, down on exit).
        """
        return _InFlight(self._in_flight)

    def subgraph_client(self, inner: SubgraphClient) -> SubgraphClient:
        """Wrap a subgraph client to record every fetch (see :meth:`subgraph_fetch`).

        Args:
            inner: the client that sends the requests.

        Returns:
            The recording client.
        """
        return _MeteredSubgraphClient(inner, self)

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics in a Prometheus exposition format.

        Args:
            accept: the scraper's ``Accept`` header (OpenMetrics when it asks for it).

        Returns:
            The body and its content type.
        """
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type

    async def endpoint(self, request: Request) -> Response:
        """The Starlette handler of the metrics path (``telemetry.metrics.path``).

        Args:
            request: the scrape request.

        Returns:
            A 200 response in the Prometheus text format (OpenMetrics when ``Accept`` asks).
        """
        body, content_type = self.exposition(request.headers.get("accept"))
        return Response(body, headers={"content-type": content_type})


class _InFlight:
    __slots__ = ("_gauge",)

    def __init__(self, gauge: Gauge) -> None:
        self._gauge = gauge

    def __enter__(self) -> None:
        self._gauge.inc()

    def __exit__(self, *exc_info: object) -> None:
        self._gauge.dec()
