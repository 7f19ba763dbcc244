"""The values given to and returned by composition."""

from __future__ import annotations

from dataclasses import dataclass

from trellis_router.composition.errors import CompositionError, CompositionHint

__all__ = ["CompositionResult", "SubgraphDefinition"]


@dataclass(frozen=True, slots=True)
class SubgraphDefinition:
    """One subgraph given to composition.

    Attributes:
        name: The subgraph name, e.g. ``"customers"``.
        url: Its routing URL, e.g. ``"http://127.0.0.1:4001/graphql"``.
        sdl: Its SDL as ``{ _service { sdl } }`` returns it (Strawberry, Apollo Server, Rover).
        source: Where the SDL came from (a file path or URL), for messages; ``None`` if inline.
    """

    name: str
    url: str
    sdl: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class CompositionResult:
    """What :func:`~trellis_router.composition.compose` returns.

    Attributes:
        supergraph_sdl: The supergraph SDL as Apollo's composition prints it; ``None`` when
            there are errors.
        errors: Composition errors, in the order found.
        hints: Composition hints (warnings).
    """

    supergraph_sdl: str | None
    errors: tuple[CompositionError, ...]
    hints: tuple[CompositionHint, ...]

    @property
    def ok(self) -> bool:
        """Whether composition succeeded (no errors, a supergraph SDL)."""
        return not self.errors and self.supergraph_sdl is not None
