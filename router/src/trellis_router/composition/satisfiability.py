"""Satisfiability: every query the supergraph's API schema accepts can be planned.

After merging, Apollo's composition walks the API schema from each root type, field by field and
(for abstract types) type condition by type condition, carrying the set of subgraph positions
("options") a query could be at. An option is a vertex of the federated query graph: a type in
one subgraph, possibly a copy made by ``@provides``. A field is taken from an option when that
subgraph resolves it (``@requires`` satisfiable, ``@fromContext`` context set above, ``@override``
honoured, provided by ``@provides``), or after entity jumps: ``@key`` jumps (resolvable keys only,
key fields selectable from where the query is, several hops), root type jumps, jumps into an
``@interfaceObject``. When no option can take a field, the composition fails with
``SATISFIABILITY_ERROR`` and an example query. A walk stops when it reaches a type with a set of
options it has already validated (or a subset of them).

Not checked: ``MAX_VALIDATION_SUBGRAPH_PATHS_EXCEEDED`` and the shareable runtime-type rules
(``SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES``) that Apollo's validation also reports.

Spec: Apollo Federation composition, "satisfiability" (``@apollo/composition`` ``validate``,
``@apollo/query-graphs`` federated query graph and graph paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    print_ast,
)
from graphql.pyutils import Undefined

from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.supergraph import (
    FieldMetadata,
    Supergraph,
    SupergraphError,
    load_supergraph,
    parse_field_set,
    print_field_set,
)

__all__ = ["check_satisfiability", "validate_satisfiability"]

_NO_PROVIDES = -1
_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Vertex:
    """A type in one subgraph; ``provided`` indexes a ``@provides`` copy (-1: the plain one)."""

    graph: str
    type_name: str
    provided: int = _NO_PROVIDES


@dataclass(frozen=True, slots=True)
class _Option:
    """One subgraph path's tail, with what the rules need to know about the path behind it.

    Attributes:
        vertex: where the path is.
        top_level: the path only entered a subgraph's root (no root or key jumps from there).
        last_edge: ``"none"`` (a fresh path), ``"key"`` (a key or root jump) or ``"other"``.
        ancestors: the field steps taken, as (supergraph parent type, head vertex), oldest
            first; only kept when the supergraph uses contexts.
    """

    vertex: _Vertex
    top_level: bool = False
    last_edge: str = "other"
    ancestors: tuple[tuple[str, _Vertex], ...] = ()


@dataclass(frozen=True, slots=True)
class _Exclusions:
    """Subgraphs a condition may not jump into and conditions it may not use again."""

    destinations: frozenset[str] = _EMPTY
    conditions: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class _Jump:
    """A key (or root type) jump: into ``target`` when ``condition`` (a field set on the head's
    type, ``None`` for root jumps) can be selected from the head."""

    target: _Vertex
    condition: SelectionSetNode | None
    condition_key: tuple[str, str]
    is_key: bool


@dataclass(slots=True)
class _Advance:
    """The options a step leads to, or why none (``(subgraph, details)`` pairs)."""

    options: list[_Option] = field(default_factory=list)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    dropped: bool = False
    destinations: set[str] = field(default_factory=set)


_Step = tuple[str, str]
"""One step of the example query: ``("field", name)`` or ``("cast", type name)``."""


@dataclass(frozen=True, slots=True)
class _State:
    """A position of the API schema walk: a type, the options per group, how it was reached.

    ``groups`` holds one ``(None, options)`` pair, except below a top-level mutation field that
    several subgraphs resolve: then one pair per subgraph, each validated on its own.
    """

    type_name: str
    groups: tuple[tuple[str | None, tuple[_Option, ...]], ...]
    steps: tuple[_Step, ...]
    labels: tuple[tuple[str, bool], ...]
    operation: str
    mutation_field: str | None = None


class _QueryGraph:
    """The federated query graph, read on demand from the supergraph's join metadata."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.types = supergraph.types
        self.schema = supergraph.schema
        self.has_contexts = any(meta.contexts for meta in self.types.values())
        self.root_names = frozenset(supergraph.root_types.values())
        self._provided: list[dict[str, int | None]] = []
        self._provided_index: dict[tuple[int, str], int] = {}
        self._provides_of: dict[tuple[str, str, str], int] = {}
        self._jumps: dict[tuple[str, str], list[_Jump]] = {}
        self._resolved: dict[tuple[_Vertex, tuple[str, str], _Exclusions], bool] = {}
        self._indirect: dict[_Option, _Advance] = {}
        self._interface_field: dict[tuple[str, str, str], bool] = {}
        self._in_progress: set[tuple[_Vertex, tuple[str, str], _Exclusions]] = set()

    # --- types and fields -------------------------------------------------------------------

    def is_interface_object(self, vertex: _Vertex) -> bool:
        return self.supergraph.is_interface_object(vertex.type_name, vertex.graph)

    def is_abstract(self, type_name: str) -> bool:
        named = self.schema.get_type(type_name)
        return named is not None and is_abstract_type(named)

    def runtime_types(self, vertex: _Vertex) -> frozenset[str]:
        """The object types the vertex's type can be at runtime in its subgraph."""
        if self.is_abstract(vertex.type_name) and not self.is_interface_object(vertex):
            return self.supergraph.possible_types_in_graph(vertex.type_name, vertex.graph)
        return frozenset({vertex.type_name})

    def field_in_graph(self, meta: FieldMetadata, graph: str) -> bool:
        """True when ``graph`` declares the field (resolvable or not)."""
        if meta.join_fields:
            return graph in meta.join_fields
        if meta.via_interface_object:
            return False
        parent = self.types.get(meta.parent)
        return parent is not None and graph in parent.graphs

    def live_graphs(self, meta: FieldMetadata, labels: Mapping[str, bool]) -> frozenset[str]:
        """Graphs resolving the field under the chosen override labels; a labelled copy is
        dead when its label was not chosen (how Apollo resolves key and require conditions)."""
        base = meta.resolvable_in - meta.override_conditions.keys() - meta.via_interface_object
        live = {
            graph
            for graph, condition in meta.override_conditions.items()
            if labels.get(condition.label) == condition.active
        }
        return base | live

    def field_type_name(self, meta: FieldMetadata, graph: str) -> str:
        """The named type of the field in ``graph``."""
        join_field = meta.join_fields.get(graph)
        if join_field is not None and join_field.type:
            return join_field.type.replace("[", "").replace("]", "").replace("!", "").strip()
        parent = self.schema.get_type(meta.parent)
        definition = getattr(parent, "fields", {}).get(meta.name)
        return get_named_type(definition.type).name if definition is not None else ""

    def interface_field_edge(self, graph: str, interface: str, field_name: str) -> bool:
        """Whether ``graph`` has an edge for an interface field: resolvable there, and directly
        resolved (not external, no ``@requires``) by every runtime type the graph defines."""
        cache_key = (graph, interface, field_name)
        found = self._interface_field.get(cache_key)
        if found is not None:
            return found
        result = self._interface_field_edge(graph, interface, field_name)
        self._interface_field[cache_key] = result
        return result

    def _interface_field_edge(self, graph: str, interface: str, field_name: str) -> bool:
        if field_name == "__typename":
            return True
        meta = self.types[interface].fields.get(field_name)
        if meta is None or graph not in self.live_graphs(meta, {}):
            return False
        named = self.supergraph.api_schema.get_type(interface)
        if not isinstance(named, GraphQLInterfaceType):
            return True
        for runtime in self.supergraph.api_schema.get_possible_types(named):
            runtime_meta = self.types.get(runtime.name)
            if runtime_meta is None or graph not in runtime_meta.graphs:
                continue
            runtime_field = runtime_meta.fields.get(field_name)
            if runtime_field is None or graph not in self.live_graphs(runtime_field, {}):
                return False
            join_field = runtime_field.join_fields.get(graph)
            if join_field is not None and join_field.requires:
                return False
        return True

    def has_local_key(self, graph: str, type_name: str) -> bool:
        """A key of the type in ``graph`` selecting no external field (to resume a query)."""
        meta = self.types.get(type_name)
        in_graph = meta.graphs.get(graph) if meta is not None else None
        if in_graph is None:
            return False
        return any(
            self._selects_only_local(graph, type_name, key.selection) for key in in_graph.keys
        )

    def _selects_only_local(self, graph: str, type_name: str, selection: SelectionSetNode) -> bool:
        meta = self.types.get(type_name)
        if meta is None:
            return True
        for node in selection.selections:
            if not isinstance(node, FieldNode):
                continue
            field_meta = meta.fields.get(node.name.value)
            if field_meta is None:
                continue
            join_field = field_meta.join_fields.get(graph)
            if join_field is not None and join_field.external:
                return False
            if node.selection_set is not None and not self._selects_only_local(
                graph, self.field_type_name(field_meta, graph), node.selection_set
            ):
                return False
        return True

    # --- @provides copies ---------------------------------------------------------------------

    def provided(self, index: int) -> Mapping[str, int | None]:
        return self._provided[index] if index != _NO_PROVIDES else {}

    def provides_copy(self, graph: str, type_name: str, fields: str) -> int:
        """Index of the ``@provides`` copy for a field set on ``type_name`` in ``graph``."""
        cache_key = (graph, type_name, fields)
        found = self._provides_of.get(cache_key)
        if found is None:
            found = self._intern(parse_field_set(fields))
            self._provides_of[cache_key] = found
        return found

    def _intern(self, selection: SelectionSetNode) -> int:
        tree: dict[str, int | None] = {}
        self._collect(selection, tree)
        self._provided.append(tree)
        return len(self._provided) - 1

    def _collect(self, selection: SelectionSetNode, tree: dict[str, int | None]) -> None:
        for node in selection.selections:
            if isinstance(node, FieldNode):
                sub = node.selection_set
                tree[node.name.value] = self._intern(sub) if sub is not None else None
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None:
                    self._collect(node.selection_set, tree)
                else:
                    tree["... on " + node.type_condition.name.value] = self._intern(
                        node.selection_set
                    )

    def narrowed(self, index: int, type_name: str) -> int:
        """The copy a downcast to ``type_name`` leads to (provided under ``... on T``)."""
        sub = self.provided(index).get("... on " + type_name)
        return sub if sub is not None else _NO_PROVIDES

    # --- jumps ----------------------------------------------------------------------------------

    def jumps(self, vertex: _Vertex) -> list[_Jump]:
        """Key, root type and interface-object jumps out of a vertex (cached per type/graph)."""
        cache_key = (vertex.graph, vertex.type_name)
        found = self._jumps.get(cache_key)
        if found is None:
            found = self._compute_jumps(vertex.graph, vertex.type_name)
            self._jumps[cache_key] = found
        return found

    def _compute_jumps(self, graph: str, type_name: str) -> list[_Jump]:
        jumps: list[_Jump] = []
        meta = self.types.get(type_name)
        if meta is None:
            return jumps
        if type_name in self.root_names:
            for other in meta.graphs:
                if other != graph:
                    jumps.append(_Jump(_Vertex(other, type_name), None, ("", ""), False))
        targets: list[str] = [type_name]
        named = self.schema.get_type(type_name)
        if isinstance(named, GraphQLObjectType):
            targets += [
                interface.name
                for interface in named.interfaces
                if self.types.get(interface.name) is not None
                and self.types[interface.name].interface_object_graphs
            ]
        for target in targets:
            target_meta = self.types[target]
            for other in target_meta.graphs:
                if other == graph:
                    continue
                if target != type_name and other not in target_meta.interface_object_graphs:
                    continue
                for key in target_meta.resolvable_keys(other):
                    jumps.append(
                        _Jump(_Vertex(other, target), key.selection, (type_name, key.fields), True)
                    )
        return jumps

    # --- conditions ---------------------------------------------------------------------------

    def resolves(
        self,
        vertex: _Vertex,
        condition_key: tuple[str, str],
        selection: SelectionSetNode,
        exclusions: _Exclusions,
    ) -> bool:
        """Whether ``selection`` can be fetched starting at ``vertex``, as Apollo's validation
        condition resolver decides (the condition itself may not be used again inside)."""
        cache_key = (vertex, condition_key, exclusions)
        found = self._resolved.get(cache_key)
        if found is not None:
            return found
        if cache_key in self._in_progress:
            return False
        self._in_progress.add(cache_key)
        inner = _Exclusions(exclusions.destinations, exclusions.conditions | {condition_key})
        result = self._select([_Option(vertex, last_edge="none")], selection, inner)
        self._in_progress.discard(cache_key)
        self._resolved[cache_key] = result
        return result

    def _select(
        self, options: list[_Option], selection: SelectionSetNode, exclusions: _Exclusions
    ) -> bool:
        for node in selection.selections:
            if isinstance(node, FieldNode):
                if not self._select_field(options, node, exclusions):
                    return False
            elif isinstance(node, InlineFragmentNode):
                casted = [
                    cast
                    for option in options
                    if (cast := self._cast_for_condition(option, node)) is not None
                ]
                if casted and not self._select(casted, node.selection_set, exclusions):
                    return False
        return True

    def _cast_for_condition(self, option: _Option, node: InlineFragmentNode) -> _Option | None:
        if node.type_condition is None:
            return option
        wanted = node.type_condition.name.value
        vertex = option.vertex
        if wanted == vertex.type_name or self.is_interface_object(vertex):
            return option
        wanted_type = self.schema.get_type(wanted)
        if wanted_type is not None and is_abstract_type(wanted_type):
            return option
        if wanted in self.runtime_types(vertex):
            narrowed = self.narrowed(vertex.provided, wanted)
            return _Option(_Vertex(vertex.graph, wanted, narrowed), last_edge=option.last_edge)
        return None

    def _select_field(
        self, options: list[_Option], node: FieldNode, exclusions: _Exclusions
    ) -> bool:
        name = node.name.value
        advanced: list[_Option] = []
        exploded = False
        for option in options:
            result = self.advance_field(option, option.vertex.type_name, name, {}, exclusions)
            advanced += result.options
            if not result.options and self._explodes(option, node, exclusions):
                exploded = True
        if not advanced:
            return exploded
        if node.selection_set is None:
            return True
        return self._select(advanced, node.selection_set, exclusions) or exploded

    def _explodes(self, option: _Option, node: FieldNode, exclusions: _Exclusions) -> bool:
        """An interface field without an interface edge: every implementation the subgraph
        knows must resolve it (the planner splits the selection by type)."""
        vertex = option.vertex
        if not self.is_abstract(vertex.type_name) or self.is_interface_object(vertex):
            return False
        runtime = sorted(self.runtime_types(vertex))
        return bool(runtime) and all(
            self._select_field(
                [_Option(_Vertex(vertex.graph, name, self.narrowed(vertex.provided, name)))],
                node,
                exclusions,
            )
            for name in runtime
        )

    # --- advancing ----------------------------------------------------------------------------

    def indirect(self, option: _Option, exclusions: _Exclusions) -> _Advance:
        """Options reachable by jumps only (shortest per subgraph, never back to the start)."""
        use_cache = not exclusions.destinations and not exclusions.conditions
        if use_cache:
            found = self._indirect.get(option)
            if found is not None:
                return found
        result = self._compute_indirect(option, exclusions)
        if use_cache:
            self._indirect[option] = result
        return result

    def _compute_indirect(self, option: _Option, exclusions: _Exclusions) -> _Advance:
        result = _Advance()
        if option.top_level:
            return result
        origin = option.vertex.graph
        best: dict[str, int] = {}
        queue: list[tuple[int, _Option]] = [(0, option)]
        while queue:
            size, current = queue.pop(0)
            for jump in self.jumps(current.vertex):
                target = jump.target.graph
                if target == origin or target in exclusions.destinations:
                    continue
                if target in best and best[target] <= size + 1:
                    continue
                if jump.condition_key in exclusions.conditions:
                    continue
                if jump.condition is not None and not self.resolves(
                    current.vertex,
                    jump.condition_key,
                    jump.condition,
                    _Exclusions(exclusions.destinations | {target}, exclusions.conditions),
                ):
                    result.destinations.add(target)
                    result.reasons.append(
                        (
                            current.vertex.graph,
                            f'cannot move to subgraph "{target}" using @key(fields: '
                            f'"{_one_line(jump.condition)}") of "{current.vertex.type_name}", '
                            "the key field(s) cannot be resolved from subgraph "
                            f'"{current.vertex.graph}"',
                        )
                    )
                    continue
                best[target] = size + 1
                moved = _Option(jump.target, last_edge="key", ancestors=current.ancestors)
                result.options = [o for o in result.options if o.vertex.graph != target]
                result.options.append(moved)
                if jump.is_key:
                    queue.append((size + 1, moved))
        return result

    def advance_field(
        self,
        option: _Option,
        parent: str,
        name: str,
        labels: Mapping[str, bool],
        exclusions: _Exclusions,
    ) -> _Advance:
        """Take field ``parent.name`` from an option: directly, or after jumps."""
        direct = self.field_edge(option, parent, name, labels, exclusions)
        if direct.options and self._is_leaf_field(parent, name):
            return direct
        indirect = self.indirect(option, exclusions)
        result = _Advance(list(direct.options), list(direct.reasons) + list(indirect.reasons))
        tried = {option.vertex.graph} | indirect.destinations
        for moved in indirect.options:
            tried.add(moved.vertex.graph)
            step = self.field_edge(moved, parent, name, labels, exclusions)
            result.options += step.options
            result.reasons += step.reasons
        if not result.options:
            result.reasons += self.unreachable_reasons(option, parent, name, tried)
        return result

    def _is_leaf_field(self, parent: str, name: str) -> bool:
        if name == "__typename":
            return True
        named = self.schema.get_type(parent)
        definition = getattr(named, "fields", {}).get(name)
        return definition is None or is_leaf_type(get_named_type(definition.type))

    def field_edge(
        self,
        option: _Option,
        parent: str,
        name: str,
        labels: Mapping[str, bool],
        exclusions: _Exclusions,
    ) -> _Advance:
        """Take field ``parent.name`` from the option's own subgraph (no jump)."""
        vertex = option.vertex
        graph = vertex.graph
        if vertex.type_name != parent and not self.is_interface_object(vertex):
            if parent not in self.runtime_types(vertex):
                return _Advance(reasons=[(graph, f'cannot find field "{parent}.{name}"')])
            vertex = _Vertex(graph, parent, self.narrowed(vertex.provided, parent))
        if name == "__typename":
            if self.is_interface_object(vertex):
                return _Advance(reasons=[(graph, f'cannot find field "{parent}.{name}"')])
            return _Advance([_Option(vertex, last_edge="other", ancestors=option.ancestors)])
        meta = self.types.get(vertex.type_name)
        field_meta = meta.fields.get(name) if meta is not None else None
        if field_meta is None:
            return _Advance(reasons=[(graph, f'cannot find field "{parent}.{name}"')])
        provided = self.provided(vertex.provided)
        is_provided = name in provided and self.field_in_graph(field_meta, graph)
        resolvable = graph in self.live_graphs(field_meta, labels)
        if (
            resolvable
            and self.is_abstract(vertex.type_name)
            and not self.is_interface_object(vertex)
        ):
            resolvable = self.interface_field_edge(graph, vertex.type_name, name)
        if not resolvable and not is_provided:
            return _Advance(reasons=[(graph, self._not_resolvable(field_meta, parent, graph))])
        join_field = field_meta.join_fields.get(graph)
        if resolvable and not is_provided and join_field is not None:
            reason = self._check_conditions(option, vertex, parent, field_meta, exclusions)
            if reason is not None:
                return _Advance(reasons=[(graph, reason)])
        target_type = self.field_type_name(field_meta, graph)
        sub = provided.get(name) if is_provided else None
        if join_field is not None and join_field.provides and resolvable:
            sub = self.provides_copy(graph, target_type, join_field.provides)
        ancestors = option.ancestors
        if self.has_contexts:
            ancestors = (*ancestors, (parent, vertex))
        target = _Vertex(graph, target_type, sub if sub is not None else _NO_PROVIDES)
        return _Advance([_Option(target, last_edge="other", ancestors=ancestors)])

    def _not_resolvable(self, meta: FieldMetadata, parent: str, graph: str) -> str:
        coordinate = f"{parent}.{meta.name}"
        if not self.field_in_graph(meta, graph):
            return f'cannot find field "{coordinate}"'
        overriders = sorted(other for other, jf in meta.join_fields.items() if jf.override == graph)
        condition = meta.override_conditions.get(graph)
        if condition is not None:
            return (
                f'Unable to take field "{coordinate}" in subgraph "{graph}" because override '
                f'condition "{condition.label}" is {str(not condition.active).lower()}'
            )
        if overriders:
            return (
                f'field "{coordinate}" is not resolvable because it is overridden by '
                + _subgraph_names(overriders)
            )
        return f'field "{coordinate}" is not resolvable because marked @external'

    def _check_conditions(
        self,
        option: _Option,
        vertex: _Vertex,
        parent: str,
        meta: FieldMetadata,
        exclusions: _Exclusions,
    ) -> str | None:
        """``@requires`` and ``@fromContext`` conditions of a field edge; a reason if unmet."""
        graph = vertex.graph
        join_field = meta.join_fields[graph]
        coordinate = f"{parent}.{meta.name}"
        if join_field.context_arguments:
            for argument in join_field.context_arguments:
                if not self._context_found(option, argument.context, argument.selection_set):
                    return f'could not find a match for required context for field "{coordinate}"'
            if not self.has_local_key(graph, vertex.type_name):
                return self._no_resume_key(coordinate, vertex)
        if not join_field.requires:
            return None
        condition_key = (vertex.type_name, join_field.requires)
        if condition_key in exclusions.conditions:
            return f'cannot satisfy @require conditions on field "{coordinate}"'
        selection = parse_field_set(join_field.requires)
        if not self.resolves(vertex, condition_key, selection, exclusions):
            return f'cannot satisfy @require conditions on field "{coordinate}"'
        if option.last_edge == "other":
            others = frozenset(self.supergraph.subgraphs) - {graph}
            local = _Exclusions(exclusions.destinations | others, exclusions.conditions)
            if self.resolves(vertex, condition_key, selection, local) and not self.has_local_key(
                graph, vertex.type_name
            ):
                return self._no_resume_key(coordinate, vertex)
        return None

    @staticmethod
    def _no_resume_key(coordinate: str, vertex: _Vertex) -> str:
        return (
            f'@require condition on field "{coordinate}" can be satisfied but missing usable '
            f'key on "{vertex.type_name}" in subgraph "{vertex.graph}" to resume query'
        )

    def _context_found(self, option: _Option, context: str, selection: SelectionSetNode) -> bool:
        """The nearest ancestor whose type sets ``context`` can select the context's fields."""
        for parent, head in reversed(option.ancestors):
            if not self._sets_context(parent, context):
                continue
            return self.resolves(head, ("@context", context), selection, _Exclusions())
        return False

    def _sets_context(self, type_name: str, context: str) -> bool:
        meta = self.types.get(type_name)
        if meta is not None and context in meta.contexts:
            return True
        named = self.schema.get_type(type_name)
        for interface in getattr(named, "interfaces", ()):
            interface_meta = self.types.get(interface.name)
            if interface_meta is not None and context in interface_meta.contexts:
                return True
        for meta in self.types.values():
            if meta.kind == "union" and context in meta.contexts:
                union = self.schema.get_type(meta.name)
                if isinstance(union, GraphQLUnionType) and any(
                    member.name == type_name for member in union.types
                ):
                    return True
        return False

    def advance_cast(self, option: _Option, source: str, wanted: str) -> _Advance:
        """Follow a type condition ``... on wanted`` from an option at abstract ``source``."""
        vertex = option.vertex
        interface_object = self.is_interface_object(vertex)
        source_is_interface = isinstance(self.schema.get_type(source), GraphQLInterfaceType)
        if not (source_is_interface and interface_object) and (
            wanted not in self.runtime_types(vertex)
        ):
            return _Advance(dropped=True)
        direct = self._cast_edge(option, wanted)
        indirect = self.indirect(option, _Exclusions())
        result = _Advance(list(direct.options), list(direct.reasons) + list(indirect.reasons))
        for moved in indirect.options:
            step = self._cast_edge(moved, wanted)
            result.options += step.options
            result.reasons += step.reasons
        return result

    def _cast_edge(self, option: _Option, wanted: str) -> _Advance:
        vertex = option.vertex
        if vertex.type_name == wanted:
            return _Advance([option])
        if self.is_interface_object(vertex):
            typename = parse_field_set("__typename")
            if self.resolves(vertex, (vertex.type_name, "__typename"), typename, _Exclusions()):
                return _Advance([option])
            return _Advance(
                reasons=[
                    (
                        vertex.graph,
                        "no subgraph can be reached to resolve the implementation type of "
                        f'@interfaceObject type "{vertex.type_name}"',
                    )
                ]
            )
        if wanted in self.runtime_types(vertex) and vertex.type_name != wanted:
            narrowed = self.narrowed(vertex.provided, wanted)
            moved = _Vertex(vertex.graph, wanted, narrowed)
            return _Advance([_Option(moved, last_edge="other", ancestors=option.ancestors)])
        return _Advance(reasons=[(vertex.graph, f'cannot find type "{wanted}"')])

    def unreachable_reasons(
        self, option: _Option, parent: str, name: str, tried: set[str]
    ) -> list[tuple[str, str]]:
        """Why the subgraphs that have the field could not be entered (Apollo's
        "cannot move to subgraph ..." lines)."""
        reasons: list[tuple[str, str]] = []
        meta = self.types.get(parent)
        field_meta = meta.fields.get(name) if meta is not None else None
        if meta is None or field_meta is None:
            return reasons
        source = option.vertex.graph
        tail = option.vertex.type_name
        for graph in self.supergraph.subgraphs:
            if graph in tried or graph == source or not self.field_in_graph(field_meta, graph):
                continue
            tail_meta = self.types.get(tail)
            in_graph = tail_meta.graphs.get(graph) if tail_meta is not None else None
            coordinate = f"{parent}.{name}"
            kind = "type" if tail == parent else "interface"
            if in_graph is None:
                explanation = (
                    f'interface "{tail}" is not defined in this subgraph (to jump to '
                    f'"{graph}", it would need to both define interface "{tail}" and have '
                    "a @key on it)"
                )
                reasons.append(
                    (
                        source,
                        f'cannot move to subgraph "{graph}", which has field "{coordinate}", '
                        f"because {explanation}",
                    )
                )
                continue
            if any(key.resolvable for key in in_graph.keys):
                continue
            explanation = (
                f'{kind} "{tail}" has no @key defined in subgraph "{graph}"'
                if not in_graph.keys
                else f'none of the @key defined on {kind} "{tail}" in subgraph "{graph}" are '
                'resolvable (they are all declared with their "resolvable" argument set to '
                "false)"
            )
            reasons.append(
                (
                    source,
                    f'cannot move to subgraph "{graph}", which has field "{coordinate}", '
                    f"because {explanation}",
                )
            )
        return reasons


class _Walk:
    """The API schema walk (Apollo's ``ValidationTraversal``)."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.graph = _QueryGraph(supergraph)
        self.supergraph = supergraph
        self.api = supergraph.api_schema
        self.errors: list[CompositionError] = []
        self.visits: dict[str, list[tuple[frozenset[Any], tuple[tuple[str, bool], ...]]]] = {}
        self.mutation_errors: dict[str, dict[str, list[str]]] = {}

    def run(self) -> list[CompositionError]:
        stack: list[_State] = []
        for operation in ("query", "mutation", "subscription"):
            root = self.api.get_root_type(OperationType(operation))
            if root is None:
                continue
            root_meta = self.supergraph.types.get(root.name)
            graphs = root_meta.graphs if root_meta is not None else {}
            options = tuple(_Option(_Vertex(graph, root.name), top_level=True) for graph in graphs)
            stack.append(_State(root.name, ((None, options),), (), (), operation))
        while stack:
            state = stack.pop()
            if self._seen(state):
                continue
            stack += self._next_states(state)
        for coordinate, by_subgraph in self.mutation_errors.items():
            if any(not errors for errors in by_subgraph.values()):
                continue
            self.errors.append(_mutation_error(coordinate, by_subgraph))
        return self.errors

    def _seen(self, state: _State) -> bool:
        labels = dict(state.labels)
        visits = self.visits.setdefault(state.type_name, [])
        skip = True
        for _, options in state.groups:
            keys = frozenset(self._visit_key(option) for option in options)
            if any(
                previous <= keys and all(labels.get(k) == v for k, v in previous_labels)
                for previous, previous_labels in visits
            ):
                continue
            visits.append((keys, state.labels))
            skip = False
        return skip

    def _visit_key(self, option: _Option) -> Any:
        if not self.graph.has_contexts:
            return (option.vertex.graph, option.vertex.type_name)
        contexts = tuple(
            (parent, head.graph, head.type_name)
            for parent, head in option.ancestors
            if self.graph.types.get(parent) is not None and self.graph.types[parent].contexts
        )
        return (option.vertex.graph, option.vertex.type_name, contexts)

    def _next_states(self, state: _State) -> list[_State]:
        named = self.api.get_type(state.type_name)
        out: list[_State] = []
        if isinstance(named, GraphQLObjectType):
            for name in named.fields:
                if name == "__typename":
                    continue
                for labels in self._label_choices(state, name):
                    out += self._field_step(state, named, name, labels)
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            for runtime in self.api.get_possible_types(named):
                out += self._cast_step(state, runtime.name)
        return out

    def _label_choices(self, state: _State, name: str) -> list[tuple[tuple[str, bool], ...]]:
        meta = self.graph.types[state.type_name].fields.get(name)
        chosen = dict(state.labels)
        label_names = sorted(
            {c.label for c in meta.override_conditions.values()} if meta is not None else set()
        )
        choices = [chosen]
        for label in label_names:
            if label in chosen:
                continue
            choices = [{**c, label: value} for c in choices for value in (True, False)]
        return [tuple(sorted(c.items())) for c in choices]

    def _field_step(
        self,
        state: _State,
        parent: GraphQLObjectType,
        name: str,
        labels: tuple[tuple[str, bool], ...],
    ) -> list[_State]:
        steps = (*state.steps, ("field", name))
        top_mutation = state.operation == "mutation" and not state.steps
        groups: list[tuple[str | None, tuple[_Option, ...]]] = []
        for group, options in state.groups:
            advanced = self._advance(
                options,
                lambda o: self.graph.advance_field(
                    o, parent.name, name, dict(labels), _Exclusions()
                ),
            )
            if advanced is None:
                return []
            if isinstance(advanced, str):
                self._report(state, group, steps, advanced)
                continue
            groups.append((group, tuple(advanced)))
        if not groups:
            return []
        target = get_named_type(parent.fields[name].type)
        mutation_field = state.mutation_field
        if top_mutation and groups:
            by_subgraph: dict[str, list[_Option]] = {}
            for option in groups[0][1]:
                by_subgraph.setdefault(option.vertex.graph, []).append(option)
            if len(by_subgraph) > 1:
                mutation_field = f"{parent.name}.{name}"
                errors = self.mutation_errors.setdefault(mutation_field, {})
                for subgraph in by_subgraph:
                    errors.setdefault(subgraph, [])
                groups = [(s, tuple(options)) for s, options in by_subgraph.items()]
        if is_leaf_type(target):
            return []
        return [_State(target.name, tuple(groups), steps, labels, state.operation, mutation_field)]

    def _cast_step(self, state: _State, runtime: str) -> list[_State]:
        steps = (*state.steps, ("cast", runtime))
        groups: list[tuple[str | None, tuple[_Option, ...]]] = []
        for group, options in state.groups:
            advanced = self._advance(
                options, lambda o: self.graph.advance_cast(o, state.type_name, runtime)
            )
            if advanced is None:
                return []
            if isinstance(advanced, str):
                self._report(state, group, steps, advanced)
                continue
            groups.append((group, tuple(advanced)))
        if not groups:
            return []
        return [
            _State(
                runtime, tuple(groups), steps, state.labels, state.operation, state.mutation_field
            )
        ]

    def _advance(self, options: Iterable[_Option], step: Any) -> list[_Option] | str | None:
        """Advance every option; the new options, None when the step is dropped (a type the
        subgraphs never return there), or the reasons text when no option advances."""
        advanced: list[_Option] = []
        reasons: list[tuple[str, str]] = []
        options = tuple(options)
        for option in options:
            result: _Advance = step(option)
            if result.dropped:
                return None
            advanced += result.options
            reasons += result.reasons
        if advanced:
            return _dedupe(advanced)
        return _display_reasons(reasons)

    def _report(self, state: _State, group: str | None, steps: tuple[_Step, ...], why: str) -> None:
        message = (
            "The following supergraph API query:\n"
            + self._witness(state.operation, steps)
            + "\ncannot be satisfied by the subgraphs because:\n"
            + why
        )
        if state.mutation_field is not None and group is not None:
            self.mutation_errors[state.mutation_field][group].append(message)
            return
        self.errors.append(CompositionError(ErrorCode.SATISFIABILITY_ERROR.value, message))

    def _witness(self, operation: str, steps: tuple[_Step, ...]) -> str:
        """The example query of an error: the walked steps, ``__typename`` under a composite
        end (so that the query is valid), example values for arguments."""
        root = self.api.get_root_type(OperationType(operation))
        assert root is not None
        current: GraphQLNamedType = root
        made: list[tuple[str, str, tuple[ArgumentNode, ...]]] = []
        for kind, name in steps:
            if kind == "cast":
                cast = self.api.get_type(name)
                assert cast is not None
                made.append((kind, name, ()))
                current = cast
                continue
            assert isinstance(current, GraphQLObjectType | GraphQLInterfaceType)
            definition = current.fields[name]
            arguments = tuple(
                ArgumentNode(name=NameNode(value=arg_name), value=_witness_value(arg.type))
                for arg_name, arg in definition.args.items()
            )
            made.append((kind, name, arguments))
            current = get_named_type(definition.type)
        inner: SelectionSetNode | None = None
        if not is_leaf_type(current):
            inner = SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),))
        for kind, name, arguments in reversed(made):
            node: SelectionNode
            if kind == "cast":
                assert inner is not None
                condition = NamedTypeNode(name=NameNode(value=name))
                node = InlineFragmentNode(type_condition=condition, selection_set=inner)
            else:
                node = FieldNode(
                    name=NameNode(value=name), arguments=arguments, selection_set=inner
                )
            inner = SelectionSetNode(selections=(node,))
        assert inner is not None
        document = OperationDefinitionNode(
            operation=OperationType(operation), selection_set=inner, variable_definitions=()
        )
        return print_ast(document)


def _witness_value(type_: GraphQLInputType) -> ValueNode:
    """An example value for an argument, as Apollo's witness query picks it."""
    if isinstance(type_, GraphQLNonNull):
        return _witness_value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return ListValueNode(values=())
    if isinstance(type_, GraphQLEnumType):
        return EnumValueNode(value=next(iter(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        fields = tuple(
            ObjectFieldNode(name=NameNode(value=name), value=_witness_value(input_field.type))
            for name, input_field in type_.fields.items()
            if input_field.default_value is Undefined
            and isinstance(input_field.type, GraphQLNonNull)
        )
        return ObjectValueNode(fields=fields)
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "Int":
        return IntValueNode(value="0")
    if type_.name == "Float":
        return FloatValueNode(value="3.14")
    if type_.name == "Boolean":
        return BooleanValueNode(value=True)
    if type_.name == "String":
        return StringValueNode(value="A string value")
    if type_.name == "ID":
        return StringValueNode(value="<any id>")
    return StringValueNode(value="<some value>")


def _dedupe(options: list[_Option]) -> list[_Option]:
    seen: set[_Option] = set()
    out: list[_Option] = []
    for option in options:
        if option not in seen:
            seen.add(option)
            out.append(option)
    return out


def _display_reasons(reasons: list[tuple[str, str]]) -> str:
    """Apollo's ``- from subgraph "a": ...`` lines, one block per source subgraph."""
    by_subgraph: dict[str, list[str]] = {}
    for subgraph, details in reasons:
        listed = by_subgraph.setdefault(subgraph, [])
        if details not in listed:
            listed.append(details)
    lines: list[str] = []
    for subgraph, listed in by_subgraph.items():
        if len(listed) == 1:
            lines.append(f'- from subgraph "{subgraph}": {listed[0]}.')
        else:
            lines.append(f'- from subgraph "{subgraph}":' + "".join(f"\n  - {d}." for d in listed))
    return "\n".join(lines)


def _mutation_error(coordinate: str, by_subgraph: Mapping[str, list[str]]) -> CompositionError:
    parts = [
        f'Supergraph API queries using the mutation field "{coordinate}" at top-level must be '
        "satisfiable without needing to call that field from multiple subgraphs, but every "
        "subgraph with that field encounters satisfiability errors. Please fix these "
        "satisfiability errors for (at least) one of the following subgraphs with the mutation "
        "field:"
    ]
    for subgraph, errors in by_subgraph.items():
        parts.append(f'- When calling "{coordinate}" at top-level from subgraph "{subgraph}":')
        for error in errors:
            parts += ["  " + line if line else line for line in error.split("\n")]
    return CompositionError(ErrorCode.SATISFIABILITY_ERROR.value, "\n".join(parts))


def _subgraph_names(names: list[str]) -> str:
    quoted = [f'"{name}"' for name in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _one_line(selection: SelectionSetNode | None) -> str:
    if selection is None:
        return ""
    return " ".join(print_field_set(selection).split())


def validate_satisfiability(supergraph: Supergraph) -> list[CompositionError]:
    """Check that every API schema query of a supergraph can be planned.

    Args:
        supergraph: a loaded supergraph (join metadata and API schema).

    Returns:
        ``SATISFIABILITY_ERROR`` errors, each with an example query and, per subgraph the query
        could be in, why it cannot go on; empty when every query is satisfiable.

    Spec: Apollo Federation composition, satisfiability (``validateGraphComposition``).
    """
    return _Walk(supergraph).run()


def check_satisfiability(supergraph_sdl: str) -> list[CompositionError]:
    """Check the satisfiability of a supergraph SDL our composer printed.

    Args:
        supergraph_sdl: the supergraph SDL.

    Returns:
        The ``SATISFIABILITY_ERROR`` errors (empty when satisfiable). A supergraph the router's
        loader refuses is not checked (it returns no errors): loading is tested on its own.

    Spec: Apollo Federation composition, satisfiability (``validateGraphComposition``).
    """
    try:
        supergraph = load_supergraph(supergraph_sdl)
    except SupergraphError:
        return []
    return validate_satisfiability(supergraph)
