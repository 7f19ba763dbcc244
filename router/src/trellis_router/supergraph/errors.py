"""Errors raised while loading a supergraph.

Hierarchy::

    SupergraphError            the SDL is not a supergraph this router can execute
"""

from __future__ import annotations

__all__ = ["SupergraphError"]


class SupergraphError(Exception):
    """The SDL is not a valid Federation 2 supergraph, or links a feature we cannot execute."""
