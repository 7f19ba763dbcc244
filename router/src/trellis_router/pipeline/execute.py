"""Stage 6: execute the prepared operation against the subgraphs.

Spec: Apollo Federation query plan execution; GraphQL §7.1 Response Format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..executor import PreparedOperation, SubgraphClient, execute_operation

if TYPE_CHECKING:
    from ..state import RouterState

__all__ = ["execute"]


async def execute(
    state: RouterState,
    prepared: PreparedOperation,
    variables: Mapping[str, Any],
    client: SubgraphClient,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run a prepared operation with the state's routing URLs.

    Args:
        state: the router state the request started with.
        prepared: the prepared operation.
        variables: coerced variable values.
        client: sends subgraph requests.
        headers: headers to send with every subgraph request.

    Returns:
        The GraphQL response (``data`` and maybe ``errors``).
    """
    return await execute_operation(
        prepared,
        client=client,
        routing_url=state.routing.url_for,
        variables=variables,
        headers=headers,
    )
