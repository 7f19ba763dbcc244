"""Pass: alias same-named fields whose types differ in the subgraph, inside one fetch.

Two fields with one response key under different type conditions (``... on A { value }`` and
``... on B { value }``) must have the same response shape in the operation sent to a subgraph
(GraphQL §5.3.2). The supergraph may merge them (e.g. ``String`` and ``String!``), a subgraph
may not: the planner then renames every occurrence whose subgraph type differs from the first
one to ``<name>__alias_<n>`` and adds an output rewrite (``KeyRenamer``) that puts the client's
response key back before the data is merged.

Spec: GraphQL (October 2021) §5.3.2 "Field Selection Merging" (SameResponseShape); Apollo query
planner ``outputRewrites``.
"""

from __future__ import annotations

from graphql import GraphQLNamedType, GraphQLSchema, get_named_type

from ..supergraph import Supergraph
from .plan import KeyRenamer
from .selection import SelectionSet, SubgraphField, SubgraphFragment

__all__ = ["alias_conflicting_fields"]


def _subgraph_type(supergraph: Supergraph, parent: str, field: str, graph: str) -> str | None:
    meta = supergraph.types.get(parent)
    field_meta = meta.fields.get(field) if meta else None
    if field_meta is None:
        return None
    join_field = field_meta.join_fields.get(graph)
    if join_field is not None and join_field.type:
        return join_field.type
    parent_type = supergraph.schema.get_type(parent)
    definition = getattr(parent_type, "fields", {}).get(field)
    return str(definition.type) if definition is not None else None


class _Aliaser:
    def __init__(self, supergraph: Supergraph, graph: str) -> None:
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.schema
        self.graph = graph
        self.counter = 0
        self.rewrites: list[KeyRenamer] = []

    def visit(self, selections: SelectionSet, parent: str, path: tuple[str, ...]) -> None:
        # Occurrences of each response key across this level and its inline fragments.
        seen: dict[str, str | None] = {}
        self._level(selections, parent, path, seen)

    def _level(
        self,
        selections: SelectionSet,
        parent: str,
        path: tuple[str, ...],
        seen: dict[str, str | None],
    ) -> None:
        for item in list(selections.items.values()):
            if isinstance(item, SubgraphFragment):
                condition = item.type_condition or parent
                step = (f"... on {condition}",) if item.type_condition else ()
                self._level(item.selections, condition, (*path, *step), seen)
                continue
            self._field(item, parent, path, seen)

    def _field(
        self,
        item: SubgraphField,
        parent: str,
        path: tuple[str, ...],
        seen: dict[str, str | None],
    ) -> None:
        key = item.response_key
        field_type = (
            "String!"
            if item.name == "__typename"
            else _subgraph_type(self.supergraph, parent, item.name, self.graph)
        )
        if key not in seen:
            seen[key] = field_type
        elif seen[key] != field_type:
            alias = f"{item.name}__alias_{self.counter}"
            self.counter += 1
            self.rewrites.append(KeyRenamer(path=(*path, alias), rename_key_to=key))
            item.alias = alias
            key = alias
        if item.selections is not None:
            named = self._named(parent, item.name)
            if named is not None:
                self.visit(item.selections, named.name, (*path, key))

    def _named(self, parent: str, field: str) -> GraphQLNamedType | None:
        parent_type = self.schema.get_type(parent)
        definition = getattr(parent_type, "fields", {}).get(field)
        return get_named_type(definition.type) if definition is not None else None


def alias_conflicting_fields(
    supergraph: Supergraph, graph: str, selections: SelectionSet, root_type: str | None
) -> tuple[KeyRenamer, ...]:
    """Alias fields of one fetch whose subgraph types conflict; return the output rewrites.

    Args:
        supergraph: the supergraph (subgraph field types come from ``@join__field(type:)``).
        graph: the fetch's subgraph.
        selections: the fetch's selection set (changed in place: aliases set).
        root_type: the root type of a root fetch; None for an entity fetch (its top level is
            ``... on T`` fragments).

    Returns:
        The ``KeyRenamer`` output rewrites, paths relative to the fetch's data (root fetch) or
        to each entity (entity fetch).
    """
    aliaser = _Aliaser(supergraph, graph)
    if root_type is not None:
        aliaser.visit(selections, root_type, ())
    else:
        for item in selections.items.values():
            if isinstance(item, SubgraphFragment) and item.type_condition:
                aliaser.visit(
                    item.selections, item.type_condition, (f"... on {item.type_condition}",)
                )
    return tuple(aliaser.rewrites)
