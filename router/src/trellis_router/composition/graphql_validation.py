"""GraphQL schema validation of one subgraph (GraphQL spec "Type System" rules).

Apollo's composition validates each subgraph as a GraphQL schema before anything federated:
interface implementations (field types must be subtypes, arguments present), union members
must be object types, input objects must not reference themselves through non-null fields,
default values must be valid for their types, names and directive definitions must be valid.
Each such problem is an ``INVALID_GRAPHQL`` error naming the subgraph.

This module leaves federation alone: federation and ``@link`` machinery is dropped before the
subgraph is built as a schema, unknown directive applications are not its concern (the
subgraph parser reports them), and a subgraph that cannot be built as a plain GraphQL schema
on its own (a Federation 1 ``extend type`` with no base, a type referenced but not defined,
both reported elsewhere) is not validated here.

Spec: GraphQL (October 2021) §3 "Type System" (IsValidImplementation, union and input object
rules, default values); Apollo ``validateSchema`` in ``@apollo/federation-internals``.
"""

from __future__ import annotations

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLError,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    build_ast_schema,
    validate_schema,
)

from trellis_router.composition.errors import CompositionError, ErrorCode

__all__ = ["graphql_schema_errors"]

#: validate_schema problems that are not errors in a subgraph: a subgraph needs no Query type
#: of its own (federation adds one), and root types are checked by composition (NO_QUERIES).
_NOT_SUBGRAPH_ERRORS = ("Query root type must be provided",)


def graphql_schema_errors(
    subgraph: str, document: DocumentNode, machinery: frozenset[str]
) -> list[CompositionError]:
    """Validate a parsed subgraph as a GraphQL schema.

    Args:
        subgraph: The subgraph name, for messages (``[name] ...``).
        document: Its parsed SDL (with locations).
        machinery: Directive names whose definitions are federation or ``@link`` machinery
            (checked elsewhere; left out here), besides any ``prefix__name``.

    Returns:
        One ``INVALID_GRAPHQL`` error per problem (``subgraph`` and ``location`` set when
        known); empty when valid or when the SDL cannot be built as a schema on its own.
    """
    definitions = tuple(
        node
        for node in document.definitions
        if not isinstance(node, SchemaDefinitionNode | SchemaExtensionNode)
        and not (
            isinstance(node, DirectiveDefinitionNode)
            and (node.name.value in machinery or "__" in node.name.value)
        )
    )
    try:
        schema = build_ast_schema(DocumentNode(definitions=definitions), assume_valid_sdl=True)
    except (GraphQLError, TypeError):
        return []
    errors = []
    for problem in validate_schema(schema):
        if problem.message.startswith(_NOT_SUBGRAPH_ERRORS):
            continue
        where = problem.locations[0] if problem.locations else None
        errors.append(
            CompositionError(
                ErrorCode.INVALID_GRAPHQL.value,
                f"[{subgraph}] {problem.message}",
                subgraph,
                (where.line, where.column) if where is not None else None,
            )
        )
    return errors
