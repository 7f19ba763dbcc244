"""Stage 3: select the operation to run.

Spec: GraphQL §6.1 GetOperation; GraphQL-over-HTTP (``operationName``).
"""

from __future__ import annotations

from graphql import DocumentNode, OperationDefinitionNode

from .errors import BAD_REQUEST, GRAPHQL_VALIDATION_FAILED, RequestError

__all__ = ["select_operation"]


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """Find the operation to execute.

    Args:
        document: the validated document.
        operation_name: the request's ``operationName`` (None when absent).

    Returns:
        The operation definition.

    Raises:
        RequestError: ``GRAPHQL_VALIDATION_FAILED`` for an unknown operation name,
            ``BAD_REQUEST`` when several operations are present and no name is given or
            there is no operation at all.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        if not operations:
            raise RequestError.single(BAD_REQUEST, "The document contains no operation.")
        raise RequestError.single(
            BAD_REQUEST, "Must provide operation name if query contains multiple operations."
        )
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise RequestError.single(
        GRAPHQL_VALIDATION_FAILED, f"Unknown operation named '{operation_name}'."
    )
