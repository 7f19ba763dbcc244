"""Per-subgraph possible types of abstract types.

Spec: Apollo "join" ``@join__implements`` (v0.2+) and ``@join__unionMember`` (v0.3+). A union
without any ``@join__unionMember`` (join v0.2) has, in each subgraph defining it, the members
that subgraph defines: what Apollo's ``extractSubgraphsFromSupergraph`` does.
"""

from __future__ import annotations

from graphql import GraphQLSchema, GraphQLUnionType

from .model import TypeMetadata

__all__ = ["compute_possible_types", "infer_union_members"]


def infer_union_members(types: dict[str, TypeMetadata], schema: GraphQLSchema) -> None:
    """Fill ``union_members`` of unions that carry no ``@join__unionMember`` (join v0.2).

    Args:
        types: join metadata by type name; unions are updated in place.
        schema: the supergraph schema (for the supergraph union members).

    Spec: Apollo federation-internals ``extractUnionTypeContent``: without applications, each
    subgraph of the union gets the supergraph members that subgraph defines.
    """
    for meta in types.values():
        if meta.kind != "union" or meta.union_members:
            continue
        union = schema.get_type(meta.name)
        if not isinstance(union, GraphQLUnionType):
            continue
        members = [member.name for member in union.types]
        meta.union_members = {
            graph: frozenset(
                name for name in members if name in types and graph in types[name].graphs
            )
            for graph in meta.graphs
        }


def compute_possible_types(
    types: dict[str, TypeMetadata],
) -> dict[str, dict[str, frozenset[str]]]:
    """Compute, per abstract type and per subgraph, the object types that subgraph knows.

    Args:
        types: join metadata by type name (union members already inferred).

    Returns:
        ``{abstract type: {subgraph: object type names}}``; every subgraph defining the abstract
        type has an entry, empty where it models an interface as ``@interfaceObject``.
    """
    found: dict[str, dict[str, set[str]]] = {}
    for meta in types.values():
        if meta.kind in ("interface", "union"):
            found[meta.name] = {graph: set() for graph in meta.graphs}
    for meta in types.values():
        if meta.kind == "object":
            for graph, interfaces in meta.implements.items():
                for interface in interfaces:
                    found.setdefault(interface, {}).setdefault(graph, set()).add(meta.name)
        elif meta.kind == "union":
            for graph, members in meta.union_members.items():
                found[meta.name].setdefault(graph, set()).update(members)
    return {
        abstract: {graph: frozenset(names) for graph, names in by_graph.items()}
        for abstract, by_graph in found.items()
    }
