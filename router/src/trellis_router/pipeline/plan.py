"""Stage 5: plan the operation and prepare it for execution (LRU-cached per supergraph).

The cache key is (supergraph hash, operation text, operation name, active override labels, what
authorization removed); the
cached value is the
:class:`~trellis_router.executor.PreparedOperation` (plan compiled, client operation compiled).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from graphql import DocumentNode, OperationDefinitionNode

from ..auth import AuthorizationResult
from ..executor import PreparedOperation, prepare_operation
from ..planner.errors import PlanningError
from ..planner.plan import QueryPlan
from ..supergraph import Supergraph
from .errors import QUERY_PLANNING_FAILED, RequestError

if TYPE_CHECKING:
    from ..state import RouterState

__all__ = ["Planner", "default_planner", "lookup_prepared_operation", "prepared_operation"]


Planner: TypeAlias = Callable[[Supergraph, DocumentNode, str | None, frozenset[str]], QueryPlan]
"""Makes the query plan of one operation (the seam over ``trellis_router.planner``):
``planner(supergraph, document, operation_name, override_labels)``; raises ``PlanningError``."""


def default_planner(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None,
    override_labels: frozenset[str] = frozenset(),
) -> QueryPlan:
    """The router's query planner (``trellis_router.planner.plan_operation``)."""
    from ..planner import plan_operation

    return plan_operation(supergraph, document, operation_name, override_labels)


def prepared_operation(
    state: RouterState,
    query: str,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operation_name: str | None,
    planner: Planner = default_planner,
    override_labels: frozenset[str] = frozenset(),
    *,
    authorized: AuthorizationResult | None = None,
) -> PreparedOperation:
    """The prepared operation for a request, from the cache or planned now.

    Args:
        state: the router state (supergraph, cache).
        query: the document text (cache key part).
        document: the validated document.
        operation: the selected operation.
        operation_name: the request's operation name (cache key part).
        planner: makes the plan on a cache miss.
        override_labels: the progressive override labels active for this request (cache key
            part: each combination has its own plan).
        authorized: the authorization result when fields were removed: the plan is made for
            its filtered document (nothing unauthorized reaches a subgraph) while the response
            is shaped by the client's ``document`` (removed fields answer null); its ``key``
            is a cache key part. When nothing is left to execute, no subgraph is called.

    Returns:
        The prepared operation.

    Raises:
        RequestError: ``QUERY_PLANNING_FAILED`` (status 500) when no plan can be made.
    """
    return lookup_prepared_operation(
        state,
        query,
        document,
        operation,
        operation_name,
        planner,
        override_labels,
        authorized=authorized,
    )[0]


def lookup_prepared_operation(
    state: RouterState,
    query: str,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operation_name: str | None,
    planner: Planner = default_planner,
    override_labels: frozenset[str] = frozenset(),
    *,
    authorized: AuthorizationResult | None = None,
) -> tuple[PreparedOperation, bool]:
    """:func:`prepared_operation`, also telling whether the plan cache had it.

    Returns:
        ``(prepared operation, cache hit)``.

    Raises:
        RequestError: ``QUERY_PLANNING_FAILED`` (status 500) when no plan can be made.
    """
    supergraph = state.supergraph
    auth_key = authorized.key if authorized is not None else ""
    key = (supergraph.schema_hash, query, operation_name, override_labels, auth_key)
    cache = state.caches.operations
    prepared = cache.get(key)
    if prepared is not None:
        return prepared, True
    planned = authorized.document if authorized is not None else document
    try:
        plan = planner(supergraph, planned, operation_name, override_labels)
        prepared = prepare_operation(supergraph, document, operation, plan)
    except (PlanningError, ValueError) as error:
        raise RequestError.single(QUERY_PLANNING_FAILED, str(error), 500) from error
    if authorized is not None and authorized.empty:
        prepared = dataclasses.replace(prepared, step=None)
    cache.put(key, prepared)
    return prepared, False
