"""Where supergraphs come from: the :class:`SupergraphSource` seam and its updates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["SupergraphSource", "SupergraphUpdate"]


@dataclass(frozen=True, slots=True)
class SupergraphUpdate:
    """A change reported by a source.

    Attributes:
        sdl: a new supergraph SDL (None: unchanged).
        routing_urls: new routing URLs by subgraph name (None: unchanged).
    """

    sdl: str | None = None
    routing_urls: Mapping[str, Sequence[str]] | None = None


class SupergraphSource(Protocol):
    """Reports the supergraph and routing URLs, and later changes to them."""

    def updates(self) -> AsyncIterator[SupergraphUpdate]:
        """Yield updates as they happen (a finite source simply stops)."""
        ...
