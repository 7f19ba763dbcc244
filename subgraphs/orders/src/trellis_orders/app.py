"""The orders subgraph app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from trellis_subgraph import SubgraphDefinition
from trellis_subgraph import create_app as create_subgraph_app

from trellis_orders.saga import recover_pending_orders
from trellis_orders.schema import schema
from trellis_orders.seed import seed
from trellis_orders.settings import OrdersSettings

__all__ = ["DEFINITION", "create_app"]

DEFINITION = SubgraphDefinition(
    name="orders",
    schema=schema,
    migrations=Path(__file__).parent / "alembic",
    seed=seed,
    settings_type=OrdersSettings,
    distribution="trellis-orders",
    background=(recover_pending_orders,),
)
"""The orders subgraph, as the kit runs it (with the saga recovery loop in the background)."""


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    """Build the orders subgraph app.

    Args:
        settings: Settings; read from the environment when omitted.

    Returns:
        The ASGI app.
    """
    return create_subgraph_app(DEFINITION, settings)
