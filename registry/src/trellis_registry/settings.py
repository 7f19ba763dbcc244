"""Registry settings (environment prefix ``TRELLIS_REGISTRY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["RegistrySettings"]


class RegistrySettings(BaseSettings):
    """How the registry runs.

    Every field can be set from the environment, e.g. ``TRELLIS_REGISTRY_PORT=9000``; lists
    as JSON, e.g. ``TRELLIS_REGISTRY_ETCD_ENDPOINTS='["http://127.0.0.1:2379"]'``.
    """

    model_config = SettingsConfigDict(env_prefix="TRELLIS_REGISTRY_", extra="forbid")

    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    port: int = Field(default=8761, ge=0, le=65535, description="TCP port of the HTTP server.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///var/registry.db",
        description=(
            "Async SQLAlchemy URL of the store; a relative SQLite path is relative to the "
            "working directory, and its directory is created if missing."
        ),
    )
    lease_ttl_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Seconds an instance stays registered without a heartbeat.",
    )
    expiry_sweep_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Seconds between sweeps that delete instances whose lease has expired.",
    )
    refuse_breaking_changes: bool = Field(
        default=False,
        description=(
            "Refuse (HTTP 409) a subgraph publish whose API schema changes break operations "
            "the router recorded (POST /v1/operations); the stored SDL stays unchanged. "
            "Breaking changes no recorded operation uses are accepted."
        ),
    )
    health_checks: bool = Field(
        default=False,
        description=(
            "Call every live instance's health URL periodically; an instance whose checks "
            "fail is CRITICAL and its effective status DOWN (left out of routing URLs)."
        ),
    )
    health_check_interval_seconds: float = Field(
        default=10.0, gt=0, description="Seconds between two rounds of health checks."
    )
    health_check_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Seconds one health check may take (connect, send, answer) before it fails.",
    )
    health_check_failures: int = Field(
        default=2,
        ge=1,
        description=(
            "Consecutive failed health checks before an instance turns CRITICAL; one passed "
            "check makes it PASSING again."
        ),
    )
    etcd_endpoints: list[str] = Field(
        default_factory=list,
        description=(
            'etcd endpoints, e.g. ["http://127.0.0.1:2379"]; when given the store is etcd '
            "(several registry replicas may share it) and database_url is not used."
        ),
    )
    etcd_prefix: str = Field(
        default="/trellis/registry/",
        min_length=1,
        description="Key prefix of everything the registry stores in etcd.",
    )
