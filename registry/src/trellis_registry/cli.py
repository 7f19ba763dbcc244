"""The ``trellis-registry`` command line.

Rover's verbs for the schema registry (``subgraph publish|check|fetch``, ``supergraph
fetch``), plus ``subgraph history|rollback``, ``instance status`` and ``serve``. Commands that
talk to a running registry take ``--registry URL`` (default: ``$TRELLIS_REGISTRY_URL``, else
``http://127.0.0.1:8761``) and exit 0 on success, 1 when the registry refuses or does not
have what was asked (composition errors, breaking changes, unknown subgraph, version or
instance), 2 on bad input or an unreachable registry.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
import uvicorn
from graphql import GraphQLError, parse
from trellis_config.client import LiveSettings, client_from_env

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
from trellis_registry.server import RegistryServer
from trellis_registry.settings import RegistrySettings

__all__ = [
    "DEFAULT_REGISTRY_URL",
    "OutputFormat",
    "OverrideStatus",
    "app",
    "instance_app",
    "main",
    "subgraph_app",
    "supergraph_app",
]

DEFAULT_REGISTRY_URL = "http://127.0.0.1:8761"
"""The registry ``--registry`` names when neither it nor ``$TRELLIS_REGISTRY_URL`` is set."""

app = typer.Typer(help="Trellis registry: service discovery and the schema registry.")

subgraph_app = typer.Typer(
    help="Subgraph schemas: check, publish, fetch, history and rollback.", no_args_is_help=True
)
app.add_typer(subgraph_app, name="subgraph")
supergraph_app = typer.Typer(help="The composed supergraph.", no_args_is_help=True)
app.add_typer(supergraph_app, name="supergraph")
instance_app = typer.Typer(help="Registered instances.", no_args_is_help=True)
app.add_typer(instance_app, name="instance")

RegistryUrl = Annotated[
    str,
    typer.Option(
        "--registry",
        envvar="TRELLIS_REGISTRY_URL",
        help="Registry base URL.",
        show_default=True,
    ),
]
PublishedBy = Annotated[
    str | None,
    typer.Option("--published-by", help="Who publishes (recorded with the version)."),
]


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
    etcd_endpoint: Annotated[
        list[str] | None,
        typer.Option(
            "--etcd-endpoint",
            help="An etcd endpoint, e.g. http://127.0.0.1:2379 (repeatable); "
            "store everything in etcd instead of the database.",
        ),
    ] = None,
) -> None:
    """Runs the registry's HTTP server until interrupted."""
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "host": host,
            "port": port,
            "database_url": database_url,
            "etcd_endpoints": etcd_endpoint or None,
        }.items()
        if value is not None
    }
    settings = _settings(overrides)
    registry = create_app(settings)
    config = uvicorn.Config(registry, host=settings.host, port=settings.port)
    RegistryServer(config, registry).run()


def _settings(overrides: dict[str, Any]) -> RegistrySettings:
    """The registry's settings: options > environment > config server > defaults.

    With ``TRELLIS_CONFIG_URL`` set, the config server's ``registry`` application is read once
    at start (its last answer is cached in ``var/config-cache/registry.json`` for starts while
    it is down); a later change there applies at the next restart.
    """
    client = client_from_env("registry")
    if client is None:
        return RegistrySettings.model_validate(overrides)
    cache = Path("var") / "config-cache" / "registry.json"
    return LiveSettings(RegistrySettings, client, overrides=overrides, cache_path=cache).load()


def _fail(code: int, message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _call(registry: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Sends one request to the registry; exits 2 when it cannot be reached."""
    try:
        with httpx.Client(base_url=registry.rstrip("/"), timeout=60.0) as client:
            return client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        _fail(2, f"cannot reach the registry at {registry}: {error}")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _explain(response: httpx.Response) -> str:
    """One line for people from an error answer (``detail`` or validation errors)."""
    body = _json(response)
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', [])[1:])}: {item.get('msg')}"
            for item in detail
            if isinstance(item, Mapping)
        )
    return f"the registry answered {response.status_code}: {response.text[:200]}"


def _expect(response: httpx.Response, *, refused: bool = False) -> Any:
    """Returns the JSON body of a 2xx answer; otherwise prints why and exits.

    Exit 1 for 404 and (with ``refused``) 409 with composition errors or breaking changes;
    exit 2 for everything else (bad input, a registry that is starting or failing).
    """
    if response.is_success:
        return _json(response)
    if refused and response.status_code == 409:
        body = _json(response)
        errors = body.get("errors", []) if isinstance(body, Mapping) else []
        typer.echo("error: the registry refused the schema:", err=True)
        for error in errors:
            typer.echo(f"  {error.get('code')}: {error.get('message')}", err=True)
        raise typer.Exit(1)
    _fail(1 if response.status_code == 404 else 2, _explain(response))


def _print_sdl(sdl: str) -> None:
    typer.echo(sdl, nl=not sdl.endswith("\n"))


@subgraph_app.command("publish")
def publish(
    name: Annotated[str, typer.Argument(help="The subgraph name, e.g. orders.")],
    schema: Annotated[Path, typer.Option("--schema", help="The subgraph SDL file.")],
    routing_url: Annotated[str, typer.Option("--routing-url", help="The subgraph's routing URL.")],
    registry: RegistryUrl = DEFAULT_REGISTRY_URL,
    published_by: PublishedBy = None,
) -> None:
    """Publishes a subgraph schema: composed with the other subgraphs, refused when that fails.

    Prints the version and the supergraph id. Exit status: 0 published (or unchanged); 1
    refused (composition errors, or breaking changes when the registry refuses them; printed
    on stderr); 2 bad input or an unreachable registry.
    """
    try:
        sdl = _read_candidate(schema)
    except CheckInputError as error:
        _fail(2, str(error))
    body: dict[str, str] = {"sdl": sdl, "routing_url": routing_url}
    if published_by is not None:
        body["published_by"] = published_by
    result = _expect(_call(registry, "POST", f"/v1/subgraphs/{name}", json=body), refused=True)
    state = "published" if result["changed"] else "unchanged"
    typer.echo(
        f"{name}: version {result['version']} ({state}); supergraph {result['supergraph_id']}"
    )


@subgraph_app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help="The subgraph name.")],
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="A version; default the current one.")
    ] = None,
    registry: RegistryUrl = DEFAULT_REGISTRY_URL,
) -> None:
    """Prints a subgraph's SDL (exit 1 when the subgraph or version is unknown)."""
    path = f"/v1/subgraphs/{name}" + ("" if version is None else f"/versions/{version}")
    _print_sdl(_expect(_call(registry, "GET", path))["sdl"])


@subgraph_app.command("history")
def history(
    name: Annotated[str, typer.Argument(help="The subgraph name.")],
    registry: RegistryUrl = DEFAULT_REGISTRY_URL,
) -> None:
    """Lists a subgraph's versions, newest first: version, when, who, routing URL, SDL hash."""
    versions = _expect(_call(registry, "GET", f"/v1/subgraphs/{name}/versions"))["versions"]
    for position, entry in enumerate(versions):
        marker = "*" if position == 0 else " "
        typer.echo(
            f"{marker} {entry['version']:>4}  {entry['published_at']}  "
            f"{entry['published_by']}  {entry['routing_url']}  {entry['sdl_sha256'][:12]}"
        )


@subgraph_app.command("rollback")
def rollback(
    name: Annotated[str, typer.Argument(help="The subgraph name.")],
    version: Annotated[int, typer.Option("--version", min=1, help="The version to bring back.")],
    registry: RegistryUrl = DEFAULT_REGISTRY_URL,
    published_by: PublishedBy = None,
) -> None:
    """Publishes an earlier version again as a new version (same checks as a publish).

    Exit status: 0 done (or already current); 1 refused, or unknown subgraph or version;
    2 bad input or an unreachable registry.
    """
    body: dict[str, Any] = {"version": version}
    if published_by is not None:
        body["published_by"] = published_by
    response = _call(registry, "POST", f"/v1/subgraphs/{name}/rollback", json=body)
    result = _expect(response, refused=True)
    if result["changed"]:
        typer.echo(
            f"{name}: version {version} published again as version {result['version']}; "
            f"supergraph {result['supergraph_id']}"
        )
    else:
        typer.echo(f"{name}: version {version} is already current (version {result['version']})")


@supergraph_app.command("fetch")
def fetch_supergraph(
    registry: RegistryUrl = DEFAULT_REGISTRY_URL,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the SDL to this file, not stdout.")
    ] = None,
) -> None:
    """Prints the current supergraph SDL (exit 1 before anything was published)."""
    response = _call(registry, "GET", "/v1/supergraph")
    _expect(response)
    if output is None:
        _print_sdl(response.text)
        return
    try:
        output.write_text(response.text, encoding="utf-8")
    except OSError as error:
        _fail(2, f"{output}: cannot write: {error}")
    typer.echo(f"wrote supergraph {response.headers.get('etag', '').strip(chr(34))} to {output}")


class OverrideStatus(StrEnum):
    """The status overrides ``instance status`` sets."""

    OUT_OF_SERVICE = "OUT_OF_SERVICE"
    UP = "UP"
    DOWN = "DOWN"


@instance_app.command("status")
def instance_status(
    service: Annotated[str, typer.Argument(help="The service name.")],
    instance_id: Annotated[str, typer.Argument(help="The instance id.")],
    status: Annotated[
        OverrideStatus | None, typer.Argument(help="The override to set.", show_default=False)
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the override.")] = False,
    registry: RegistryUrl = DEFAULT_REGISTRY_URL,
) -> None:
    """Sets (OUT_OF_SERVICE, UP, DOWN) or removes (--clear) an instance's status override.

    Exit status: 0 done; 1 unknown instance; 2 neither or both of STATUS and --clear, or an
    unreachable registry.
    """
    if (status is None) == (not clear):
        _fail(2, "give a STATUS (OUT_OF_SERVICE, UP, DOWN) or --clear, not both")
    path = f"/v1/services/{service}/instances/{instance_id}/status"
    if status is None:
        response = _call(registry, "DELETE", path)
    else:
        response = _call(registry, "PUT", path, json={"status": status.value})
    instance = _expect(response)
    typer.echo(
        f"{service}/{instance_id}: reported {instance['status']}, "
        f"override {instance['status_override'] or 'none'}, health {instance['health']}, "
        f"effective {instance['effective_status']}"
    )


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
