"""Settings shared by every subgraph (pydantic-settings, env prefix ``TRELLIS_``).

Each subgraph subclasses :class:`SubgraphSettings`, names itself through the ``subgraph_name``
class variable and gives ``port`` its own default. Two settings are derived when left empty:
``database_url`` (a SQLite file ``<data_dir>/<name>.db``) and ``routing_url``
(``http://{host}:{port}/graphql``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SubgraphSettings"]


class SubgraphSettings(BaseSettings):
    """Typed settings of one subgraph process.

    Example:
        >>> class CustomersSettings(SubgraphSettings):
        ...     subgraph_name = "customers"
        ...     port: int = Field(default=4001, description="TCP port to listen on.")
    """

    model_config = SettingsConfigDict(env_prefix="TRELLIS_", extra="forbid")

    subgraph_name: ClassVar[str] = "subgraph"
    """The subgraph's name: service name in the registry, subgraph name in the supergraph."""

    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=4000, ge=0, le=65535, description="TCP port to listen on.")
    data_dir: Path = Field(
        default=Path("var"),
        description="Directory for local state (the default SQLite database file lives here).",
    )
    database_url: str = Field(
        default="",
        description=(
            "SQLAlchemy async database URL. Empty means a SQLite file "
            "`sqlite+aiosqlite:///<data_dir>/<subgraph name>.db`."
        ),
    )
    registry_url: str | None = Field(
        default="http://127.0.0.1:8761",
        description="Base URL of the Trellis registry; None disables registration.",
    )
    routing_url: str = Field(
        default="",
        description=(
            "URL the router uses to reach this subgraph's GraphQL endpoint. "
            "Empty means `http://{host}:{port}/graphql`."
        ),
    )
    heartbeat_interval_seconds: float = Field(
        default=10.0, gt=0, description="Seconds between two registry heartbeats."
    )
    registration_retry_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Seconds to wait before retrying registration while the registry is down.",
    )
    peer_urls: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Routing URLs of peer subgraphs by service name, taking precedence over the "
            'registry, e.g. `{"inventory": "http://10.0.0.5:4002/graphql"}`.'
        ),
    )
    peer_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Limit of one attempt of a peer call (seconds)."
    )
    peer_attempts: int = Field(
        default=4, ge=1, description="Attempts of a peer call in total (so attempts - 1 retries)."
    )
    peer_backoff_seconds: float = Field(
        default=0.2,
        ge=0,
        description="Wait before the first retry of a peer call; doubles for each further retry.",
    )
    peer_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a registry listing of a peer's instances is reused (seconds).",
    )
    log_level: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = Field(
        default="INFO",
        description="Level of the subgraph's logs (the root logger); applied live.",
    )
    seed_demo_data: bool = Field(
        default=True, description="Seed the demo catalogue when the tables are empty."
    )
    seed_scale: int = Field(
        default=1, ge=1, description="Size multiplier of the demo catalogue (for benchmarks)."
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_urls(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        host = data.get("host", fields["host"].default)
        port = data.get("port", fields["port"].default)
        if not data.get("database_url"):
            data_dir = Path(data.get("data_dir", fields["data_dir"].default))
            data["database_url"] = f"sqlite+aiosqlite:///{data_dir / cls.subgraph_name}.db"
        if not data.get("routing_url"):
            data["routing_url"] = f"http://{host}:{port}/graphql"
        if data.get("registry_url") == "":
            data["registry_url"] = None
        return data

    @property
    def health_url(self) -> str:
        """The URL of ``GET /health`` on this subgraph, on the same origin as ``routing_url``.

        Returns:
            An absolute URL, e.g. ``http://127.0.0.1:4001/health``.
        """
        parts = urlsplit(self.routing_url)
        return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))

    @property
    def instance_id(self) -> str:
        """The registry instance id: ``<name>-<host>-<port>``.

        Returns:
            A string unique per listening address, e.g. ``customers-127.0.0.1-4001``.
        """
        return f"{self.subgraph_name}-{self.host}-{self.port}"
