"""``traffic_shaping``: per-subgraph timeouts, retries, circuit breaker, concurrency and
compression; client rate limiting and response compression.

The router-wide ``subgraph_timeout_seconds`` and ``subgraph_retry_attempts`` are the defaults;
``traffic_shaping.all`` and ``traffic_shaping.subgraphs.<name>`` override them (the subgraph's
entry wins). Apollo Router: ``traffic_shaping.all`` / ``traffic_shaping.subgraphs.<name>``
(``timeout``, ``compression``, ``experimental_retry``),
``traffic_shaping.router.global_rate_limit``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .section import Section

__all__ = [
    "CircuitBreakerSettings",
    "RateLimitSettings",
    "ResponseCompressionSettings",
    "SubgraphTrafficShaping",
    "TrafficShapingSettings",
]


class CircuitBreakerSettings(Section):
    """A circuit breaker per subgraph instance (routing URL).

    Closed: requests flow. After ``failure_threshold`` consecutive failures (transport errors,
    timeouts, HTTP 5xx) it opens: the instance gets no requests for ``open_seconds`` (requests
    go to other instances, or fail at once with ``SUBREQUEST_HTTP_ERROR`` when none is left).
    Then half-open: one trial request; success closes it, failure opens it again.
    """

    enabled: bool = Field(default=True, description="Use circuit breakers.")
    failure_threshold: int = Field(
        default=5, ge=1, description="Consecutive failures that open the circuit."
    )
    open_seconds: float = Field(
        default=10.0, gt=0, description="How long an open circuit refuses requests, in seconds."
    )


class SubgraphTrafficShaping(Section):
    """Traffic settings of subgraph requests (unset keys: inherited)."""

    timeout_seconds: float | None = Field(
        default=None, gt=0, description="Total time for one request, in seconds."
    )
    retry_attempts: int | None = Field(
        default=None,
        ge=0,
        description="Retries of a failed query fetch (never a mutation that may have run).",
    )
    retry_backoff_seconds: float | None = Field(
        default=None,
        ge=0,
        description=(
            "Wait before the first retry, in seconds, doubled for each next one (with jitter)."
        ),
    )
    max_concurrency: int | None = Field(
        default=None,
        ge=1,
        description="Most requests in flight to this subgraph at once; others wait their turn.",
    )
    compression: Literal["gzip", "deflate", "identity"] | None = Field(
        default=None,
        description="Compress request bodies sent to the subgraph (Content-Encoding).",
    )
    circuit_breaker: CircuitBreakerSettings | None = Field(
        default=None, description="Circuit breaker per instance of this subgraph."
    )


class RateLimitSettings(Section):
    """A token bucket per client: ``capacity`` requests at once, refilled at
    ``refill_per_second``. Over the limit: HTTP 429 with ``Retry-After``."""

    capacity: int = Field(default=100, ge=1, description="Bucket size (burst), in requests.")
    refill_per_second: float = Field(
        default=50.0, gt=0, description="Requests added to the bucket per second."
    )
    client_key: str = Field(
        default="ip",
        description=(
            "What identifies a client: 'ip' (the peer address), 'header:NAME' (e.g. "
            "header:apollographql-client-name) or 'claim:NAME' (a JWT claim, e.g. claim:sub; "
            "anonymous requests fall back to the peer address)."
        ),
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "A Redis URL (redis://host:6379/0) to share buckets between router replicas; unset: "
            "in memory, per router process."
        ),
    )
    redis_key_prefix: str = Field(
        default="trellis:ratelimit:", description="Prefix of the Redis keys."
    )

    @model_validator(mode="after")
    def _key(self) -> RateLimitSettings:
        kind, _, name = self.client_key.partition(":")
        if not (self.client_key == "ip" or (kind in ("header", "claim") and name)):
            raise ValueError("client_key must be 'ip', 'header:NAME' or 'claim:NAME'")
        return self


class ResponseCompressionSettings(Section):
    """Compression of responses to clients that accept it (``Accept-Encoding: gzip``)."""

    enabled: bool = Field(default=True, description="Compress large enough responses.")
    min_bytes: int = Field(
        default=1024, ge=0, description="Responses smaller than this are sent as they are."
    )


class TrafficShapingSettings(Section):
    """Traffic shaping of subgraph requests and of clients."""

    all: SubgraphTrafficShaping = Field(
        default=SubgraphTrafficShaping(circuit_breaker=CircuitBreakerSettings()),
        description="Settings for every subgraph.",
    )
    subgraphs: dict[str, SubgraphTrafficShaping] = Field(
        default={}, description="Settings per subgraph name; set keys override 'all'."
    )
    rate_limit: RateLimitSettings | None = Field(
        default=None, description="Per-client rate limiting (unset: none)."
    )
    response_compression: ResponseCompressionSettings = Field(
        default=ResponseCompressionSettings(), description="Compression of client responses."
    )
    inbound_deduplication: bool = Field(
        default=False,
        description=(
            "Identical client queries in flight at the same time (same query, operation name, "
            "variables, extensions and request headers, so the same caller) share one "
            "execution and one encoded response (Hive Gateway's inbound deduplication). "
            "Never applies to documents mentioning mutation or subscription."
        ),
    )
