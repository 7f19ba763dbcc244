"""Settings of the orders subgraph."""

from __future__ import annotations

from pydantic import Field
from trellis_subgraph import SubgraphSettings

__all__ = ["OrdersSettings"]


class OrdersSettings(SubgraphSettings):
    """Settings of the orders subgraph (env prefix ``TRELLIS_``)."""

    subgraph_name = "orders"

    port: int = Field(default=4004, ge=0, le=65535, description="TCP port to listen on.")
