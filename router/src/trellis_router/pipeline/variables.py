"""Stage 4: coerce the request's variables against the operation's definitions.

Spec: GraphQL §6.1.2 CoerceVariableValues; client error code ``BAD_USER_INPUT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import get_variable_values

from .errors import BAD_USER_INPUT, RequestError

__all__ = ["coerce_variables"]


def coerce_variables(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Coerce the request's variable values.

    Args:
        schema: the API schema.
        operation: the selected operation.
        variables: the raw ``variables`` of the request (JSON values).

    Returns:
        The coerced values (defaults applied), ready to send to subgraphs.

    Raises:
        RequestError: ``BAD_USER_INPUT`` when a value does not fit its variable's type.
    """
    definitions = operation.variable_definitions or ()
    if not definitions:
        return {}
    result = get_variable_values(schema, definitions, dict(variables or {}), max_errors=50)
    if isinstance(result, list):
        raise RequestError(BAD_USER_INPUT, [{"message": error.message} for error in result])
    return result.coerced
