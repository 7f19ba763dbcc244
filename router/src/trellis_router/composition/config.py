"""Rover's ``supergraph.yaml``: the subgraphs to compose.

Format::

    federation_version: =2.11.0        # optional
    subgraphs:
      customers:
        routing_url: http://127.0.0.1:4001/graphql
        schema:
          file: subgraphs/customers.graphql      # relative to this YAML file
      inventory:
        routing_url: http://127.0.0.1:4002/graphql
        schema:
          subgraph_url: http://127.0.0.1:4002/graphql   # introspected: { _service { sdl } }

Spec: Rover docs, "Configuring composition" (``rover supergraph compose --config``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from trellis_router.composition.definitions import SubgraphDefinition
from trellis_router.composition.errors import CompositionConfigError

__all__ = ["load_supergraph_config"]

_TOP_LEVEL_KEYS = frozenset({"federation_version", "subgraphs"})
_SUBGRAPH_KEYS = frozenset({"routing_url", "schema"})
_SCHEMA_KEYS = frozenset({"file", "subgraph_url", "introspection_headers"})
_SERVICE_QUERY = "{ _service { sdl } }"


def load_supergraph_config(path: str | Path, *, timeout: float = 10.0) -> list[SubgraphDefinition]:
    """Read a Rover ``supergraph.yaml`` and load every subgraph's SDL.

    Args:
        path: The YAML file.
        timeout: Seconds to wait for each ``subgraph_url`` fetch.

    Returns:
        The subgraphs, in the file's order.

    Raises:
        CompositionConfigError: The file is missing or malformed, a schema file cannot be
            read, or a ``subgraph_url`` cannot be fetched; the message starts with
            ``FILE:LINE:COL:`` pointing into the YAML where it can.
    """
    config_path = Path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as error:
        raise CompositionConfigError(
            f"{config_path}: cannot read: {error.strerror or error}"
        ) from error
    try:
        document = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{config_path}:{mark.line + 1}:{mark.column + 1}" if mark else str(config_path)
        problem = getattr(error, "problem", None) or str(error)
        raise CompositionConfigError(f"{where}: not valid YAML: {problem}") from error
    if not isinstance(document, dict):
        raise CompositionConfigError(f"{config_path}:1:1: expected a mapping at the top level")
    unknown = set(document) - _TOP_LEVEL_KEYS
    if unknown:
        raise CompositionConfigError(f"{config_path}:1:1: unknown keys {sorted(unknown)}")
    subgraphs = document.get("subgraphs")
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise CompositionConfigError(
            f"{_at(config_path, root, 'subgraphs')}: `subgraphs` must be a non-empty mapping"
        )
    return [
        _load_subgraph(config_path, root, str(name), entry, timeout)
        for name, entry in subgraphs.items()
    ]


def _at(config_path: Path, root: yaml.Node | None, *keys: str) -> str:
    """``FILE:LINE:COL`` of the value at ``keys`` (or of the deepest key found), 1-based."""
    node = root
    found = node
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                node = value_node
                found = value_node
                break
        else:
            break
    if found is None:
        return f"{config_path}:1:1"
    return f"{config_path}:{found.start_mark.line + 1}:{found.start_mark.column + 1}"


def _load_subgraph(
    config_path: Path, root: yaml.Node | None, name: str, entry: Any, timeout: float
) -> SubgraphDefinition:
    where = f"{_at(config_path, root, 'subgraphs', name)}: subgraph {name!r}"
    if not isinstance(entry, dict):
        raise CompositionConfigError(f"{where}: expected a mapping")
    unknown = set(entry) - _SUBGRAPH_KEYS
    if unknown:
        raise CompositionConfigError(f"{where}: unknown keys {sorted(unknown)}")
    schema = entry.get("schema")
    if not isinstance(schema, dict):
        raise CompositionConfigError(f"{where}: `schema` must be a mapping")
    unknown = set(schema) - _SCHEMA_KEYS
    if unknown:
        raise CompositionConfigError(f"{where}: unknown schema keys {sorted(unknown)}")
    routing_url = entry.get("routing_url")
    source: str | None = None
    if "file" in schema:
        file = config_path.parent / str(schema["file"])
        try:
            sdl = file.read_text(encoding="utf-8")
        except OSError as error:
            at = _at(config_path, root, "subgraphs", name, "schema", "file")
            raise CompositionConfigError(
                f"{at}: subgraph {name!r}: cannot read {file}: {error.strerror or error}"
            ) from error
        source = str(file)
    elif "subgraph_url" in schema:
        url = str(schema["subgraph_url"])
        headers = schema.get("introspection_headers") or {}
        if not isinstance(headers, dict):
            raise CompositionConfigError(f"{where}: `introspection_headers` must be a mapping")
        sdl = _fetch_sdl(where, url, {str(k): str(v) for k, v in headers.items()}, timeout)
        routing_url = routing_url or url
        source = url
    else:
        raise CompositionConfigError(f"{where}: `schema` needs `file` or `subgraph_url`")
    if not isinstance(routing_url, str) or not routing_url:
        raise CompositionConfigError(f"{where}: `routing_url` is required")
    return SubgraphDefinition(name=name, url=routing_url, sdl=sdl, source=source)


def _fetch_sdl(where: str, url: str, headers: dict[str, str], timeout: float) -> str:
    body = json.dumps({"query": _SERVICE_QUERY}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise CompositionConfigError(
            f"{where}: cannot fetch the SDL from {url}: {error}"
        ) from error
    try:
        sdl = payload["data"]["_service"]["sdl"]
    except (KeyError, TypeError) as error:
        raise CompositionConfigError(
            f"{where}: {url} did not answer {{ _service {{ sdl }} }}: {payload!r:.200}"
        ) from error
    if not isinstance(sdl, str):
        raise CompositionConfigError(f"{where}: {url} returned a non-string SDL")
    return sdl
