"""Errors of the web server.

Hierarchy::

    FileNotFoundError
    └── WebBuildMissing      the web build (dist/index.html) is not there
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["WebBuildMissing"]


class WebBuildMissing(FileNotFoundError):
    """The web build is missing: ``<dist>/index.html`` does not exist.

    Args:
        dist_dir: The folder that was searched (shown resolved in the message).

    Attributes:
        dist_dir: The same folder.
    """

    def __init__(self, dist_dir: Path) -> None:
        self.dist_dir = dist_dir
        super().__init__(
            f"web build not found at {dist_dir}: run `make web` (npm ci && npm run build in web/)"
        )
