"""The billing subgraph app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from trellis_subgraph import SubgraphDefinition, SubgraphSettings
from trellis_subgraph import create_app as create_subgraph_app

from trellis_billing.outbox import deliver_order_notifications
from trellis_billing.schema import schema
from trellis_billing.seed import seed
from trellis_billing.settings import BillingSettings

__all__ = ["DEFINITION", "create_app"]

DEFINITION = SubgraphDefinition(
    name="billing",
    schema=schema,
    migrations=Path(__file__).parent / "alembic",
    seed=seed,
    settings_type=BillingSettings,
    distribution="trellis-billing",
    background=(deliver_order_notifications,),
)
"""The billing subgraph, as the kit runs it (with the order notification outbox loop)."""


def create_app(settings: SubgraphSettings | None = None) -> FastAPI:
    """Build the billing subgraph app.

    Args:
        settings: Settings (a :class:`BillingSettings`); read from the environment when omitted.

    Returns:
        The ASGI app.
    """
    return create_subgraph_app(DEFINITION, settings)
