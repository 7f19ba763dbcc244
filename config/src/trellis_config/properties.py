"""Properties: YAML documents flattened to Spring's dotted keys, and back to nested values.

A YAML mapping becomes flat keys joined with ``.``; list items become ``key[0]``, ``key[1]``
(Spring's ``YamlProcessor``). A map key written in brackets (``"[a.b]": 1``) is kept as one
segment. Empty maps and lists stay values (``{}`` / ``[]``) so that a setting can be set to an
empty collection; Spring writes an empty string there.

Example:
    >>> flatten({"a": {"b": 1, "c": [True, "x"]}})
    {'a.b': 1, 'a.c[0]': True, 'a.c[1]': 'x'}
    >>> unflatten({"a.b": 1, "a.c[0]": True, "a.c[1]": "x"})
    {'a': {'b': 1, 'c': [True, 'x']}}
"""

from __future__ import annotations

import datetime
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

import yaml

from trellis_config.errors import ConfigSourceError

__all__ = ["deep_merge", "flatten", "parse_key", "parse_yaml_properties", "unflatten"]

_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)|(\.)")


def parse_yaml_properties(name: str, data: bytes) -> dict[str, Any]:
    """Read one YAML file as flat properties.

    Args:
        name: the file name, for error messages.
        data: the file's bytes (UTF-8).

    Returns:
        Flat key → scalar (str, int, float, bool, None) or empty ``{}`` / ``[]``; an empty
        file gives ``{}``.

    Raises:
        ConfigSourceError: invalid YAML, more than one document, or a top level that is not
            a mapping.

    Spec: Spring Framework ``YamlProcessor`` (flattened map); multi-document files and
        profile activation inside documents are not supported.
    """
    try:
        documents = list(yaml.safe_load_all(data))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigSourceError(f"{name}: invalid YAML: {exc}") from exc
    documents = [document for document in documents if document is not None]
    if not documents:
        return {}
    if len(documents) > 1:
        raise ConfigSourceError(f"{name}: multi-document YAML is not supported")
    document = documents[0]
    if not isinstance(document, Mapping):
        raise ConfigSourceError(f"{name}: the top level must be a mapping")
    return flatten(document)


def flatten(value: Mapping[Any, Any]) -> dict[str, Any]:
    """Flatten nested mappings and lists to Spring property keys.

    Args:
        value: a mapping as YAML loads it (keys of any scalar type).

    Returns:
        Flat key → scalar; dates become ISO 8601 strings, non-finite floats strings.

    Spec: Spring Framework ``YamlProcessor.buildFlattenedMap``.
    """
    out: dict[str, Any] = {}
    _walk("", value, out)
    return out


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _walk(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        if not value and prefix:
            out[prefix] = {}
        for key, item in value.items():
            text = _key_text(key)
            if not prefix:
                path = text
            elif text.startswith("["):
                path = prefix + text
            else:
                path = f"{prefix}.{text}"
            _walk(path, item, out)
    elif isinstance(value, list | tuple):
        if not value:
            out[prefix] = []
        for index, item in enumerate(value):
            _walk(f"{prefix}[{index}]", item, out)
    else:
        out[prefix] = _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def parse_key(key: str) -> list[str | int]:
    """Split a flat key into path segments.

    Args:
        key: e.g. ``"a.b[0].c"`` or ``"peer_urls[inventory.eu]"``.

    Returns:
        Segments: map keys as str, list indexes as int, e.g. ``["a", "b", 0, "c"]``.
    """
    segments: list[str | int] = []
    for match in _TOKEN.finditer(key):
        bracket, name, _dot = match.groups()
        if bracket is not None:
            segments.append(int(bracket) if bracket.isdigit() else bracket)
        elif name is not None:
            segments.append(name)
    return segments


class _ListBuilder(dict[int, Any]):
    """Items of a list being rebuilt, by index (gaps are closed at the end)."""


def unflatten(properties: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Rebuild nested values from flat keys.

    Args:
        properties: flat key → value, in order (a later key wins over an earlier one it
            conflicts with).

    Returns:
        Nested dicts and lists; list items are ordered by index, gaps closed.
    """
    items = properties.items() if isinstance(properties, Mapping) else properties
    root: dict[Any, Any] = {}
    for key, value in items:
        segments = parse_key(key)
        if not segments:
            continue
        node: dict[Any, Any] = root
        for segment, following in itertools.pairwise(segments):
            child = node.get(segment)
            wanted = _ListBuilder if isinstance(following, int) else dict
            if type(child) is not wanted:
                child = wanted()
                node[segment] = child
            node = child
        node[segments[-1]] = value
    return cast(dict[str, Any], _finish(root))


def _finish(node: Any) -> Any:
    if isinstance(node, _ListBuilder):
        return [_finish(node[index]) for index in sorted(node)]
    if isinstance(node, dict):
        return {key: _finish(value) for key, value in node.items()}
    return node


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``top`` over ``base``: maps merge key by key, lists and scalars are replaced.

    Args:
        base: the lower-precedence nested values.
        top: the higher-precedence nested values.

    Returns:
        A new nested mapping.

    Spec: Spring Boot externalized configuration: a list set in a higher-precedence source
        replaces the whole list; maps are merged.
    """
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged
