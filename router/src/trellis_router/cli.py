"""``trellis-router``: serve, compose, plan.

Examples:
    ``trellis-router serve --supergraph supergraph.graphql --listen 127.0.0.1:4000``
    ``trellis-router compose supergraph.yaml > supergraph.graphql``
    ``trellis-router plan --supergraph supergraph.graphql operation.graphql --json``
"""

from __future__ import annotations

import gc
import json
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from graphql import GraphQLError, parse, validate
from pydantic import ValidationError

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="The Trellis router.")


@app.command()
def serve(
    supergraph: Annotated[
        Path | None, typer.Option(help="Supergraph SDL file to serve (read once).")
    ] = None,
    registry: Annotated[
        str | None, typer.Option(help="Registry base URL to follow (when no --supergraph).")
    ] = None,
    listen: Annotated[
        str | None, typer.Option(help="HOST:PORT to listen on [default: 127.0.0.1:4000].")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="A router.yaml settings file.")] = None,
) -> None:
    """Serve GraphQL over HTTP for a supergraph file or the registry's supergraph.

    With ``TRELLIS_CONFIG_URL`` set, the settings also come from the config server (below
    flags and environment, above the ``--config`` file) and its changes apply live.
    """
    from .configuration import apply_log_level, load_settings
    from .configuration.live import live_router_settings

    flags = {"supergraph_path": supergraph, "registry_url": registry, "listen": listen}
    try:
        live = live_router_settings(flags, config)
        settings = live.load() if live is not None else load_settings(config, **flags)
    except (ValidationError, FileNotFoundError) as error:
        typer.echo(f"error: invalid settings: {error}", err=True)
        raise typer.Exit(2) from error
    import uvicorn

    from .http import create_app
    from .sources import RegistrySource, SupergraphSource
    from .state import RouterState, StateHolder
    from .supergraph import SupergraphError, load_supergraph
    from .telemetry import configure_logging

    configure_logging(settings.log_level, settings.telemetry.logging.format)
    apply_log_level(settings.log_level)
    holder = StateHolder()
    source: SupergraphSource | None = None
    if settings.supergraph_path is not None:
        try:
            loaded = load_supergraph(settings.supergraph_path.read_text(encoding="utf-8"))
        except (OSError, SupergraphError) as error:
            typer.echo(f"error: cannot load the supergraph: {error}", err=True)
            raise typer.Exit(1) from error
        holder.swap(RouterState.build(loaded, cache_size=settings.plan_cache_size))
    elif settings.registry_url is not None:
        source = RegistrySource(
            settings.registry_url,
            settings.poll_interval_seconds,
            watch=settings.registry_watch,
            watch_wait_seconds=settings.watch_wait_seconds,
        )
    else:
        typer.echo("error: give --supergraph FILE or --registry URL", err=True)
        raise typer.Exit(2)
    application = create_app(settings, holder, source=source, live=live)
    host, port = settings.listen_address
    # On SIGTERM uvicorn stops accepting connections, lets requests in flight finish for at
    # most graceful_shutdown_seconds, runs the lifespan shutdown, then raises the signal again
    # under the handler found before it started: this one makes that a clean exit (status 0).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    _tune_garbage_collector()
    uvicorn.run(
        application,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="info",
        log_config=None,
        # uvicorn annotates int seconds but hands the value to asyncio.wait_for (float).
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,  # type: ignore[arg-type]
    )


def _tune_garbage_collector() -> None:
    """Move what start-up allocated (schema, plans) out of the collector's sight, and collect
    the young generation less often.

    A request allocates thousands of short-lived dicts and lists (subgraph answers, the
    response); with the default threshold (700) the collector runs several times per request
    and each full collection walks every long-lived object. Freezing the start-up objects and
    a young-generation threshold of 10,000 cut the router's CPU per request by about a fifth
    under the gateway benchmark's load (``benchmarks/RESULTS.md``); reference cycles are still
    collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's own handler (before it starts, after its graceful shutdown)."""
    raise SystemExit(0)


@app.command()
def compose(
    config: Annotated[Path, typer.Argument(help="Rover-style supergraph.yaml.")],
) -> None:
    """Compose the subgraphs of a supergraph.yaml and print the supergraph SDL.

    Exit status: 0 composed (hints on stderr); 1 the subgraphs do not compose (errors with
    Apollo's codes on stderr); 2 bad input: the YAML or a schema file it names cannot be read,
    or a subgraph's SDL does not parse or has an unusable ``@link`` (one
    ``error: FILE:LINE:COL: ...`` line each).
    """
    from .composition import INPUT_ERROR_CODES, CompositionConfigError, load_supergraph_config
    from .composition import compose as compose_subgraphs

    try:
        subgraphs = load_supergraph_config(config)
    except CompositionConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    result = compose_subgraphs(subgraphs)
    sources = {subgraph.name: subgraph.source or subgraph.name for subgraph in subgraphs}
    bad_input = [error for error in result.errors if error.code in INPUT_ERROR_CODES]
    if bad_input:
        for problem in bad_input:
            where = sources.get(problem.subgraph or "", str(config))
            if problem.location is not None:
                where += f":{problem.location[0]}:{problem.location[1]}"
            typer.echo(f"error: {where}: {problem.code}: {problem.message}", err=True)
        raise typer.Exit(2)
    for hint in result.hints:
        typer.echo(f"hint: {_coded(hint)}", err=True)
    if not result.ok or result.supergraph_sdl is None:
        for composition_error in result.errors:
            typer.echo(_coded(composition_error), err=True)
        raise typer.Exit(1)
    sys.stdout.write(result.supergraph_sdl.rstrip("\n") + "\n")


def _coded(item: object) -> str:
    code = getattr(item, "code", "")
    code = getattr(code, "value", code)
    return f"{code}: {getattr(item, 'message', item)}"


@app.command()
def plan(
    operation_file: Annotated[Path, typer.Argument(help="The GraphQL operation to plan.")],
    supergraph: Annotated[Path, typer.Option(help="The supergraph SDL file.")],
    operation_name: Annotated[
        str | None, typer.Option(help="The operation to plan when the file has several.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print Apollo's JSON form instead of the text.")
    ] = False,
) -> None:
    """Print the query plan of an operation."""
    from .planner import plan_operation
    from .planner.errors import PlanningError
    from .supergraph import SupergraphError, load_supergraph

    try:
        loaded = load_supergraph(supergraph.read_text(encoding="utf-8"))
        document = parse(operation_file.read_text(encoding="utf-8"))
    except (OSError, SupergraphError, GraphQLError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    problems = validate(loaded.api_schema, document)
    if problems:
        for problem in problems:
            typer.echo(f"GRAPHQL_VALIDATION_FAILED: {problem.message}", err=True)
        raise typer.Exit(1)
    try:
        query_plan = plan_operation(loaded, document, operation_name)
    except PlanningError as error:
        typer.echo(f"QUERY_PLANNING_FAILED: {error}", err=True)
        raise typer.Exit(1) from error
    if as_json:
        typer.echo(json.dumps(query_plan.to_json(), indent=2))
    else:
        typer.echo(query_plan.to_text())


def main() -> None:
    """The ``trellis-router`` console script."""
    app()
