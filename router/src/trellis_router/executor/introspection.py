"""Introspection answered by the router itself, against the API schema.

Spec: GraphQL §4 Introspection (``__schema``, ``__type``); Apollo Federation: the router, not the
subgraphs, answers introspection of the API schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    execute_sync,
)

__all__ = ["introspection_document", "run_introspection"]

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def introspection_document(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> DocumentNode | None:
    """Cut the operation down to its root introspection fields.

    Args:
        operation: the client operation.
        fragments: the document's fragments by name.

    Returns:
        A document with only the root ``__schema``/``__type`` fields (and every fragment), or
        None when the operation has none.
    """
    kept = _root_introspection(operation.selection_set, fragments)
    if not kept:
        return None
    trimmed = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=tuple(kept)),
    )
    return DocumentNode(definitions=(trimmed, *fragments.values()))


def _root_introspection(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[SelectionNode]:
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in _INTROSPECTION_FIELDS:
                kept.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if _root_introspection(selection.selection_set, fragments):
                kept.append(selection)
        elif isinstance(selection, FragmentSpreadNode):
            definition = fragments.get(selection.name.value)
            if definition is not None and _root_introspection(definition.selection_set, fragments):
                kept.append(selection)
    return kept


def run_introspection(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any],
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """Execute the introspection document against the API schema.

    Args:
        schema: the API schema.
        document: from :func:`introspection_document`.
        variables: the coerced variable values.
        errors: receives any execution errors (formatted).

    Returns:
        The introspection data by response key (fragments on the root type apply here as well;
        only ``__schema``/``__type`` keys are read from it).
    """
    result = execute_sync(schema, document, variable_values=dict(variables))
    if result.errors:
        errors.extend(error.formatted for error in result.errors)  # type: ignore[misc]
    return result.data or {}
