"""Where the supergraph and routing URLs come from: a file or the registry."""

from __future__ import annotations

from .base import SupergraphSource, SupergraphUpdate
from .file import FileSource
from .follow import apply_update, follow_source
from .registry import RegistrySource

__all__ = [
    "FileSource",
    "RegistrySource",
    "SupergraphSource",
    "SupergraphUpdate",
    "apply_update",
    "follow_source",
]
