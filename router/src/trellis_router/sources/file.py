"""A supergraph read once from a file (``--supergraph FILE``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

from .base import SupergraphUpdate

__all__ = ["FileSource"]


class FileSource:
    """A :class:`~trellis_router.sources.base.SupergraphSource` over one SDL file.

    Args:
        path: the supergraph SDL file; routing URLs come from ``join__graph(url:)``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    async def updates(self) -> AsyncGenerator[SupergraphUpdate, None]:
        """Yield the file's supergraph once.

        Raises:
            OSError: the file cannot be read.
        """
        yield SupergraphUpdate(sdl=self.path.read_text(encoding="utf-8"))
