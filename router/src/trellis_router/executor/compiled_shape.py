"""Response shapers compiled to Python code, one per prepared operation: the fast path.

:class:`~trellis_router.executor.response.ResponseShaper` walks a compiled selection generically
(a loop over field shapes, a path kept for error messages). For an operation without variable
``@skip``/``@include`` or root introspection, :func:`compile_shaper` generates straight-line
Python instead: one function per selection and concrete type that reads each response key,
builds the output object in the client's order and recurses into lists and objects with list
comprehensions. It keeps no path and reports no error: whenever the data holds anything the
general shaper would have to report (a null in a non-null position, a value that is not a list
or an object where one is expected, an enum value the API schema does not have, a
``__typename`` the selection was not compiled for), it gives up (:class:`ShapeFallback`) and the
caller shapes the whole response with the general shaper. On data without such problems the two
produce identical responses (``router/tests/executor/test_compiled_shape.py`` checks this on
every federation scenario).

Spec: GraphQL (October 2021) §6.3.2 CollectFields, §6.4.3 Value Completion (the general shaper
implements §6.4.4 null propagation, used on fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import is_abstract_type

from .response import _INTROSPECTION, _LEAF, _TYPENAME, SelectionShape, TypeShape

__all__ = ["CompiledShaper", "ShapeFallback", "compile_shaper"]

CompiledShaper = Callable[[dict[str, Any]], dict[str, Any]]
"""Shapes the merged root data into the ``data`` object; raises :class:`ShapeFallback`."""

_EMPTY: dict[str, Any] = {}


class ShapeFallback(Exception):
    """The data needs the general shaper (null propagation, error reporting)."""


class _NotCompilable(Exception):
    """The selection needs the general shaper for every request (variables, introspection)."""


def _fallback() -> Any:
    raise ShapeFallback


def compile_shaper(shape: SelectionShape) -> CompiledShaper | None:
    """Generate the fast shaper of an operation's root selection.

    Args:
        shape: the operation's compiled root selection.

    Returns:
        A function from the merged root data to the ``data`` object (raising
        :class:`ShapeFallback` when the general shaper is needed), or None when the operation
        cannot be compiled (variable ``@skip``/``@include``, introspection fields).
    """
    generator = _Generator()
    try:
        root = generator.selection(shape)
    except _NotCompilable:
        return None
    namespace: dict[str, Any] = {"_fallback": _fallback, "ShapeFallback": ShapeFallback}
    namespace.update(generator.constants)
    exec(compile("\n".join(generator.lines), "<trellis compiled shaper>", "exec"), namespace)
    compiled: CompiledShaper = namespace[root]
    return compiled


class _Generator:
    """Emits the functions of one operation's shaper into :attr:`lines`."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._selections: dict[int, str] = {}
        self._completers: dict[int, str] = {}
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def selection(self, shape: SelectionShape) -> str:
        """The name of the function shaping an object of this selection."""
        found = self._selections.get(id(shape))
        if found is not None:
            return found
        if shape.variable_dependent:
            raise _NotCompilable
        name = self._selections[id(shape)] = self._name("s")
        schema = shape.schema
        if shape.is_object:
            body = self._object(shape, shape.parent_type)
            self.lines.append(f"def {name}(value):")
            self.lines.append(f"    if value.get('__typename', {shape.parent_type!r}) != ")
            self.lines[-1] += f"{shape.parent_type!r}:"
            self.lines.append("        raise ShapeFallback")
            self.lines.extend(body)
            return name
        parent = schema.get_type(shape.parent_type)
        possible = (
            sorted(t.name for t in schema.get_possible_types(parent))
            if parent is not None and is_abstract_type(parent)
            else []
        )
        table = self._name("types")
        functions: dict[str, str] = {}
        for typename in possible:
            function = functions[typename] = self._name("t")
            body = self._object(shape, typename)
            self.lines.append(f"def {function}(value):")
            self.lines.extend(body)
        self.lines.append(f"def {name}(value):")
        self.lines.append("    typename = value.get('__typename')")
        self.lines.append(
            f"    shaper = {table}.get(typename) if typename.__class__ is str else None"
        )
        self.lines.append("    if shaper is None:")
        self.lines.append("        raise ShapeFallback")
        self.lines.append("    return shaper(value)")
        self.lines.append(f"{table} = {{{', '.join(f'{k!r}: {v}' for k, v in functions.items())}}}")
        return name

    def _object(self, shape: SelectionShape, typename: str) -> list[str]:
        """The body of a function shaping one object of concrete type ``typename``."""
        lines = ["    out = {}"]
        for item in shape.fields_for(typename, _EMPTY):
            key = repr(item.response_key)
            if item.kind == _TYPENAME:
                lines.append(f"    out[{key}] = {typename!r}")
            elif item.kind == _INTROSPECTION:
                raise _NotCompilable
            elif item.kind == _LEAF:
                type_shape = item.type
                if type_shape is not None and type_shape.non_null:
                    lines.append(f"    v = value.get({key})")
                    lines.append("    if v is None:")
                    lines.append("        raise ShapeFallback")
                    lines.append(f"    out[{key}] = v")
                else:
                    lines.append(f"    out[{key}] = value.get({key})")
            else:
                assert item.type is not None
                completer = self.completer(item.type)
                lines.append(f"    out[{key}] = {completer}(value.get({key}))")
        lines.append("    return out")
        return lines

    def completer(self, shape: TypeShape) -> str:
        """The name of a function completing one value of this type (a list, an object, an
        enum or a scalar)."""
        found = self._completers.get(id(shape))
        if found is not None:
            return found
        name = self._completers[id(shape)] = self._name("c")
        lines = [f"def {name}(v):", "    if v is None:"]
        lines.append("        raise ShapeFallback" if shape.non_null else "        return None")
        item = shape.of
        if item is not None:
            lines.append("    if v.__class__ is not list:")
            lines.append("        raise ShapeFallback")
            lines.append(f"    return {self._list_items(item)}")
        elif shape.selection is not None:
            selection = self.selection(shape.selection)
            lines.append("    if v.__class__ is not dict:")
            lines.append("        raise ShapeFallback")
            lines.append(f"    return {selection}(v)")
        elif shape.enum_name is not None:
            values = self._name("enum")
            self.constants[values] = shape.enum_values
            lines.append(f"    if v.__class__ is not str or v not in {values}:")
            lines.append("        raise ShapeFallback")
            lines.append("    return v")
        else:
            lines.append("    return v")
        self.lines.extend(lines)
        return name

    def _list_items(self, item: TypeShape) -> str:
        """An expression completing every item of list ``v``."""
        if item.of is None and item.selection is not None:
            selection = self.selection(item.selection)
            if item.non_null:
                return f"[{selection}(x) if x.__class__ is dict else _fallback() for x in v]"
            return (
                f"[{selection}(x) if x.__class__ is dict else "
                "(None if x is None else _fallback()) for x in v]"
            )
        if item.of is None and item.enum_name is None:
            if item.non_null:
                return "v if None not in v else _fallback()"
            return "v"
        return f"[{self.completer(item)}(x) for x in v]"
