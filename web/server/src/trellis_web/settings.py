"""Settings of the web server (pydantic-settings, env prefix ``TRELLIS_WEB_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    """How ``trellis-web serve`` runs and what the single-page app is told at start.

    Every field can be set from the environment, e.g. ``TRELLIS_WEB_PORT=3001`` or
    ``TRELLIS_WEB_ROUTER_URL=http://127.0.0.1:4100/graphql``; an empty
    ``TRELLIS_WEB_REGISTRY_URL`` means no registry link.

    Example:
        >>> WebSettings(registry_url=None).router_url
        'http://127.0.0.1:4000/graphql'
    """

    model_config = SettingsConfigDict(env_prefix="TRELLIS_WEB_", extra="forbid")

    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    port: int = Field(default=3000, ge=0, le=65535, description="TCP port of the HTTP server.")
    dist_dir: Path = Field(
        default=Path("web/dist"),
        description=(
            "The Vite build of the web app (index.html, graphiql.html, assets/); a relative "
            "path is taken from the working directory."
        ),
    )
    router_url: str = Field(
        default="http://127.0.0.1:4000/graphql",
        min_length=1,
        description=(
            "GraphQL endpoint of the router the app sends its operations to (routerUrl of "
            "/config.json); its origin is allowed in the Content-Security-Policy connect-src."
        ),
    )
    registry_url: str | None = Field(
        default="http://127.0.0.1:8761/",
        description=(
            "Base URL of the registry dashboard the app links to (registryUrl of "
            "/config.json); None or empty: no registry link."
        ),
    )
    content_security_policy: bool = Field(
        default=True,
        description=(
            "Send a Content-Security-Policy header on HTML responses that lets the page reach "
            "only this server, the router and the registry (no request leaves the machine)."
        ),
    )

    @field_validator("registry_url", mode="before")
    @classmethod
    def _blank_registry_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value
