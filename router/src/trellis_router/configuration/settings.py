"""The router's settings: pydantic-settings, env prefix ``TRELLIS_ROUTER_``, optional YAML file,
optional config server.

Precedence (highest first), without a config server: explicit values (CLI flags) >
environment > the ``--config`` YAML file > defaults.

With a config server (``TRELLIS_CONFIG_URL`` set; see :mod:`.live`), it slots in below the
environment, like Spring Cloud Config's remote properties above local files: flags >
environment > config server > YAML file > defaults. Keys set by a flag or an environment
variable are pinned (the config server cannot change them live).

Unknown keys are rejected everywhere. Which keys apply live (without a restart) is listed in
:mod:`.runtime`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from .authentication import AuthenticationSettings
from .authorization import AuthorizationSettings
from .batching import BatchingSettings
from .csrf import CsrfSettings
from .headers import HeadersSettings
from .limits import LimitsSettings
from .persisted_queries import ApqSettings, PersistedQueriesSettings
from .telemetry import TelemetrySettings
from .traffic_shaping import TrafficShapingSettings

__all__ = ["LOG_LEVELS", "RouterSettings", "load_settings", "settings_class"]

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
"""The accepted ``log_level`` values (case-insensitive)."""


class RouterSettings(BaseSettings):
    """Settings of ``trellis-router serve``.

    Example:
        ``TRELLIS_ROUTER_LISTEN=0.0.0.0:4000 trellis-router serve --supergraph sg.graphql``
    """

    model_config = SettingsConfigDict(
        env_prefix="TRELLIS_ROUTER_", env_nested_delimiter="__", extra="forbid"
    )

    listen: str = Field(
        default="127.0.0.1:4000",
        description="Address the HTTP server listens on, as HOST:PORT.",
    )
    workers: int = Field(
        default=1,
        ge=1,
        description=(
            "Router processes serving HOST:PORT. Above 1: a supervisor forks that many "
            "workers, each a whole router (own event loop, caches, subgraph connections) "
            "listening on the address with SO_REUSEPORT (Linux, BSD), restarts a worker that "
            "dies, and stops them all on SIGTERM/SIGINT. Read at start."
        ),
    )
    supergraph_path: Path | None = Field(
        default=None,
        description="A supergraph SDL file to serve (read once). Unset: follow the registry.",
    )
    registry_url: str | None = Field(
        default=None,
        description="Base URL of the registry to follow for the supergraph and routing URLs.",
    )
    registry_watch: bool = Field(
        default=True,
        description=(
            "Follow the registry with blocking queries (?index=N&wait=...s): a change reaches "
            "the router at once. Off: poll every poll_interval_seconds."
        ),
    )
    watch_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="The longest wait of one blocking query to the registry, in seconds.",
    )
    poll_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Seconds between two polls of the registry (poll mode, or a registry that does not "
            "answer blocking queries)."
        ),
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
    subgraph_connect_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Time allowed to establish a new connection to a subgraph instance, in seconds "
            "(a connect timeout ejects the instance and retries on another one)."
        ),
    )
    subgraph_retry_attempts: int = Field(
        default=2,
        ge=0,
        description=(
            "Retries of one subgraph fetch on other instances: any operation whose connection "
            "failed; only queries after a reset, a timeout or HTTP 502/503/504."
        ),
    )
    ejection_seconds: float = Field(
        default=10.0,
        gt=0,
        description=(
            "How long a subgraph instance whose connection failed is skipped, in seconds "
            "(doubled on each repeated ejection)."
        ),
    )
    max_ejection_seconds: float = Field(
        default=60.0,
        gt=0,
        description="The longest ejection of a subgraph instance, in seconds.",
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
        description=(
            "Entries in the plan and validation caches (per supergraph; a change applies from "
            "the next supergraph loaded)."
        ),
    )
    cors_allow_origins: list[str] = Field(
        default=[],
        description=(
            "Origins allowed to call the router from a browser (CORS), e.g. "
            "https://shop.example.com; '*' allows any origin (not with credentials). Empty: "
            "no CORS headers. Apollo Router: cors.origins / cors.allow_any_origin."
        ),
    )
    cors_allow_credentials: bool = Field(
        default=False,
        description=(
            "Send Access-Control-Allow-Credentials: true (cookies, HTTP auth). Apollo Router: "
            "cors.allow_credentials."
        ),
    )
    cors_allow_headers: list[str] = Field(
        default=[],
        description=(
            "Request headers a browser may send (Access-Control-Allow-Headers). Empty: mirror "
            "the preflight's Access-Control-Request-Headers. Apollo Router: cors.allow_headers."
        ),
    )
    cors_max_age_seconds: int | None = Field(
        default=None,
        ge=0,
        description=(
            "How long a browser may cache a preflight answer, in seconds (Access-Control-Max-"
            "Age; unset: not sent). Apollo Router: cors.max_age."
        ),
    )
    playground_dir: Path | None = Field(
        default=None,
        description=(
            "The web app's build folder (web/dist) whose graphiql.html the router serves to "
            "browsers on GET /graphql, with its /assets/*; unset, or without graphiql.html: "
            "the built-in minimal page. Read at start."
        ),
    )
    log_level: str = Field(
        default="INFO",
        description="Level of the router's logs: CRITICAL, ERROR, WARNING, INFO or DEBUG.",
    )
    introspection: bool = Field(
        default=True,
        description=(
            "Answer introspection (__schema, __type); off: INTROSPECTION_DISABLED. Apollo "
            "Router: supergraph.introspection."
        ),
    )
    graceful_shutdown_seconds: float = Field(
        default=30.0,
        ge=0,
        description=(
            "On SIGTERM/SIGINT: stop accepting connections, let requests in flight finish for "
            "at most this long, then exit."
        ),
    )
    authentication: AuthenticationSettings = Field(
        default=AuthenticationSettings(), description="JWT authentication."
    )
    authorization: AuthorizationSettings = Field(
        default=AuthorizationSettings(),
        description="@authenticated, @requiresScopes and @policy enforcement.",
    )
    headers: HeadersSettings = Field(
        default=HeadersSettings(), description="Header propagation to subgraphs."
    )
    limits: LimitsSettings = Field(default=LimitsSettings(), description="Operation limits.")
    csrf: CsrfSettings = Field(default=CsrfSettings(), description="CSRF prevention.")
    apq: ApqSettings = Field(default=ApqSettings(), description="Automatic persisted queries.")
    persisted_queries: PersistedQueriesSettings = Field(
        default=PersistedQueriesSettings(), description="Trusted documents (safelist)."
    )
    traffic_shaping: TrafficShapingSettings = Field(
        default=TrafficShapingSettings(),
        description="Subgraph timeouts, retries, circuit breakers, concurrency; rate limits.",
    )
    batching: BatchingSettings = Field(
        default=BatchingSettings(), description="Several operations in one request."
    )
    telemetry: TelemetrySettings = Field(
        default=TelemetrySettings(), description="Traces, metrics and logs."
    )

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("listen must be HOST:PORT, e.g. 127.0.0.1:4000")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
        return level

    @model_validator(mode="after")
    def _check_cors(self) -> RouterSettings:
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            raise ValueError(
                "cors_allow_origins '*' cannot be used with cors_allow_credentials (Fetch "
                "standard): list the origins"
            )
        return self

    @property
    def log_level_number(self) -> int:
        """``log_level`` as a :mod:`logging` level number."""
        return logging.getLevelNamesMapping()[self.log_level]

    @property
    def listen_address(self) -> tuple[str, int]:
        """The listen address as ``(host, port)``."""
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def settings_class(config_file: Path | None = None) -> type[RouterSettings]:
    """The settings class to build settings with: :class:`RouterSettings`, or with a
    ``--config`` file, a subclass reading that file below the environment.

    The config server client (:mod:`.live`) inserts its source right after the environment,
    so the file ends up below the config server.

    Args:
        config_file: an optional YAML file with settings keys (e.g. ``listen: 0.0.0.0:4000``).

    Returns:
        The class.

    Raises:
        FileNotFoundError: ``config_file`` does not exist.
    """
    if config_file is None:
        return RouterSettings
    if not config_file.is_file():
        raise FileNotFoundError(f"no such config file: {config_file}")

    class RouterSettingsWithFile(RouterSettings):
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

    return RouterSettingsWithFile


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
    settings_type = settings_class(config_file)
    if settings_type is RouterSettings:
        return RouterSettings(**explicit)
    return RouterSettings.model_validate(settings_type(**explicit).model_dump())
