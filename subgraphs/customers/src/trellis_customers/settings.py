"""Settings of the customers subgraph."""

from __future__ import annotations

from pydantic import Field
from trellis_subgraph import SubgraphSettings

__all__ = ["CustomersSettings"]


class CustomersSettings(SubgraphSettings):
    """Settings of the customers subgraph (env prefix ``TRELLIS_``)."""

    subgraph_name = "customers"

    port: int = Field(default=4001, ge=0, le=65535, description="TCP port to listen on.")
