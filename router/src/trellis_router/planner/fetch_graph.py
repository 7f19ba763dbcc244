"""The fetch dependency graph: fetch groups built by walking the normalised operation.

Walk rules (Apollo Federation query planning, "query graph" edges):
- a field resolvable in the current group's subgraph is selected there (FieldCollection edge);
- otherwise the planner takes a key edge (KeyResolution) to a subgraph that resolves the field
  and has a resolvable ``@key`` whose fields the current subgraph can select: the current
  selection gets ``__typename`` and the key fields, and a child entity group at the current
  response path gets the field;
- a field with ``@requires`` in its subgraph is always fetched by an entity fetch whose
  representation carries the required fields, fetched first in the parent's context;
- ``@provides`` makes the provided ``@external`` fields local under the providing field;
- on an abstract type a non-local field is exploded into one inline fragment per possible type.

Spec: Apollo Federation 2 "query planning"; join v0.2-v0.5 semantics of ``@join__type(key,
resolvable)`` and ``@join__field(external, requires, provides)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)

from ..supergraph import EntityKey, Supergraph, parse_field_set
from .errors import PlanningError
from .normalize import (
    NormalizedField,
    NormalizedFragment,
    NormalizedOperation,
    NormalizedSelection,
    normalize_field_set,
)
from .selection import SelectionSet

__all__ = ["FetchDependencyGraph", "FetchGroup", "build_fetch_graph"]

Provided = dict[str, "Provided | None"]
"""A ``@provides`` field set as nested dicts: field name -> provided sub-fields (or None)."""


@dataclass(eq=False, slots=True)
class FetchGroup:
    """One future FetchNode.

    Attributes:
        index: creation order (stable tie-breaker).
        subgraph: the subgraph it fetches from.
        merge_path: response path of the objects it completes (``@`` = list items); empty for root.
        root_type: for a root fetch, the root type name; None for an entity fetch.
        selections: what it selects (for entity fetches: ``... on T`` fragments).
        inputs: for entity fetches, the representation selection (``... on T { __typename key }``).
        parent: the group whose results hold the objects at ``merge_path``.
        children: groups that read this group's results.
        depends_on: other groups (descendants of ``parent``) that must finish first (``@requires``).
    """

    index: int
    subgraph: str
    merge_path: tuple[str, ...]
    root_type: str | None
    selections: SelectionSet = field(default_factory=SelectionSet)
    inputs: SelectionSet = field(default_factory=SelectionSet)
    parent: FetchGroup | None = None
    children: list[FetchGroup] = field(default_factory=list)
    depends_on: list[FetchGroup] = field(default_factory=list)

    @property
    def is_entity_fetch(self) -> bool:
        """True for an ``_entities`` fetch."""
        return self.root_type is None


@dataclass(slots=True)
class FetchDependencyGraph:
    """All fetch groups of an operation; ``roots`` are the root fetches in execution order."""

    operation: NormalizedOperation
    roots: list[FetchGroup]
    groups: list[FetchGroup]


def _list_depth(output_type: GraphQLOutputType | None) -> int:
    depth = 0
    current = output_type
    while current is not None:
        if isinstance(current, GraphQLNonNull):
            current = current.of_type
        elif isinstance(current, GraphQLList):
            depth += 1
            current = current.of_type
        else:
            break
    return depth


def _provided_from(selection: SelectionSetNode) -> Provided:
    out: Provided = {}
    for node in selection.selections:
        name = getattr(node, "name", None)
        if name is None:
            continue
        sub = getattr(node, "selection_set", None)
        out[name.value] = _provided_from(sub) if sub is not None else None
    return out


class _Builder:
    def __init__(self, supergraph: Supergraph, operation: NormalizedOperation):
        self.supergraph = supergraph
        self.schema = supergraph.schema
        self.operation = operation
        self.groups: list[FetchGroup] = []
        self.children_by_key: dict[tuple[int, str, tuple[str, ...]], FetchGroup] = {}
        self.graph_order = {name: i for i, name in enumerate(supergraph.subgraphs)}

    # -- groups -----------------------------------------------------------------------------

    def new_group(
        self,
        subgraph: str,
        merge_path: tuple[str, ...],
        root_type: str | None,
        parent: FetchGroup | None,
    ) -> FetchGroup:
        group = FetchGroup(len(self.groups), subgraph, merge_path, root_type, parent=parent)
        self.groups.append(group)
        if parent is not None:
            parent.children.append(group)
        return group

    # -- resolvability ----------------------------------------------------------------------

    def _local(
        self, graph: str, type_name: str, field_name: str, provided: Provided | None
    ) -> bool:
        if provided is not None and field_name in provided:
            return True
        meta = self.supergraph.types.get(type_name)
        if meta is None:
            return False
        fmeta = meta.fields.get(field_name)
        if fmeta is None or graph not in fmeta.resolvable_in:
            return False
        join_field = fmeta.join_fields.get(graph)
        return join_field is None or join_field.requires is None

    def can_provide(
        self, graph: str, type_name: str, selection: SelectionSetNode, provided: Provided | None
    ) -> bool:
        """True when ``graph`` can select the field set ``selection`` on ``type_name``."""
        type_def = self.schema.get_type(type_name)
        fields = getattr(type_def, "fields", None)
        if fields is None:
            return False
        for node in selection.selections:
            name = getattr(node, "name", None)
            if name is None:
                return False
            if name.value == "__typename":
                continue
            if not self._local(graph, type_name, name.value, provided):
                return False
            sub = getattr(node, "selection_set", None)
            if sub is not None:
                child_type = get_named_type(fields[name.value].type).name
                child_provided = provided.get(name.value) if provided else None
                if not self.can_provide(graph, child_type, sub, child_provided):
                    return False
        return True

    def local_score(self, graph: str, type_name: str, selections: list[NormalizedSelection]) -> int:
        """How many of ``selections`` (recursively) ``graph`` resolves without a jump."""
        score = 0
        for sel in selections:
            if isinstance(sel, NormalizedFragment):
                cond = sel.type_condition or type_name
                score += self.local_score(graph, cond, sel.selections)
            elif sel.name == "__typename" or self._local(graph, type_name, sel.name, None):
                score += 1
                if sel.selections and sel.type is not None:
                    child = get_named_type(sel.type).name
                    score += self.local_score(graph, child, sel.selections)
        return score

    # -- walking ----------------------------------------------------------------------------

    def plan_selections(
        self,
        group: FetchGroup,
        type_name: str,
        selections: list[NormalizedSelection],
        target: SelectionSet,
        path: tuple[str, ...],
        provided: Provided | None,
        used: set[FetchGroup] | None = None,
    ) -> None:
        for sel in selections:
            if isinstance(sel, NormalizedFragment):
                self.plan_fragment(group, type_name, sel, target, path, provided, used)
            elif sel.name == "__typename":
                target.add_field("__typename", sel.alias, (), sel.directives)
            else:
                self.plan_field(group, type_name, sel, target, path, provided, used, selections)

    def plan_fragment(
        self,
        group: FetchGroup,
        type_name: str,
        fragment: NormalizedFragment,
        target: SelectionSet,
        path: tuple[str, ...],
        provided: Provided | None,
        used: set[FetchGroup] | None,
    ) -> None:
        condition = fragment.type_condition
        if condition is None or condition == type_name:
            sub = target.add_fragment(None, fragment.directives) if fragment.directives else None
            self.plan_selections(
                group,
                type_name,
                fragment.selections,
                sub.selections if sub else target,
                path,
                provided,
                used,
            )
            return
        if not self.supergraph.type_in_graph(condition, group.subgraph):
            # Objects of that type never come from this subgraph here.
            return
        sub = target.add_fragment(condition, fragment.directives)
        self.plan_selections(
            group, condition, fragment.selections, sub.selections, path, provided, used
        )

    def plan_field(
        self,
        group: FetchGroup,
        type_name: str,
        fld: NormalizedField,
        target: SelectionSet,
        path: tuple[str, ...],
        provided: Provided | None,
        used: set[FetchGroup] | None,
        siblings: list[NormalizedSelection],
    ) -> None:
        if self._local(group.subgraph, type_name, fld.name, provided):
            self.plan_local_field(group, type_name, fld, target, path, provided, used)
            return
        meta = self.supergraph.types.get(type_name)
        if (
            meta is not None
            and meta.kind in ("interface", "union")
            and not meta.resolvable_keys(group.subgraph)
        ):
            self.explode_abstract(group, type_name, fld, target, path, used, siblings)
            return
        child = self.entity_group_for(group, type_name, fld, target, path, provided, siblings)
        if used is not None:
            used.add(child)
        join_field = (
            self.supergraph.types[type_name].fields[fld.name].join_fields.get(child.subgraph)
        )
        fragment = child.selections.add_fragment(type_name)
        inputs = child.inputs.add_fragment(type_name).selections
        if join_field is not None and join_field.requires:
            self.plan_requires(group, child, type_name, join_field.requires, target, path, provided)
            inputs.prepend_fields(parse_field_set("__typename"))
            self._add_requires_inputs(inputs, join_field.requires)
        self.plan_local_field(child, type_name, fld, fragment.selections, path, None, None)

    def _add_requires_inputs(self, inputs: SelectionSet, requires: str) -> None:
        selection = parse_field_set(requires)
        for node in selection.selections:
            name = getattr(node, "name", None)
            if name is None:
                continue
            sub = getattr(node, "selection_set", None)
            item = inputs.add_field(name.value, composite=sub is not None)
            if sub is not None and item.selections is not None:
                item.selections.prepend_fields(sub)

    def plan_requires(
        self,
        group: FetchGroup,
        child: FetchGroup,
        type_name: str,
        requires: str,
        target: SelectionSet,
        path: tuple[str, ...],
        provided: Provided | None,
    ) -> None:
        type_def = self.schema.get_type(type_name)
        if type_def is None:
            raise PlanningError(f"unknown type {type_name!r} in @requires")
        required = normalize_field_set(self.schema, type_def, parse_field_set(requires))
        used: set[FetchGroup] = set()
        self.plan_selections(group, type_name, required, target, path, provided, used)
        for dependency in used:
            if dependency is not child and dependency not in child.depends_on:
                child.depends_on.append(dependency)

    def plan_local_field(
        self,
        group: FetchGroup,
        type_name: str,
        fld: NormalizedField,
        target: SelectionSet,
        path: tuple[str, ...],
        provided: Provided | None,
        used: set[FetchGroup] | None,
    ) -> None:
        composite = bool(fld.selections) and fld.type is not None
        item = target.add_field(
            fld.name, fld.alias, fld.arguments, fld.directives, composite=composite
        )
        if not composite or item.selections is None:
            return
        assert fld.type is not None
        child_type = get_named_type(fld.type)
        if is_abstract_type(child_type):
            item.selections.add_field("__typename")
        child_provided = provided.get(fld.name) if provided else None
        fmeta = self.supergraph.types.get(type_name)
        join_field = fmeta.fields[fld.name].join_fields.get(group.subgraph) if fmeta else None
        if join_field is not None and join_field.provides:
            child_provided = _provided_from(parse_field_set(join_field.provides))
        child_path = (*path, fld.response_key, *("@",) * _list_depth(fld.type))
        self.plan_selections(
            group,
            child_type.name,
            fld.selections,
            item.selections,
            child_path,
            child_provided,
            used,
        )

    def explode_abstract(
        self,
        group: FetchGroup,
        type_name: str,
        fld: NormalizedField,
        target: SelectionSet,
        path: tuple[str, ...],
        used: set[FetchGroup] | None,
        siblings: list[NormalizedSelection],
    ) -> None:
        abstract = self.schema.get_type(type_name)
        if abstract is None or not is_abstract_type(abstract):
            raise PlanningError(f"cannot plan {type_name}.{fld.name}")
        target.add_field("__typename", front=True)
        for possible in self.schema.get_possible_types(abstract):
            if not self.supergraph.type_in_graph(possible.name, group.subgraph):
                continue
            sub = target.add_fragment(possible.name)
            self.plan_field(group, possible.name, fld, sub.selections, path, None, used, siblings)

    def entity_group_for(
        self,
        group: FetchGroup,
        type_name: str,
        fld: NormalizedField,
        target: SelectionSet,
        path: tuple[str, ...],
        provided: Provided | None,
        siblings: list[NormalizedSelection],
    ) -> FetchGroup:
        meta = self.supergraph.types.get(type_name)
        fmeta = meta.fields.get(fld.name) if meta else None
        if meta is None or fmeta is None:
            raise PlanningError(f"unknown field {type_name}.{fld.name}")
        best: tuple[tuple[int, int, int], str, EntityKey] | None = None
        for graph in sorted(fmeta.resolvable_in, key=self.graph_order.__getitem__):
            key = next(
                (
                    k
                    for k in meta.resolvable_keys(graph)
                    if self.can_provide(group.subgraph, type_name, k.selection, provided)
                ),
                None,
            )
            if key is None:
                continue
            existing = (group.index, graph, path) in self.children_by_key
            score = (
                int(existing),
                self.local_score(graph, type_name, siblings),
                -self.graph_order[graph],
            )
            if best is None or score > best[0]:
                best = (score, graph, key)
        if best is None:
            raise PlanningError(
                f"cannot plan {type_name}.{fld.name} from subgraph {group.subgraph!r}: no "
                f"subgraph resolving it has a @key that {group.subgraph!r} can provide"
            )
        _, graph, key = best
        typename_and_key = parse_field_set("__typename " + key.fields)
        target.prepend_fields(typename_and_key)
        child = self.children_by_key.get((group.index, graph, path))
        if child is None:
            child = self.new_group(graph, path, None, group)
            self.children_by_key[(group.index, graph, path)] = child
        child.inputs.add_fragment(type_name).selections.prepend_fields(typename_and_key)
        return child

    # -- roots ------------------------------------------------------------------------------

    def plan_root(self) -> list[FetchGroup]:
        operation = self.operation
        root_type = operation.root_type
        roots: list[FetchGroup] = []
        by_graph: dict[str, FetchGroup] = {}
        previous: FetchGroup | None = None
        for sel in operation.selections:
            fields = self._root_fields(sel)
            for fld, wrapper in fields:
                graph = self._choose_root_graph(root_type, fld, by_graph)
                if operation.kind == "mutation":
                    group = previous if previous and previous.subgraph == graph else None
                else:
                    group = by_graph.get(graph)
                if group is None:
                    group = self.new_group(graph, (), root_type, None)
                    roots.append(group)
                    by_graph[graph] = group
                previous = group
                target = group.selections
                if wrapper is not None:
                    target = target.add_fragment(None, wrapper.directives).selections
                self.plan_local_field(group, root_type, fld, target, (), None, None)
        return roots

    def _root_fields(
        self, sel: NormalizedSelection, wrapper: NormalizedFragment | None = None
    ) -> list[tuple[NormalizedField, NormalizedFragment | None]]:
        if isinstance(sel, NormalizedFragment):
            out: list[tuple[NormalizedField, NormalizedFragment | None]] = []
            for inner in sel.selections:
                out.extend(self._root_fields(inner, sel))
            return out
        if sel.name.startswith("__"):
            return []  # __typename, __schema, __type: answered by the router
        return [(sel, wrapper)]

    def _choose_root_graph(
        self, root_type: str, fld: NormalizedField, by_graph: dict[str, FetchGroup]
    ) -> str:
        graphs = self.supergraph.field_resolvable_in(root_type, fld.name)
        if not graphs:
            raise PlanningError(f"no subgraph resolves {root_type}.{fld.name}")
        if fld.type is None:
            raise PlanningError(f"unknown field {root_type}.{fld.name}")
        child = get_named_type(fld.type).name

        def rank(graph: str) -> tuple[int, int, int]:
            score = self.local_score(graph, child, fld.selections) if fld.selections else 0
            return (int(graph in by_graph), score, -self.graph_order[graph])

        return max(graphs, key=rank)


def build_fetch_graph(
    supergraph: Supergraph, operation: NormalizedOperation
) -> FetchDependencyGraph:
    """Build the fetch dependency graph of a normalised operation.

    Args:
        supergraph: the loaded supergraph.
        operation: the normalised client operation.

    Returns:
        The fetch groups, with root groups in execution order.

    Raises:
        PlanningError: a field cannot be reached from the subgraph that holds its parent object.
    """
    builder = _Builder(supergraph, operation)
    roots = builder.plan_root()
    for group in builder.groups:
        if group.selections.is_empty() and group.parent is not None:
            raise PlanningError("internal error: an empty fetch group")
    return FetchDependencyGraph(operation=operation, roots=roots, groups=builder.groups)
