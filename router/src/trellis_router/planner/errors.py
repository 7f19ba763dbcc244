"""Errors raised by the query planner.

Hierarchy::

    PlanningError              no plan can serve the operation over this supergraph
"""

from __future__ import annotations

__all__ = ["PlanningError"]


class PlanningError(Exception):
    """No query plan can serve the operation (e.g. a field no subgraph can reach from here)."""
