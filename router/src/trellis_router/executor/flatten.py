"""Flatten paths and representations: find the entities a fetch is about and describe them.

Spec: Apollo Federation query plans, ``Flatten(path:)`` (``@`` = every list item) and the
``_entities(representations:)`` field (Federation subgraph spec).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema, is_abstract_type

from ..planner.plan import RequiresField, RequiresInlineFragment, RequiresSelection

__all__ = ["EntityRequires", "ResponsePath", "collect_objects", "compile_requires"]

ResponsePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class EntityRequires:
    """A ``requires`` selection compiled for fast representation building.

    Attributes:
        by_typename: per concrete ``__typename``, the selections that build its representation.
        untyped: selections outside any type condition (applied to every object).
    """

    by_typename: Mapping[str, tuple[RequiresSelection, ...]]
    untyped: tuple[RequiresSelection, ...]

    def representation(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """Build the representation of one object, or None when it does not apply.

        Args:
            obj: an object of the response (with ``__typename`` and key fields).

        Returns:
            The representation (values keyed by field name), or None when the object's
            ``__typename`` matches no type condition or it lacks a required field.

        Spec: Federation ``_Any`` representations: ``__typename`` plus the ``@key`` fields
        (and ``@requires`` fields).
        """
        typename = obj.get("__typename")
        selections = self.by_typename.get(typename) if isinstance(typename, str) else None
        if selections is None:
            if not self.untyped:
                return None
            selections = self.untyped
        elif self.untyped:
            selections = self.untyped + selections
        return _select(selections, obj)


def _select(
    selections: tuple[RequiresSelection, ...], obj: dict[str, Any]
) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for selection in selections:
        if isinstance(selection, RequiresInlineFragment):
            condition = selection.type_condition
            if condition is not None and obj.get("__typename") != condition:
                continue
            nested = _select(selection.selections, obj)
            if nested is None:
                return None
            out.update(nested)
            continue
        key = selection.response_key
        if key not in obj:
            return None
        value = obj[key]
        if selection.selections and value is not None:
            value = _select_value(selection.selections, value)
            if value is None:
                return None
        out[selection.name] = value
    return out


def _select_value(selections: tuple[RequiresSelection, ...], value: Any) -> Any:
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            if item is None:
                items.append(None)
                continue
            selected = _select_value(selections, item)
            if selected is None:
                return None
            items.append(selected)
        return items
    if isinstance(value, dict):
        return _select(selections, value)
    return None


def compile_requires(
    requires: tuple[RequiresSelection, ...], schema: GraphQLSchema
) -> EntityRequires:
    """Compile a FetchNode's ``requires`` into per-typename selections.

    Args:
        requires: the FetchNode's ``requires`` (usually one inline fragment per entity type).
        schema: the supergraph schema, used to expand abstract type conditions.

    Returns:
        The compiled requires.
    """
    by_typename: dict[str, tuple[RequiresSelection, ...]] = {}
    untyped: list[RequiresSelection] = []
    for selection in requires:
        if isinstance(selection, RequiresField) or selection.type_condition is None:
            untyped.append(selection)
            continue
        for name in _concrete_types(selection.type_condition, schema):
            by_typename[name] = by_typename.get(name, ()) + selection.selections
    return EntityRequires(by_typename=by_typename, untyped=tuple(untyped))


def _concrete_types(type_name: str, schema: GraphQLSchema) -> list[str]:
    named = schema.get_type(type_name)
    if named is not None and is_abstract_type(named):
        return [t.name for t in schema.get_possible_types(named)]
    # Interface objects and unknown names: the representation names the type itself.
    return [type_name]


def collect_objects(
    data: Any, path: tuple[str, ...], out: list[tuple[dict[str, Any], ResponsePath]]
) -> None:
    """Collect the objects found at a flatten path, with their real response paths.

    Args:
        data: the response data to walk (the root object).
        path: the flatten path; ``@`` walks every item of a list. Nulls are skipped.
        out: receives ``(object, path with real list indices)`` pairs, in response order.

    Spec: Apollo query plans, ``Flatten(path:)``.
    """
    _walk(data, path, 0, (), out)


def _walk(
    value: Any,
    path: tuple[str, ...],
    index: int,
    real: ResponsePath,
    out: list[tuple[dict[str, Any], ResponsePath]],
) -> None:
    if value is None:
        return
    if isinstance(value, list):
        step_over = index < len(path) and path[index] == "@"
        next_index = index + 1 if step_over else index
        for position, item in enumerate(value):
            _walk(item, path, next_index, (*real, position), out)
        return
    if not isinstance(value, dict):
        return
    if index == len(path):
        out.append((value, real))
        return
    step = path[index]
    if step == "@":
        _walk(value, path, index + 1, real, out)
    elif step.startswith("..."):
        condition = step.removeprefix("...").strip().removeprefix("on").strip()
        if value.get("__typename") == condition:
            _walk(value, path, index + 1, real, out)
    else:
        _walk(value.get(step), path, index + 1, (*real, step), out)
