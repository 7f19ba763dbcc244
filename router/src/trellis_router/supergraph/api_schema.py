"""Derive the API schema from a supergraph document.

Spec: Apollo Federation "API schema": the supergraph without the link/join machinery, without
elements marked ``@inaccessible`` and without type-system directive applications other than the
built-in ones (``@deprecated``, ``@specifiedBy``, ``@oneOf``).
"""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
)

__all__ = ["build_api_schema"]

_KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})


def _inaccessible(node: Any) -> bool:
    return any(d.name.value == "inaccessible" for d in node.directives or ())


def _kept(directives: tuple[DirectiveNode, ...] | None) -> tuple[ConstDirectiveNode, ...]:
    return tuple(
        cast(ConstDirectiveNode, d) for d in directives or () if d.name.value in _KEPT_DIRECTIVES
    )


def _clean_args(args: Any) -> tuple[InputValueDefinitionNode, ...]:
    return tuple(
        InputValueDefinitionNode(
            name=arg.name,
            description=arg.description,
            type=arg.type,
            default_value=arg.default_value,
            directives=_kept(arg.directives),
        )
        for arg in args or ()
        if not _inaccessible(arg)
    )


def _clean_fields(fields: Any) -> tuple[FieldDefinitionNode, ...]:
    return tuple(
        FieldDefinitionNode(
            name=f.name,
            description=f.description,
            arguments=_clean_args(f.arguments),
            type=f.type,
            directives=_kept(f.directives),
        )
        for f in fields or ()
        if not _inaccessible(f)
    )


def _interfaces(interfaces: Any, removed: set[str]) -> tuple[NamedTypeNode, ...]:
    return tuple(i for i in interfaces or () if i.name.value not in removed)


def _clean_type(node: TypeDefinitionNode, removed: set[str]) -> TypeDefinitionNode:
    directives = _kept(node.directives)
    if isinstance(node, ObjectTypeDefinitionNode):
        return ObjectTypeDefinitionNode(
            name=node.name,
            description=node.description,
            interfaces=_interfaces(node.interfaces, removed),
            directives=directives,
            fields=_clean_fields(node.fields),
        )
    if isinstance(node, InterfaceTypeDefinitionNode):
        return InterfaceTypeDefinitionNode(
            name=node.name,
            description=node.description,
            interfaces=_interfaces(node.interfaces, removed),
            directives=directives,
            fields=_clean_fields(node.fields),
        )
    if isinstance(node, UnionTypeDefinitionNode):
        return UnionTypeDefinitionNode(
            name=node.name,
            description=node.description,
            directives=directives,
            types=tuple(t for t in node.types or () if t.name.value not in removed),
        )
    if isinstance(node, EnumTypeDefinitionNode):
        return EnumTypeDefinitionNode(
            name=node.name,
            description=node.description,
            directives=directives,
            values=tuple(
                type(v)(name=v.name, description=v.description, directives=_kept(v.directives))
                for v in node.values or ()
                if not _inaccessible(v)
            ),
        )
    if isinstance(node, InputObjectTypeDefinitionNode):
        return InputObjectTypeDefinitionNode(
            name=node.name,
            description=node.description,
            directives=directives,
            fields=_clean_args(node.fields),
        )
    return type(node)(name=node.name, description=node.description, directives=directives)


def build_api_schema(document: DocumentNode, join_prefix: str = "join") -> GraphQLSchema:
    """Build the API schema from a supergraph document.

    Args:
        document: the parsed supergraph SDL.
        join_prefix: the join spec's prefix (``join`` unless linked with ``as:``).

    Returns:
        The client-facing schema, used for validation and introspection.

    Spec: Apollo Federation, "API schema" (``@inaccessible`` v0.2 removes elements).
    """
    machinery = (f"{join_prefix}__", "link__")
    removed = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode)
        and (d.name.value.startswith(machinery) or _inaccessible(d))
    }
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
            # Executable directive definitions survive; type-system machinery does not.
            if definition.name.value in ("link",) or definition.name.value.startswith(machinery):
                continue
            if any(loc.value in _EXECUTABLE_LOCATIONS for loc in definition.locations):
                definitions.append(definition)
        elif isinstance(definition, TypeDefinitionNode):
            if definition.name.value in removed:
                continue
            definitions.append(_clean_type(definition, removed))
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid_sdl=True)


_EXECUTABLE_LOCATIONS = frozenset(
    {
        "QUERY",
        "MUTATION",
        "SUBSCRIPTION",
        "FIELD",
        "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION",
    }
)
