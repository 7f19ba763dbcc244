"""The introspection switch: refuse ``__schema`` and ``__type`` when introspection is off.

``__typename`` is always allowed (clients and caches rely on it). The check walks the operation
through inline fragments and fragment spreads (each fragment once), at any depth, and looks at
field names, never at response names: an alias does not hide ``__type``.

Apollo Router: ``supergraph.introspection``; code ``INTROSPECTION_DISABLED``, HTTP 400.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
)

from .errors import RequestError

__all__ = ["INTROSPECTION_DISABLED", "INTROSPECTION_FIELDS", "check_introspection"]

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def check_introspection(
    document: DocumentNode, operation: OperationDefinitionNode, enabled: bool
) -> None:
    """Refuse an introspection query when introspection is disabled.

    Args:
        document: the parsed document (its fragment definitions are followed).
        operation: the operation to run.
        enabled: ``RouterSettings.introspection``; when True nothing is checked.

    Raises:
        RequestError: ``INTROSPECTION_DISABLED`` (HTTP 400) when a ``__schema`` or ``__type``
            field is selected anywhere in the operation, fragments included.

    Spec: GraphQL §4 Introspection (``__schema``, ``__type``; ``__typename`` is not
    introspection of the schema).
    """
    if enabled:
        return
    field = _introspection_field(document, operation)
    if field is not None:
        raise RequestError(
            INTROSPECTION_DISABLED,
            [
                {
                    "message": (
                        "GraphQL introspection has been disabled, but the requested query "
                        f'contained the field "{field.name.value}".'
                    ),
                    **_locations(field),
                }
            ],
        )


def _introspection_field(
    document: DocumentNode, operation: OperationDefinitionNode
) -> FieldNode | None:
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    seen: set[str] = set()
    pending: list[SelectionNode] = list(operation.selection_set.selections)
    while pending:
        selection = pending.pop()
        if isinstance(selection, FieldNode) and selection.name.value in INTROSPECTION_FIELDS:
            return selection
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                pending.extend(fragment.selection_set.selections)
        elif (
            isinstance(selection, FieldNode | InlineFragmentNode)
            and selection.selection_set is not None
        ):
            pending.extend(selection.selection_set.selections)
    return None


def _locations(field: FieldNode) -> dict[str, object]:
    loc = field.loc
    if loc is None:
        return {}
    token = loc.start_token
    return {"locations": [{"line": token.line, "column": token.column}]}
