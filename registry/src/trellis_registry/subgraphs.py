"""Schema registry values: published subgraph versions and composed supergraphs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["PublishResult", "SubgraphVersion", "Supergraph", "supergraph_id"]


@dataclass(frozen=True, slots=True)
class SubgraphVersion:
    """One published version of a subgraph's schema.

    Attributes:
        name: The subgraph name (becomes a ``join__Graph`` value in the supergraph).
        version: 1 for the first publish, then increasing by one per change.
        routing_url: The routing URL written into the supergraph for this subgraph.
        sdl: The subgraph schema (Federation 2 SDL).
        published_at: When this version was published, UTC.
        published_by: Who published it (free text from the publisher, e.g. ``ci@build-812``
            or ``customers-127.0.0.1-4001``; ``unknown`` when not given).
    """

    name: str
    version: int
    routing_url: str
    sdl: str
    published_at: datetime
    published_by: str = "unknown"


@dataclass(frozen=True, slots=True)
class Supergraph:
    """A composed supergraph artifact.

    Attributes:
        id: The sha256 hex digest of ``sdl`` (the content hash, used as ETag).
        sdl: The supergraph SDL.
        composed_at: When it was composed, UTC.
        revision: 1 for the first supergraph, then one more per stored supergraph (the
            history's sequence number; a rollback stores a new revision).
        subgraph_versions: The subgraph versions it was composed from, name -> version.
    """

    id: str
    sdl: str
    composed_at: datetime
    revision: int = 0
    subgraph_versions: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """The outcome of a successful publish.

    Attributes:
        subgraph: The subgraph name.
        version: The current version after the publish.
        changed: False when the SDL and routing URL equalled the current version (a no-op).
        supergraph_id: The id of the current supergraph after the publish.
    """

    subgraph: str
    version: int
    changed: bool
    supergraph_id: str


def supergraph_id(sdl: str) -> str:
    """Computes a supergraph's content-hash id.

    Args:
        sdl: The supergraph SDL.

    Returns:
        The sha256 hex digest of the UTF-8 encoded SDL (64 lowercase hex characters).
    """
    return hashlib.sha256(sdl.encode("utf-8")).hexdigest()
