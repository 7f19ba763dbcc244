"""Derive the API schema from a supergraph document.

Spec: Apollo Federation "API schema" (``Schema.toAPISchema``): remove every element marked
``@inaccessible`` (types, fields, arguments, enum values, input fields; removing a type also
removes it from union members and ``implements`` lists), then remove every element of every
linked feature (``link``, ``join``, ``inaccessible``, ``tag``, auth, ``cost``, ``context``, ...):
their directive definitions, their applications and their types. Custom ``@defer``/``@stream``
definitions are dropped. Built-in directives (``@deprecated``, ``@specifiedBy``, ``@oneOf``) and
descriptions stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
)

from ..spec.link import LinkedFeature

__all__ = ["build_api_schema"]

_BUILT_IN_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf", "skip", "include"})
_DROPPED_IF_CUSTOM = frozenset({"defer", "stream"})


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


@dataclass(frozen=True, slots=True)
class _Cleaner:
    """Rebuilds definitions without inaccessible elements and feature directive applications."""

    inaccessible: str
    removed_types: frozenset[str]
    is_feature_directive: Callable[[str], bool]
    hidden_arguments: frozenset[tuple[str, str, str]]

    def hidden(self, node: Any) -> bool:
        return any(d.name.value == self.inaccessible for d in node.directives or ())

    def directives(self, node: Any) -> tuple[ConstDirectiveNode, ...]:
        return tuple(
            d
            for d in node.directives or ()
            if d.name.value in _BUILT_IN_DIRECTIVES or not self.is_feature_directive(d.name.value)
        )

    def input_values(self, values: Any, hidden: Callable[[str], bool] = lambda _: False) -> Any:
        return tuple(
            InputValueDefinitionNode(
                name=value.name,
                description=value.description,
                type=value.type,
                default_value=value.default_value,
                directives=self.directives(value),
            )
            for value in values or ()
            if not self.hidden(value)
            and not hidden(value.name.value)
            and _named(value.type) not in self.removed_types
        )

    def fields(self, parent: str, fields: Any) -> tuple[FieldDefinitionNode, ...]:
        def hidden_argument(field_name: str) -> Callable[[str], bool]:
            return lambda arg: (parent, field_name, arg) in self.hidden_arguments

        return tuple(
            FieldDefinitionNode(
                name=f.name,
                description=f.description,
                arguments=self.input_values(f.arguments, hidden_argument(f.name.value)),
                type=f.type,
                directives=self.directives(f),
            )
            for f in fields or ()
            if not self.hidden(f) and _named(f.type) not in self.removed_types
        )

    def named_types(self, types: Any) -> tuple[NamedTypeNode, ...]:
        return tuple(t for t in types or () if t.name.value not in self.removed_types)

    def type_definition(self, node: TypeDefinitionNode) -> TypeDefinitionNode:
        directives = self.directives(node)
        name = node.name.value
        if isinstance(node, ObjectTypeDefinitionNode):
            return ObjectTypeDefinitionNode(
                name=node.name,
                description=node.description,
                interfaces=self.named_types(node.interfaces),
                directives=directives,
                fields=self.fields(name, node.fields),
            )
        if isinstance(node, InterfaceTypeDefinitionNode):
            return InterfaceTypeDefinitionNode(
                name=node.name,
                description=node.description,
                interfaces=self.named_types(node.interfaces),
                directives=directives,
                fields=self.fields(name, node.fields),
            )
        if isinstance(node, UnionTypeDefinitionNode):
            return UnionTypeDefinitionNode(
                name=node.name,
                description=node.description,
                directives=directives,
                types=self.named_types(node.types),
            )
        if isinstance(node, EnumTypeDefinitionNode):
            return EnumTypeDefinitionNode(
                name=node.name,
                description=node.description,
                directives=directives,
                values=tuple(
                    EnumValueDefinitionNode(
                        name=v.name, description=v.description, directives=self.directives(v)
                    )
                    for v in node.values or ()
                    if not self.hidden(v)
                ),
            )
        if isinstance(node, InputObjectTypeDefinitionNode):
            return InputObjectTypeDefinitionNode(
                name=node.name,
                description=node.description,
                directives=directives,
                fields=self.input_values(node.fields),
            )
        return type(node)(name=node.name, description=node.description, directives=directives)


def build_api_schema(
    document: DocumentNode,
    join_prefix: str = "join",
    *,
    features: tuple[LinkedFeature, ...] = (),
    inaccessible: str = "inaccessible",
    hidden_arguments: frozenset[tuple[str, str, str]] = frozenset(),
) -> GraphQLSchema:
    """Build the API schema from a supergraph document.

    Args:
        document: the parsed supergraph SDL.
        join_prefix: the join spec's prefix (``join`` unless linked with ``as:``); used when
            ``features`` is empty.
        features: the supergraph's linked features; their elements are removed.
        inaccessible: the name of the ``@inaccessible`` directive in this supergraph.
        hidden_arguments: ``(type, field, argument)`` triples to hide, e.g. ``@fromContext``
            arguments (composition already leaves them out of the supergraph).

    Returns:
        The client-facing schema, used for validation and introspection.

    Spec: Apollo Federation "API schema"; "inaccessible" v0.2 (removes elements); "link" v1.0
    (feature elements are not part of the API).
    """

    def is_feature_directive(name: str) -> bool:
        if not features:
            return name in ("link", inaccessible) or name.startswith(f"{join_prefix}__")
        return any(feature.owns_directive(name) for feature in features)

    def is_feature_type(name: str) -> bool:
        if not features:
            return name.startswith((f"{join_prefix}__", "link__"))
        return any(feature.owns_type(name) for feature in features)

    cleaner = _Cleaner(
        inaccessible=inaccessible,
        removed_types=frozenset(),
        is_feature_directive=is_feature_directive,
        hidden_arguments=hidden_arguments,
    )
    removed = frozenset(
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode)
        and (is_feature_type(d.name.value) or cleaner.hidden(d))
    )
    cleaner = _Cleaner(
        inaccessible=inaccessible,
        removed_types=removed,
        is_feature_directive=is_feature_directive,
        hidden_arguments=hidden_arguments,
    )
    definitions: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            definitions.append(
                SchemaDefinitionNode(
                    description=definition.description,
                    directives=(),
                    operation_types=definition.operation_types,
                )
            )
        elif isinstance(definition, DirectiveDefinitionNode):
            name = definition.name.value
            if is_feature_directive(name) or name in _DROPPED_IF_CUSTOM:
                continue
            definitions.append(definition)
        elif isinstance(definition, TypeDefinitionNode):
            if definition.name.value in removed:
                continue
            definitions.append(cleaner.type_definition(definition))
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid_sdl=True)
