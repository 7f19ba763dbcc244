"""Load a supergraph SDL into a :class:`~trellis_router.supergraph.model.Supergraph`.

Spec: Apollo "link" v1.0 and "join" v0.2-v0.5; Apollo Federation "Supergraph schema".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SelectionSetNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    print_ast,
    value_from_ast_untyped,
)

from ..spec.join import JOIN_IDENTITY, SUPPORTED_JOIN_VERSIONS
from ..spec.link import LINK_IDENTITY, LinkedFeature, parse_link_directive
from .api_schema import build_api_schema
from .errors import SupergraphError
from .model import (
    EntityKey,
    FieldInGraph,
    FieldMetadata,
    SubgraphInfo,
    Supergraph,
    TypeInGraph,
    TypeKind,
    TypeMetadata,
)

__all__ = ["load_supergraph", "parse_field_set"]

KNOWN_FEATURES = frozenset(
    {
        LINK_IDENTITY,
        JOIN_IDENTITY,
        "https://specs.apollo.dev/tag",
        "https://specs.apollo.dev/inaccessible",
        "https://specs.apollo.dev/authenticated",
        "https://specs.apollo.dev/requiresScopes",
        "https://specs.apollo.dev/policy",
        "https://specs.apollo.dev/context",
        "https://specs.apollo.dev/cost",
    }
)
"""Features whose meaning this router knows; other ``for: SECURITY|EXECUTION`` links are refused."""

_KIND_BY_NODE: dict[type[TypeDefinitionNode], TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    UnionTypeDefinitionNode: "union",
    EnumTypeDefinitionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
}


def parse_field_set(fields: str) -> SelectionSetNode:
    """Parse a ``join__FieldSet`` / ``FieldSet`` string into a selection set.

    Args:
        fields: e.g. ``"id"`` or ``"id owner { id }"``.

    Returns:
        The selection set AST.

    Raises:
        SupergraphError: the string is not a selection set.
    """
    try:
        document = parse("{" + fields + "}", no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"invalid field set {fields!r}: {error.message}") from error
    operation = document.definitions[0]
    return operation.selection_set  # type: ignore[attr-defined, no-any-return]


def _args(node: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}


def _links(document: DocumentNode) -> list[LinkedFeature]:
    links: list[LinkedFeature] = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            for directive in definition.directives or ():
                if directive.name.value == "link":
                    feature = parse_link_directive(directive)
                    if feature is not None:
                        links.append(feature)
    return links


def _root_types(document: DocumentNode) -> dict[str, str]:
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            return {op.operation.value: op.type.name.value for op in definition.operation_types}
    names = {d.name.value for d in document.definitions if isinstance(d, ObjectTypeDefinitionNode)}
    return {
        kind: name
        for kind, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        )
        if name in names
    }


def _check_links(links: list[LinkedFeature]) -> tuple[LinkedFeature, tuple[int, int]]:
    join = next((f for f in links if f.url.identity == JOIN_IDENTITY), None)
    if join is None:
        raise SupergraphError("not a supergraph: the schema has no @link to the join spec")
    if join.url.version not in SUPPORTED_JOIN_VERSIONS:
        raise SupergraphError(
            f"unsupported join spec version v{join.url.major}.{join.url.minor} "
            "(supported: v0.2 to v0.5)"
        )
    for feature in links:
        if feature.purpose in ("SECURITY", "EXECUTION") and feature.url.identity not in (
            KNOWN_FEATURES
        ):
            raise SupergraphError(
                f"the supergraph links {feature.url.identity} for {feature.purpose}, "
                "which this router does not implement"
            )
    return join, join.url.version


def _graphs(document: DocumentNode, prefix: str) -> tuple[dict[str, SubgraphInfo], dict[str, str]]:
    graph_directive = f"{prefix}__graph"
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == (
            f"{prefix}__Graph"
        ):
            subgraphs: dict[str, SubgraphInfo] = {}
            by_enum: dict[str, str] = {}
            for value in definition.values or ():
                for directive in value.directives or ():
                    if directive.name.value == graph_directive:
                        args = _args(directive)
                        name = str(args["name"])
                        subgraphs[name] = SubgraphInfo(
                            name=name, enum_value=value.name.value, url=str(args.get("url") or "")
                        )
                        by_enum[value.name.value] = name
            return subgraphs, by_enum
    raise SupergraphError(f"not a supergraph: enum {prefix}__Graph is missing")


def _directives(node: TypeDefinitionNode | Any, name: str) -> Iterable[dict[str, Any]]:
    for directive in node.directives or ():
        if directive.name.value == name:
            yield _args(directive)


def _type_metadata(
    node: TypeDefinitionNode, kind: TypeKind, prefix: str, by_enum: dict[str, str]
) -> TypeMetadata:
    meta = TypeMetadata(name=node.name.value, kind=kind)
    keys: dict[str, list[EntityKey]] = {}
    flags: dict[str, tuple[bool, bool]] = {}
    for args in _directives(node, f"{prefix}__type"):
        graph = by_enum[str(args["graph"])]
        keys.setdefault(graph, [])
        extension = bool(args.get("extension", False))
        interface_object = bool(args.get("isInterfaceObject", False))
        previous = flags.get(graph, (False, False))
        flags[graph] = (previous[0] or extension, previous[1] or interface_object)
        key = args.get("key")
        if key is not None:
            keys[graph].append(
                EntityKey(
                    graph=graph,
                    fields=str(key),
                    selection=parse_field_set(str(key)),
                    resolvable=bool(args.get("resolvable", True)),
                )
            )
    for graph, graph_keys in keys.items():
        extension, interface_object = flags[graph]
        meta.graphs[graph] = TypeInGraph(
            graph=graph,
            keys=tuple(graph_keys),
            extension=extension,
            is_interface_object=interface_object,
        )
    implements: dict[str, set[str]] = {}
    for args in _directives(node, f"{prefix}__implements"):
        implements.setdefault(by_enum[str(args["graph"])], set()).add(str(args["interface"]))
    meta.implements = {graph: frozenset(names) for graph, names in implements.items()}
    members: dict[str, set[str]] = {}
    for args in _directives(node, f"{prefix}__unionMember"):
        members.setdefault(by_enum[str(args["graph"])], set()).add(str(args["member"]))
    meta.union_members = {graph: frozenset(names) for graph, names in members.items()}
    if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        for field_node in node.fields or ():
            meta.fields[field_node.name.value] = _field_metadata(meta, field_node, prefix, by_enum)
    return meta


def _field_metadata(
    meta: TypeMetadata, field_node: Any, prefix: str, by_enum: dict[str, str]
) -> FieldMetadata:
    join_fields: dict[str, FieldInGraph] = {}
    for args in _directives(field_node, f"{prefix}__field"):
        graph_value = args.get("graph")
        if graph_value is None:
            continue
        graph = by_enum[str(graph_value)]
        join_fields[graph] = FieldInGraph(
            graph=graph,
            external=bool(args.get("external") or False),
            requires=args.get("requires"),
            provides=args.get("provides"),
            type=args.get("type"),
            override=args.get("override"),
            override_label=args.get("overrideLabel"),
            used_overridden=bool(args.get("usedOverridden") or False),
        )
    if join_fields:
        resolvable = frozenset(
            graph for graph, jf in join_fields.items() if not jf.external and not jf.used_overridden
        )
    else:
        resolvable = frozenset(meta.graphs)
    return FieldMetadata(
        parent=meta.name,
        name=field_node.name.value,
        join_fields=join_fields,
        resolvable_in=resolvable,
    )


def load_supergraph(sdl: str) -> Supergraph:
    """Load a Federation 2 supergraph SDL as Apollo's composition writes it.

    Args:
        sdl: the supergraph SDL text.

    Returns:
        The supergraph model with its API schema.

    Raises:
        SupergraphError: the SDL does not parse, does not link join v0.2-v0.5, or links a
            ``SECURITY``/``EXECUTION`` feature this router does not implement.

    Spec: Apollo "join" v0.2-v0.5; "link" v1.0 (``for:`` purposes).
    """
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"the supergraph does not parse: {error.message}") from error
    join, join_version = _check_links(_links(document))
    prefix = join.prefix
    subgraphs, by_enum = _graphs(document, prefix)
    types: dict[str, TypeMetadata] = {}
    for definition in document.definitions:
        kind = _KIND_BY_NODE.get(type(definition))  # type: ignore[arg-type]
        if kind is None:
            continue
        node: TypeDefinitionNode = definition  # type: ignore[assignment]
        name = node.name.value
        if name.startswith((f"{prefix}__", "link__")):
            continue
        types[name] = _type_metadata(node, kind, prefix, by_enum)
    try:
        schema = build_ast_schema(document, assume_valid=True, assume_valid_sdl=True)
        api_schema = build_api_schema(document, prefix)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"the supergraph is not a valid schema: {error}") from error
    return Supergraph(
        sdl=sdl,
        schema_hash=hashlib.sha256(sdl.encode()).hexdigest(),
        schema=schema,
        api_schema=api_schema,
        subgraphs=subgraphs,
        types=types,
        root_types=_root_types(document),
        join_version=join_version,
    )


def print_field_set(selection: SelectionSetNode) -> str:
    """Print a field set back to text (without the outer braces)."""
    return print_ast(selection).strip()[1:-1].strip()
