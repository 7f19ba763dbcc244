"""Where a check's baseline comes from: a schema folder (``--against``) or a registry.

A schema folder is laid out like the repository's ``schema/``: ``supergraph.yaml`` in Rover's
format naming ``subgraphs/<name>.graphql`` files. A registry is read over its HTTP API:
``GET /v1/subgraphs``, ``GET /v1/subgraphs/{name}`` (the SDL) and ``GET /v1/operations``
(operations the router recorded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from trellis_router.composition import (
    CompositionConfigError,
    SubgraphDefinition,
    load_supergraph_config,
)

from trellis_registry.checks.check import Baseline
from trellis_registry.checks.errors import CheckInputError
from trellis_registry.checks.operations import Operation, parse_recorded_operation

__all__ = ["baseline_from_directory", "baseline_from_registry", "recorded_operations"]


def baseline_from_directory(directory: Path) -> Baseline:
    """Reads the current subgraphs from a schema folder.

    Args:
        directory: A folder holding ``supergraph.yaml`` (Rover's format).

    Returns:
        Its subgraphs, in the file's order; no recorded operations.

    Raises:
        CheckInputError: The folder has no ``supergraph.yaml``, or it or a schema file it
            names cannot be read.
    """
    config = directory / "supergraph.yaml"
    if not config.is_file():
        raise CheckInputError(f"{directory}: no supergraph.yaml in this folder")
    try:
        subgraphs = load_supergraph_config(config)
    except CompositionConfigError as error:
        raise CheckInputError(str(error)) from error
    return Baseline(description=str(directory), subgraphs=tuple(subgraphs))


def _get_json(client: httpx.Client, path: str) -> Any:
    try:
        response = client.get(path)
    except httpx.HTTPError as error:
        raise CheckInputError(f"cannot reach the registry at {client.base_url}: {error}") from error
    if response.status_code != 200:
        raise CheckInputError(
            f"the registry at {client.base_url} answered {response.status_code} to GET {path}"
        )
    try:
        return response.json()
    except ValueError as error:
        raise CheckInputError(
            f"the registry at {client.base_url} sent invalid JSON for GET {path}"
        ) from error


def recorded_operations(entries: list[dict[str, Any]]) -> list[Operation]:
    """Turns the registry's recorded operations into `Operation` values.

    Args:
        entries: ``GET /v1/operations``' ``operations`` items (``hash``, ``name``,
            ``document``, ...).

    Returns:
        Their operations (see `parse_recorded_operation`); malformed entries are skipped.
    """
    return [
        operation
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("document"), str)
        and isinstance(entry.get("hash"), str)
        for operation in parse_recorded_operation(entry["document"], entry["hash"])
    ]


def baseline_from_registry(
    url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
) -> Baseline:
    """Reads the current subgraphs and recorded operations from a registry.

    Args:
        url: The registry's base URL, e.g. ``http://127.0.0.1:8761``.
        timeout: Seconds to wait for each request.
        transport: An httpx transport to use instead of the network (tests).

    Returns:
        The published subgraphs (current versions) and the recorded operations.

    Raises:
        CheckInputError: The registry cannot be reached or answers with an error.
    """
    with httpx.Client(base_url=url, timeout=timeout, transport=transport) as client:
        listing = _get_json(client, "/v1/subgraphs")
        subgraphs = []
        for item in listing.get("subgraphs", []):
            current = _get_json(client, f"/v1/subgraphs/{item['name']}")
            subgraphs.append(
                SubgraphDefinition(
                    name=current["name"], url=current["routing_url"], sdl=current["sdl"]
                )
            )
        recorded = _get_json(client, "/v1/operations")
    return Baseline(
        description=url,
        subgraphs=tuple(subgraphs),
        operations=tuple(recorded_operations(recorded.get("operations", []))),
    )
