"""Inbound in-flight deduplication: identical client queries in flight share one execution.

When on (``traffic_shaping.inbound_deduplication``), a client query that arrives while an
identical one is being answered waits for that answer instead of being planned, executed and
serialised again: every waiting request gets the same encoded response. Identical means the
same method, negotiated media type, query text, operation name, variables and extensions, and
the same request headers apart from :data:`IGNORED_HEADERS` (so the same caller identity:
``Authorization``, cookies and every header a propagation rule may forward). Only queries are
shared: a document that mentions ``mutation`` or ``subscription`` anywhere never is.

This is Hive Gateway's inbound request deduplication (on in the community gateway benchmark);
Apollo Router has no equivalent (it deduplicates subgraph requests only, as
:class:`~trellis_router.executor.DedupingSubgraphClient` does here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

import orjson

from ..pipeline import GraphQLRequest

__all__ = ["IGNORED_HEADERS", "InboundDeduplicator", "inbound_key"]

T = TypeVar("T")

IGNORED_HEADERS = frozenset(
    {
        b"content-length",
        b"connection",
        b"keep-alive",
        b"user-agent",
        b"accept-encoding",
        b"te",
        b"traceparent",
        b"tracestate",
        b"baggage",
        b"x-request-id",
        b"x-amzn-trace-id",
    }
)
"""Request headers (lower-case) that never change an answer: transport, tracing and the
encodings the client accepts (compression is applied per request, after sharing)."""


def inbound_key(
    method: str,
    media: str,
    operation: GraphQLRequest,
    raw_headers: Iterable[tuple[bytes, bytes]],
) -> tuple[Any, ...] | None:
    """The deduplication key of one client request, or None when it must run alone.

    Args:
        method: the HTTP method.
        media: the negotiated response media type.
        operation: the decoded GraphQL request.
        raw_headers: the request headers as ASGI gives them (lower-case names, bytes).

    Returns:
        A hashable key, or None for a document that may hold a mutation or subscription.
    """
    query = operation.query
    if "mutation" in query or "subscription" in query:
        return None
    variables = operation.variables
    extensions = operation.extensions
    return (
        method,
        media,
        query,
        operation.operation_name,
        orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b"",
        orjson.dumps(extensions, option=orjson.OPT_SORT_KEYS) if extensions else b"",
        tuple(sorted(pair for pair in raw_headers if pair[0] not in IGNORED_HEADERS)),
    )


class InboundDeduplicator(Generic[T]):
    """Runs one computation per key at a time; requests with that key meanwhile share it.

    The computation runs as its own task: a client that disconnects does not cancel it for
    the others waiting on it. Its result (or exception) goes to every waiter.

    Attributes:
        shared: how many requests were answered with another request's computation so far.
    """

    def __init__(self) -> None:
        self._in_flight: dict[tuple[Any, ...], asyncio.Future[T]] = {}
        self.shared = 0

    @property
    def in_flight(self) -> int:
        """Computations running now."""
        return len(self._in_flight)

    async def run(self, key: tuple[Any, ...], compute: Callable[[], Awaitable[T]]) -> T:
        """The result of ``compute()``, shared with the requests of the same key in flight.

        Args:
            key: from :func:`inbound_key`.
            compute: makes the answer (called only when no identical request is in flight).

        Returns:
            The shared result.

        Raises:
            Exception: whatever ``compute`` raised.
        """
        shared = self._in_flight.get(key)
        if shared is None:
            shared = self._in_flight[key] = asyncio.ensure_future(compute())
            shared.add_done_callback(lambda _done: self._in_flight.pop(key, None))
        else:
            self.shared += 1
        return await asyncio.shield(shared)
