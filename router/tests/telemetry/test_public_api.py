"""The telemetry package's public names (curated ``__all__``)."""

from __future__ import annotations

import trellis_router.telemetry as telemetry
from trellis_router.telemetry import logs, metrics, tracing


def test_all_is_curated() -> None:
    assert sorted(telemetry.__all__) == [
        "ACCESS_LOGGER",
        "EXECUTION_SPAN",
        "QUERY_PLANNING_SPAN",
        "ROUTER_SPAN",
        "RouterMetrics",
        "RouterTracing",
        "SUBGRAPH_SPAN",
        "SUPERGRAPH_SPAN",
        "access_log",
        "add_trace_ids",
        "configure_logging",
    ]
    for module in (telemetry, logs, metrics, tracing):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_span_names_are_apollo_routers() -> None:
    names = (
        telemetry.ROUTER_SPAN,
        telemetry.SUPERGRAPH_SPAN,
        telemetry.QUERY_PLANNING_SPAN,
        telemetry.EXECUTION_SPAN,
        telemetry.SUBGRAPH_SPAN,
    )
    assert names == ("router", "supergraph", "query_planning", "execution", "subgraph")
