"""Settings of the billing subgraph."""

from __future__ import annotations

from pydantic import Field
from trellis_subgraph import SubgraphSettings

__all__ = ["BillingSettings"]


class BillingSettings(SubgraphSettings):
    """Settings of the billing subgraph (env prefix ``TRELLIS_``)."""

    subgraph_name = "billing"

    port: int = Field(default=4003, ge=0, le=65535, description="TCP port to listen on.")
