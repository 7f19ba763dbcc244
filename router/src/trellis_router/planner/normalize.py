"""Operation normalisation: the client operation as a tree the planner walks.

Passes, in order: pick the operation; inline named fragments; drop selections under a constant
``@skip(if: true)`` / ``@include(if: false)`` and remove constant-true conditions; flatten inline
fragments whose type condition is the parent type (or one it implements) and carry no directives;
merge fields by response key and fragments by type condition.

Spec: GraphQL (October 2021) §5.3.2 "Field Selection Merging", §3.13 "@skip/@include".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    get_named_type,
    is_abstract_type,
    print_ast,
)

from .errors import PlanningError

__all__ = [
    "NormalizedField",
    "NormalizedFragment",
    "NormalizedOperation",
    "NormalizedSelection",
    "normalize_field_set",
    "normalize_operation",
]


@dataclass(slots=True)
class NormalizedField:
    """A field of the normalised operation.

    Attributes:
        response_key: alias or name.
        name: the field name.
        alias: the alias, if any.
        arguments: argument AST nodes (literals and variables as written).
        directives: remaining (non-constant) executable directives, e.g. ``@include(if: $v)``.
        type: the field's output type in the supergraph schema.
        selections: sub-selections for composite types; empty for leaves.
    """

    response_key: str
    name: str
    alias: str | None
    arguments: tuple[ArgumentNode, ...]
    directives: tuple[DirectiveNode, ...]
    type: GraphQLOutputType | None
    selections: list[NormalizedSelection] = field(default_factory=list)


@dataclass(slots=True)
class NormalizedFragment:
    """An inline fragment kept after normalisation (type condition narrows, or directives)."""

    type_condition: str | None
    directives: tuple[DirectiveNode, ...]
    selections: list[NormalizedSelection] = field(default_factory=list)


NormalizedSelection = NormalizedField | NormalizedFragment


@dataclass(slots=True)
class NormalizedOperation:
    """The selected operation, normalised.

    Attributes:
        kind: ``query``, ``mutation`` or ``subscription``.
        name: the operation name, if any.
        root_type: the root type name in the supergraph.
        variable_definitions: the client's variable definitions by name.
        selections: the root selections.
    """

    kind: str
    name: str | None
    root_type: str
    variable_definitions: dict[str, VariableDefinitionNode]
    selections: list[NormalizedSelection]


def _directive_key(directives: tuple[DirectiveNode, ...]) -> str:
    return " ".join(print_ast(d) for d in directives)


def _constant_condition(
    directives: tuple[DirectiveNode, ...],
) -> tuple[bool, tuple[DirectiveNode, ...]]:
    """Return (included, remaining directives) after folding constant ``@skip``/``@include``."""
    kept: list[DirectiveNode] = []
    for directive in directives:
        name = directive.name.value
        if name in ("skip", "include"):
            arg = next((a for a in directive.arguments or () if a.name.value == "if"), None)
            if arg is not None and isinstance(arg.value, BooleanValueNode):
                if arg.value.value == (name == "skip"):
                    return False, ()
                continue
        kept.append(directive)
    return True, tuple(kept)


class _Normalizer:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType, seen: frozenset[str] = frozenset()
    ) -> list[NormalizedSelection]:
        out: list[NormalizedSelection] = []
        for selection in node.selections:
            included, directives = _constant_condition(tuple(selection.directives or ()))
            if not included:
                continue
            if isinstance(selection, FieldNode):
                out.append(self.field(selection, parent, directives, seen))
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                out.extend(
                    self.fragment(condition, directives, selection.selection_set, parent, seen)
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                definition = self.fragments.get(name)
                if definition is None or name in seen:
                    raise PlanningError(f"unknown or cyclic fragment {name!r}")
                out.extend(
                    self.fragment(
                        definition.type_condition.name.value,
                        directives,
                        definition.selection_set,
                        parent,
                        seen | {name},
                    )
                )
        return merge_selections(out)

    def field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        directives: tuple[DirectiveNode, ...],
        seen: frozenset[str],
    ) -> NormalizedField:
        name = node.name.value
        field_type: GraphQLOutputType | None = None
        if not name.startswith("__") and isinstance(
            parent, GraphQLObjectType | GraphQLCompositeType
        ):
            definition = getattr(parent, "fields", {}).get(name)
            if definition is None:
                raise PlanningError(f"unknown field {parent.name}.{name}")
            field_type = definition.type
        selections: list[NormalizedSelection] = []
        if node.selection_set is not None and field_type is not None:
            selections = self.selection_set(node.selection_set, get_named_type(field_type), seen)
        return NormalizedField(
            response_key=node.alias.value if node.alias else name,
            name=name,
            alias=node.alias.value if node.alias else None,
            arguments=tuple(node.arguments or ()),
            directives=directives,
            type=field_type,
            selections=selections,
        )

    def fragment(
        self,
        condition: str | None,
        directives: tuple[DirectiveNode, ...],
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        seen: frozenset[str],
    ) -> list[NormalizedSelection]:
        target = self.schema.get_type(condition) if condition else parent
        if target is None:
            raise PlanningError(f"unknown type {condition!r} in a type condition")
        narrows = (
            condition is not None
            and condition != parent.name
            and (is_abstract_type(parent) or not _implements(self.schema, parent, target))
        )
        selections = self.selection_set(selection_set, target if narrows else parent, seen)
        if not narrows and not directives:
            return selections
        return [
            NormalizedFragment(
                type_condition=condition if narrows else None,
                directives=directives,
                selections=selections,
            )
        ]


def _implements(schema: GraphQLSchema, obj: GraphQLNamedType, abstract: GraphQLNamedType) -> bool:
    return (
        isinstance(obj, GraphQLObjectType)
        and is_abstract_type(abstract)
        and schema.is_sub_type(abstract, obj)
    )


def merge_selections(selections: list[NormalizedSelection]) -> list[NormalizedSelection]:
    """Merge fields with the same response key (and directives) and fragments with the same
    type condition (and directives), keeping first-seen order.

    Spec: GraphQL §5.3.2 "Field Selection Merging" (validation guarantees mergeability).
    """
    merged: dict[tuple[str, str, str], NormalizedSelection] = {}
    for selection in selections:
        if isinstance(selection, NormalizedField):
            key = ("f", selection.response_key, _directive_key(selection.directives))
        else:
            key = ("i", selection.type_condition or "", _directive_key(selection.directives))
        existing = merged.get(key)
        if existing is None:
            merged[key] = selection
        else:
            existing.selections = merge_selections(existing.selections + selection.selections)
    return list(merged.values())


def normalize_operation(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> NormalizedOperation:
    """Pick and normalise one operation of a validated document.

    Args:
        schema: the supergraph schema (field types are read from it).
        document: the client document, already validated against the API schema.
        operation_name: which operation to plan; may be None when the document has one.

    Returns:
        The normalised operation.

    Raises:
        PlanningError: the operation is missing or ambiguous, or the root type is unknown.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            raise PlanningError("the document has several operations: give an operationName")
        operation = operations[0]
    else:
        found = [o for o in operations if o.name and o.name.value == operation_name]
        if not found:
            raise PlanningError(f"unknown operation {operation_name!r}")
        operation = found[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    kind = operation.operation.value
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise PlanningError(f"the schema has no {kind} root type")
    normalizer = _Normalizer(schema, fragments)
    return NormalizedOperation(
        kind=kind,
        name=operation.name.value if operation.name else None,
        root_type=root.name,
        variable_definitions={
            v.variable.name.value: v for v in operation.variable_definitions or ()
        },
        selections=normalizer.selection_set(operation.selection_set, root),
    )


def normalize_field_set(
    schema: GraphQLSchema, parent: GraphQLNamedType, selection: SelectionSetNode
) -> list[NormalizedSelection]:
    """Normalise a field set (``@key``/``@requires`` selection) on ``parent``.

    Raises:
        PlanningError: the field set names a field ``parent`` does not have.
    """
    return _Normalizer(schema, {}).selection_set(selection, parent)
