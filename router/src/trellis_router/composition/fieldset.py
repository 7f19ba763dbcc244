"""Field sets (the ``fields`` of ``@key``, ``@requires``, ``@provides``): parse and resolve.

Spec: Federation subgraph spec, "FieldSet" scalar: a selection set without the outer braces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    print_ast,
)
from graphql.language import DirectiveNode, SelectionSetNode

from trellis_router.composition.subgraph import Field, Subgraph
from trellis_router.supergraph.field_set import parse_braced

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
        kind: ``"invalid"`` (syntax, unknown field, bad selection), ``"not_string"`` (the
            ``fields`` argument is not a string), ``"directive"`` (a selection carries a
            directive), ``"has_args"`` (a selected field takes arguments, refused by ``@key``
            and ``@provides``), ``"invalid_type"`` (an interface or union field, refused by
            ``@key``).
        message: The reason, e.g. ``Cannot query field "x" on type "T"``.
    """

    kind: Literal["invalid", "not_string", "directive", "has_args", "invalid_type"]
    message: str


def resolve_field_set(
    subgraph: Subgraph, parent: str, fields: object, *, directive: str | None = None
) -> tuple[list[SelectedField], FieldSetProblem | None]:
    """Resolve a field set against a subgraph type.

    Args:
        subgraph: The subgraph the field set lives in.
        parent: The type the selection starts from.
        fields: The ``fields`` argument value (a string when well-formed).
        directive: The directive holding the field set (``"key"``, ``"requires"``,
            ``"provides"``), whose rules then apply: no directive applications, no aliases,
            no fields with arguments (``@key``, ``@provides``), no interface or union fields
            (``@key``). ``None`` only resolves the selection.

    Returns:
        Every selected field (nested ones included, in selection order) and the first
        problem found, if any.

    Spec: Apollo ``parseFieldSetArgument`` and ``validateFieldSetSelections``
    (``*_INVALID_FIELDS``, ``*_INVALID_FIELDS_TYPE``, ``*_DIRECTIVE_IN_FIELDS_ARG``,
    ``*_FIELDS_HAS_ARGS``, ``KEY_FIELDS_SELECT_INVALID_TYPE``).
    """
    if not isinstance(fields, str):
        return [], FieldSetProblem(
            "not_string", 'Invalid value for argument "fields": must be a string.'
        )
    try:
        document = parse_braced(fields)
    except GraphQLError as error:
        return [], FieldSetProblem("invalid", error.message)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selected: list[SelectedField] = []
    walker = _Walker(subgraph, directive, selected)
    problem = walker.walk(parent, operation.selection_set, False)
    if problem is None and directive is not None:
        problem = walker.late_problem
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


class _Walker:
    """Walks a field set's selections; resolution problems stop the walk, while rule problems
    (directives, arguments) are kept in ``late_problem`` as Apollo reports them only once the
    whole selection resolves."""

    def __init__(
        self, subgraph: Subgraph, directive: str | None, selected: list[SelectedField]
    ) -> None:
        self.subgraph = subgraph
        self.directive = directive
        self.selected = selected
        self.late_problem: FieldSetProblem | None = None

    def _late(self, problem: FieldSetProblem) -> None:
        if self.late_problem is None:
            self.late_problem = problem

    def _check_directives(self, directives: tuple[DirectiveNode, ...] | None) -> None:
        if directives and self.directive is not None:
            found = ", ".join(print_ast(d) for d in directives)
            self._late(
                FieldSetProblem(
                    "directive",
                    f"cannot have directive applications in the @{self.directive}(fields:) "
                    f"argument but found {found}.",
                )
            )

    def walk(
        self, parent: str, selection_set: SelectionSetNode, under_external: bool
    ) -> FieldSetProblem | None:
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                problem = self._fragment(parent, selection, under_external)
            elif isinstance(selection, FieldNode):
                problem = self._field(parent, selection, under_external)
            else:
                problem = FieldSetProblem(
                    "invalid", "fragment spreads are not allowed in field sets"
                )
            if problem is not None:
                return problem
        return None

    def _fragment(
        self, parent: str, selection: InlineFragmentNode, under_external: bool
    ) -> FieldSetProblem | None:
        target = selection.type_condition.name.value if selection.type_condition else parent
        if target not in self.subgraph.types:
            return FieldSetProblem("invalid", f'Unknown type "{target}"')
        self._check_directives(selection.directives)
        return self.walk(target, selection.selection_set, under_external)

    def _field(
        self, parent: str, selection: FieldNode, under_external: bool
    ) -> FieldSetProblem | None:
        subgraph = self.subgraph
        parent_type = subgraph.types.get(parent)
        name = selection.name.value
        if name == "__typename":
            return None
        definition = parent_type.fields.get(name) if parent_type else None
        if definition is None:
            hint = (
                "the field should either be added to this subgraph or, if it should not be "
                "resolved by this subgraph, you need to add it to this subgraph with @external"
                if self.directive == "key"
                else "if the field is defined in another subgraph, you need to add it to this "
                "subgraph with @external"
            )
            return FieldSetProblem(
                "invalid", f'Cannot query field "{name}" on type "{parent}" ({hint}).'
            )
        if selection.alias is not None and self.directive is not None:
            return FieldSetProblem(
                "invalid",
                f'Cannot use alias "{selection.alias.value}" in "{selection.alias.value}: '
                f'{name}": aliases are not currently supported in @{self.directive}',
            )
        self._check_directives(selection.directives)
        if definition.args and self.directive in ("key", "provides"):
            self._late(
                FieldSetProblem(
                    "has_args",
                    f"field {parent}.{name} cannot be included because it has arguments "
                    f"(fields with argument are not allowed in @{self.directive})",
                )
            )
        self.selected.append(
            SelectedField(parent, definition, selection.selection_set is None, under_external)
        )
        target_type = subgraph.types.get(definition.type.named)
        composite = target_type is not None and target_type.kind in ("OBJECT", "INTERFACE", "UNION")
        if (
            self.directive == "key"
            and target_type is not None
            and target_type.kind in ("INTERFACE", "UNION")
        ):
            kind = "Interface" if target_type.kind == "INTERFACE" else "Union"
            return FieldSetProblem(
                "invalid_type",
                f'field "{parent}.{name}" is a {kind} type which is not allowed in @key',
            )
        if composite and selection.selection_set is None:
            return FieldSetProblem(
                "invalid",
                f'Invalid empty selection set for field "{parent}.{name}" of non-leaf type '
                f"{definition.type}",
            )
        if not composite and selection.selection_set is not None:
            return FieldSetProblem(
                "invalid",
                f'Field "{name}" must not have a selection since type "{definition.type}" '
                "has no subfields.",
            )
        if composite and selection.selection_set is not None:
            return self.walk(
                definition.type.named,
                selection.selection_set,
                under_external or _is_external_in_parents(subgraph, parent, definition),
            )
        return None
