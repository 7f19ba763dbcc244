"""The whole request pipeline: parse -> validate -> select operation -> coerce variables ->
plan (cached) -> execute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..executor import SubgraphClient
from ..planner.plan import QueryPlan
from .errors import BAD_REQUEST, RequestError
from .execute import execute
from .operation import select_operation
from .override import active_override_labels
from .parse import parse_query
from .plan import Planner, default_planner, prepared_operation
from .validate import validate_document
from .variables import coerce_variables

if TYPE_CHECKING:
    from ..state import RouterState

__all__ = ["GraphQLRequest", "PipelineResult", "run_pipeline"]


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """One GraphQL request, as decoded from HTTP.

    Attributes:
        query: the document text.
        operation_name: ``operationName`` (None when absent).
        variables: raw variable values (JSON).
        extensions: the request's ``extensions``.
    """

    query: str
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    extensions: Mapping[str, Any] | None = None


@dataclass(slots=True)
class PipelineResult:
    """What the pipeline produced for one request.

    Attributes:
        response: the GraphQL response object.
        plan: the query plan used (None when the request failed before planning).
    """

    response: dict[str, Any]
    plan: QueryPlan | None = field(default=None)


async def run_pipeline(
    state: RouterState,
    request: GraphQLRequest,
    client: SubgraphClient,
    *,
    allow_mutations: bool = True,
    planner: Planner = default_planner,
    headers: Mapping[str, str] | None = None,
    custom_override_labels: frozenset[str] = frozenset(),
) -> PipelineResult:
    """Run one GraphQL request through every stage.

    Args:
        state: the router state, read once by the caller for this request.
        request: the decoded request.
        client: sends subgraph requests.
        allow_mutations: False for ``GET`` requests (a mutation is then refused with 405).
        planner: the query planner (cache misses only).
        headers: headers to send with every subgraph request.
        custom_override_labels: custom progressive ``@override`` labels switched on (percentage
            labels are rolled per request).

    Returns:
        The response and the plan.

    Raises:
        RequestError: the request cannot be executed (parse, validation, operation,
            variables, method or planning failure).

    Spec: GraphQL-over-HTTP (GET must not run mutations).
    """
    document = parse_query(request.query)
    validate_document(state, request.query, document)
    operation = select_operation(document, request.operation_name)
    kind = operation.operation.value
    if kind == "subscription":
        raise RequestError.single(BAD_REQUEST, "Subscriptions are not supported.")
    if kind == "mutation" and not allow_mutations:
        raise RequestError.single(BAD_REQUEST, "Mutations can only be sent with POST.", 405)
    variables = coerce_variables(state.supergraph.api_schema, operation, request.variables)
    labels = state.supergraph.override_labels
    active = active_override_labels(labels, custom_override_labels) if labels else frozenset()
    prepared = prepared_operation(
        state, request.query, document, operation, request.operation_name, planner, active
    )
    response = await execute(state, prepared, variables, client, headers)
    return PipelineResult(response=response, plan=prepared.plan)
