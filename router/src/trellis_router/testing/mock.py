"""A subgraph mocked by data: a Federation subgraph SDL plus JSON records, executed by graphql-core.

Example:
    >>> mock = MockSubgraph(
    ...     "products",
    ...     'type Query { top: [Product] } '
    ...     'type Product @key(fields: "id") { id: ID! name: String }',
    ...     {"Query": {"top": [{"id": "1"}]}, "Product": [{"id": "1", "name": "Table"}]},
    ... )
    >>> mock.execute('{ _entities(representations: [{__typename: "Product", id: "1"}]) '
    ...              '{ ... on Product { name } } }')
    {'data': {'_entities': [{'name': 'Table'}]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    ExecutionResult,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from .federation import (
    FEDERATION_DIRECTIVES,
    FieldSetTree,
    SubgraphMetadata,
    federation_names,
    read_metadata,
)

__all__ = ["BY_ARGS", "MockSubgraph", "RecordedRequest"]

BY_ARGS = "$byArgs"
"""Key of a data value answered per argument values: ``{"$byArgs": [{"args", "value"}...]}``."""

_REPRESENTATION = "$representation"
_PROVIDED = "$provided"

_DEFINITION_OF: dict[type[Any], type[Any]] = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
    UnionTypeExtensionNode: UnionTypeDefinitionNode,
    EnumTypeExtensionNode: EnumTypeDefinitionNode,
    InputObjectTypeExtensionNode: InputObjectTypeDefinitionNode,
    ScalarTypeExtensionNode: ScalarTypeDefinitionNode,
}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One GraphQL request a mock subgraph received.

    Attributes:
        query: the operation text.
        variables: the variables (None when absent).
        operation_name: the operation name (None when absent).
    """

    query: str
    variables: Mapping[str, Any] | None
    operation_name: str | None


class MockSubgraph:
    """A subgraph whose answers come from data (like Apollo's "subgraphs mocked by data").

    The schema is the subgraph SDL plus the federation machinery (``_Any``, ``_Entity``,
    ``_Service``, ``Query._entities``, ``Query._service``, the federation directive definitions).
    Answers come from ``data``:

    - ``data["Query"]`` / ``data["Mutation"]``: root field values (plain JSON; objects of an
      abstract type carry ``__typename``).
    - ``data["<EntityType>"]``: records; ``_entities`` answers each representation with the record
      whose fields equal the representation on one of this subgraph's resolvable ``@key`` s
      (no match: null).
    - any value may be ``{"$byArgs": [{"args": {...}, "value": ...}, ...]}``: the value of the first
      entry whose ``args`` equal the field's arguments (as written in the operation, or with
      defaults applied); no match: null.

    Planner bugs become GraphQL errors: a representation missing a ``@key`` field, a field
    selected whose ``@requires`` fields are not in the representation, a selected ``@external``
    field that the parent field does not ``@provides``.

    Args:
        name: the subgraph name.
        sdl: the subgraph SDL (Federation 2 with ``@link``, or Federation 1).
        data: the data, as described above.

    Raises:
        graphql.GraphQLError: the SDL does not parse or does not build a valid schema.

    Spec: Apollo Federation subgraph specification (``_entities``, ``_service``, ``@key``,
    ``@requires``, ``@provides``, ``@external``, ``@interfaceObject``).
    """

    def __init__(self, name: str, sdl: str, data: Mapping[str, Any]) -> None:
        self.name = name
        self.sdl = sdl
        self.data = data
        self.requests: list[RecordedRequest] = []
        document = parse(sdl)
        self.metadata: SubgraphMetadata = read_metadata(document)
        self.schema: GraphQLSchema = _build_schema(document, self.metadata)
        query_type = self.schema.query_type
        assert query_type is not None
        if "_entities" in query_type.fields:
            query_type.fields["_entities"].resolve = self._resolve_entities
        query_type.fields["_service"].resolve = lambda *_: {"sdl": self.sdl}

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Record and answer one GraphQL request.

        Args:
            query: the operation text.
            variables: the variable values.
            operation_name: the operation to run.

        Returns:
            The GraphQL response (``data`` and/or ``errors``); parse and validation errors are
            answered as a response with ``errors`` only, as a real subgraph does.
        """
        self.requests.append(RecordedRequest(query, variables, operation_name))
        try:
            document = parse(query)
        except GraphQLError as error:
            return {"errors": [error.formatted]}
        errors = validate(self.schema, document)
        if errors:
            return {"errors": [error.formatted for error in errors]}
        operation = get_operation_ast(document, operation_name)
        root_type = self.schema.query_type
        if operation is not None and operation.operation == OperationType.MUTATION:
            root_type = self.schema.mutation_type
        root = self.data.get(root_type.name, {}) if root_type else {}
        result = execute_sync(
            self.schema,
            document,
            root_value=root,
            variable_values=dict(variables) if variables is not None else None,
            operation_name=operation_name,
            field_resolver=self._resolve_field,
            type_resolver=_resolve_type,
        )
        assert isinstance(result, ExecutionResult)
        return dict(result.formatted)

    def _resolve_entities(
        self, _root: Any, _info: GraphQLResolveInfo[Any], representations: list[Any]
    ) -> list[Any]:
        return [self._entity(representation) for representation in representations]

    def _entity(self, representation: Any) -> Any:
        typename = representation.get("__typename") if isinstance(representation, dict) else None
        if not isinstance(typename, str):
            return GraphQLError("representation without __typename")
        keys = [tree for tree, resolvable in self.metadata.keys.get(typename, ()) if resolvable]
        if not keys:
            return GraphQLError(f"{typename} has no resolvable @key in subgraph {self.name}")
        usable = [tree for tree in keys if not _missing(representation, tree)]
        if not usable:
            missing = ", ".join(_missing(representation, keys[0]))
            return GraphQLError(f"representation of {typename} is missing @key field(s) {missing}")
        for record in self.data.get(typename) or ():
            if any(_project(record, key) == _project(representation, key) for key in usable):
                return {"__typename": typename, **record, _REPRESENTATION: representation}
        return None

    def _resolve_field(self, source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        if not isinstance(source, Mapping):
            return None
        type_name, field_name = info.parent_type.name, info.field_name
        coordinate = (type_name, field_name)
        provided: FieldSetTree = source.get(_PROVIDED) or {}
        if coordinate in self.metadata.external and not self._external_allowed(
            type_name, field_name, provided
        ):
            raise GraphQLError(f"external field {type_name}.{field_name} selected")
        required = self.metadata.requires.get(coordinate)
        if required is not None:
            representation = source.get(_REPRESENTATION)
            missing = _missing(representation, required) if representation else list(required)
            if missing:
                raise GraphQLError(
                    f"representation of {type_name} is missing @requires field(s) "
                    f"{', '.join(missing)} of {type_name}.{field_name}"
                )
        value = _by_args(source.get(field_name), info, args)
        child = _merge(provided.get(field_name) or {}, self.metadata.provides.get(coordinate) or {})
        return _tag(value, child) if child else value

    def _external_allowed(self, type_name: str, field_name: str, provided: FieldSetTree) -> bool:
        if field_name in provided:
            return True
        return any(field_name in tree for tree, _ in self.metadata.keys.get(type_name, ()))


def _resolve_type(
    value: Any, _info: GraphQLResolveInfo[Any], abstract_type: GraphQLAbstractType
) -> str:
    typename = value.get("__typename") if isinstance(value, Mapping) else None
    if isinstance(typename, str):
        return typename
    raise GraphQLError(f"a value of abstract type {abstract_type.name} has no __typename")


def _by_args(value: Any, info: GraphQLResolveInfo[Any], args: dict[str, Any]) -> Any:
    if not (isinstance(value, Mapping) and BY_ARGS in value):
        return value
    written = {node.name.value for node in info.field_nodes[0].arguments or ()}
    explicit = {name: arg for name, arg in args.items() if name in written}
    for entry in value[BY_ARGS]:
        expected = entry.get("args") or {}
        if expected in (explicit, args):
            return entry.get("value")
    return None


def _missing(value: Any, tree: FieldSetTree, prefix: str = "") -> list[str]:
    """Dotted paths of ``tree`` absent from ``value`` (lists checked item by item)."""
    if isinstance(value, list):
        return [path for item in value for path in _missing(item, tree, prefix)]
    if not isinstance(value, Mapping):
        return []
    missing: list[str] = []
    for name, sub in tree.items():
        if name == "__typename":
            continue
        if name not in value:
            missing.append(prefix + name)
        elif sub:
            missing.extend(_missing(value[name], sub, f"{prefix}{name}."))
    return missing


def _project(value: Any, tree: FieldSetTree) -> Any:
    if isinstance(value, list):
        return [_project(item, tree) for item in value]
    if not isinstance(value, Mapping) or not tree:
        return value
    return {
        name: _project(value.get(name), sub) for name, sub in tree.items() if name != "__typename"
    }


def _merge(left: FieldSetTree, right: FieldSetTree) -> FieldSetTree:
    if not right:
        return left
    merged = dict(left)
    for name, sub in right.items():
        merged[name] = _merge(merged.get(name) or {}, sub)
    return merged


def _tag(value: Any, provided: FieldSetTree) -> Any:
    if isinstance(value, list):
        return [_tag(item, provided) for item in value]
    if isinstance(value, Mapping) and BY_ARGS not in value:
        return {**value, _PROVIDED: provided}
    return value


def _build_schema(document: DocumentNode, metadata: SubgraphMetadata) -> GraphQLSchema:
    names, is_federation_2 = federation_names(document)
    directives = {
        node.name.value
        for node in document.definitions
        if isinstance(node, DirectiveDefinitionNode)
    }
    defined = {
        node.name.value for node in document.definitions if isinstance(node, TypeDefinitionNode)
    }
    extra: list[str] = []
    scalars = {name: names[name] for name in ("FieldSet", "Scope", "Policy", "ContextFieldValue")}
    for scalar in scalars.values():
        if scalar not in defined:
            extra.append(f"scalar {scalar}")
    for spec_name, signature in FEDERATION_DIRECTIVES.items():
        local = names[spec_name]
        if local not in directives:
            extra.append(f"directive @{local}{signature.format(**scalars)}")
    if is_federation_2 and "link" not in directives:
        extra.append(
            "directive @link(url: String, as: String, for: link__Purpose, "
            "import: [link__Import]) repeatable on SCHEMA"
        )
        extra.extend(
            text
            for name, text in (
                ("link__Import", "scalar link__Import"),
                ("link__Purpose", "enum link__Purpose { SECURITY EXECUTION }"),
            )
            if name not in defined
        )
    query_name = _root_name(document, OperationType.QUERY) or "Query"
    entities = [
        name
        for name in metadata.keys
        if any(
            isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
            and node.name.value == name
            for node in document.definitions
        )
    ]
    extra.append("scalar _Any\ntype _Service { sdl: String }")
    fields = "_service: _Service!"
    if entities:
        extra.append(f"union _Entity = {' | '.join(entities)}")
        fields += " _entities(representations: [_Any!]!): [_Entity]!"
    has_query = any(
        getattr(node, "name", None) is not None and node.name.value == query_name
        for node in document.definitions
        if isinstance(node, TypeDefinitionNode | TypeExtensionNode)
    )
    extra.append(f"{'extend ' if has_query else ''}type {query_name} {{ {fields} }}")
    extended = parse("\n".join(extra))
    definitions = [
        node
        for node in document.definitions
        if not (isinstance(node, SchemaExtensionNode) and not node.operation_types)
    ]
    all_nodes = [*definitions, *extended.definitions]
    known = {node.name.value for node in all_nodes if isinstance(node, TypeDefinitionNode)}
    stubs: list[Any] = []
    for node in all_nodes:
        if isinstance(node, TypeExtensionNode) and node.name.value not in known:
            known.add(node.name.value)
            stubs.append(_DEFINITION_OF[type(node)](name=NameNode(value=node.name.value)))
    schema_document = DocumentNode(definitions=(*stubs, *all_nodes))
    return build_ast_schema(schema_document)


def _root_name(document: DocumentNode, operation: OperationType) -> str | None:
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            for operation_type in node.operation_types or ():
                if operation_type.operation == operation:
                    return operation_type.type.name.value
    return None
