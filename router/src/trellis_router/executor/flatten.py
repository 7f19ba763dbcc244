"""Flatten paths and representations: find the entities a fetch is about and describe them.

Spec: Apollo Federation query plans, ``Flatten(path:)`` (``@`` = every list item) and the
``_entities(representations:)`` field (Federation subgraph spec).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FieldNode, GraphQLSchema, is_abstract_type, is_non_null_type

from ..planner.plan import RequiresField, RequiresInlineFragment, RequiresSelection
from ..supergraph import Supergraph

__all__ = [
    "Collector",
    "EntityRequires",
    "ResponsePath",
    "collect_entities",
    "collect_objects",
    "compile_collector",
    "compile_requires",
]

ResponsePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class EntityRequires:
    """A ``requires`` selection compiled for fast representation building.

    Attributes:
        by_typename: per concrete ``__typename``, the selections that build its representation.
        untyped: selections outside any type condition (applied to every object).
        keys: per concrete ``__typename``, the top-level field names of each ``@key`` of the
            type in the fetched subgraph (to refuse representations whose key is null).
        flat: per concrete ``__typename`` whose selections are all plain leaf fields (the usual
            ``__typename`` + key fields, no ``untyped`` selections): ``(response key, field
            name)`` pairs, read without the general selection walk.
        flat_keys: for those types with exactly one ``@key``, all of whose fields are
            selected, the key's field names (checked for null directly).
    """

    by_typename: Mapping[str, tuple[RequiresSelection, ...]]
    untyped: tuple[RequiresSelection, ...]
    keys: Mapping[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    flat: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    flat_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def representation(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """Build the representation of one object, or None when it does not apply.

        Args:
            obj: an object of the response (with ``__typename`` and key fields).

        Returns:
            The representation (values keyed by field name), or None when the object's
            ``__typename`` matches no type condition, it lacks a required field, or every
            ``@key`` the representation carries has a null field (e.g. a key nulled by an
            earlier error): such an object is not sent and what the fetch would fill stays
            absent.

        Spec: Federation ``_Any`` representations: ``__typename`` plus the ``@key`` fields
        (and ``@requires`` fields).
        """
        typename = obj.get("__typename")
        flat = self.flat.get(typename) if isinstance(typename, str) else None
        if flat is not None:
            return self._flat_representation(typename, flat, obj)  # type: ignore[arg-type]
        selections = self.by_typename.get(typename) if isinstance(typename, str) else None
        if selections is None:
            if not self.untyped:
                return None
            selections = self.untyped
        elif self.untyped:
            selections = self.untyped + selections
        representation = _select(selections, obj)
        if representation is None:
            return None
        keys = self.keys.get(typename) if isinstance(typename, str) else None
        if keys and not _has_key(representation, keys):
            return None
        return representation

    def _flat_representation(
        self, typename: str, flat: tuple[tuple[str, str], ...], obj: dict[str, Any]
    ) -> dict[str, Any] | None:
        """:meth:`representation` for a type whose selections are plain leaf fields."""
        out: dict[str, Any] = {}
        for key, name in flat:
            value = obj.get(key, _MISSING)
            if value is _MISSING:
                return None
            out[name] = value
        key_names = self.flat_keys.get(typename)
        if key_names is not None:
            for name in key_names:
                if out[name] is None:
                    return None
            return out
        keys = self.keys.get(typename)
        if keys and not _has_key(out, keys):
            return None
        return out


_MISSING: Any = object()

Collector = Callable[[list[dict[str, Any]]], tuple[list[bytes], list[list[dict[str, Any]]]]]
"""Builds one ``_entities`` batch from the objects at a flatten path: the distinct encoded
representations, and per representation the objects it stands for (in order)."""


def compile_collector(requires: EntityRequires) -> Collector | None:
    """Generate the batch builder of a ``requires`` whose types all have flat representations.

    The generated function does per object what :meth:`EntityRequires.representation` and
    the executor's batching do (same representations, same order, same null-key refusal),
    but reads each field by name in straight-line code, and recognises an already-seen
    representation by a tuple of its values when they are all strings or integers, encoding
    only the first occurrence.

    Args:
        requires: the compiled requires.

    Returns:
        The builder, or None when some type needs the general selection walk.
    """
    if requires.untyped or not requires.by_typename:
        return None
    if set(requires.flat) != set(requires.by_typename):
        return None
    lines = [
        "def collect(objects):",
        "    index = {}",
        "    encoded = []",
        "    targets = []",
        "    for obj in objects:",
        "        t = obj.get('__typename')",
    ]
    constants: dict[str, Any] = {"M": _MISSING, "dumps": orjson.dumps, "_has_key": _has_key}
    for position, (typename, pairs) in enumerate(requires.flat.items()):
        lines.append(f"        {'if' if position == 0 else 'elif'} t == {typename!r}:")
        values: list[str] = []
        literal: list[str] = []
        for number, (key, name) in enumerate(pairs):
            variable = f"v{number}"
            if key == "__typename":
                lines.append(f"            {variable} = t")
            else:
                lines.append(f"            {variable} = obj.get({key!r}, M)")
                lines.append(f"            if {variable} is M:")
                lines.append("                continue")
            values.append(variable)
            literal.append(f"{name!r}: {variable}")
        representation = "{" + ", ".join(literal) + "}"
        key_names = requires.flat_keys.get(typename)
        names = {name: f"v{number}" for number, (_, name) in enumerate(pairs)}
        if key_names is not None:
            for name in key_names:
                lines.append(f"            if {names[name]} is None:")
                lines.append("                continue")
        elif requires.keys.get(typename):
            keys_constant = f"keys{position}"
            constants[keys_constant] = requires.keys[typename]
            lines.append(f"            if not _has_key({representation}, {keys_constant}):")
            lines.append("                continue")
        plain = [v for (key, _), v in zip(pairs, values, strict=True) if key != "__typename"]
        simple = (
            " and ".join(f"({v}.__class__ is str or {v}.__class__ is int)" for v in plain) or "True"
        )
        lines.append(f"            if {simple}:")
        lines.append(
            f"                key = ({typename!r}, {', '.join(plain)}{',' if plain else ''})"
        )
        lines.append("            else:")
        lines.append(f"                key = dumps({representation})")
        lines.append("            i = index.get(key)")
        lines.append("            if i is None:")
        lines.append("                index[key] = len(encoded)")
        lines.append(f"                encoded.append(dumps({representation}))")
        lines.append("                targets.append([obj])")
        lines.append("            else:")
        lines.append("                targets[i].append(obj)")
    lines.append("    return encoded, targets")
    namespace = dict(constants)
    exec(compile("\n".join(lines), "<trellis entity collector>", "exec"), namespace)
    collect: Collector = namespace["collect"]
    return collect


def _has_key(representation: dict[str, Any], keys: tuple[frozenset[str], ...]) -> bool:
    """True when some carried key has no null field (or the representation carries no key)."""
    carried = False
    for names in keys:
        if all(name in representation for name in names):
            carried = True
            if all(representation[name] is not None for name in names):
                return True
    return not carried


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
    requires: tuple[RequiresSelection, ...], supergraph: Supergraph, service_name: str
) -> EntityRequires:
    """Compile a FetchNode's ``requires`` into per-typename selections.

    Args:
        requires: the FetchNode's ``requires`` (usually one inline fragment per entity type).
        supergraph: the supergraph; its schema expands abstract type conditions, its join
            metadata gives the ``@key`` fields of each type in ``service_name``.
        service_name: the subgraph the fetch goes to.

    Returns:
        The compiled requires.
    """
    schema = supergraph.schema
    by_typename: dict[str, tuple[RequiresSelection, ...]] = {}
    keys: dict[str, tuple[frozenset[str], ...]] = {}
    untyped: list[RequiresSelection] = []
    for selection in requires:
        if isinstance(selection, RequiresField) or selection.type_condition is None:
            untyped.append(selection)
            continue
        condition_keys = _key_fields(supergraph, selection.type_condition, service_name)
        for name in _concrete_types(selection.type_condition, schema):
            by_typename[name] = by_typename.get(name, ()) + selection.selections
            own = condition_keys
            if name != selection.type_condition:
                own = own + _key_fields(supergraph, name, service_name)
            if not own:
                own = _fallback_keys(supergraph, name, service_name)
            keys[name] = tuple(dict.fromkeys(keys.get(name, ()) + own))
    flat: dict[str, tuple[tuple[str, str], ...]] = {}
    flat_keys: dict[str, tuple[str, ...]] = {}
    if not untyped:
        for name, selections in by_typename.items():
            pairs = _flat_pairs(selections)
            if pairs is None:
                continue
            flat[name] = pairs
            own = keys.get(name, ())
            selected = {field_name for _, field_name in pairs}
            if len(own) == 1 and own[0] and own[0] <= selected:
                flat_keys[name] = tuple(sorted(own[0]))
    return EntityRequires(
        by_typename=by_typename,
        untyped=tuple(untyped),
        keys={name: names for name, names in keys.items() if names},
        flat=flat,
        flat_keys=flat_keys,
    )


def _flat_pairs(selections: tuple[RequiresSelection, ...]) -> tuple[tuple[str, str], ...] | None:
    """``(response key, field name)`` of selections that are all plain leaf fields with distinct
    names; None otherwise."""
    pairs: list[tuple[str, str]] = []
    for selection in selections:
        if not isinstance(selection, RequiresField) or selection.selections:
            return None
        pairs.append((selection.response_key, selection.name))
    if len({name for _, name in pairs}) != len(pairs):
        return None
    return tuple(pairs)


def _fallback_keys(
    supergraph: Supergraph, type_name: str, service_name: str
) -> tuple[frozenset[str], ...]:
    """Keys of a type the fetched subgraph does not define as such (an ``@interfaceObject``
    there, or an unknown name): its interfaces' keys in that subgraph, else its keys anywhere."""
    named = supergraph.schema.get_type(type_name)
    out: tuple[frozenset[str], ...] = ()
    for interface in getattr(named, "interfaces", ()):
        out += _key_fields(supergraph, interface.name, service_name)
    if not out:
        meta = supergraph.types.get(type_name)
        for graph in meta.graphs if meta is not None else ():
            out += _key_fields(supergraph, type_name, graph)
    return tuple(dict.fromkeys(out))


def _key_fields(
    supergraph: Supergraph, type_name: str, service_name: str
) -> tuple[frozenset[str], ...]:
    meta = supergraph.types.get(type_name)
    in_graph = meta.graphs.get(service_name) if meta is not None else None
    if in_graph is None:
        return ()
    # Only non-null key fields count: a nullable key field may legitimately be null and the
    # representation is then sent as is (as Apollo does).
    fields = getattr(supergraph.schema.get_type(type_name), "fields", {})
    out: list[frozenset[str]] = []
    for key in in_graph.keys:
        names = frozenset(
            sel.name.value
            for sel in key.selection.selections
            if isinstance(sel, FieldNode)
            and sel.name.value in fields
            and is_non_null_type(fields[sel.name.value].type)
        )
        out.append(names)
    return tuple(out)


def _concrete_types(type_name: str, schema: GraphQLSchema) -> list[str]:
    named = schema.get_type(type_name)
    if named is not None and is_abstract_type(named):
        # The interface's own name too: objects from a subgraph that models it as an
        # ``@interfaceObject`` carry it as ``__typename``.
        return [t.name for t in schema.get_possible_types(named)] + [type_name]
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


def collect_entities(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects found at a flatten path, in response order (without their paths).

    The same walk as :func:`collect_objects` (lists are walked at every level, ``@`` steps over
    a list, ``... on T`` keeps objects whose ``__typename`` is ``T``, nulls are skipped), level
    by level instead of recursively and without building a path per object.

    Args:
        data: the response data to walk (the root object).
        path: the flatten path.

    Returns:
        The objects (one entry per occurrence: an object reachable twice appears twice).

    Spec: Apollo query plans, ``Flatten(path:)``.
    """
    level: list[Any] = [data]
    for step in path:
        level = _objects(level)
        if step == "@":
            continue
        if step.startswith("..."):
            condition = step.removeprefix("...").strip().removeprefix("on").strip()
            level = [value for value in level if value.get("__typename") == condition]
        else:
            level = [value.get(step) for value in level]
    return _objects(level)


def _objects(values: list[Any]) -> list[dict[str, Any]]:
    """The dicts among ``values``, lists flattened (recursively), in order."""
    out: list[dict[str, Any]] = []
    for value in values:
        if type(value) is dict:
            out.append(value)
        elif isinstance(value, list):
            out.extend(_objects(value))
        elif isinstance(value, dict):
            out.append(value)
    return out


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
