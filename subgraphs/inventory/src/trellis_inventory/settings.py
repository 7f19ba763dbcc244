"""Settings of the inventory subgraph."""

from __future__ import annotations

from pydantic import Field
from trellis_subgraph import SubgraphSettings

__all__ = ["InventorySettings"]


class InventorySettings(SubgraphSettings):
    """Settings of the inventory subgraph (env prefix ``TRELLIS_``)."""

    subgraph_name = "inventory"

    port: int = Field(default=4002, ge=0, le=65535, description="TCP port to listen on.")
