"""``telemetry``: OpenTelemetry traces, Prometheus metrics, structured logs.

Apollo Router: ``telemetry.exporters.tracing.otlp``, ``telemetry.exporters.metrics.prometheus``,
``telemetry.exporters.logging.stdout.format: json``. Spec: W3C Trace Context (traceparent).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .section import Section

__all__ = ["LoggingSettings", "MetricsSettings", "TelemetrySettings", "TracingSettings"]


class TracingSettings(Section):
    """OpenTelemetry traces: a span per request, per plan node and per subgraph fetch."""

    enabled: bool = Field(default=False, description="Record and export traces.")
    exporter: Literal["otlp", "console"] = Field(
        default="otlp", description="otlp (OTLP over HTTP/protobuf) or console (stdout)."
    )
    otlp_endpoint: str = Field(
        default="http://127.0.0.1:4318/v1/traces",
        description="The OTLP/HTTP traces endpoint (exporter otlp).",
    )
    service_name: str = Field(
        default="trellis-router", description="The service.name resource attribute."
    )
    sampling_ratio: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share of new traces recorded (a caller's sampled traceparent is honoured).",
    )
    propagate: bool = Field(
        default=True,
        description="Accept the caller's traceparent and send one to the subgraphs.",
    )


class MetricsSettings(Section):
    """Prometheus metrics."""

    enabled: bool = Field(default=True, description="Serve Prometheus metrics.")
    path: str = Field(default="/metrics", description="Path of the metrics endpoint.")


class LoggingSettings(Section):
    """Logs: structlog, one JSON object per line with the trace id."""

    format: Literal["json", "text"] = Field(
        default="json", description="json (one object per line) or text (for a terminal)."
    )
    access_log: bool = Field(
        default=True, description="Log one line per /graphql request (info level)."
    )


class TelemetrySettings(Section):
    """Traces, metrics and logs."""

    tracing: TracingSettings = Field(default=TracingSettings(), description="Traces.")
    metrics: MetricsSettings = Field(default=MetricsSettings(), description="Metrics.")
    logging: LoggingSettings = Field(default=LoggingSettings(), description="Logs.")
