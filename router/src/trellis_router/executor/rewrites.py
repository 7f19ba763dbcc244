"""Fetch rewrites (``inputRewrites``, ``outputRewrites``, ``contextRewrites``), compiled per plan.

A rewrite path is a list of steps: a field name, a type condition ``... on T`` (the object's
``__typename`` must be ``T`` or one of its possible types), or, for context rewrites only, ``..``
(the parent object in the response). Lists are walked element by element.

Spec: Apollo query plan ``FetchNode`` rewrites (``ValueSetter``/``KeyRenamer``); Apollo Router
``query_planner/rewrites.rs`` and ``subgraph_context.rs`` (context values read relative to the
entity, ``..`` stepping over list indices to the previous field); join v0.5
``contextArguments``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import GraphQLSchema, is_abstract_type

from ..planner.plan import FetchRewrite, KeyRenamer, ValueSetter
from .flatten import ResponsePath

__all__ = [
    "ContextRead",
    "DataRewrite",
    "apply_rewrites",
    "compile_context_reads",
    "compile_rewrites",
    "read_context",
]

_MISSING: Final = object()


@dataclass(frozen=True, slots=True)
class _Step:
    """One compiled path step: a field name, or a type condition with its possible types."""

    field: str | None
    types: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class DataRewrite:
    """A compiled rewrite applied in place to fetched or sent data.

    Attributes:
        steps: the path steps leading to the objects that hold the key.
        key: the last path step: the key to set or rename.
        rename_to: the new key (KeyRenamer), or None for a ValueSetter.
        value: the value to set (ValueSetter).
    """

    steps: tuple[_Step, ...]
    key: str
    rename_to: str | None
    value: Any


@dataclass(frozen=True, slots=True)
class ContextRead:
    """A compiled context rewrite: where to read one contextual argument's value.

    Attributes:
        ups: the number of leading ``..`` steps (parents to climb from the entity).
        steps: the steps after them (type conditions and fields, the last one read).
        variable: the variable the value is sent as (``renameKeyTo``).
    """

    ups: int
    steps: tuple[_Step, ...]
    variable: str


def _possible(type_name: str, schema: GraphQLSchema) -> frozenset[str]:
    named = schema.get_type(type_name)
    names = {type_name}
    if named is not None and is_abstract_type(named):
        names.update(t.name for t in schema.get_possible_types(named))
    return frozenset(names)


def _compile_step(step: str, schema: GraphQLSchema) -> _Step:
    if step.startswith("..."):
        condition = step.removeprefix("...").strip().removeprefix("on").strip()
        return _Step(field=None, types=_possible(condition, schema))
    return _Step(field=step, types=None)


def compile_rewrites(
    rewrites: tuple[FetchRewrite, ...], schema: GraphQLSchema
) -> tuple[DataRewrite, ...]:
    """Compile input or output rewrites.

    Args:
        rewrites: the FetchNode's ``inputRewrites`` or ``outputRewrites``.
        schema: the supergraph schema (expands abstract type conditions).

    Returns:
        The compiled rewrites, in plan order; rewrites with an empty path or a type condition
        as last step are dropped (they name no key).
    """
    out: list[DataRewrite] = []
    for rewrite in rewrites:
        if not rewrite.path or rewrite.path[-1].startswith("..."):
            continue
        steps = tuple(_compile_step(step, schema) for step in rewrite.path[:-1])
        if isinstance(rewrite, ValueSetter):
            out.append(DataRewrite(steps, rewrite.path[-1], None, rewrite.set_value_to))
        else:
            out.append(DataRewrite(steps, rewrite.path[-1], rewrite.rename_key_to, None))
    return tuple(out)


def apply_rewrites(rewrites: tuple[DataRewrite, ...], value: Any) -> None:
    """Apply compiled rewrites to ``value`` in place, in order.

    Args:
        rewrites: from :func:`compile_rewrites`.
        value: a representation, an entity, or a root fetch's ``data``.
    """
    for rewrite in rewrites:
        _apply(rewrite, value, 0)


def _apply(rewrite: DataRewrite, value: Any, index: int) -> None:
    if isinstance(value, list):
        for item in value:
            _apply(rewrite, item, index)
        return
    if not isinstance(value, dict):
        return
    if index < len(rewrite.steps):
        step = rewrite.steps[index]
        if step.types is not None:
            if _matches(value, step.types):
                _apply(rewrite, value, index + 1)
        else:
            _apply(rewrite, value.get(step.field), index + 1)
        return
    key = rewrite.key
    if key not in value:
        return
    if rewrite.rename_to is None:
        value[key] = rewrite.value
    else:
        value[rewrite.rename_to] = value.pop(key)


def _matches(obj: Mapping[str, Any], types: frozenset[str]) -> bool:
    typename = obj.get("__typename")
    return typename is None or typename in types


def compile_context_reads(
    rewrites: tuple[FetchRewrite, ...], schema: GraphQLSchema
) -> tuple[ContextRead, ...]:
    """Compile context rewrites (only KeyRenamers carry context values).

    Args:
        rewrites: the FetchNode's ``contextRewrites``.
        schema: the supergraph schema (expands abstract type conditions).

    Returns:
        The compiled reads, in plan order.
    """
    out: list[ContextRead] = []
    for rewrite in rewrites:
        if not isinstance(rewrite, KeyRenamer):
            continue
        path = rewrite.path
        ups = 0
        while ups < len(path) and path[ups] == "..":
            ups += 1
        steps = tuple(_compile_step(step, schema) for step in path[ups:])
        out.append(ContextRead(ups=ups, steps=steps, variable=rewrite.rename_key_to))
    return tuple(out)


def read_context(
    reads: tuple[ContextRead, ...], data: dict[str, Any], entity_path: ResponsePath
) -> dict[str, Any]:
    """Read the contextual argument values for one entity.

    Args:
        reads: from :func:`compile_context_reads`.
        data: the response data being built (root object).
        entity_path: the entity's response path (keys and list indices).

    Returns:
        Variable name -> value, for every variable a value was found for; when several reads
        name the same variable the first one found wins.
    """
    out: dict[str, Any] = {}
    for read in reads:
        if read.variable in out:
            continue
        base = _climb(entity_path, read.ups)
        if base is None:
            continue
        start = _get(data, base)
        if start is _MISSING:
            continue
        value = _read(start, read.steps, 0)
        if value is not _MISSING:
            out[read.variable] = value
    return out


def _climb(path: ResponsePath, ups: int) -> ResponsePath | None:
    end = len(path)
    for _ in range(ups):
        while True:
            if end == 0:
                return None
            end -= 1
            if isinstance(path[end], str):
                break
    return path[:end]


def _get(data: Any, path: ResponsePath) -> Any:
    value = data
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or not 0 <= step < len(value):
                return _MISSING
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return _MISSING
            value = value[step]
    return value


def _read(value: Any, steps: tuple[_Step, ...], index: int) -> Any:
    if index == len(steps):
        return value
    if isinstance(value, list):
        items = [_read(item, steps, index) for item in value]
        return [item for item in items if item is not _MISSING]
    if not isinstance(value, dict):
        return _MISSING
    step = steps[index]
    if step.types is not None:
        return _read(value, steps, index + 1) if _matches(value, step.types) else _MISSING
    if step.field not in value:
        return _MISSING
    return _read(value[step.field], steps, index + 1)
