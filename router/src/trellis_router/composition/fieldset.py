"""Field sets (the ``fields`` of ``@key``, ``@requires``, ``@provides``): parse and resolve.

Spec: Federation subgraph spec, "FieldSet" scalar: a selection set without the outer braces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphql import FieldNode, GraphQLError, InlineFragmentNode, OperationDefinitionNode, parse
from graphql.language import SelectionSetNode

from trellis_router.composition.subgraph import Field, Subgraph

__all__ = ["FieldSetProblem", "SelectedField", "resolve_field_set"]


@dataclass(frozen=True, slots=True)
class SelectedField:
    """One field a field set selects.

    Attributes:
        parent: The parent type name.
        field: The field definition.
        leaf: Whether the selection has no sub-selection.
        under_external: Whether some field selected above it is ``@external`` (for an
            interface field: in the interface or one of its implementations).
    """

    parent: str
    field: Field
    leaf: bool = True
    under_external: bool = False


@dataclass(frozen=True, slots=True)
class FieldSetProblem:
    """Why a field set does not resolve.

    Attributes:
        kind: ``"invalid"`` (syntax, unknown field, bad selection), ``"has_args"`` (a
            selected field takes arguments), ``"invalid_type"`` (an interface or union field,
            reported only for keys).
        message: The reason, e.g. ``Cannot query field "x" on type "T"``.
    """

    kind: Literal["invalid", "has_args", "invalid_type"]
    message: str


def resolve_field_set(
    subgraph: Subgraph, parent: str, fields: object, *, for_key: bool = False
) -> tuple[list[SelectedField], FieldSetProblem | None]:
    """Resolve a field set against a subgraph type.

    Args:
        subgraph: The subgraph the field set lives in.
        parent: The type the selection starts from.
        fields: The ``fields`` argument value (a string when well-formed).
        for_key: Whether this is a ``@key``: interface and union fields are then refused.

    Returns:
        Every selected field (nested ones included, in selection order) and the first
        problem found, if any.
    """
    if not isinstance(fields, str):
        return [], FieldSetProblem("invalid", "the fields argument must be a string")
    try:
        document = parse("{" + fields + "}", no_location=True)
    except GraphQLError as error:
        return [], FieldSetProblem("invalid", error.message)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selected: list[SelectedField] = []
    problem = _walk(subgraph, parent, operation.selection_set, selected, for_key, False)
    return selected, problem


def _is_external_in_parents(subgraph: Subgraph, parent: str, definition: Field) -> bool:
    """Whether ``definition`` is ``@external``, or, on an interface, in some implementation.

    Spec: Apollo composition ``validateFieldSetSelections`` (``hasExternalInParents``).
    """
    if definition.has("external"):
        return True
    parent_type = subgraph.types.get(parent)
    if parent_type is None or parent_type.kind != "INTERFACE":
        return False
    for t in subgraph.types.values():
        if parent in t.interfaces:
            implementation = t.fields.get(definition.name)
            if implementation is not None and implementation.has("external"):
                return True
    return False


def _walk(
    subgraph: Subgraph,
    parent: str,
    selection_set: SelectionSetNode,
    selected: list[SelectedField],
    for_key: bool,
    under_external: bool,
) -> FieldSetProblem | None:
    parent_type = subgraph.types.get(parent)
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            target = selection.type_condition.name.value if selection.type_condition else parent
            if target not in subgraph.types:
                return FieldSetProblem("invalid", f'Unknown type "{target}"')
            problem = _walk(
                subgraph, target, selection.selection_set, selected, for_key, under_external
            )
            if problem is not None:
                return problem
            continue
        if not isinstance(selection, FieldNode):
            return FieldSetProblem("invalid", "fragment spreads are not allowed in field sets")
        name = selection.name.value
        if name == "__typename":
            continue
        definition = parent_type.fields.get(name) if parent_type else None
        if definition is None:
            return FieldSetProblem(
                "invalid",
                f'Cannot query field "{name}" on type "{parent}" (if the field is defined in '
                "another subgraph, you need to add it to this subgraph with @external).",
            )
        if definition.args and for_key:
            return FieldSetProblem(
                "has_args", f"field {parent}.{name} cannot be included because it has arguments"
            )
        selected.append(
            SelectedField(parent, definition, selection.selection_set is None, under_external)
        )
        target_type = subgraph.types.get(definition.type.named)
        composite = target_type is not None and target_type.kind in ("OBJECT", "INTERFACE", "UNION")
        if for_key and target_type is not None and target_type.kind in ("INTERFACE", "UNION"):
            kind = "Interface" if target_type.kind == "INTERFACE" else "Union"
            return FieldSetProblem(
                "invalid_type",
                f'field "{parent}.{name}" is a {kind} type which is not allowed in @key',
            )
        if composite and selection.selection_set is None:
            return FieldSetProblem(
                "invalid",
                f'Field "{name}" of type "{definition.type}" must have a selection of subfields.',
            )
        if not composite and selection.selection_set is not None:
            return FieldSetProblem(
                "invalid",
                f'Field "{name}" must not have a selection since type "{definition.type}" '
                "has no subfields.",
            )
        if composite and selection.selection_set is not None:
            problem = _walk(
                subgraph,
                definition.type.named,
                selection.selection_set,
                selected,
                for_key,
                under_external or _is_external_in_parents(subgraph, parent, definition),
            )
            if problem is not None:
                return problem
    return None
