"""Merging subgraph data into the response being built."""

from __future__ import annotations

from typing import Any

__all__ = ["deep_merge"]


def deep_merge(
    target: dict[str, Any], source: dict[str, Any], abstract: frozenset[str] = frozenset()
) -> None:
    """Merge ``source`` into ``target`` in place.

    Objects merge key by key; lists of equal length merge item by item; anything else in
    ``source`` replaces the value in ``target`` -- except that a ``__typename`` naming an
    abstract type never replaces one already present (a subgraph that models an interface as
    an ``@interfaceObject`` answers ``__typename`` = the interface name; the concrete type
    another subgraph gave stays).

    Args:
        target: the object being built (mutated).
        source: data from one subgraph response.
        abstract: names of the supergraph's interfaces and unions.

    Spec: Federation 2 ``@interfaceObject`` (entity ``__typename`` is the interface there).
    """
    for key, value in source.items():
        current = target.get(key)
        if current is None or current is value:
            target[key] = value
        elif isinstance(value, dict) and isinstance(current, dict):
            deep_merge(current, value, abstract)
        elif isinstance(value, list) and isinstance(current, list) and len(value) == len(current):
            _merge_lists(current, value, abstract)
        elif key != "__typename" or value not in abstract:
            target[key] = value


def _merge_lists(target: list[Any], source: list[Any], abstract: frozenset[str]) -> None:
    for index, value in enumerate(source):
        current = target[index]
        if isinstance(value, dict) and isinstance(current, dict):
            deep_merge(current, value, abstract)
        elif isinstance(value, list) and isinstance(current, list) and len(value) == len(current):
            _merge_lists(current, value, abstract)
        elif value is not None or current is None:
            target[index] = value
