"""Progressive ``@override``: which override labels are active for one request.

A ``percent(x)`` label is active for x % of requests (rolled per request); any other label is
active when the router's settings name it (``progressive_override_labels``).

Spec: Apollo Federation 2.7 progressive ``@override(label:)``; Apollo Router rolls percentage
labels once per request and lets configuration/plugins activate custom labels.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

from ..supergraph import parse_percent_label

__all__ = ["active_override_labels"]


def active_override_labels(
    labels: Iterable[str],
    custom_active: frozenset[str],
    roll: Callable[[], float] = random.random,
) -> frozenset[str]:
    """The override labels active for one request.

    Args:
        labels: every ``overrideLabel`` of the supergraph.
        custom_active: custom (non-percentage) labels switched on by configuration.
        roll: a uniform draw in ``[0, 1)`` (injectable for tests).

    Returns:
        The active labels (the plan cache key includes them).
    """
    active: list[str] = []
    for label in labels:
        percent = parse_percent_label(label)
        if percent is None:
            if label in custom_active:
                active.append(label)
        elif roll() * 100.0 < percent:
            active.append(label)
    return frozenset(active)
