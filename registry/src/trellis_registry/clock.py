"""The registry's clock: the one place that reads wall time.

Leases compare heartbeat times with the current time, so every component that needs "now"
takes a `Clock` instead of calling `datetime.now` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utc_now"]

Clock = Callable[[], datetime]
"""A zero-argument callable returning the current time as an aware UTC `datetime`."""


def utc_now() -> datetime:
    """Returns the current wall-clock time.

    Returns:
        The current time, timezone-aware, in UTC.
    """
    return datetime.now(UTC)
