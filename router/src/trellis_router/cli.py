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
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from graphql import GraphQLError, parse, validate
from pydantic import ValidationError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from trellis_config.client import LiveSettings

    from .configuration import RouterSettings
    from .state import StateHolder

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
    workers: Annotated[
        int | None,
        typer.Option(
            help="Router processes sharing HOST:PORT (SO_REUSEPORT; Linux, BSD) [default: 1]."
        ),
    ] = None,
) -> None:
    """Serve GraphQL over HTTP for a supergraph file or the registry's supergraph.

    With ``TRELLIS_CONFIG_URL`` set, the settings also come from the config server (below
    flags and environment, above the ``--config`` file) and its changes apply live.

    With ``--workers N`` above 1 this process becomes a supervisor of N forked router
    processes listening on the same address (:mod:`trellis_router.workers`); the settings and
    the supergraph are loaded once, before the fork. Exit status: 0 after a graceful stop on
    SIGTERM (with workers, on SIGINT too); 1 the supergraph cannot be loaded, the address is
    in use, or (workers) one failed to stop cleanly; 2 invalid settings.
    """
    from .configuration import apply_log_level, load_settings
    from .configuration.live import live_router_settings

    flags = {
        "supergraph_path": supergraph,
        "registry_url": registry,
        "listen": listen,
        "workers": workers,
    }
    try:
        live = live_router_settings(flags, config)
        settings = live.load() if live is not None else load_settings(config, **flags)
    except (ValidationError, FileNotFoundError) as error:
        typer.echo(f"error: invalid settings: {error}", err=True)
        raise typer.Exit(2) from error
    from .state import RouterState, StateHolder
    from .supergraph import SupergraphError, load_supergraph
    from .telemetry import configure_logging

    configure_logging(settings.log_level, settings.telemetry.logging.format)
    apply_log_level(settings.log_level)
    holder = StateHolder()
    if settings.supergraph_path is not None:
        try:
            loaded = load_supergraph(settings.supergraph_path.read_text(encoding="utf-8"))
        except (OSError, SupergraphError) as error:
            typer.echo(f"error: cannot load the supergraph: {error}", err=True)
            raise typer.Exit(1) from error
        holder.swap(RouterState.build(loaded, cache_size=settings.plan_cache_size))
    elif settings.registry_url is None:
        typer.echo("error: give --supergraph FILE or --registry URL", err=True)
        raise typer.Exit(2)
    if settings.workers > 1:
        raise typer.Exit(_serve_workers(settings, holder, live))
    import uvicorn

    application = _router_app(settings, holder, live)
    host, port = settings.listen_address
    # On SIGTERM uvicorn stops accepting connections, lets requests in flight finish for at
    # most graceful_shutdown_seconds, runs the lifespan shutdown, then raises the signal again
    # under the handler found before it started: this one makes that a clean exit (status 0).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    _tune_garbage_collector()
    uvicorn.run(application, host=host, port=port, **_uvicorn_options(settings))


def _router_app(
    settings: RouterSettings, holder: StateHolder, live: LiveSettings[RouterSettings] | None
) -> Starlette:
    """The router's ASGI app; it follows the registry when no supergraph file is set."""
    from .http import create_app
    from .sources import RegistrySource, SupergraphSource

    source: SupergraphSource | None = None
    if settings.supergraph_path is None and settings.registry_url is not None:
        source = RegistrySource(
            settings.registry_url,
            settings.poll_interval_seconds,
            watch=settings.registry_watch,
            watch_wait_seconds=settings.watch_wait_seconds,
        )
    return create_app(settings, holder, source=source, live=live)


def _uvicorn_options(settings: RouterSettings) -> dict[str, Any]:
    """uvicorn's options besides the app and the address (``uvicorn.run``, ``uvicorn.Config``)."""
    return {
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
        "access_log": False,
        "log_level": "info",
        "log_config": None,
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
    }


_STOP_MARGIN_SECONDS = 10.0
"""How much longer than ``graceful_shutdown_seconds`` the supervisor waits for its workers to
stop (the lifespan shutdown runs after the grace period) before it kills them."""


def _serve_workers(
    settings: RouterSettings, holder: StateHolder, live: LiveSettings[RouterSettings] | None
) -> int:
    """Serve with ``settings.workers`` forked routers (see :mod:`trellis_router.workers`).

    Each worker inherits the loaded settings and state and builds its own app, event loop,
    subgraph connection pool and registry follower after the fork.

    Returns:
        The supervisor's exit status.
    """
    import uvicorn

    from .workers import run_workers

    host, port = settings.listen_address

    def worker(sock: socket.socket) -> None:
        application = _router_app(settings, holder, live)
        _tune_garbage_collector()
        config = uvicorn.Config(application, host=host, port=port, **_uvicorn_options(settings))
        server = uvicorn.Server(config)
        server.run(sockets=[sock])
        if not server.started:
            raise SystemExit(3)  # uvicorn's STARTUP_FAILURE, as uvicorn.run exits

    # Collected and frozen before the fork, the start-up objects stay shared between workers
    # (the collector does not write to them, so their pages are not copied).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    _tune_garbage_collector()
    try:
        return run_workers(
            host,
            port,
            settings.workers,
            worker,
            stop_timeout_seconds=settings.graceful_shutdown_seconds + _STOP_MARGIN_SECONDS,
        )
    except OSError as error:
        typer.echo(f"error: cannot listen on {settings.listen}: {error.strerror}", err=True)
        return 1


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
