"""The ``trellis-registry`` command line."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from trellis_registry.http.app import create_app
from trellis_registry.settings import RegistrySettings

__all__ = ["app", "main"]

app = typer.Typer(help="Trellis registry: service discovery and the schema registry.")


@app.callback()
def _commands() -> None:
    """Trellis registry: service discovery and the schema registry."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8761).")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Async SQLAlchemy URL of the store.")
    ] = None,
) -> None:
    """Runs the registry's HTTP server until interrupted."""
    overrides = {
        key: value
        for key, value in {"host": host, "port": port, "database_url": database_url}.items()
        if value is not None
    }
    settings = RegistrySettings.model_validate(overrides)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


def main() -> None:
    """Entry point of the ``trellis-registry`` script."""
    app()
