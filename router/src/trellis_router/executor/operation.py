"""A client operation prepared for execution, and its execution.

:func:`prepare_operation` compiles the plan and the client operation once (the pipeline caches
the result); :func:`execute_operation` is the per-request work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    is_abstract_type,
)

from ..planner.plan import QueryPlan
from ..supergraph import Supergraph
from .client import SubgraphClient
from .compiled_shape import CompiledShaper, ShapeFallback, compile_shaper
from .introspection import introspection_document, run_introspection
from .response import ResponseShaper, SelectionShape
from .run import PlanRun, PlanTracer, SubgraphHeaders
from .steps import Step, compile_plan

__all__ = ["PreparedOperation", "execute_operation", "prepare_operation"]


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """Everything one client operation needs at request time, computed once.

    Attributes:
        plan: the query plan.
        step: the compiled plan (None when nothing is fetched).
        shape: the client's root selection, compiled over the API schema.
        api_schema: the API schema (for introspection).
        introspection: the root introspection fields as a document, when any.
        operation_kind: ``query``, ``mutation`` or ``subscription``.
        abstract_types: names of the supergraph's interfaces and unions.
        fast_shaper: the operation's shaper compiled to code (None when it cannot be; see
            :mod:`~trellis_router.executor.compiled_shape`).
    """

    plan: QueryPlan
    step: Step | None
    shape: SelectionShape
    api_schema: GraphQLSchema
    introspection: DocumentNode | None
    operation_kind: str
    abstract_types: frozenset[str] = frozenset()
    fast_shaper: CompiledShaper | None = None


def prepare_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    plan: QueryPlan,
) -> PreparedOperation:
    """Compile a plan and the client operation for execution.

    Args:
        supergraph: the supergraph the plan was made for.
        document: the client document (validated against the API schema).
        operation: the selected operation of ``document``.
        plan: the operation's query plan.

    Returns:
        The prepared operation.

    Raises:
        ValueError: the plan cannot be compiled (see :func:`compile_plan`).
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    kind = operation.operation.value
    root = supergraph.api_schema.get_root_type(operation.operation)
    if root is None:
        raise ValueError(f"the API schema has no {kind} root type")
    shape = SelectionShape.compile(
        supergraph.api_schema, root.name, [operation.selection_set], fragments
    )
    introspection = introspection_document(operation, fragments)
    return PreparedOperation(
        plan=plan,
        step=compile_plan(plan, supergraph),
        shape=shape,
        api_schema=supergraph.api_schema,
        introspection=introspection,
        operation_kind=kind,
        abstract_types=_abstract_types(supergraph.schema),
        fast_shaper=compile_shaper(shape) if introspection is None else None,
    )


def _abstract_types(schema: GraphQLSchema) -> frozenset[str]:
    return frozenset(name for name, named in schema.type_map.items() if is_abstract_type(named))


async def execute_operation(
    prepared: PreparedOperation,
    *,
    client: SubgraphClient,
    routing_url: Callable[[str], str],
    variables: Mapping[str, Any],
    headers: SubgraphHeaders | None = None,
    tracer: PlanTracer | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run a prepared operation and build the GraphQL response.

    Args:
        prepared: from :func:`prepare_operation`.
        client: sends subgraph requests.
        routing_url: the routing URL to use for a subgraph, by name.
        variables: the client's coerced variable values.
        headers: headers to send with every subgraph request, or a function giving them per
            subgraph name (header propagation rules).
        tracer: opens a span per plan node (``RouterTracing.tracer()``); None traces nothing.
        errors: errors known before execution (e.g. unauthorized fields removed from the
            plan); they come first in the response, and their paths (``@`` for any list
            index) are left null without further errors.

    Returns:
        The response object: ``data`` and, when any, ``errors``.

    Spec: GraphQL §7.1 Response Format; Apollo Federation query plan execution.
    """
    run = PlanRun(
        client=client,
        routing_url=routing_url,
        variables=variables,
        headers=headers or {},
        errors=list(errors) if errors else [],
        abstract_types=prepared.abstract_types,
        tracer=tracer,
    )
    if prepared.step is not None:
        await run.run(prepared.step)
    fast = prepared.fast_shaper
    if fast is not None:
        try:
            shaped = fast(run.data)
        except ShapeFallback:
            pass
        else:
            response: dict[str, Any] = {"data": shaped}
            if run.errors:
                response["errors"] = run.errors
            return response
    introspection = None
    if prepared.introspection is not None:
        introspection = run_introspection(
            prepared.api_schema, prepared.introspection, variables, run.errors
        )
    shaper = ResponseShaper(variables, run.errors, run.failed_paths, introspection)
    data = shaper.root(prepared.shape, run.data)
    response = {"data": data}
    if run.errors:
        response["errors"] = run.errors
    if shaper.value_completion:
        response["extensions"] = {"valueCompletion": shaper.value_completion}
    return response
