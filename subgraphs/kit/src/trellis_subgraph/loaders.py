"""Batch functions for DataLoaders, and helpers that shape their results.

A batch function takes the request's session and the keys collected in one tick and returns
one result per key, in key order (the DataLoader contract). One batch function runs ONE SQL
query, so an ``_entities`` call with N representations of a type costs one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import TypeAlias, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["BatchLoad", "group_by_keys", "order_by_keys"]

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

BatchLoad: TypeAlias = Callable[[AsyncSession, list[K]], Awaitable[Sequence[T]]]
"""``async def load(session, keys) -> results`` with ``len(results) == len(keys)``."""


def order_by_keys(keys: Sequence[K], rows: Iterable[T], key: Callable[[T], K]) -> list[T | None]:
    """Align rows with the keys that asked for them.

    Args:
        keys: The keys of one batch, in request order (duplicates allowed).
        rows: The rows found, in any order, at most one per key.
        key: Extracts a row's key.

    Returns:
        One entry per key: the matching row, or None when no row has that key.
    """
    by_key = {key(row): row for row in rows}
    return [by_key.get(k) for k in keys]


def group_by_keys(keys: Sequence[K], rows: Iterable[T], key: Callable[[T], K]) -> list[list[T]]:
    """Group rows under the keys that asked for them (one-to-many loads).

    Args:
        keys: The keys of one batch, in request order.
        rows: The rows found, in the order they should appear within each group.
        key: Extracts a row's key.

    Returns:
        One list per key (empty when no row has that key).
    """
    groups: defaultdict[K, list[T]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [list(groups.get(k, ())) for k in keys]
