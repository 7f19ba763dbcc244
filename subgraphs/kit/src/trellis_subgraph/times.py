"""Timestamps: every column stores UTC; GraphQL ``DateTime`` values are timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc", "as_utc_or_none", "utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A database time as timezone-aware UTC.

    SQLite returns naive datetimes even for ``DateTime(timezone=True)`` columns; the stored
    value is UTC, so UTC is attached. PostgreSQL returns aware values; they are converted.

    Args:
        value: A time read from the database.

    Returns:
        The same instant with ``tzinfo=UTC``.
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc_or_none(value: datetime | None) -> datetime | None:
    """:func:`as_utc` for a nullable column.

    Args:
        value: A time read from the database, or None.

    Returns:
        The aware UTC time, or None.
    """
    return None if value is None else as_utc(value)
