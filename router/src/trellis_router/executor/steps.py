"""Query plans compiled into executable steps (done once per plan, reused by every request).

A compiled fetch keeps its request body prefix pre-encoded, its ``requires`` indexed by
``__typename`` (with the ``@key`` fields of each type), its rewrites compiled, and the top-level
response keys it fills (to know which fields a failed root fetch leaves null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import orjson
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    parse,
)

from ..planner.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)
from ..supergraph import Supergraph
from .flatten import Collector, EntityRequires, compile_collector, compile_requires
from .rewrites import ContextRead, DataRewrite, compile_context_reads, compile_rewrites

__all__ = [
    "REPRESENTATIONS",
    "ConditionStep",
    "FetchStep",
    "FlattenStep",
    "LevelStep",
    "MergeParts",
    "MergedEntityFetch",
    "ParallelStep",
    "SequenceStep",
    "Step",
    "compile_plan",
    "merge_parts",
]

REPRESENTATIONS = "representations"
"""The ``_entities`` argument (and the prefix of merged fetches' representations variables)."""


@dataclass(frozen=True, slots=True)
class MergeParts:
    """What an entity fetch contributes to a merged operation.

    Attributes:
        selection: the ``_entities`` field's selection set, as written in the fetch operation.
        variable_definitions: ``(name, text)`` of its variable definitions other than the
            representations.
    """

    selection: str
    variable_definitions: tuple[tuple[str, str], ...]


def merge_parts(operation: str) -> MergeParts | None:
    """Split an entity fetch operation into its mergeable parts.

    Args:
        operation: the fetch's operation text (``query N($representations:[_Any!]!){
            _entities(representations:$representations){...}}``).

    Returns:
        The parts, or None when the operation is anything else (fragments, directives, more
        root fields, an alias, other arguments).
    """
    try:
        document = parse(operation)
    except GraphQLError:
        return None
    if len(document.definitions) != 1:
        return None
    definition = document.definitions[0]
    if (
        not isinstance(definition, OperationDefinitionNode)
        or definition.operation is not OperationType.QUERY
        or definition.directives
        or len(definition.selection_set.selections) != 1
    ):
        return None
    entities = definition.selection_set.selections[0]
    if (
        not isinstance(entities, FieldNode)
        or entities.name.value != "_entities"
        or entities.alias is not None
        or entities.directives
        or entities.selection_set is None
        or entities.selection_set.loc is None
        or len(entities.arguments or ()) != 1
    ):
        return None
    argument = (entities.arguments or ())[0]
    if argument.name.value != REPRESENTATIONS or not isinstance(argument.value, VariableNode):
        return None
    representations = argument.value.name.value
    definitions: list[tuple[str, str]] = []
    for variable in definition.variable_definitions or ():
        name = variable.variable.name.value
        if name == representations:
            continue
        if variable.loc is None or name.startswith(REPRESENTATIONS):
            return None
        definitions.append((name, operation[variable.loc.start : variable.loc.end]))
    location = entities.selection_set.loc
    return MergeParts(operation[location.start : location.end], tuple(definitions))


@dataclass(frozen=True, slots=True)
class FetchStep:
    """One subgraph request, ready to send.

    Attributes:
        service_name: the subgraph name.
        body_prefix: ``{"query":…,"operationName":…,"variables":`` encoded as JSON bytes.
        variable_usages: client variables forwarded to the subgraph.
        requires: for an entity fetch, the compiled representation selection; None for a root
            fetch.
        root_keys: response keys of the operation's top-level fields (root fetches).
        input_rewrites: applied to each representation before it is sent.
        output_rewrites: applied to each entity (or the root data) before it is merged.
        context_reads: contextual argument values to read relative to each entity.
        operation_name: the fetch operation's name.
        merge_parts: for an entity fetch that can share a request with others, its parts
            (see :mod:`~trellis_router.executor.levels`); None otherwise.
        collector: for an entity fetch whose representations are flat and not rewritten, the
            generated batch builder (:func:`~trellis_router.executor.flatten.compile_collector`).
    """

    service_name: str
    body_prefix: bytes
    variable_usages: tuple[str, ...]
    requires: EntityRequires | None
    root_keys: tuple[str, ...]
    input_rewrites: tuple[DataRewrite, ...] = ()
    output_rewrites: tuple[DataRewrite, ...] = ()
    context_reads: tuple[ContextRead, ...] = ()
    operation_name: str | None = None
    merge_parts: MergeParts | None = None
    collector: Collector | None = None


@dataclass(frozen=True, slots=True)
class FlattenStep:
    """An entity fetch for the objects at ``path``."""

    path: tuple[str, ...]
    fetch: FetchStep


@dataclass(frozen=True, slots=True)
class SequenceStep:
    """Steps run one after the other."""

    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class ParallelStep:
    """Steps run concurrently."""

    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class ConditionStep:
    """``if_step`` when boolean variable ``condition`` is true, else ``else_step``."""

    condition: str
    if_step: Step | None
    else_step: Step | None


@dataclass(frozen=True, slots=True)
class MergedEntityFetch:
    """Entity fetches of one level to one subgraph, sent as one request (one aliased
    ``_entities`` field each).

    Attributes:
        service_name: the subgraph.
        steps: the entity fetches (their paths, requires and rewrites apply as when alone).
        parts: each fetch's selection and variable definitions.
        operation_name: the merged operation's name.
        bodies: request body prefixes per subset of ``steps`` (filled on demand).
    """

    service_name: str
    steps: tuple[FlattenStep, ...]
    parts: tuple[MergeParts, ...]
    operation_name: str
    bodies: dict[tuple[int, ...], bytes] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class LevelStep:
    """A query plan run level by level (see :mod:`~trellis_router.executor.levels`).

    Attributes:
        levels: per level, the fetches (and merged fetches) run concurrently.
        tree: the plan as compiled (what tracing runs, to keep Apollo's span structure).
    """

    levels: tuple[tuple[FetchStep | FlattenStep | MergedEntityFetch, ...], ...]
    tree: Step


Step: TypeAlias = FetchStep | FlattenStep | SequenceStep | ParallelStep | ConditionStep | LevelStep


def compile_plan(plan: QueryPlan, supergraph: Supergraph, merge: bool = True) -> Step | None:
    """Compile a query plan into executable steps.

    Args:
        plan: the query plan.
        supergraph: the supergraph the plan was made for (abstract type conditions in
            ``requires`` and rewrites are expanded with its schema; ``@key`` fields come from its
            join metadata).
        merge: schedule a query plan by levels, merging the entity fetches of a level that go
            to the same subgraph (:func:`~trellis_router.executor.levels.schedule_levels`);
            False keeps the plan's tree.

    Returns:
        The root step, or None for an empty plan.

    Raises:
        ValueError: a Flatten node wraps something other than a Fetch, or a fetch operation
            does not parse.
    """
    if plan.node is None:
        return None
    tree = _compile(plan.node, supergraph)
    if not merge:
        return tree
    from .levels import schedule_levels

    return schedule_levels(tree) or tree


def _compile(node: PlanNode, supergraph: Supergraph) -> Step:
    if isinstance(node, FetchNode):
        return _compile_fetch(node, supergraph)
    if isinstance(node, FlattenNode):
        if not isinstance(node.node, FetchNode):
            raise ValueError("a Flatten node must wrap a Fetch node")
        return FlattenStep(path=node.path, fetch=_compile_fetch(node.node, supergraph))
    if isinstance(node, SequenceNode):
        return SequenceStep(tuple(_compile(child, supergraph) for child in node.nodes))
    if isinstance(node, ParallelNode):
        return ParallelStep(tuple(_compile(child, supergraph) for child in node.nodes))
    return _compile_condition(node, supergraph)


def _compile_condition(node: ConditionNode, supergraph: Supergraph) -> ConditionStep:
    return ConditionStep(
        condition=node.condition,
        if_step=_compile(node.if_clause, supergraph) if node.if_clause else None,
        else_step=_compile(node.else_clause, supergraph) if node.else_clause else None,
    )


def _compile_fetch(node: FetchNode, supergraph: Supergraph) -> FetchStep:
    prefix = (
        b'{"query":'
        + orjson.dumps(node.operation)
        + b',"operationName":'
        + orjson.dumps(node.operation_name)
        + b',"variables":'
    )
    requires = None
    if node.requires is not None:
        requires = compile_requires(node.requires, supergraph, node.service_name)
    schema = supergraph.schema
    input_rewrites = compile_rewrites(node.input_rewrites, schema)
    collector = None
    if requires is not None and not input_rewrites:
        collector = compile_collector(requires)
    return FetchStep(
        service_name=node.service_name,
        body_prefix=prefix,
        variable_usages=node.variable_usages,
        requires=requires,
        root_keys=() if requires is not None else _root_keys(node.operation),
        input_rewrites=input_rewrites,
        output_rewrites=compile_rewrites(node.output_rewrites, schema),
        context_reads=compile_context_reads(node.context_rewrites, schema),
        operation_name=node.operation_name,
        merge_parts=merge_parts(node.operation) if requires is not None else None,
        collector=collector,
    )


def _root_keys(operation: str) -> tuple[str, ...]:
    try:
        document = parse(operation, no_location=True)
    except GraphQLError as error:
        raise ValueError(f"a fetch operation does not parse: {error.message}") from error
    keys: list[str] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    keys.append((selection.alias or selection.name).value)
    return tuple(keys)
