"""Supergraph loading: SDL -> :class:`Supergraph` (join metadata + API schema)."""

from __future__ import annotations

from .errors import SupergraphError
from .model import (
    ContextArgument,
    EntityKey,
    FieldInGraph,
    FieldMetadata,
    JoinDirective,
    OverrideCondition,
    SubgraphInfo,
    Supergraph,
    TypeInGraph,
    TypeMetadata,
)
from .override import parse_percent_label
from .parse import load_supergraph, parse_field_set, print_field_set

__all__ = [
    "ContextArgument",
    "EntityKey",
    "FieldInGraph",
    "FieldMetadata",
    "JoinDirective",
    "OverrideCondition",
    "SubgraphInfo",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "TypeMetadata",
    "load_supergraph",
    "parse_field_set",
    "parse_percent_label",
    "print_field_set",
]
