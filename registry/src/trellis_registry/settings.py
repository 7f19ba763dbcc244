"""Registry settings (environment prefix ``TRELLIS_REGISTRY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["RegistrySettings"]


class RegistrySettings(BaseSettings):
    """How the registry runs.

    Every field can be set from the environment, e.g. ``TRELLIS_REGISTRY_PORT=9000``.
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
