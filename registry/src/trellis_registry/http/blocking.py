"""Blocking queries: ``?index=N&wait=30s`` on discovery and supergraph reads.

Spec: Consul's blocking queries. Without ``index`` a read answers at once. With it, the read
waits until the registry index is greater than ``index`` or ``wait`` passes (default 5
minutes, at most 10), then answers as usual with the index in ``X-Registry-Index`` (and in
the body where the body has one). A timeout answers 200 with the same data and index, so the
watcher simply asks again; an index that moved does not promise the data changed (compare
what you read). Unlike Consul there is no random jitter added to ``wait``.

A wait also ends when the client disconnects (the waiting task is cancelled, nothing keeps
running for a gone client) and when the server begins to shut down
(`trellis_registry.http.app.end_blocking_queries`),
so a graceful shutdown never waits for long polls.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from trellis_registry.backend import RegistryBackend

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "INDEX_HEADER",
    "MAX_WAIT_SECONDS",
    "BlockingQuery",
    "BlockingQueryDep",
    "blocking_query",
    "parse_duration",
    "wait_for_change",
]

INDEX_HEADER = "X-Registry-Index"
"""The response header carrying the registry index (Consul's ``X-Consul-Index``)."""

DEFAULT_WAIT_SECONDS = 300.0
"""The wait when ``index`` is given without ``wait`` (Consul: 5 minutes)."""

MAX_WAIT_SECONDS = 600.0
"""Longer waits are cut to this (Consul: 10 minutes)."""

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = "|".join(sorted(_UNIT_SECONDS, key=len, reverse=True))
_PART = re.compile(rf"({_NUMBER})({_UNIT})")
_DURATION = re.compile(rf"(?:{_NUMBER}(?:{_UNIT}))+")


def parse_duration(value: str) -> float:
    """Parses a duration the way Consul does (Go's ``time.ParseDuration``), without a sign.

    Spec: Go ``time.ParseDuration``: a sequence of decimal numbers, each with a unit
    (``ns``, ``us``/``µs``, ``ms``, ``s``, ``m``, ``h``), e.g. ``500ms``, ``10s``, ``1m30s``;
    ``0`` alone needs no unit.

    Args:
        value: The text, e.g. ``"30s"``.

    Returns:
        The duration in seconds.

    Raises:
        ValueError: The text is not such a duration (a bare number other than ``0``, an
            unknown unit, a sign, an empty string).

    Example:
        >>> parse_duration("1m30s")
        90.0
    """
    if value == "0":
        return 0.0
    if not _DURATION.fullmatch(value):
        raise ValueError(
            f"invalid duration {value!r}: use a number with a unit, e.g. 500ms, 10s or 5m"
        )
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(value))


@dataclass(frozen=True, slots=True)
class BlockingQuery:
    """The blocking parameters of one read.

    Attributes:
        index: The index the client has seen, or None for an immediate answer.
        wait_seconds: The longest wait, in seconds (capped at `MAX_WAIT_SECONDS`).
    """

    index: int | None
    wait_seconds: float


def blocking_query(
    index: Annotated[
        str | None,
        Query(description="Block until the registry index is greater than this (an int ≥ 0)."),
    ] = None,
    wait: Annotated[
        str | None,
        Query(description="The longest wait with `index`: 500ms, 10s, 5m (default 5m, max 10m)."),
    ] = None,
) -> BlockingQuery:
    """Reads ``index`` and ``wait`` from the query string (a FastAPI dependency).

    Args:
        index: The raw ``index`` parameter.
        wait: The raw ``wait`` parameter (ignored without ``index``, as in Consul).

    Returns:
        The parsed parameters.

    Raises:
        HTTPException: 400 with a message when either is malformed.
    """
    seen: int | None = None
    if index is not None:
        if not index.isascii() or not index.isdigit():
            raise HTTPException(400, f"index must be an integer ≥ 0, not {index!r}")
        seen = int(index)
    seconds = DEFAULT_WAIT_SECONDS
    if wait is not None:
        try:
            seconds = parse_duration(wait)
        except ValueError as error:
            raise HTTPException(400, f"wait: {error}") from None
    return BlockingQuery(index=seen, wait_seconds=min(seconds, MAX_WAIT_SECONDS))


BlockingQueryDep = Annotated[BlockingQuery, Depends(blocking_query)]
"""The read's blocking parameters."""


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone (the ASGI ``http.disconnect`` message)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def wait_for_change(request: Request, query: BlockingQuery) -> None:
    """Blocks as the query asks: until the index passes ``query.index``, the wait passes,
    the client disconnects, or the server starts shutting down.

    Args:
        request: The request (its app holds the store and the shutdown event).
        query: The blocking parameters; returns at once when ``query.index`` is None.

    Raises:
        Exception: Whatever the store raised while waiting.
    """
    if query.index is None:
        return
    store: RegistryBackend = request.app.state.store
    draining: asyncio.Event = request.app.state.draining
    waiting = asyncio.ensure_future(store.wait_for_index(query.index, query.wait_seconds))
    others = [asyncio.ensure_future(_disconnected(request)), asyncio.ensure_future(draining.wait())]
    try:
        await asyncio.wait([waiting, *others], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiting, *others):
            task.cancel()
        results = await asyncio.gather(waiting, *others, return_exceptions=True)
    error = results[0]
    if isinstance(error, Exception):
        raise error
