"""Telemetry: OpenTelemetry traces, Prometheus metrics and structured (JSON) logs.

- :class:`RouterTracing` (``tracing``): a span per request, router stage, plan node and
  subgraph fetch, named as Apollo Router names them; W3C ``traceparent`` in and out.
- :class:`RouterMetrics` (``metrics``): request, subgraph, plan cache and reload metrics in a
  registry of its own, served by :meth:`RouterMetrics.endpoint`.
- :func:`configure_logging` / :func:`access_log` (``logs``): structlog over the standard
  library, one JSON object per line with the trace id.

Example:
    >>> from trellis_router.configuration.telemetry import TracingSettings
    >>> tracing = RouterTracing(TracingSettings())  # disabled by default: no-ops
    >>> metrics = RouterMetrics()
    >>> client = metrics.subgraph_client(tracing.subgraph_client(inner))  # doctest: +SKIP
"""

from __future__ import annotations

from .logs import ACCESS_LOGGER, access_log, add_trace_ids, configure_logging
from .metrics import RouterMetrics
from .tracing import (
    EXECUTION_SPAN,
    QUERY_PLANNING_SPAN,
    ROUTER_SPAN,
    SUBGRAPH_SPAN,
    SUPERGRAPH_SPAN,
    RouterTracing,
)

__all__ = [
    "ACCESS_LOGGER",
    "EXECUTION_SPAN",
    "QUERY_PLANNING_SPAN",
    "ROUTER_SPAN",
    "SUBGRAPH_SPAN",
    "SUPERGRAPH_SPAN",
    "RouterMetrics",
    "RouterTracing",
    "access_log",
    "add_trace_ids",
    "configure_logging",
]
