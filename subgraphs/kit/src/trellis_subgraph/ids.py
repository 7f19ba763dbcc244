"""Entity ids: database integer ids, printed as GraphQL ``ID`` strings ("1", "2", ...)."""

from __future__ import annotations

import strawberry

__all__ = ["MAX_ID", "format_id", "parse_id"]

MAX_ID = 2**31 - 1
"""Largest row id: ids are 32-bit ``INTEGER`` columns on SQLite and PostgreSQL alike."""


def format_id(value: int) -> strawberry.ID:
    """Print a database id as a GraphQL ID.

    Args:
        value: The integer primary key.

    Returns:
        Its decimal text, e.g. ``"7"``.
    """
    return strawberry.ID(str(value))


def parse_id(value: object) -> int | None:
    """Read a GraphQL ID (or a representation's ``id``) as a database id.

    Args:
        value: The id from a query argument or a representation.

    Returns:
        The integer id (1 to :data:`MAX_ID`), or None when the value cannot name a row (so the
        entity resolves to null instead of raising, and PostgreSQL never sees an out-of-range
        integer).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None
