"""Field sets: the ``join__FieldSet`` / ``FieldSet`` strings of ``@key``, ``@requires``, ...

Spec: Apollo Federation, "FieldSet" scalar (a selection set without the outer braces).
"""

from __future__ import annotations

import functools

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
)

from .errors import SupergraphError

__all__ = ["parse_braced", "parse_field_set", "print_field_set"]


@functools.lru_cache(maxsize=4096)
def parse_braced(fields: str) -> DocumentNode:
    """``parse("{" + fields + "}")``, memoised: the same few field sets (``"id"``…) recur
    across a supergraph. The returned AST is shared: treat it as read-only.

    Raises:
        GraphQLError: the text does not parse.
    """
    return parse("{" + fields + "}", no_location=True)


def parse_field_set(fields: str) -> SelectionSetNode:
    """Parse a ``join__FieldSet`` / ``FieldSet`` string into a selection set.

    Args:
        fields: e.g. ``"id"`` or ``"id owner { id }"``.

    Returns:
        The selection set AST.

    Raises:
        SupergraphError: the string is not a selection set.

    Spec: Apollo Federation, "FieldSet".
    """
    try:
        document = parse_braced(fields)
    except GraphQLError as error:
        raise SupergraphError(f"invalid field set {fields!r}: {error.message}") from error
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode) or len(document.definitions) != 1:
        raise SupergraphError(f"invalid field set {fields!r}: not a single selection set")
    return operation.selection_set


def print_field_set(selection: SelectionSetNode) -> str:
    """Print a field set back to text (without the outer braces).

    Args:
        selection: a selection set.

    Returns:
        The field set text, e.g. ``"id owner { id }"`` (printed multi-line by graphql-core).
    """
    return print_ast(selection).strip()[1:-1].strip()
