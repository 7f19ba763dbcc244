"""The fetch dependency graph: fetch groups built by walking the normalised operation.

Walk rules (Apollo Federation query planning, "query graph" edges):
- a field resolvable in the current group's subgraph is selected there (FieldCollection edge);
- otherwise the planner takes key edges (KeyResolution) to a subgraph that resolves the field:
  the shortest route of resolvable ``@key`` jumps whose fields each subgraph on the way can
  select (a direct jump when the current subgraph can select the target's key, else through
  intermediate subgraphs); the current selection gets ``__typename`` and the key fields, and a
  child entity group at the current response path gets the field;
- a field of a value type (no ``@key``) that the current subgraph cannot resolve is fetched again
  from the nearest entity (or root) above it, through a subgraph that resolves the whole path
  from there (shareable value types whose fields are split across subgraphs);
- a field with ``@requires`` in its subgraph is always fetched by an entity fetch whose
  representation carries the required fields, fetched first in the parent's context;
- ``@provides`` makes the provided ``@external`` fields local under the providing field;
- ``@override``: only the new owner resolves the field; with ``overrideLabel`` the label decides
  (the planner is given the labels active for the request);
- ``@interfaceObject``: a subgraph that models an entity interface as an object resolves its
  fields for every implementation (representations carry the interface name as ``__typename``:
  an input rewrite), and ``__typename`` or a concrete type condition there needs a jump to a
  subgraph that knows the implementations;
- on an abstract type a non-local field is exploded into one inline fragment per possible type;
- fields under a variable ``@skip``/``@include`` that need their own fetch get a fetch group of
  their own, run under a Condition node.

Spec: Apollo Federation 2 "query planning"; join v0.2-v0.5 semantics of ``@join__type(key,
resolvable, isInterfaceObject)`` and ``@join__field(external, requires, provides, override,
overrideLabel, usedOverridden)``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from graphql import (
    ArgumentNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    NameNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
)

from ..supergraph import ContextArgument, EntityKey, Supergraph, parse_field_set
from .errors import PlanningError
from .normalize import (
    NormalizedField,
    NormalizedFragment,
    NormalizedOperation,
    NormalizedSelection,
    normalize_field_set,
)
from .selection import SelectionSet

__all__ = ["Condition", "FetchDependencyGraph", "FetchGroup", "build_fetch_graph"]

Provided = dict[str, "Provided | None"]
"""A ``@provides`` field set as nested dicts: field name -> provided sub-fields (or None)."""

Condition = tuple[str, str]
"""A variable condition on a selection: (``"include"`` or ``"skip"``, variable name)."""


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
        condition_sets: the variable conditions in force at each entry into the group; the
            ones common to all entries (and not already its parent's) become Condition nodes.
        input_rewrites: ``(path, value)``: set the representation value at ``path`` (``... on T``
            steps, then a key) to ``value`` before sending (interface objects' ``__typename``).
        context_rewrites: ``(path, variable)``: read the value at ``path`` (relative to each
            entity; ``..`` = parent object) into variable ``variable`` (``@fromContext``).
        context_variables: the contextual variables' names and GraphQL types.
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
    condition_sets: list[tuple[Condition, ...]] = field(default_factory=list)
    input_rewrites: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    context_rewrites: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    context_variables: dict[str, str] = field(default_factory=dict)

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
    supergraph: Supergraph


@dataclass(frozen=True, slots=True)
class _Anchor:
    """The nearest object above the current position that can be fetched again: an entity
    (through a key) or the root (by a new root fetch); ``steps`` lead from it to here."""

    group: FetchGroup
    type_name: str
    target: SelectionSet
    path: tuple[str, ...]
    provided: Provided | None
    conditions: tuple[Condition, ...]
    steps: tuple[NormalizedField | str, ...]
    is_root: bool
    outer: _Anchor | None = None


@dataclass(frozen=True, slots=True)
class _At:
    """A position of the walk: a type inside one fetch group's selection."""

    group: FetchGroup
    type_name: str
    target: SelectionSet
    path: tuple[str, ...]
    provided: Provided | None
    anchor: _Anchor | None
    conditions: tuple[Condition, ...]
    contexts: Mapping[str, _At] = field(default_factory=dict)
    """Nearest ancestor positions by ``@context`` name (qualified ``<subgraph>__<name>``)."""


@dataclass(frozen=True, slots=True)
class _Hop:
    """One key jump: into ``graph``, where the objects are fetched as ``type_name`` (the type
    itself, or an interface the graph models as an ``@interfaceObject``) through ``key``."""

    graph: str
    type_name: str
    key: EntityKey


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
    """A ``@provides`` field set as nested dicts; ``... on T`` fragments are kept under the key
    ``"... on T"`` (they provide only for objects of that type)."""
    out: Provided = {}
    for node in selection.selections:
        name = getattr(node, "name", None)
        sub = getattr(node, "selection_set", None)
        if name is None:
            condition = getattr(node, "type_condition", None)
            if sub is None:
                continue
            if condition is None:
                out.update(_provided_from(sub))
            else:
                key = f"... on {condition.name.value}"
                typed = out.get(key) or {}
                typed.update(_provided_from(sub))
                out[key] = typed
            continue
        out[name.value] = _provided_from(sub) if sub is not None else None
    return out


def _narrow(provided: Provided | None, type_name: str) -> Provided | None:
    """What ``provided`` provides for objects of type ``type_name``."""
    if not provided:
        return provided
    typed = provided.get(f"... on {type_name}")
    plain = {k: v for k, v in provided.items() if not k.startswith("... on ")}
    if typed:
        plain.update(typed)
    return plain


def _field_chain(selection: SelectionSetNode) -> tuple[str, ...]:
    """The field names down the first branch of a (context) selection: ``{ a { b } }`` ->
    ``("a", "b")``."""
    chain: list[str] = []
    current: SelectionSetNode | None = selection
    while current is not None and current.selections:
        node = current.selections[0]
        name = getattr(node, "name", None)
        if name is None:
            break
        chain.append(name.value)
        current = getattr(node, "selection_set", None)
    return tuple(chain)


def _conditions_of(directives: tuple[object, ...]) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for directive in directives:
        name = directive.name.value  # type: ignore[attr-defined]
        if name not in ("skip", "include"):
            continue
        for argument in directive.arguments or ():  # type: ignore[attr-defined]
            if argument.name.value == "if" and isinstance(argument.value, VariableNode):
                out.append((name, argument.value.name.value))
    return tuple(out)


class _Builder:
    def __init__(
        self,
        supergraph: Supergraph,
        operation: NormalizedOperation,
        override_labels: frozenset[str],
    ):
        self.supergraph = supergraph
        self.schema = supergraph.schema
        self.operation = operation
        self.labels = override_labels
        self.groups: list[FetchGroup] = []
        self.children_by_key: dict[tuple[object, ...], FetchGroup] = {}
        self.graph_order = {name: i for i, name in enumerate(supergraph.subgraphs)}
        self.roots: list[FetchGroup] = []
        self.root_by_graph: dict[str, FetchGroup] = {}
        self._resolvable: dict[tuple[str, str], frozenset[str]] = {}
        self._context_fields: dict[tuple[str, str], int] | None = None

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

    def graphs_for(self, type_name: str, field_name: str) -> frozenset[str]:
        """Subgraphs that resolve ``type_name.field_name`` for this request's override labels
        (interface-object subgraphs excluded: see :meth:`interface_object_hops`)."""
        cache_key = (type_name, field_name)
        cached = self._resolvable.get(cache_key)
        if cached is not None:
            return cached
        meta = self.supergraph.types.get(type_name)
        graphs = self.supergraph.field_resolvable_in_with(type_name, field_name, self.labels)
        result = frozenset(g for g in graphs if meta is not None and g in meta.graphs)
        self._resolvable[cache_key] = result
        return result

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        """True when ``graph`` models interface ``type_name`` as an ``@interfaceObject``."""
        return self.supergraph.is_interface_object(type_name, graph)

    def _local(
        self, graph: str, type_name: str, field_name: str, provided: Provided | None
    ) -> bool:
        if provided is not None and field_name in provided:
            return True
        if graph not in self.graphs_for(type_name, field_name):
            return False
        join_field = self.supergraph.types[type_name].fields[field_name].join_fields.get(graph)
        return join_field is None or (
            join_field.requires is None and not join_field.context_arguments
        )

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

    def interface_object_hops(self, type_name: str, field_name: str) -> list[tuple[str, str]]:
        """``(graph, interface)`` pairs where an ``@interfaceObject`` graph resolves the field
        for objects of ``type_name`` (an implementation of that interface, or the interface)."""
        type_def = self.schema.get_type(type_name)
        candidates: list[str] = [type_name] if is_abstract_type(type_def) else []
        candidates += [i.name for i in getattr(type_def, "interfaces", ()) or ()]
        out: list[tuple[str, str]] = []
        for interface in candidates:
            meta = self.supergraph.types.get(interface)
            if meta is None:
                continue
            for graph, in_graph in meta.graphs.items():
                if in_graph.is_interface_object and graph in self.graphs_for(interface, field_name):
                    out.append((graph, interface))
        return out

    # -- routes of key jumps ----------------------------------------------------------------

    def _hops_from(
        self, graph: str, type_name: str, provided: Provided | None, targets: list[_Hop] | None
    ) -> list[_Hop]:
        """Key jumps out of ``graph`` for objects of ``type_name``: to the given targets, or
        (``targets`` None) to any other subgraph that has the type."""
        meta = self.supergraph.types.get(type_name)
        if meta is None:
            return []
        if targets is None:
            targets = [
                _Hop(g, type_name, key)
                for g in meta.graphs
                if g != graph
                for key in meta.resolvable_keys(g)
            ]
        return [
            hop
            for hop in targets
            if hop.graph != graph
            and self.can_provide(graph, type_name, hop.key.selection, provided)
        ]

    def route(self, at: _At, type_name: str, goals: list[tuple[str, str]]) -> list[_Hop] | None:
        """The shortest route of key jumps from ``at`` to one of ``goals`` (graph, type).

        Breadth-first over subgraphs; ties broken by the caller's goal order.
        """
        goal_hops: list[_Hop] = []
        for graph, target_type in goals:
            meta = self.supergraph.types.get(target_type)
            if meta is None:
                continue
            goal_hops.extend(_Hop(graph, target_type, k) for k in meta.resolvable_keys(graph))
        if not goal_hops:
            return None
        start = at.group.subgraph
        direct = self._hops_from(start, type_name, at.provided, goal_hops)
        if direct:
            return [direct[0]]
        queue: deque[tuple[str, list[_Hop]]] = deque([(start, [])])
        seen = {start}
        while queue:
            graph, hops = queue.popleft()
            provided = at.provided if graph == start else None
            for hop in self._hops_from(graph, type_name, provided, None):
                if hop.graph in seen:
                    continue
                seen.add(hop.graph)
                path = [*hops, hop]
                final = self._hops_from(hop.graph, type_name, None, goal_hops)
                if final:
                    return [*path, final[0]]
                queue.append((hop.graph, path))
        return None

    def follow(self, at: _At, type_name: str, hops: list[_Hop], *, fresh_last: bool = False) -> _At:
        """Take the key jumps of ``hops`` from ``at``; return the position in the last group
        (inside ``... on <hop type>``); ``fresh_last`` opens a new group for the last jump."""
        current = at
        for index, hop in enumerate(hops):
            fresh = fresh_last and index == len(hops) - 1
            current = self.jump(current, type_name, hop, fresh=fresh)
        return current

    @staticmethod
    def _at_entity_top(at: _At) -> bool:
        """True at the top of an entity fetch (inside its ``... on T``), same type."""
        if not at.group.is_entity_fetch or at.path != at.group.merge_path:
            return False
        fragment = at.group.selections.items.get(f"... on {at.type_name}|")
        return fragment is not None and fragment.selections is at.target

    def jump(self, at: _At, type_name: str, hop: _Hop, *, fresh: bool = False) -> _At:
        """One key jump: select ``__typename`` and the key where we are; open (or reuse) the
        child entity group of ``hop.graph`` at this path under these conditions."""
        typename_and_key = parse_field_set("__typename " + hop.key.fields)
        if self._at_entity_top(at):
            # The objects already carry ``__typename`` from the representation's source.
            at.target.prepend_fields(parse_field_set(hop.key.fields))
        else:
            at.target.prepend_fields(typename_and_key)
        cache_key = (at.group.index, hop.graph, at.path)
        child = None if fresh else self.children_by_key.get(cache_key)
        if child is None:
            child = self.new_group(hop.graph, at.path, None, at.group)
            if not fresh:
                self.children_by_key[cache_key] = child
        child.condition_sets.append(at.conditions)
        child.inputs.add_fragment(type_name).selections.prepend_fields(typename_and_key)
        if hop.type_name != type_name or self.is_interface_object(hop.type_name, hop.graph):
            rewrite = ((f"... on {type_name}", "__typename"), hop.type_name)
            if rewrite not in child.input_rewrites:
                child.input_rewrites.append(rewrite)
        fragment = child.selections.add_fragment(hop.type_name)
        if self.is_interface_object(type_name, at.group.subgraph) and not (
            self.is_interface_object(hop.type_name, hop.graph)
        ):
            # Leaving an interface object: learn the concrete type where it is known.
            fragment.selections.add_field("__typename", front=True)
        return _At(
            group=child,
            type_name=hop.type_name,
            target=fragment.selections,
            path=at.path,
            provided=None,
            anchor=_Anchor(
                child,
                hop.type_name,
                fragment.selections,
                at.path,
                None,
                at.conditions,
                (),
                False,
                at.anchor,
            ),
            conditions=at.conditions,
            contexts=at.contexts,
        )

    def _rank_goals(
        self, at: _At, goals: list[tuple[str, str]], siblings: list[NormalizedSelection]
    ) -> list[tuple[str, str]]:
        def rank(goal: tuple[str, str]) -> tuple[int, int, int]:
            graph, target_type = goal
            existing = (at.group.index, graph, at.path) in self.children_by_key
            return (
                -int(existing),
                -self.local_score(graph, target_type, siblings),
                self.graph_order[graph],
            )

        return sorted(goals, key=rank)

    # -- walking ----------------------------------------------------------------------------

    def plan_selections(
        self,
        at: _At,
        selections: list[NormalizedSelection],
        used: set[FetchGroup] | None = None,
    ) -> None:
        for sel in selections:
            if isinstance(sel, NormalizedFragment):
                self.plan_fragment(at, sel, used)
            elif sel.name == "__typename":
                self.plan_typename(at, sel, used)
            else:
                self.plan_field(at, sel, used, selections)

    def plan_typename(self, at: _At, fld: NormalizedField, used: set[FetchGroup] | None) -> None:
        if not self.is_interface_object(at.type_name, at.group.subgraph):
            at.target.add_field("__typename", fld.alias, (), fld.directives)
            return
        # An interface object answers its interface's name: ask a subgraph that knows the
        # implementations for the concrete ``__typename``.
        owner = self.jump_to_interface_owner(at, used)
        owner.target.add_field("__typename", fld.alias, (), fld.directives)

    def jump_to_interface_owner(self, at: _At, used: set[FetchGroup] | None) -> _At:
        meta = self.supergraph.types[at.type_name]
        goals = [
            (graph, at.type_name)
            for graph, in_graph in meta.graphs.items()
            if not in_graph.is_interface_object and in_graph.keys
        ]
        hops = self.route(at, at.type_name, goals)
        if hops is None:
            raise PlanningError(
                f"cannot resolve the implementations of {at.type_name} from subgraph "
                f"{at.group.subgraph!r}: no subgraph defining the interface has a key it can use"
            )
        owner = self.follow(at, at.type_name, hops)
        if used is not None:
            used.add(owner.group)
        return owner

    def plan_fragment(
        self, at: _At, fragment: NormalizedFragment, used: set[FetchGroup] | None
    ) -> None:
        condition = fragment.type_condition
        conditions = at.conditions + _conditions_of(fragment.directives)
        if condition is None or condition == at.type_name:
            sub = at.target.add_fragment(None, fragment.directives) if fragment.directives else None
            inner = replace(
                at,
                target=sub.selections if sub else at.target,
                conditions=conditions,
                anchor=at.anchor,
            )
            self.plan_selections(inner, fragment.selections, used)
            return
        if self.is_interface_object(at.type_name, at.group.subgraph):
            # The implementations are unknown here: continue in a subgraph that knows them.
            owner = self.jump_to_interface_owner(at, used)
            self.plan_fragment(owner, fragment, used)
            return
        graph = at.group.subgraph
        if is_abstract_type(self.schema.get_type(condition)) and not self._abstract_condition_ok(
            at.type_name, condition, graph
        ):
            # The subgraph lacks the interface/union, or some of its types are not members of it
            # there: ask for each possible object type instead.
            for object_type in self._runtime_types(at.type_name, condition, graph):
                narrowed = NormalizedFragment(object_type, fragment.directives, fragment.selections)
                self.plan_fragment(at, narrowed, used)
            return
        if not self._fragment_applies(at.type_name, condition, graph):
            # Objects of that type never come from this subgraph here.
            return
        sub = at.target.add_fragment(condition, fragment.directives)
        inner = _At(
            group=at.group,
            type_name=condition,
            target=sub.selections,
            path=at.path,
            provided=_narrow(at.provided, condition),
            anchor=self._step(at.anchor, condition),
            conditions=conditions,
            contexts=at.contexts,
        )
        self.plan_selections(inner, fragment.selections, used)

    def _runtime_types(self, parent: str, condition: str, graph: str) -> list[str]:
        """Object types that can be both ``parent`` (as ``graph`` returns it) and ``condition``
        (in the supergraph), in supergraph order."""
        parent_type = self.schema.get_type(parent)
        if is_abstract_type(parent_type):
            in_parent = self.supergraph.possible_types_in_graph(parent, graph)
        else:
            in_parent = frozenset({parent})
        condition_type = self.schema.get_type(condition)
        return [
            t.name
            for t in self.schema.get_possible_types(condition_type)  # type: ignore[arg-type]
            if t.name in in_parent
        ]

    def _abstract_condition_ok(self, parent: str, condition: str, graph: str) -> bool:
        """True when ``... on condition`` (abstract) can be sent to ``graph`` as written: the
        subgraph knows it with every relevant object type as a member."""
        if not self.supergraph.type_in_graph(condition, graph):
            return False
        members = self.supergraph.possible_types_in_graph(condition, graph)
        return all(t in members for t in self._runtime_types(parent, condition, graph))

    def _fragment_applies(self, parent: str, condition: str, graph: str) -> bool:
        """True when ``... on condition`` inside ``parent`` can match objects from ``graph``
        (the subgraph knows the type and, for an abstract parent, has it as a possible type)."""
        supergraph = self.supergraph
        if not supergraph.type_in_graph(condition, graph):
            return False
        if not is_abstract_type(self.schema.get_type(parent)):
            return True
        possible = supergraph.possible_types_in_graph(parent, graph)
        if is_abstract_type(self.schema.get_type(condition)):
            return bool(possible & supergraph.possible_types_in_graph(condition, graph))
        return condition in possible

    @staticmethod
    def _step(anchor: _Anchor | None, step: NormalizedField | str | None) -> _Anchor | None:
        """The anchors above, each with one more step (a field or a type condition) to here."""
        if anchor is None or step is None:
            return anchor
        return replace(
            anchor, steps=(*anchor.steps, step), outer=_Builder._step(anchor.outer, step)
        )

    def plan_field(
        self,
        at: _At,
        fld: NormalizedField,
        used: set[FetchGroup] | None,
        siblings: list[NormalizedSelection],
    ) -> None:
        meta = self.supergraph.types.get(at.type_name)
        if meta is None:
            raise PlanningError(f"unknown type {at.type_name!r}")
        local = self._local(at.group.subgraph, at.type_name, fld.name, at.provided)
        if local and not self._uniform(at, fld.name):
            # Resolved here on the interface but not for every implementation (@override of
            # one implementation's field): split by type.
            self.explode_abstract(at, fld, used, siblings)
            return
        if local:
            self.plan_local_field(at, fld, used)
            return
        if (
            meta.kind in ("interface", "union")
            and not meta.resolvable_keys(at.group.subgraph)
            and not self.is_interface_object(at.type_name, at.group.subgraph)
        ):
            self.explode_abstract(at, fld, used, siblings)
            return
        field_at = replace(at, conditions=at.conditions + _conditions_of(fld.directives))
        graph = at.group.subgraph
        field_meta = meta.fields.get(fld.name)
        here = field_meta.join_fields.get(graph) if field_meta is not None else None
        if (
            here is not None
            and here.context_arguments
            and not here.requires
            and graph in self.graphs_for(at.type_name, fld.name)
        ):
            self.plan_contextual(field_at, fld, here.context_arguments, used)
            return
        goals = [(g, at.type_name) for g in self.graphs_for(at.type_name, fld.name)]
        goals += self.interface_object_hops(at.type_name, fld.name)
        goals = self._rank_goals(field_at, goals, siblings)
        hops = self.route(field_at, at.type_name, goals) if goals else None
        if hops is None:
            if self.plan_via_anchor(at, fld, used):
                return
            raise PlanningError(
                f"cannot plan {at.type_name}.{fld.name} from subgraph {at.group.subgraph!r}: no "
                "subgraph resolving it can be reached through a @key"
            )
        last = hops[-1]
        last_field = self.supergraph.types[last.type_name].fields[fld.name]
        join_field = last_field.join_fields.get(last.graph)
        requires = join_field.requires if join_field is not None else None
        dependencies: set[FetchGroup] = set()
        if requires:
            # Required fields first, where we are; the requiring fetch waits for them and gets
            # a group of its own (merged with a sibling later when no cycle results).
            dependencies = self.plan_requires(at, last.type_name, requires)
        there = self.follow(field_at, at.type_name, hops, fresh_last=bool(requires))
        if used is not None:
            used.add(there.group)
        child = there.group
        if requires:
            for dependency in dependencies:
                if dependency is not child and dependency not in child.depends_on:
                    child.depends_on.append(dependency)
            inputs = child.inputs.add_fragment(at.type_name).selections
            inputs.prepend_fields(parse_field_set("__typename"))
            self._add_requires_inputs(inputs, requires)
        if join_field is not None and join_field.context_arguments and not requires:
            self.plan_contextual(there, fld, join_field.context_arguments, used)
            return
        self.plan_local_field(there, fld, None)

    def plan_contextual(
        self,
        at: _At,
        fld: NormalizedField,
        arguments: tuple[ContextArgument, ...],
        used: set[FetchGroup] | None,
    ) -> None:
        """Plan a field with ``@fromContext`` arguments (join v0.5 ``contextArguments``).

        Each context value is selected on the nearest ancestor that sets the context; the field
        is fetched by an entity fetch whose ``contextRewrites`` read the value relative to each
        entity (``..`` = parent object) into ``$contextualArgument_<i>_<j>``. When the current
        fetch is already an entity fetch of that subgraph below the ancestors, the field stays
        in it.

        Raises:
            PlanningError: no ancestor sets a needed context, or no key allows the entity fetch.
        """
        graph = at.group.subgraph
        ancestors: list[_At] = []
        dependencies: set[FetchGroup] = set()
        for argument in arguments:
            ancestor = at.contexts.get(argument.context)
            if ancestor is None:
                raise PlanningError(
                    f"cannot plan {at.type_name}.{fld.name}: no ancestor sets the context "
                    f"{argument.context.split('__', 1)[-1]!r}"
                )
            type_def = self.schema.get_type(ancestor.type_name)
            assert type_def is not None
            selection = normalize_field_set(self.schema, type_def, argument.selection_set)
            self.plan_selections(ancestor, selection, dependencies)
            # Context rewrites match the ancestor by ``... on T``: it needs its __typename.
            ancestor.target.prepend_fields(parse_field_set("__typename"))
            ancestors.append(ancestor)
        group = at.group
        stays = group.is_entity_fetch and all(
            group.merge_path[: len(a.path)] == a.path for a in ancestors
        )
        there = at
        if not stays:
            key = next(
                (
                    k
                    for k in self.supergraph.types[at.type_name].resolvable_keys(graph)
                    if self.can_provide(graph, at.type_name, k.selection, at.provided)
                ),
                None,
            )
            if key is None:
                raise PlanningError(
                    f"cannot plan {at.type_name}.{fld.name}: no @key of {at.type_name} in "
                    f"{graph!r} for the entity fetch its context arguments need"
                )
            there = self.jump(at, at.type_name, _Hop(graph, at.type_name, key), fresh=True)
            group = there.group
        if used is not None:
            used.add(group)
        for dependency in dependencies:
            if dependency is not group and dependency not in group.depends_on:
                group.depends_on.append(dependency)
        index = self._context_index(at.type_name, fld.name)
        extra: list[ArgumentNode] = []
        for j, (argument, ancestor) in enumerate(zip(arguments, ancestors, strict=True)):
            variable = f"contextualArgument_{index}_{j}"
            levels = sum(1 for step in group.merge_path[len(ancestor.path) :] if step != "@")
            up = (*("..",) * levels, f"... on {ancestor.type_name}") if levels else ()
            path = (*up, *_field_chain(argument.selection_set))
            if (path, variable) not in group.context_rewrites:
                group.context_rewrites.append((path, variable))
            group.context_variables[variable] = argument.type
            extra.append(
                ArgumentNode(
                    name=NameNode(value=argument.name),
                    value=VariableNode(name=NameNode(value=variable)),
                )
            )
        self.plan_local_field(there, replace(fld, arguments=(*fld.arguments, *extra)), None)

    def _context_index(self, type_name: str, field_name: str) -> int:
        """1-based position of the field among the supergraph's fields with context arguments
        (Apollo numbers ``$contextualArgument_<i>_<j>`` this way)."""
        if self._context_fields is None:
            order: dict[tuple[str, str], int] = {}
            for meta in self.supergraph.types.values():
                for name, field_meta in meta.fields.items():
                    if any(jf.context_arguments for jf in field_meta.join_fields.values()):
                        order[(meta.name, name)] = len(order) + 1
            self._context_fields = order
        return self._context_fields.get((type_name, field_name), 0)

    def _uniform(self, at: _At, field_name: str) -> bool:
        """False when ``at`` is an interface (not an interface object) whose field some
        implementation in this subgraph does not resolve here."""
        meta = self.supergraph.types[at.type_name]
        if meta.kind != "interface" or self.is_interface_object(at.type_name, at.group.subgraph):
            return True
        graph = at.group.subgraph
        for object_type in self.supergraph.possible_types_in_graph(at.type_name, graph):
            provided = _narrow(at.provided, object_type)
            if not self._local(graph, object_type, field_name, provided):
                return False
        return True

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

    def plan_requires(self, at: _At, type_name: str, requires: str) -> set[FetchGroup]:
        """Plan a ``@requires`` field set at ``at``; return the groups that fetch parts of it."""
        type_def = self.schema.get_type(type_name)
        if type_def is None:
            raise PlanningError(f"unknown type {type_name!r} in @requires")
        required = normalize_field_set(self.schema, type_def, parse_field_set(requires))
        if type_name != at.type_name:  # an interface object's field: required on the interface
            required = [NormalizedFragment(None, (), required)]
        used: set[FetchGroup] = set()
        self.plan_selections(at, required, used)
        return used

    def plan_local_field(self, at: _At, fld: NormalizedField, used: set[FetchGroup] | None) -> None:
        composite = bool(fld.selections) and fld.type is not None
        item = at.target.add_field(
            fld.name, fld.alias, fld.arguments, fld.directives, composite=composite
        )
        if not composite or item.selections is None:
            return
        assert fld.type is not None
        child_type = get_named_type(fld.type)
        if is_abstract_type(child_type):
            item.selections.add_field("__typename")
        child_provided = at.provided.get(fld.name) if at.provided else None
        fmeta = self.supergraph.types.get(at.type_name)
        field_meta = fmeta.fields.get(fld.name) if fmeta else None
        join_field = field_meta.join_fields.get(at.group.subgraph) if field_meta else None
        if join_field is not None and join_field.provides:
            child_provided = _provided_from(parse_field_set(join_field.provides))
        child_path = (*at.path, fld.response_key, *("@",) * _list_depth(fld.type))
        conditions = at.conditions + _conditions_of(fld.directives)
        child_meta = self.supergraph.types.get(child_type.name)
        is_entity = child_meta is not None and any(
            in_graph.keys for in_graph in child_meta.graphs.values()
        )
        anchor: _Anchor | None
        if is_entity:
            anchor = _Anchor(
                at.group,
                child_type.name,
                item.selections,
                child_path,
                child_provided,
                conditions,
                (),
                False,
                self._step(at.anchor, fld),
            )
        else:
            anchor = self._step(at.anchor, fld)
        inner = _At(
            group=at.group,
            type_name=child_type.name,
            target=item.selections,
            path=child_path,
            provided=child_provided,
            anchor=anchor,
            conditions=conditions,
            contexts=at.contexts,
        )
        if child_meta is not None and child_meta.contexts:
            contexts = dict(at.contexts)
            for name in child_meta.contexts:
                contexts[name] = inner
            inner = replace(inner, contexts=contexts)
        self.plan_selections(inner, fld.selections, used)

    def plan_via_anchor(self, at: _At, fld: NormalizedField, used: set[FetchGroup] | None) -> bool:
        """Fetch ``fld`` (unreachable where we are) again from the nearest anchor above, in a
        subgraph that resolves every field from the anchor down to it. Returns False when none."""
        anchors: list[_Anchor] = []
        current = at.anchor
        while current is not None:
            if current.steps:
                anchors.append(current)
            current = current.outer
        # A root field fetched again runs in parallel with the first fetch: cheapest when it
        # serves (Apollo's cost model counts sequence stages first); then nearest first.
        anchors.sort(key=lambda a: not (a.is_root and self.operation.kind == "query"))
        for anchor in anchors:
            for graph in sorted(self.supergraph.subgraphs, key=self.graph_order.__getitem__):
                if graph == anchor.group.subgraph or not self._chain_ok(graph, anchor, fld):
                    continue
                start = self._enter_anchor(anchor, graph)
                if start is None:
                    continue
                position = self._replay(start, anchor.steps)
                if used is not None:
                    used.add(position.group)
                self.plan_field(position, fld, used, [fld])
                return True
        return False

    def _chain_ok(self, graph: str, anchor: _Anchor, fld: NormalizedField) -> bool:
        type_name = anchor.type_name
        for step in anchor.steps:
            if isinstance(step, str):
                if not self.supergraph.type_in_graph(step, graph):
                    return False
                type_name = step
                continue
            if graph not in self.graphs_for(type_name, step.name) or step.type is None:
                return False
            type_name = get_named_type(step.type).name
        return graph in self.graphs_for(type_name, fld.name)

    def _enter_anchor(self, anchor: _Anchor, graph: str) -> _At | None:
        if anchor.is_root:
            if self.operation.kind != "query":
                return None
            group = self.root_by_graph.get(graph)
            if group is None:
                group = self.new_group(graph, (), anchor.type_name, None)
                self.roots.append(group)
                self.root_by_graph[graph] = group
            group.condition_sets.append(anchor.conditions)
            return _At(group, anchor.type_name, group.selections, (), None, None, ())
        at = _At(
            anchor.group,
            anchor.type_name,
            anchor.target,
            anchor.path,
            anchor.provided,
            None,
            anchor.conditions,
        )
        meta = self.supergraph.types[anchor.type_name]
        goals = [(graph, anchor.type_name)] if meta.resolvable_keys(graph) else []
        hops = self.route(at, anchor.type_name, goals) if goals else None
        if hops is None:
            return None
        return self.follow(at, anchor.type_name, hops)

    def _replay(self, at: _At, steps: tuple[NormalizedField | str, ...]) -> _At:
        """Select the anchor's ``steps`` again at ``at`` (same aliases, arguments, directives)."""
        current = at
        for step in steps:
            if isinstance(step, str):
                sub = current.target.add_fragment(step)
                current = replace(current, type_name=step, target=sub.selections)
                continue
            assert step.type is not None
            item = current.target.add_field(
                step.name, step.alias, step.arguments, step.directives, composite=True
            )
            assert item.selections is not None
            child_type = get_named_type(step.type)
            if is_abstract_type(child_type):
                item.selections.add_field("__typename")
            current = replace(
                current,
                type_name=child_type.name,
                target=item.selections,
                path=(*current.path, step.response_key, *("@",) * _list_depth(step.type)),
                provided=None,
                anchor=None,
            )
        return current

    def explode_abstract(
        self,
        at: _At,
        fld: NormalizedField,
        used: set[FetchGroup] | None,
        siblings: list[NormalizedSelection],
    ) -> None:
        abstract = self.schema.get_type(at.type_name)
        if abstract is None or not is_abstract_type(abstract):
            raise PlanningError(f"cannot plan {at.type_name}.{fld.name}")
        at.target.add_field("__typename", front=True)
        for possible in self.schema.get_possible_types(abstract):
            if not self._fragment_applies(at.type_name, possible.name, at.group.subgraph):
                continue
            sub = at.target.add_fragment(possible.name)
            inner = _At(
                group=at.group,
                type_name=possible.name,
                target=sub.selections,
                path=at.path,
                provided=_narrow(at.provided, possible.name),
                anchor=self._step(at.anchor, possible.name),
                conditions=at.conditions,
                contexts=at.contexts,
            )
            self.plan_field(inner, fld, used, siblings)

    # -- roots ------------------------------------------------------------------------------

    def plan_root(self) -> list[FetchGroup]:
        operation = self.operation
        root_type = operation.root_type
        previous: FetchGroup | None = None
        for sel in operation.selections:
            fields = self._root_fields(sel)
            for fld, wrapper in fields:
                graph = self._choose_root_graph(root_type, fld)
                if operation.kind == "mutation":
                    group = previous if previous and previous.subgraph == graph else None
                else:
                    group = self.root_by_graph.get(graph)
                if group is None:
                    group = self.new_group(graph, (), root_type, None)
                    self.roots.append(group)
                    self.root_by_graph[graph] = group
                previous = group
                target = group.selections
                conditions: tuple[Condition, ...] = ()
                if wrapper is not None:
                    target = target.add_fragment(None, wrapper.directives).selections
                    conditions = _conditions_of(wrapper.directives)
                group.condition_sets.append(conditions + _conditions_of(fld.directives))
                at = _At(
                    group=group,
                    type_name=root_type,
                    target=target,
                    path=(),
                    provided=None,
                    anchor=_Anchor(group, root_type, target, (), None, conditions, (), True),
                    conditions=conditions,
                )
                self.plan_local_field(at, fld, None)
        return self.roots

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

    def _choose_root_graph(self, root_type: str, fld: NormalizedField) -> str:
        graphs = self.graphs_for(root_type, fld.name)
        if not graphs:
            raise PlanningError(f"no subgraph resolves {root_type}.{fld.name}")
        if fld.type is None:
            raise PlanningError(f"unknown field {root_type}.{fld.name}")
        child = get_named_type(fld.type).name

        def rank(graph: str) -> tuple[int, int, int]:
            score = self.local_score(graph, child, fld.selections) if fld.selections else 0
            return (int(graph in self.root_by_graph), score, -self.graph_order[graph])

        return max(graphs, key=rank)


def _runs_after(later: FetchGroup, earlier: FetchGroup) -> bool:
    """True when ``later`` must wait for ``earlier`` (through parents and dependencies)."""
    stack = [later]
    seen: set[int] = set()
    while stack:
        group = stack.pop()
        if group is earlier:
            return True
        if group.index in seen:
            continue
        seen.add(group.index)
        if group.parent is not None:
            stack.append(group.parent)
        stack.extend(group.depends_on)
    return False


def _merge_siblings(groups: list[FetchGroup]) -> list[FetchGroup]:
    """Pass: merge entity groups of one parent, subgraph and path when neither waits for the
    other (Apollo's sibling merge); returns the groups left."""
    alive = list(groups)
    for parent in list(alive):
        changed = True
        while changed:
            changed = False
            children = parent.children
            for i, keep in enumerate(children):
                for drop in children[i + 1 :]:
                    if (
                        keep.subgraph != drop.subgraph
                        or keep.merge_path != drop.merge_path
                        or _runs_after(keep, drop)
                        or _runs_after(drop, keep)
                    ):
                        continue
                    _absorb(keep, drop, alive)
                    changed = True
                    break
                if changed:
                    break
    return alive


def _absorb(keep: FetchGroup, drop: FetchGroup, alive: list[FetchGroup]) -> None:
    keep.selections.merge(drop.selections)
    keep.inputs.merge(drop.inputs)
    for child in drop.children:
        child.parent = keep
        keep.children.append(child)
    for dependency in drop.depends_on:
        if dependency is not keep and dependency not in keep.depends_on:
            keep.depends_on.append(dependency)
    keep.condition_sets.extend(drop.condition_sets)
    for rewrite in drop.input_rewrites:
        if rewrite not in keep.input_rewrites:
            keep.input_rewrites.append(rewrite)
    if drop.parent is not None:
        drop.parent.children.remove(drop)
    alive.remove(drop)
    for group in alive:
        if drop in group.depends_on:
            group.depends_on = [d for d in group.depends_on if d is not drop]
            if group is not keep and keep not in group.depends_on:
                group.depends_on.append(keep)


def build_fetch_graph(
    supergraph: Supergraph,
    operation: NormalizedOperation,
    override_labels: frozenset[str] = frozenset(),
) -> FetchDependencyGraph:
    """Build the fetch dependency graph of a normalised operation.

    Args:
        supergraph: the loaded supergraph.
        operation: the normalised client operation.
        override_labels: the progressive ``@override`` labels active for this request.

    Returns:
        The fetch groups, with root groups in execution order.

    Raises:
        PlanningError: a field cannot be reached from the subgraph that holds its parent object.
    """
    builder = _Builder(supergraph, operation, override_labels)
    roots = builder.plan_root()
    builder.groups = _merge_siblings(builder.groups)
    for group in builder.groups:
        if group.selections.is_empty() and group.parent is not None:
            raise PlanningError("internal error: an empty fetch group")
    return FetchDependencyGraph(
        operation=operation, roots=roots, groups=builder.groups, supergraph=supergraph
    )
