"""Query plans compiled into executable steps (done once per plan, reused by every request).

A compiled fetch keeps its request body prefix pre-encoded, its ``requires`` indexed by
``__typename`` (with the ``@key`` fields of each type), its rewrites compiled, and the top-level
response keys it fills (to know which fields a failed root fetch leaves null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import orjson
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse

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
from .flatten import EntityRequires, compile_requires
from .rewrites import ContextRead, DataRewrite, compile_context_reads, compile_rewrites

__all__ = [
    "ConditionStep",
    "FetchStep",
    "FlattenStep",
    "ParallelStep",
    "SequenceStep",
    "Step",
    "compile_plan",
]


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
    """

    service_name: str
    body_prefix: bytes
    variable_usages: tuple[str, ...]
    requires: EntityRequires | None
    root_keys: tuple[str, ...]
    input_rewrites: tuple[DataRewrite, ...] = ()
    output_rewrites: tuple[DataRewrite, ...] = ()
    context_reads: tuple[ContextRead, ...] = ()


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


Step: TypeAlias = FetchStep | FlattenStep | SequenceStep | ParallelStep | ConditionStep


def compile_plan(plan: QueryPlan, supergraph: Supergraph) -> Step | None:
    """Compile a query plan into executable steps.

    Args:
        plan: the query plan.
        supergraph: the supergraph the plan was made for (abstract type conditions in
            ``requires`` and rewrites are expanded with its schema; ``@key`` fields come from its
            join metadata).

    Returns:
        The root step, or None for an empty plan.

    Raises:
        ValueError: a Flatten node wraps something other than a Fetch, or a fetch operation
            does not parse.
    """
    return _compile(plan.node, supergraph) if plan.node is not None else None


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
    return FetchStep(
        service_name=node.service_name,
        body_prefix=prefix,
        variable_usages=node.variable_usages,
        requires=requires,
        root_keys=() if requires is not None else _root_keys(node.operation),
        input_rewrites=compile_rewrites(node.input_rewrites, schema),
        output_rewrites=compile_rewrites(node.output_rewrites, schema),
        context_reads=compile_context_reads(node.context_rewrites, schema),
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
