"""Composition: subgraph SDLs -> a Federation 2 supergraph SDL, as Apollo's composition writes it.

Example:
    >>> from trellis_router.composition import SubgraphDefinition, compose
    >>> sdl = 'type Query { hello: String }'
    >>> result = compose([SubgraphDefinition("hello", "http://127.0.0.1:4001/graphql", sdl)])
    >>> result.ok
    True

Nothing here imports the server layer (executor, pipeline, http, sources).
"""

from __future__ import annotations

from trellis_router.composition.compose import compose
from trellis_router.composition.config import load_supergraph_config
from trellis_router.composition.definitions import CompositionResult, SubgraphDefinition
from trellis_router.composition.errors import (
    INPUT_ERROR_CODES,
    CompositionConfigError,
    CompositionError,
    CompositionHint,
    ErrorCode,
    HintCode,
)

__all__ = [
    "INPUT_ERROR_CODES",
    "CompositionConfigError",
    "CompositionError",
    "CompositionHint",
    "CompositionResult",
    "ErrorCode",
    "HintCode",
    "SubgraphDefinition",
    "compose",
    "load_supergraph_config",
]
