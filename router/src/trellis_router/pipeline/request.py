"""The whole request pipeline: persisted query -> parse (size, tokens) -> validate -> select
operation -> introspection and limits -> coerce variables -> authorize -> plan (cached) ->
execute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, OperationDefinitionNode

from ..auth import ANONYMOUS, AuthorizationResult, Identity, authorize_operation
from ..executor import PlanTracer, SubgraphClient, SubgraphHeaders
from ..executor.operation import PreparedOperation
from ..planner.plan import QueryPlan
from .errors import BAD_REQUEST, UNAUTHORIZED_FIELD_OR_TYPE, RequestError
from .execute import execute
from .introspection import check_introspection
from .limits import check_limits, operation_measure, parse_limited
from .operation import select_operation
from .override import active_override_labels
from .parse import parse_query
from .plan import Planner, default_planner, lookup_prepared_operation
from .policy import RequestPolicy
from .validate import validate_document
from .variables import coerce_variables

if TYPE_CHECKING:
    from ..state import RouterState

__all__ = ["GraphQLRequest", "PipelineResult", "PreparedRequest", "prepare_request", "run_pipeline"]


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
        operation_name: the executed operation's name (None when anonymous).
        operation_kind: ``query`` or ``mutation``.
        query: the executed document text (the persisted query's when one was used).
        plan_cache_hit: whether the prepared operation came from the plan cache.
    """

    response: dict[str, Any]
    plan: QueryPlan | None = field(default=None)
    operation_name: str | None = None
    operation_kind: str = "query"
    query: str = ""
    plan_cache_hit: bool | None = None


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request that passed every stage before execution.

    Attributes:
        query: the document text (the persisted query's when one was used).
        operation: the selected operation.
        variables: the coerced variable values.
        prepared: the prepared operation (plan, compiled steps and shaper).
        plan_cache_hit: whether ``prepared`` came from the plan cache.
        errors: errors known before execution (fields removed by authorization), or None.
        headers: the subgraph request headers.
    """

    query: str
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    prepared: PreparedOperation
    plan_cache_hit: bool
    errors: list[dict[str, Any]] | None
    headers: SubgraphHeaders | None


def prepare_request(
    state: RouterState,
    request: GraphQLRequest,
    *,
    allow_mutations: bool = True,
    planner: Planner = default_planner,
    headers: SubgraphHeaders | None = None,
    custom_override_labels: frozenset[str] = frozenset(),
    policy: RequestPolicy | None = None,
    identity: Identity = ANONYMOUS,
) -> PreparedRequest:
    """Run every stage before execution: persisted query, parse, validate, select the
    operation, introspection and limits, coerce variables, authorize, plan (cached).

    Args: as :func:`run_pipeline` (without the client and tracer).

    Returns:
        The prepared request.

    Raises:
        RequestError: as :func:`run_pipeline`.
    """
    query = request.query
    if policy is not None:
        if policy.persisted is not None:
            query = policy.persisted.resolve(query, request.extensions)
        elif not query:
            raise RequestError.single(BAD_REQUEST, "The request has no query.")
        document = parse_limited(query, policy.limits)
        custom_override_labels = policy.override_labels
        if headers is None:
            headers = policy.headers.for_request({}, identity.claims)
    else:
        document = parse_query(query)
    validate_document(state, query, document)
    operation = select_operation(document, request.operation_name)
    kind = operation.operation.value
    if kind == "subscription":
        raise RequestError.single(BAD_REQUEST, "Subscriptions are not supported.")
    if kind == "mutation" and not allow_mutations:
        raise RequestError.single(BAD_REQUEST, "Mutations can only be sent with POST.", 405)
    if policy is not None:
        _check_operation(state, policy, query, request.operation_name, document, operation)
    variables = coerce_variables(state.supergraph.api_schema, operation, request.variables)
    labels = state.supergraph.override_labels
    active = active_override_labels(labels, custom_override_labels) if labels else frozenset()
    authorized = None
    if policy is not None and policy.authorization.directives_enabled:
        authorized = _authorize(
            state, policy, query, request.operation_name, document, operation, identity
        )
    prepared, hit = lookup_prepared_operation(
        state,
        query,
        document,
        operation,
        request.operation_name,
        planner,
        active,
        authorized=authorized,
    )
    return PreparedRequest(
        query=query,
        operation=operation,
        variables=variables,
        prepared=prepared,
        plan_cache_hit=hit,
        errors=list(authorized.errors) if authorized is not None else None,
        headers=headers,
    )


async def run_pipeline(
    state: RouterState,
    request: GraphQLRequest,
    client: SubgraphClient,
    *,
    allow_mutations: bool = True,
    planner: Planner = default_planner,
    headers: SubgraphHeaders | None = None,
    custom_override_labels: frozenset[str] = frozenset(),
    policy: RequestPolicy | None = None,
    identity: Identity = ANONYMOUS,
    tracer: PlanTracer | None = None,
) -> PipelineResult:
    """Run one GraphQL request through every stage.

    Args:
        state: the router state, read once by the caller for this request.
        request: the decoded request.
        client: sends subgraph requests.
        allow_mutations: False for ``GET`` requests (a mutation is then refused with 405).
        planner: the query planner (cache misses only).
        headers: headers for subgraph requests (one mapping, or a function of the subgraph
            name); None with a ``policy``: the policy's header propagation rules.
        custom_override_labels: custom progressive ``@override`` labels switched on (percentage
            labels are rolled per request); a ``policy`` brings its own.
        policy: the checks in effect (persisted queries, limits, introspection switch,
            authorization); None: none of them (library use and tests).
        identity: the caller (JWT claims and scopes) for authorization and header rules.
        tracer: opens a span per plan node (None: no tracing).

    Returns:
        The response and the plan.

    Raises:
        RequestError: the request cannot be executed (persisted query, parse, limits,
            validation, operation, variables, method, authorization with
            ``reject_unauthorized``, or planning failure).

    Spec: GraphQL-over-HTTP (GET must not run mutations); Apollo Router request lifecycle
    (APQ and persisted queries before parsing, limits after validation, authorization
    before planning).
    """
    ready = prepare_request(
        state,
        request,
        allow_mutations=allow_mutations,
        planner=planner,
        headers=headers,
        custom_override_labels=custom_override_labels,
        policy=policy,
        identity=identity,
    )
    prepared = ready.prepared
    response = await execute(
        state, prepared, ready.variables, client, ready.headers, ready.errors, tracer
    )
    operation = ready.operation
    return PipelineResult(
        response=response,
        plan=prepared.plan,
        operation_name=operation.name.value if operation.name is not None else None,
        operation_kind=operation.operation.value,
        query=ready.query,
        plan_cache_hit=ready.plan_cache_hit,
    )


def _check_operation(
    state: RouterState,
    policy: RequestPolicy,
    query: str,
    operation_name: str | None,
    document: DocumentNode,
    operation: OperationDefinitionNode,
) -> None:
    """The introspection switch and the operation limits (measure cached per query)."""
    if not policy.introspection:
        check_introspection(document, operation, enabled=False)
    cache = state.caches.measures
    key = (query, operation_name)
    measure = cache.get(key)
    if measure is None:
        measure = operation_measure(document, operation)
        cache.put(key, measure)
    check_limits(document, operation, policy.limits, measure)


def _authorize(
    state: RouterState,
    policy: RequestPolicy,
    query: str,
    operation_name: str | None,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    identity: Identity,
) -> AuthorizationResult | None:
    """Remove the fields ``identity`` may not see (None: the supergraph has no directive).

    Raises:
        RequestError: ``UNAUTHORIZED_FIELD_OR_TYPE`` (403) when a field is unauthorized and
            ``reject_unauthorized`` is set.
    """
    rules = state.authorization
    if rules.empty:
        return None
    granted = policy.granted_policies(rules.policies_in(document, operation), identity)
    key = (query, operation_name, identity.authenticated, identity.scopes, granted)
    cache = state.caches.authorization
    result = cache.get(key)
    if result is None:
        result = authorize_operation(
            rules, state.supergraph.api_schema, document, operation_name, identity, granted
        )
        cache.put(key, result)
    if result.errors and policy.authorization.reject_unauthorized:
        raise RequestError(UNAUTHORIZED_FIELD_OR_TYPE, list(result.errors), 403)
    return result if result.errors else None
