"""Shape the merged subgraph data into the client's response.

The client operation is compiled once (per cached plan) into :class:`SelectionShape` objects;
per request, :class:`ResponseShaper` walks the data once: response keys in the client's order,
type conditions by ``__typename``, ``@skip``/``@include``, fields the client did not ask for
dropped, and null propagation.

Spec: GraphQL (October 2021) §6.3.2 CollectFields, §6.4.4 Handling Field Errors (null
propagation), §3.13 ``@skip``/``@include``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    is_object_type,
)

from .flatten import ResponsePath

__all__ = [
    "RESPONSE_VALIDATION_FAILED",
    "FieldShape",
    "ResponseShaper",
    "SelectionShape",
    "TypeShape",
]

RESPONSE_VALIDATION_FAILED = "RESPONSE_VALIDATION_FAILED"

_INVALID: Final = object()
_FIELD, _TYPENAME, _INTROSPECTION, _LEAF = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class _Condition:
    """A variable ``@skip``/``@include`` condition (literal ones are folded away)."""

    include: bool
    variable: str


@dataclass(frozen=True, slots=True)
class _Occurrence:
    """One field node of a selection set with the type conditions and directives around it."""

    response_key: str
    node: FieldNode
    possible: frozenset[str] | None
    conditions: tuple[_Condition, ...]


@dataclass(frozen=True, slots=True)
class TypeShape:
    """How to complete a value of one output type.

    Attributes:
        non_null: the position is non-null.
        of: the item shape when this is a list.
        selection: the sub-selection when the named type is composite.
        label: ``Parent.field`` for error messages.
        enum_name: the enum type name when the named type is an enum.
        enum_values: the enum's values in the API schema (``@inaccessible`` ones are absent).
    """

    non_null: bool
    of: TypeShape | None
    selection: SelectionShape | None
    label: str
    enum_name: str | None = None
    enum_values: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FieldShape:
    """One response key of a selection for one concrete type.

    Attributes:
        response_key: the alias or field name.
        kind: 0 a field, 1 ``__typename``, 2 ``__schema``/``__type``, 3 a field whose value is
            a scalar used as it is (not a list, object or enum: no completion walk).
        type: how to complete the value (None for kinds 1 and 2).
    """

    response_key: str
    kind: int
    type: TypeShape | None


@dataclass(slots=True)
class SelectionShape:
    """A client selection set at one parent type, compiled; groups fields per concrete type.

    Attributes:
        schema: the API schema.
        parent_type: the selection's parent type name.
        occurrences: the field nodes, fragments inlined, in document order.
        variable_dependent: some occurrence has a variable ``@skip``/``@include``.
        is_object: the parent type is an object type (its name is the default ``__typename``).
        fragments: the document's fragment definitions by name.
    """

    schema: GraphQLSchema
    parent_type: str
    occurrences: tuple[_Occurrence, ...]
    variable_dependent: bool
    is_object: bool
    fragments: Mapping[str, FragmentDefinitionNode]
    _by_type: dict[str | None, tuple[FieldShape, ...]] = field(default_factory=dict)
    _children: dict[tuple[Any, ...], TypeShape] = field(default_factory=dict)

    @classmethod
    def compile(
        cls,
        schema: GraphQLSchema,
        parent_type: str,
        selection_sets: Sequence[SelectionSetNode],
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> SelectionShape:
        """Compile selection sets (merged fields' sub-selections) at ``parent_type``.

        Args:
            schema: the API schema.
            parent_type: the type the selection sets apply to.
            selection_sets: the selection sets, in document order.
            fragments: the document's fragment definitions by name.

        Returns:
            The compiled selection.
        """
        out: list[_Occurrence] = []
        for selection_set in selection_sets:
            _collect(schema, selection_set, fragments, None, (), out)
        return cls(
            schema=schema,
            parent_type=parent_type,
            occurrences=tuple(out),
            variable_dependent=any(o.conditions for o in out),
            is_object=is_object_type(schema.get_type(parent_type)),
            fragments=fragments,
        )

    def fields_for(
        self, typename: str | None, variables: Mapping[str, Any]
    ) -> tuple[FieldShape, ...]:
        """The fields to answer for an object of concrete type ``typename``.

        Args:
            typename: the object's ``__typename`` (None when unknown).
            variables: coerced variable values (for ``@skip``/``@include``).

        Returns:
            Field shapes in response order, one per response key.

        Spec: GraphQL §6.3.2 CollectFields (DoesFragmentTypeApply, ``@skip``/``@include``).
        """
        if not self.variable_dependent:
            cached = self._by_type.get(typename)
            if cached is None:
                cached = self._by_type[typename] = self._group(typename, variables)
            return cached
        return self._group(typename, variables)

    def _group(self, typename: str | None, variables: Mapping[str, Any]) -> tuple[FieldShape, ...]:
        groups: dict[str, list[FieldNode]] = {}
        for occurrence in self.occurrences:
            if occurrence.possible is not None and typename not in occurrence.possible:
                continue
            if occurrence.conditions and not _passes(occurrence.conditions, variables):
                continue
            nodes = groups.get(occurrence.response_key)
            if nodes is None:
                groups[occurrence.response_key] = [occurrence.node]
            else:
                nodes.append(occurrence.node)
        return tuple(self._field(typename, key, nodes) for key, nodes in groups.items())

    def _field(self, typename: str | None, key: str, nodes: list[FieldNode]) -> FieldShape:
        name = nodes[0].name.value
        if name == "__typename":
            return FieldShape(key, _TYPENAME, None)
        if name in ("__schema", "__type"):
            return FieldShape(key, _INTROSPECTION, None)
        cache_key = (typename, key, *map(id, nodes))
        shape = self._children.get(cache_key)
        if shape is None:
            shape = self._children[cache_key] = self._child(typename, name, nodes)
        leaf = shape.of is None and shape.selection is None and shape.enum_name is None
        return FieldShape(key, _LEAF if leaf else _FIELD, shape)

    def _child(self, typename: str | None, name: str, nodes: list[FieldNode]) -> TypeShape:
        owner = self.schema.get_type(typename) if typename is not None else None
        if owner is None or not is_object_type(owner):
            owner = self.schema.get_type(self.parent_type)
        fields = getattr(owner, "fields", {})
        definition = fields.get(name)
        label = f"{getattr(owner, 'name', self.parent_type)}.{name}"
        if definition is None:
            return TypeShape(non_null=False, of=None, selection=None, label=label)
        sub_sets = [node.selection_set for node in nodes if node.selection_set is not None]
        return self._type_shape(definition.type, sub_sets, label)

    def _type_shape(
        self, type_: GraphQLOutputType, sub_sets: list[SelectionSetNode], label: str
    ) -> TypeShape:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            item = self._type_shape(inner.of_type, sub_sets, label)
            return TypeShape(non_null=non_null, of=item, selection=None, label=label)
        named = get_named_type(inner)
        selection = None
        if is_composite_type(named):
            selection = SelectionShape.compile(self.schema, named.name, sub_sets, self.fragments)
        elif isinstance(named, GraphQLEnumType):
            return TypeShape(
                non_null=non_null,
                of=None,
                selection=None,
                label=label,
                enum_name=named.name,
                enum_values=frozenset(named.values),
            )
        return TypeShape(non_null=non_null, of=None, selection=selection, label=label)


def _passes(conditions: tuple[_Condition, ...], variables: Mapping[str, Any]) -> bool:
    return all(bool(variables.get(c.variable)) is c.include for c in conditions)


def _directive_conditions(node: Any) -> tuple[_Condition, ...] | None:
    """Variable conditions of a selection's ``@skip``/``@include``; None when excluded."""
    out: list[_Condition] = []
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        include = name == "include"
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            value = argument.value
            if isinstance(value, BooleanValueNode):
                if value.value is not include:
                    return None
            elif isinstance(value, VariableNode):
                out.append(_Condition(include=include, variable=value.name.value))
    return tuple(out)


def _possible(schema: GraphQLSchema, type_name: str) -> frozenset[str]:
    named = schema.get_type(type_name)
    if named is not None and is_abstract_type(named):
        return frozenset(t.name for t in schema.get_possible_types(named))
    return frozenset((type_name,))


def _collect(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    possible: frozenset[str] | None,
    conditions: tuple[_Condition, ...],
    out: list[_Occurrence],
) -> None:
    for selection in selection_set.selections:
        own = _directive_conditions(selection)
        if own is None:
            continue
        nested = conditions + own
        if isinstance(selection, FieldNode):
            key = (selection.alias or selection.name).value
            out.append(_Occurrence(key, selection, possible, nested))
            continue
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            definition = fragments.get(selection.name.value)
            if definition is None:
                continue
            condition = definition.type_condition
            target = definition.selection_set
        else:
            continue
        narrowed = possible
        if condition is not None:
            types = _possible(schema, condition.name.value)
            narrowed = types if possible is None else possible & types
        _collect(schema, target, fragments, narrowed, nested, out)


class ResponseShaper:
    """Builds the client response from merged data for one request.

    Args:
        variables: coerced variable values.
        errors: the errors collected so far (non-null errors are appended).
        failed_paths: paths left null by failed fetches (no new error for them).
        introspection: the router-answered ``__schema``/``__type`` data by response key.
    """

    __slots__ = ("_covered", "errors", "introspection", "path", "value_completion", "variables")

    def __init__(
        self,
        variables: Mapping[str, Any],
        errors: list[dict[str, Any]],
        failed_paths: Sequence[ResponsePath],
        introspection: Mapping[str, Any] | None = None,
    ) -> None:
        self.variables = variables
        self.errors = errors
        self.value_completion: list[dict[str, Any]] = []
        self.introspection = introspection or {}
        self.path: list[str | int] = []
        self._covered = [list(p) for p in failed_paths]

    def root(self, shape: SelectionShape, data: dict[str, Any]) -> dict[str, Any] | None:
        """Shape the root object.

        Args:
            shape: the operation's root selection.
            data: the merged data.

        Returns:
            The ``data`` entry: the shaped object, or None when a non-null root field is null.

        Spec: GraphQL §6.4.4: null propagation stops at ``data``.
        """
        result = self._object(shape, data, shape.parent_type)
        return None if result is _INVALID else result

    def _object(self, shape: SelectionShape, value: dict[str, Any], static: str | None) -> Any:
        typename = value.get("__typename")
        if not isinstance(typename, str):
            typename = static
        out: dict[str, Any] = {}
        path = self.path
        for item in shape.fields_for(typename, self.variables):
            key = item.response_key
            kind = item.kind
            if kind == _LEAF:
                leaf = value.get(key)
                if leaf is None and item.type.non_null:  # type: ignore[union-attr]
                    path.append(key)
                    self._null_error(item.type)  # type: ignore[arg-type]
                    path.pop()
                    return _INVALID
                out[key] = leaf
                continue
            if kind == _TYPENAME:
                out[key] = typename
                continue
            if kind == _INTROSPECTION:
                out[key] = self.introspection.get(key)
                continue
            path.append(key)
            result = self._complete(item.type, value.get(key))  # type: ignore[arg-type]
            path.pop()
            if result is _INVALID:
                return _INVALID
            out[key] = result
        return out

    def _complete(self, shape: TypeShape, value: Any) -> Any:
        result = self._complete_nullable(shape, value) if value is not None else None
        if shape.non_null:
            if result is None:
                self._null_error(shape)
                return _INVALID
            return result
        return None if result is _INVALID else result

    def _complete_nullable(self, shape: TypeShape, value: Any) -> Any:
        item_shape = shape.of
        if item_shape is not None:
            if not isinstance(value, list):
                return None
            items = []
            path = self.path
            for index, item in enumerate(value):
                path.append(index)
                result = self._complete(item_shape, item)
                path.pop()
                if result is _INVALID:
                    return _INVALID
                items.append(result)
            return items
        selection = shape.selection
        if selection is None:
            if shape.enum_name is not None and (
                not isinstance(value, str) or value not in shape.enum_values
            ):
                self._enum_error(shape.enum_name)
                return None
            return value
        if not isinstance(value, dict):
            return None
        static = selection.parent_type if selection.is_object else None
        return self._object(selection, value, static)

    def _enum_error(self, enum_name: str) -> None:
        """A value the API schema's enum does not have (e.g. an ``@inaccessible`` one).

        Spec: GraphQL §6.4.3 CompleteValue (enum: a field error when the value cannot be
        coerced); message and code as Apollo Router's response validation.
        """
        self.errors.append(
            {
                "message": f"Expected a valid enum value for type {enum_name}",
                "path": list(self.path),
                "extensions": {"code": RESPONSE_VALIDATION_FAILED},
            }
        )

    def _null_error(self, shape: TypeShape) -> None:
        # Null propagation is normal operation, not an error: like Apollo Router, report it in
        # ``extensions.valueCompletion`` (apollographql/router#2071), never in ``errors``.
        path = self.path
        if self._is_covered(path):
            return
        self.value_completion.append(
            {
                "message": f"Cannot return null for non-nullable field {shape.label}.",
                "path": list(path),
            }
        )

    def _is_covered(self, path: list[str | int]) -> bool:
        size = len(path)
        for error in self.errors:
            other = error.get("path")
            if isinstance(other, list) and (
                other[:size] == path or path[: len(other)] == other or _covers(other, path)
            ):
                return True
        return any(other[:size] == path or path[: len(other)] == other for other in self._covered)


def _covers(pattern: list[Any], path: list[str | int]) -> bool:
    """True when ``pattern`` (``@`` standing for any list index) is a prefix of ``path`` or
    ``path`` a prefix of it."""
    if "@" not in pattern:
        return False
    for expected, actual in zip(pattern, path, strict=False):
        if expected != actual and not (expected == "@" and isinstance(actual, int)):
            return False
    return True
