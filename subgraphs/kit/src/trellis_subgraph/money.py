"""``Money``: the shareable value type every subgraph that prices things declares identically."""

from __future__ import annotations

import strawberry

__all__ = ["DEFAULT_CURRENCY", "Money"]

DEFAULT_CURRENCY = "USD"
"""ISO 4217 code of the demo catalogue's prices."""


@strawberry.federation.type(shareable=True, description="An amount of money in minor units.")
class Money:
    """An amount in integer minor units (cents) and an ISO 4217 currency code; never a float.

    Spec: Apollo Federation 2, ``@shareable`` (the same value type resolved by several
    subgraphs).
    """

    amount: int = strawberry.field(description="Amount in minor units (cents for USD).")
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. USD.")
