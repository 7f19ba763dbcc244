"""Supergraph loading: SDL -> :class:`Supergraph` (join metadata + API schema)."""

from __future__ import annotations

from .errors import SupergraphError
from .model import (
    EntityKey,
    FieldInGraph,
    FieldMetadata,
    SubgraphInfo,
    Supergraph,
    TypeInGraph,
    TypeMetadata,
)
from .parse import load_supergraph, parse_field_set

__all__ = [
    "EntityKey",
    "FieldInGraph",
    "FieldMetadata",
    "SubgraphInfo",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "TypeMetadata",
    "load_supergraph",
    "parse_field_set",
]
