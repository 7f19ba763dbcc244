"""``batching``: several operations in one HTTP request (a JSON array), off by default.

Apollo Router: ``batching.enabled``, ``batching.maximum_size``. The GraphQL-over-HTTP spec does
not define batching; each operation of a batch is answered as if sent alone, in order.
"""

from __future__ import annotations

from pydantic import Field

from .section import Section

__all__ = ["BatchingSettings"]


class BatchingSettings(Section):
    """Request batching."""

    enabled: bool = Field(default=False, description="Accept a JSON array of requests in one POST.")
    max_size: int = Field(default=32, ge=1, description="Most operations in one batch.")
