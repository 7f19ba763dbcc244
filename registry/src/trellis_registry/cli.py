"""The ``trellis-registry`` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from graphql import GraphQLError, parse

from trellis_registry.checks import (
    CheckInputError,
    baseline_from_directory,
    baseline_from_registry,
    check_subgraph,
    load_operation_files,
)
from trellis_registry.checks.check import Baseline
from trellis_registry.checks.errors import syntax_error
from trellis_registry.checks.operations import Operation
from trellis_registry.http.app import create_app
from trellis_registry.settings import RegistrySettings

__all__ = ["OutputFormat", "app", "main", "subgraph_app"]

app = typer.Typer(help="Trellis registry: service discovery and the schema registry.")

subgraph_app = typer.Typer(help="Subgraph schemas: check a candidate before publishing it.")
app.add_typer(subgraph_app, name="subgraph")


class OutputFormat(StrEnum):
    """How ``subgraph check`` prints its report."""

    TEXT = "text"
    JSON = "json"


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


def _read_candidate(schema_file: Path) -> str:
    try:
        sdl = schema_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CheckInputError(f"{schema_file}: cannot read: {error}") from error
    try:
        parse(sdl)
    except GraphQLError as error:
        raise syntax_error(schema_file, error) from error
    return sdl


def _baseline(registry: str | None, against: Path | None) -> Baseline:
    if registry is not None and against is not None:
        raise CheckInputError("give either --registry or --against, not both")
    if against is not None:
        return baseline_from_directory(against)
    if registry is not None:
        return baseline_from_registry(registry)
    raise CheckInputError("give --registry URL or --against DIR to check against")


@subgraph_app.command("check")
def check(
    name: Annotated[str, typer.Argument(help="The subgraph name, e.g. orders.")],
    schema_file: Annotated[Path, typer.Argument(help="The candidate subgraph SDL file.")],
    registry: Annotated[
        str | None,
        typer.Option(
            help="Registry base URL: check against its published subgraphs and recorded operations."
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            help="Schema folder (supergraph.yaml + subgraphs/*.graphql) to check against."
        ),
    ] = None,
    operations: Annotated[
        list[Path] | None,
        typer.Option(
            "--operations",
            help="A .graphql file of operations, or a folder of them (recursive); repeatable.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for tools.")
    ] = OutputFormat.TEXT,
) -> None:
    """Checks a candidate subgraph schema: composition, then breaking changes.

    Exit status: 0 when the candidate composes and no breaking change counts; 1 on
    composition errors, or on a breaking change that an operation uses, or on any breaking
    change when no operations were checked (neither --operations nor operations recorded
    by the registry); 2 on bad input (unreadable file, SDL or operations that do not parse,
    missing --against/--registry, unreachable registry).
    """
    try:
        sdl = _read_candidate(schema_file)
        checked: list[Operation] = load_operation_files(operations) if operations else []
        baseline = _baseline(registry, against)
        report = check_subgraph(name, sdl, baseline, checked)
    except CheckInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        typer.echo(report.to_text(color=sys.stdout.isatty()))
    raise typer.Exit(report.exit_code)


def main() -> None:
    """Entry point of the ``trellis-registry`` script."""
    app()
