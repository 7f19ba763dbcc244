"""Turn a fetch dependency graph into a :class:`QueryPlan` (Fetch/Flatten/Sequence/Parallel).

Each group runs after its parent; children of one group run in parallel unless ``@requires``
makes one wait for a sibling, in which case they run in waves (Sequence of Parallel).
Subgraph operations are named ``<ClientOperation>__<subgraph>__<n>`` with ``n`` counting
fetches over the whole plan in depth-first order.

Spec: Apollo Federation query plans (``@apollo/query-planner`` naming and printing).
"""

from __future__ import annotations

import re

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse_type,
    print_ast,
    strip_ignored_characters,
    visit,
)

from .aliases import alias_conflicting_fields
from .fetch_graph import Condition, FetchDependencyGraph, FetchGroup
from .plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    KeyRenamer,
    OperationKind,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
    ValueSetter,
)

__all__ = ["build_query_plan", "subgraph_operation_name"]

_REPRESENTATIONS = VariableDefinitionNode(
    variable=VariableNode(name=NameNode(value="representations")),
    type=NonNullTypeNode(
        type=ListTypeNode(type=NonNullTypeNode(type=NamedTypeNode(name=NameNode(value="_Any"))))
    ),
)


def subgraph_operation_name(client_name: str | None, subgraph: str, index: int) -> str | None:
    """Name a subgraph operation as Apollo does.

    Args:
        client_name: the client operation's name (None for an anonymous operation).
        subgraph: the subgraph name.
        index: the fetch's position in the plan (0-based, depth-first).

    Returns:
        ``<client>__<subgraph>__<index>`` with the subgraph name made a valid GraphQL name
        (``-`` -> ``_``, other invalid characters removed, ``_`` before a leading digit), or None.
    """
    if client_name is None:
        return None
    cleaned = re.sub(r"[^_0-9A-Za-z]", "", subgraph.replace("-", "_"))
    if cleaned[:1].isdigit():
        cleaned = "_" + cleaned
    return f"{client_name}__{cleaned}__{index}"


class _VariableCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        if node.name.value not in self.names:
            self.names.append(node.name.value)


def _used_variables(selection_set: SelectionSetNode) -> list[str]:
    collector = _VariableCollector()
    visit(selection_set, collector)
    return collector.names


class _PlanBuilder:
    def __init__(self, graph: FetchDependencyGraph):
        self.graph = graph
        self.operation = graph.operation
        self.counter = 0
        self.hoisted: dict[int, tuple[Condition, ...]] = {}

    def fetch(self, group: FetchGroup) -> PlanNode:
        output_rewrites = alias_conflicting_fields(
            self.graph.supergraph, group.subgraph, group.selections, group.root_type
        )
        selection = group.selections.to_ast()
        variables = _used_variables(selection)
        definitions = [
            self.operation.variable_definitions[name]
            for name in variables
            if name in self.operation.variable_definitions
        ]
        definitions += [
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value=name)), type=parse_type(type_text)
            )
            for name, type_text in group.context_variables.items()
        ]
        name = subgraph_operation_name(self.operation.name, group.subgraph, self.counter)
        self.counter += 1
        kind: OperationKind = self.operation.kind  # type: ignore[assignment]
        if group.is_entity_fetch:
            definitions.insert(0, _REPRESENTATIONS)
            body = SelectionSetNode(
                selections=(
                    FieldNode(
                        name=NameNode(value="_entities"),
                        arguments=(
                            ArgumentNode(
                                name=NameNode(value="representations"),
                                value=VariableNode(name=NameNode(value="representations")),
                            ),
                        ),
                        directives=(),
                        selection_set=selection,
                    ),
                )
            )
            kind = "query"
        else:
            body = selection
        operation = OperationDefinitionNode(
            operation=OperationType(kind),
            name=NameNode(value=name) if name else None,
            variable_definitions=tuple(definitions),
            directives=(),
            selection_set=body,
        )
        text = strip_ignored_characters(print_ast(DocumentNode(definitions=(operation,))))
        node = FetchNode(
            service_name=group.subgraph,
            operation=text,
            operation_kind=kind,
            operation_name=name,
            variable_usages=tuple(
                v
                for v in variables
                if v in self.operation.variable_definitions or v in group.context_variables
            ),
            requires=group.inputs.to_requires() if group.is_entity_fetch else None,
            selection_text=print_ast(selection),
            output_rewrites=output_rewrites,
            context_rewrites=tuple(
                KeyRenamer(path=path, rename_key_to=name) for path, name in group.context_rewrites
            ),
            input_rewrites=tuple(
                ValueSetter(path=path, set_value_to=value) for path, value in group.input_rewrites
            ),
        )
        if group.is_entity_fetch:
            return FlattenNode(path=group.merge_path, node=node)
        return node

    def subtree(self, group: FetchGroup) -> PlanNode:
        own = self.fetch(group)
        waves = self.waves(group)
        node: PlanNode
        if not waves:
            node = own
        else:
            nodes: list[PlanNode] = [own]
            for wave in waves:
                children = [self.subtree(child) for child in wave]
                nodes.append(children[0] if len(children) == 1 else ParallelNode(tuple(children)))
            node = _sequence(nodes)
        for kind, variable in reversed(self.hoisted.get(group.index, ())):
            if kind == "include":
                node = ConditionNode(variable, node, None)
            else:
                node = ConditionNode(variable, None, node)
        return node

    def waves(self, group: FetchGroup) -> list[list[FetchGroup]]:
        children = group.children
        if not children:
            return []
        sibling_of: dict[int, FetchGroup] = {}
        for child in children:
            sibling_of[child.index] = child

        def ancestor_sibling(node: FetchGroup) -> FetchGroup | None:
            current: FetchGroup | None = node
            while current is not None and current.parent is not group:
                current = current.parent
            return current

        deps: dict[int, set[int]] = {c.index: set() for c in children}
        for child in children:
            for dependency in _descendant_dependencies(child):
                sibling = ancestor_sibling(dependency)
                if sibling is not None and sibling is not child:
                    deps[child.index].add(sibling.index)
        done: set[int] = set()
        waves: list[list[FetchGroup]] = []
        remaining = list(children)
        while remaining:
            wave = [c for c in remaining if deps[c.index] <= done]
            if not wave:  # a cycle: fall back to creation order
                wave = [remaining[0]]
            waves.append(wave)
            done.update(c.index for c in wave)
            remaining = [c for c in remaining if c.index not in done]
        return waves

    def hoist_conditions(self, group: FetchGroup, inherited: frozenset[Condition]) -> None:
        """Lift the variable conditions common to every entry into ``group`` (and not already
        in force above it) into Condition nodes; drop them from its selection."""
        sets = group.condition_sets
        common = [c for c in sets[0] if all(c in other for other in sets[1:])] if sets else []
        own = tuple(dict.fromkeys(c for c in common if c not in inherited))
        if own:
            self.hoisted[group.index] = own
            group.selections.strip_conditions(own)
        below = inherited | frozenset(own)
        for child in group.children:
            self.hoist_conditions(child, below)

    def build(self) -> QueryPlan:
        for root in self.graph.roots:
            self.hoist_conditions(root, frozenset())
        roots = self.graph.roots
        if not roots:
            return QueryPlan(node=None)
        nodes = [self.subtree(root) for root in roots]
        if len(nodes) == 1:
            return QueryPlan(node=nodes[0])
        if self.operation.kind == "mutation":
            return QueryPlan(node=_sequence(nodes))
        return QueryPlan(node=ParallelNode(tuple(nodes)))


def _descendant_dependencies(group: FetchGroup) -> list[FetchGroup]:
    """What ``group`` and the groups below it wait for (``@requires`` inputs)."""
    out = list(group.depends_on)
    for child in group.children:
        out.extend(_descendant_dependencies(child))
    return out


def _sequence(nodes: list[PlanNode]) -> SequenceNode:
    flat: list[PlanNode] = []
    for node in nodes:
        if isinstance(node, SequenceNode):
            flat.extend(node.nodes)
        else:
            flat.append(node)
    return SequenceNode(tuple(flat))


def build_query_plan(graph: FetchDependencyGraph) -> QueryPlan:
    """Build the query plan of a fetch dependency graph.

    Args:
        graph: the fetch groups of one operation.

    Returns:
        The plan; its node is None when the operation needs no fetch (only ``__typename`` or
        introspection at the root).
    """
    return _PlanBuilder(graph).build()
