"""``trellis-web``: serve the built web app (``web/dist``) with its runtime ``/config.json``.

Examples:
    ``trellis-web serve`` → http://127.0.0.1:3000/ from ``web/dist``
    ``trellis-web serve --port 3001 --router-url http://127.0.0.1:4100/graphql``
    ``trellis-web serve --dist /srv/trellis-web --no-registry-link``
    ``python -m trellis_web serve`` (the same)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from pydantic import ValidationError

from trellis_web.app import create_app
from trellis_web.errors import WebBuildMissing
from trellis_web.settings import WebSettings

__all__ = ["app", "main", "server_url"]

app = typer.Typer(
    name="trellis-web",
    help="Trellis web: serves the built single-page app (web/dist) and its /config.json.",
    no_args_is_help=True,
    add_completion=False,
)


def server_url(host: str, port: int) -> str:
    """The URL a browser opens for a server bound to ``host``:``port``.

    Args:
        host: The bound interface (``"127.0.0.1"``, ``"::1"``, ``"0.0.0.0"``).
        port: The TCP port.

    Returns:
        ``"http://host:port/"``, with an IPv6 host in brackets.

    Example:
        >>> server_url("::1", 3000)
        'http://[::1]:3000/'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _settings(**values: Any) -> WebSettings:
    try:
        return WebSettings(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        typer.echo(f"invalid settings: {exc}", err=True)
        raise typer.Exit(2) from None


@app.callback()
def _root() -> None:
    """Trellis web: serves the built single-page app (web/dist) and its /config.json."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (3000).")] = None,
    dist: Annotated[
        Path | None, typer.Option("--dist", help="The web build folder (web/dist).")
    ] = None,
    router_url: Annotated[
        str | None,
        typer.Option(help="GraphQL endpoint the app calls (http://127.0.0.1:4000/graphql)."),
    ] = None,
    registry_url: Annotated[
        str | None,
        typer.Option(help="Registry dashboard the app links to (http://127.0.0.1:8761/)."),
    ] = None,
    no_registry_link: Annotated[
        bool,
        typer.Option("--no-registry-link", help="Show no registry link (registryUrl: null)."),
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the web build (settings also from TRELLIS_WEB_* variables).

    Exits with code 2 when the build is missing or a setting is invalid.
    """
    if no_registry_link and registry_url is not None:
        typer.echo("give either --registry-url or --no-registry-link, not both", err=True)
        raise typer.Exit(2)
    settings = _settings(
        host=host, port=port, dist_dir=dist, router_url=router_url, registry_url=registry_url
    )
    if no_registry_link:
        settings = settings.model_copy(update={"registry_url": None})
    try:
        application = create_app(settings)
    except WebBuildMissing as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    url = server_url(settings.host, settings.port)
    typer.echo(f"trellis-web: serving {settings.dist_dir.resolve()} at {url}")
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        ws="none",
        server_header=False,
        timeout_graceful_shutdown=5,
    )


def main() -> None:
    """Entry point of the ``trellis-web`` console script and of ``python -m trellis_web``."""
    app(prog_name="trellis-web")
