"""The router's settings: pydantic-settings, env prefix ``TRELLIS_ROUTER_``, optional YAML file.

Precedence (highest first): explicit values (CLI flags) > environment > the ``--config`` YAML
file > defaults. Unknown keys are rejected everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

__all__ = ["RouterSettings", "load_settings"]


class RouterSettings(BaseSettings):
    """Settings of ``trellis-router serve``.

    Example:
        ``TRELLIS_ROUTER_LISTEN=0.0.0.0:4000 trellis-router serve --supergraph sg.graphql``
    """

    model_config = SettingsConfigDict(env_prefix="TRELLIS_ROUTER_", extra="forbid")

    listen: str = Field(
        default="127.0.0.1:4000",
        description="Address the HTTP server listens on, as HOST:PORT.",
    )
    supergraph_path: Path | None = Field(
        default=None,
        description="A supergraph SDL file to serve (read once). Unset: follow the registry.",
    )
    registry_url: str | None = Field(
        default=None,
        description="Base URL of the registry to poll for the supergraph and routing URLs.",
    )
    poll_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Seconds between two polls of the registry.",
    )
    report_operations: bool = Field(
        default=True,
        description=(
            "When following a registry, report the operations clients run to it (POST "
            "/v1/operations), so schema checks know which changes break them."
        ),
    )
    report_interval_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Seconds between two operation reports to the registry.",
    )
    subgraph_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Total time allowed for one subgraph request, in seconds.",
    )
    subgraph_pool_size: int = Field(
        default=256,
        ge=1,
        description="Maximum number of open connections to subgraphs (keep-alive pool).",
    )
    traffic_shaping_deduplicate_query: bool = Field(
        default=True,
        description=(
            "Share one subgraph request among identical query requests in flight at the same "
            "time (same subgraph, body and forwarded headers). Never applies to mutations."
        ),
    )
    progressive_override_labels: frozenset[str] = Field(
        default=frozenset(),
        description=(
            "Custom progressive @override labels switched on (labels other than percent(x); "
            "percent(x) labels are rolled per request). Unlisted custom labels are off."
        ),
    )
    max_request_body_bytes: int = Field(
        default=2_000_000,
        ge=1,
        description="Largest accepted /graphql request body, in bytes (larger: 413).",
    )
    expose_query_plan: bool = Field(
        default=True,
        description=(
            "Allow the apollo-expose-query-plan request header to return the query plan in "
            "the response extensions."
        ),
    )
    plan_cache_size: int = Field(
        default=1000,
        ge=1,
        description="Entries in the plan and validation caches (per supergraph).",
    )

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("listen must be HOST:PORT, e.g. 127.0.0.1:4000")
        return value

    @property
    def listen_address(self) -> tuple[str, int]:
        """The listen address as ``(host, port)``."""
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def load_settings(config_file: Path | None = None, **values: Any) -> RouterSettings:
    """Load the settings.

    Args:
        config_file: an optional YAML file with settings keys (e.g. ``listen: 0.0.0.0:4000``).
        **values: explicit values (from CLI flags); None values are ignored.

    Returns:
        The settings.

    Raises:
        pydantic.ValidationError: an unknown key or an invalid value.
        FileNotFoundError: ``config_file`` does not exist.
    """
    explicit = {key: value for key, value in values.items() if value is not None}
    if config_file is None:
        return RouterSettings(**explicit)
    if not config_file.is_file():
        raise FileNotFoundError(f"no such config file: {config_file}")

    class _WithFile(RouterSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            yaml = YamlConfigSettingsSource(settings_cls, yaml_file=config_file)
            return (init_settings, env_settings, yaml)

    return RouterSettings.model_validate(_WithFile(**explicit).model_dump())
