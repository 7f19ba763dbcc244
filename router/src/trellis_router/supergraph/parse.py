"""Load a supergraph SDL into a :class:`~trellis_router.supergraph.model.Supergraph`.

Stages: read and check the links, read ``join__Graph``, read each type's join metadata, then
resolve what needs every type (interface objects, union members, possible types), then build
the schemas.

Spec: Apollo "link" v1.0 and "join" v0.2-v0.5; Apollo Federation "Supergraph schema".
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    value_from_ast_untyped,
)

from ..spec.features import CONTEXT_IDENTITY, INACCESSIBLE_IDENTITY
from ..spec.link import LinkedFeature
from .api_schema import build_api_schema
from .errors import SupergraphError
from .field_set import parse_field_set, print_field_set
from .links import check_links, read_links
from .model import (
    ContextArgument,
    EntityKey,
    FieldInGraph,
    FieldMetadata,
    JoinDirective,
    OverrideCondition,
    SubgraphInfo,
    Supergraph,
    TypeInGraph,
    TypeKind,
    TypeMetadata,
)
from .possible_types import compute_possible_types, infer_union_members

__all__ = ["load_supergraph", "parse_field_set", "print_field_set"]

_KIND_BY_NODE: dict[type[TypeDefinitionNode], TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    UnionTypeDefinitionNode: "union",
    EnumTypeDefinitionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
}


@dataclass(frozen=True, slots=True)
class _Names:
    """Directive names as this supergraph spells them (``as:``/``import:`` applied)."""

    graph: str
    type: str
    field: str
    implements: str
    union_member: str
    directive: str
    graph_enum: str
    context: str | None
    inaccessible: str

    @classmethod
    def of(cls, join: LinkedFeature, features: tuple[LinkedFeature, ...]) -> _Names:
        context = next((f for f in features if f.url.identity == CONTEXT_IDENTITY), None)
        inaccessible = next((f for f in features if f.url.identity == INACCESSIBLE_IDENTITY), None)
        return cls(
            graph=join.directive_name("graph"),
            type=join.directive_name("type"),
            field=join.directive_name("field"),
            implements=join.directive_name("implements"),
            union_member=join.directive_name("unionMember"),
            directive=join.directive_name("directive"),
            graph_enum=f"{join.prefix}__Graph",
            context=context.directive_name("context") if context is not None else None,
            inaccessible=(
                inaccessible.directive_name("inaccessible")
                if inaccessible is not None
                else "inaccessible"
            ),
        )


def _args(node: ConstDirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}


def _directives(node: Any, name: str) -> Iterable[dict[str, Any]]:
    for directive in node.directives or ():
        if directive.name.value == name:
            yield _args(directive)


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


def _graphs(
    document: DocumentNode, names: _Names
) -> tuple[dict[str, SubgraphInfo], dict[str, str]]:
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and (
            definition.name.value == names.graph_enum
        ):
            subgraphs: dict[str, SubgraphInfo] = {}
            by_enum: dict[str, str] = {}
            for value in definition.values or ():
                for args in _directives(value, names.graph):
                    name = str(args["name"])
                    subgraphs[name] = SubgraphInfo(
                        name=name, enum_value=value.name.value, url=str(args.get("url") or "")
                    )
                    by_enum[value.name.value] = name
            return subgraphs, by_enum
    raise SupergraphError(f"not a supergraph: enum {names.graph_enum} is missing")


class _Reader:
    """Reads the join metadata of each type (first pass: one type at a time)."""

    def __init__(self, names: _Names, by_enum: dict[str, str]) -> None:
        self.names = names
        self.by_enum = by_enum

    def graph(self, value: Any, where: str) -> str:
        graph = self.by_enum.get(str(value))
        if graph is None:
            raise SupergraphError(
                f"{where}: graph {value!r} is not a {self.names.graph_enum} value"
            )
        return graph

    def join_directives(self, node: Any, where: str) -> dict[str, tuple[JoinDirective, ...]]:
        by_graph: dict[str, list[JoinDirective]] = {}
        for args in _directives(node, self.names.directive):
            graphs = tuple(self.graph(g, where) for g in args.get("graphs") or ())
            raw = args.get("args")
            applied = JoinDirective(
                name=str(args["name"]),
                graphs=graphs,
                args=dict(raw) if isinstance(raw, Mapping) else {},
            )
            for graph in graphs:
                by_graph.setdefault(graph, []).append(applied)
        return {graph: tuple(items) for graph, items in by_graph.items()}

    def type_metadata(self, node: TypeDefinitionNode, kind: TypeKind) -> TypeMetadata:
        name = node.name.value
        meta = TypeMetadata(name=name, kind=kind)
        keys: dict[str, list[EntityKey]] = {}
        flags: dict[str, tuple[bool, bool]] = {}
        for args in _directives(node, self.names.type):
            graph = self.graph(args.get("graph"), name)
            keys.setdefault(graph, [])
            previous = flags.get(graph, (False, False))
            flags[graph] = (
                previous[0] or bool(args.get("extension") or False),
                previous[1] or bool(args.get("isInterfaceObject") or False),
            )
            key = args.get("key")
            if key is not None:
                keys[graph].append(
                    EntityKey(
                        graph=graph,
                        fields=str(key),
                        selection=parse_field_set(str(key)),
                        resolvable=args.get("resolvable") is not False,
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
        meta.interface_object_graphs = frozenset(
            graph for graph, (_, interface_object) in flags.items() if interface_object
        )
        meta.implements = self._per_graph(node, self.names.implements, "interface", name)
        meta.union_members = self._per_graph(node, self.names.union_member, "member", name)
        if self.names.context is not None:
            meta.contexts = tuple(
                str(args["name"]) for args in _directives(node, self.names.context)
            )
        meta.directives_by_graph = self.join_directives(node, name)
        if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            for field_node in node.fields or ():
                meta.fields[field_node.name.value] = self.field_metadata(meta, field_node)
        return meta

    def _per_graph(
        self, node: TypeDefinitionNode, directive: str, argument: str, where: str
    ) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for args in _directives(node, directive):
            found.setdefault(self.graph(args.get("graph"), where), set()).add(str(args[argument]))
        return {graph: frozenset(names) for graph, names in found.items()}

    def field_metadata(self, meta: TypeMetadata, field_node: FieldDefinitionNode) -> FieldMetadata:
        where = f"{meta.name}.{field_node.name.value}"
        join_fields: dict[str, FieldInGraph] = {}
        written = False
        for args in _directives(field_node, self.names.field):
            written = True
            if args.get("graph") is None:
                continue  # added by an @interfaceObject graph: resolved in the second pass
            graph = self.graph(args["graph"], where)
            join_fields[graph] = FieldInGraph(
                graph=graph,
                external=bool(args.get("external") or False),
                requires=args.get("requires"),
                provides=args.get("provides"),
                type=args.get("type"),
                override=args.get("override"),
                override_label=args.get("overrideLabel"),
                used_overridden=bool(args.get("usedOverridden") or False),
                context_arguments=tuple(
                    ContextArgument(
                        name=str(item["name"]),
                        type=str(item["type"]),
                        context=str(item["context"]),
                        selection=str(item["selection"]),
                    )
                    for item in args.get("contextArguments") or ()
                ),
            )
        conditions: dict[str, OverrideCondition] = {}
        for graph, join_field in join_fields.items():
            condition = join_field.override_condition
            if condition is not None and not join_field.external:
                conditions[graph] = condition
        if not written:
            resolvable = frozenset(meta.graphs)
        else:
            resolvable = frozenset(
                graph
                for graph, jf in join_fields.items()
                if not jf.external
                and (
                    conditions[graph].active is False
                    if graph in conditions
                    else not jf.used_overridden
                )
            )
        return FieldMetadata(
            parent=meta.name,
            name=field_node.name.value,
            join_fields=join_fields,
            resolvable_in=resolvable,
            override_conditions=conditions,
            directives_by_graph=self.join_directives(field_node, where),
        )


def _bare_join_fields(document: DocumentNode, names: _Names) -> set[tuple[str, str]]:
    """``(type, field)`` pairs carrying a ``@join__field`` without ``graph``."""
    found: set[tuple[str, str]] = set()
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            for field_node in definition.fields or ():
                if any(args.get("graph") is None for args in _directives(field_node, names.field)):
                    found.add((definition.name.value, field_node.name.value))
    return found


def _resolve_interface_object_fields(
    types: dict[str, TypeMetadata], document: DocumentNode, names: _Names
) -> None:
    """Give fields added to implementations by ``@interfaceObject`` graphs their graphs.

    Spec: Apollo composition ``addMissingInterfaceObjectFieldsToImplementations``: such a field
    gets ``@join__field`` with no ``graph``; it resolves, through the interface, in each graph
    modelling one of the type's interfaces as ``@interfaceObject`` and resolving that field.
    """
    interfaces_of: dict[str, tuple[str, ...]] = {
        d.name.value: tuple(i.name.value for i in d.interfaces or ())
        for d in document.definitions
        if isinstance(d, ObjectTypeDefinitionNode)
    }
    for type_name, field_name in _bare_join_fields(document, names):
        meta = types[type_name]
        via: set[str] = set()
        for interface in interfaces_of.get(type_name, ()):
            interface_meta = types.get(interface)
            if interface_meta is None:
                continue
            interface_field = interface_meta.fields.get(field_name)
            if interface_field is not None:
                via |= interface_field.resolvable_in & interface_meta.interface_object_graphs
        current = meta.fields[field_name]
        meta.fields[field_name] = dataclasses.replace(
            current,
            resolvable_in=current.resolvable_in | via,
            via_interface_object=frozenset(via),
        )


def _schema_join_directives(
    document: DocumentNode, reader: _Reader
) -> dict[str, tuple[JoinDirective, ...]]:
    found: dict[str, tuple[JoinDirective, ...]] = {}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            for graph, items in reader.join_directives(definition, "schema").items():
                found[graph] = found.get(graph, ()) + items
    return found


def _context_argument_names(types: dict[str, TypeMetadata]) -> frozenset[tuple[str, str, str]]:
    return frozenset(
        (meta.name, field_meta.name, argument.name)
        for meta in types.values()
        for field_meta in meta.fields.values()
        for join_field in field_meta.join_fields.values()
        for argument in join_field.context_arguments
    )


def load_supergraph(sdl: str) -> Supergraph:
    """Load a Federation 2 supergraph SDL as Apollo's composition writes it.

    Args:
        sdl: the supergraph SDL text.

    Returns:
        The supergraph model with its API schema.

    Raises:
        SupergraphError: the SDL does not parse; it is a Federation 1 supergraph (``@core``,
            join v0.1); it does not link link v1.0 and join v0.2-v0.5; it links a
            ``SECURITY``/``EXECUTION`` feature this router does not implement; or its join
            metadata names an unknown graph.

    Spec: Apollo "join" v0.2-v0.5; "link" v1.0 (``for:`` purposes).
    """
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"the supergraph does not parse: {error.message}") from error
    links = check_links(read_links(document))
    names = _Names.of(links.join, links.features)
    subgraphs, by_enum = _graphs(document, names)
    reader = _Reader(names, by_enum)
    types: dict[str, TypeMetadata] = {}
    for definition in document.definitions:
        kind = _KIND_BY_NODE.get(type(definition))  # type: ignore[arg-type]
        if kind is None:
            continue
        node: TypeDefinitionNode = definition  # type: ignore[assignment]
        if any(feature.owns_type(node.name.value) for feature in links.features):
            continue
        types[node.name.value] = reader.type_metadata(node, kind)
    _resolve_interface_object_fields(types, document, names)
    try:
        schema = build_ast_schema(document, assume_valid=True, assume_valid_sdl=True)
        api_schema = build_api_schema(
            document,
            links.join.prefix,
            features=links.features,
            inaccessible=names.inaccessible,
            hidden_arguments=_context_argument_names(types),
        )
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"the supergraph is not a valid schema: {error}") from error
    infer_union_members(types, schema)
    return Supergraph(
        sdl=sdl,
        schema_hash=hashlib.sha256(sdl.encode()).hexdigest(),
        schema=schema,
        api_schema=api_schema,
        subgraphs=subgraphs,
        types=types,
        root_types=_root_types(document),
        join_version=links.join.url.version,
        possible_types=compute_possible_types(types),
        override_labels=frozenset(
            join_field.override_label
            for meta in types.values()
            for field_meta in meta.fields.values()
            for join_field in field_meta.join_fields.values()
            if join_field.override_label is not None
        ),
        directives_by_graph=_schema_join_directives(document, reader),
        features={f.url.identity: f.url.version for f in links.features},
    )
