"""Stage 6: execute the prepared operation against the subgraphs.

With a :class:`~trellis_router.executor.BalancingSubgraphClient`, the request's subgraph calls
are load-balanced over the state's routing URLs (round robin, passive ejection, retries on
another instance); with any other client, the state's routing table picks URLs round robin.

Spec: Apollo Federation query plan execution; GraphQL §7.1 Response Format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..executor import (
    BalancingSubgraphClient,
    PlanTracer,
    PreparedOperation,
    SubgraphClient,
    SubgraphHeaders,
    execute_operation,
)

if TYPE_CHECKING:
    from ..state import RouterState

__all__ = ["execute"]


async def execute(
    state: RouterState,
    prepared: PreparedOperation,
    variables: Mapping[str, Any],
    client: SubgraphClient,
    headers: SubgraphHeaders | None = None,
    errors: list[dict[str, Any]] | None = None,
    tracer: PlanTracer | None = None,
) -> dict[str, Any]:
    """Run a prepared operation with the state's routing URLs.

    Args:
        state: the router state the request started with.
        prepared: the prepared operation.
        variables: coerced variable values.
        client: sends subgraph requests (a balancing client is bound to the state's routing
            URLs for this request).
        headers: headers for subgraph requests (one mapping, or a function of the subgraph
            name).
        errors: errors known before execution (unauthorized fields), first in the response.
        tracer: opens a span per plan node (None: no tracing).

    Returns:
        The GraphQL response (``data`` and maybe ``errors``).
    """
    if isinstance(client, BalancingSubgraphClient):
        bound = client.bind(state.routing.urls)
        return await execute_operation(
            prepared,
            client=bound,
            routing_url=bound.url_for,
            variables=variables,
            headers=headers,
            errors=errors,
            tracer=tracer,
        )
    return await execute_operation(
        prepared,
        client=client,
        routing_url=state.routing.url_for,
        variables=variables,
        headers=headers,
        errors=errors,
        tracer=tracer,
    )
