"""In-flight deduplication of identical subgraph queries: a :class:`SubgraphClient` wrapper.

Identical requests (same subgraph, URL, body bytes and forwarded headers) in flight at the same
time share one HTTP request; each waiter gets its own copy of the response (the executor merges
response objects into the response it builds, so they must not be shared between requests).
Only queries are shared, never mutations or subscriptions.

Spec: Apollo Router ``traffic_shaping.all.deduplicate_query`` (on by default in Hive Router).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import orjson

from .client import SubgraphClient

__all__ = ["DedupingSubgraphClient", "is_query"]

_QUERY_PREFIX = b'{"query":"'


def is_query(body: bytes) -> bool:
    """True when ``body`` carries a query operation (shorthand ``{...}`` or ``query ...``).

    Args:
        body: the JSON request body, as the executor encodes it (``{"query":"...``).

    Returns:
        True only for a positively identified query; anything else is sent as is.
    """
    if body.startswith(_QUERY_PREFIX):
        start = body[len(_QUERY_PREFIX) : len(_QUERY_PREFIX) + 16].lstrip()
    else:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        query = parsed.get("query") if isinstance(parsed, dict) else None
        if not isinstance(query, str):
            return False
        start = query.lstrip()[:16].encode()
    return start.startswith(b"{") or (start.startswith(b"query") and not start[5:6].isalnum())


class _Flight:
    """One request in flight: its followers wait on ``future`` for the encoded response."""

    __slots__ = ("followers", "future")

    def __init__(self) -> None:
        self.future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self.followers = 0


class DedupingSubgraphClient:
    """A :class:`SubgraphClient` that shares identical in-flight query requests.

    The first request (the leader) goes to the wrapped client; identical requests arriving
    before it completes wait for its result and receive a copy of it (or the same
    :class:`~trellis_router.executor.SubgraphFetchError`). If the leader is cancelled, each
    waiting follower sends its own request.

    Args:
        inner: the client that sends requests.
    """

    def __init__(self, inner: SubgraphClient) -> None:
        self._inner = inner
        self._in_flight: dict[tuple[Any, ...], _Flight] = {}

    @property
    def inner(self) -> SubgraphClient:
        """The wrapped client."""
        return self._inner

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request, sharing it with identical queries in flight.

        See :meth:`SubgraphClient.fetch`.
        """
        if not is_query(body):
            return await self._inner.fetch(subgraph_name, url, body, headers)
        key = (subgraph_name, url, body, tuple(sorted(headers.items())) if headers else ())
        flight = self._in_flight.get(key)
        if flight is not None:
            flight.followers += 1
            shared = await asyncio.shield(flight.future)
            if shared is None:
                return await self._inner.fetch(subgraph_name, url, body, headers)
            parsed: dict[str, Any] = orjson.loads(shared)
            return parsed
        flight = self._in_flight[key] = _Flight()
        try:
            response = await self._inner.fetch(subgraph_name, url, body, headers)
        except asyncio.CancelledError:
            del self._in_flight[key]
            flight.future.set_result(None)
            raise
        except BaseException as error:
            del self._in_flight[key]
            if flight.followers:
                flight.future.set_exception(error)
            raise
        del self._in_flight[key]
        if flight.followers:
            flight.future.set_result(orjson.dumps(response))
        return response
