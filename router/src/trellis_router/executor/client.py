"""The seam between the executor and the subgraphs: :class:`SubgraphClient`.

Production uses :class:`AiohttpSubgraphClient` (one keep-alive connection pool shared by every
request, orjson for bodies); tests plug in an in-process client that executes operations against
a schema described by data.

A failed request raises :class:`SubgraphFetchError`, whose :attr:`~SubgraphFetchError.kind`
says how far the request got, which is what the load balancer's retry rules need::

    connect     the connection could not be established (refused, DNS, connect timeout):
                the request was certainly not sent
    disconnect  the connection broke after the request was sent, before a whole response
                (reset, server closed it): the subgraph may have run the operation
    timeout     no whole response within the timeout
    status      a non-2xx HTTP status (``status`` holds it)
    response    a 2xx response whose body is not a JSON object
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypeAlias

import aiohttp
import orjson

__all__ = ["AiohttpSubgraphClient", "FetchFailure", "SubgraphClient", "SubgraphFetchError"]

_SEND_HEADERS = {"content-type": "application/json", "accept": "application/json"}
# aiohttp errors raised before the request left: no connection, or a URL it cannot send to.
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL)

FetchFailure: TypeAlias = Literal["connect", "disconnect", "timeout", "status", "response"]
"""How far a failed subgraph request got (see the module docstring)."""


class SubgraphFetchError(Exception):
    """A subgraph request failed below GraphQL: transport error, non-2xx status or bad JSON.

    Attributes:
        reason: a short human-readable reason.
        status: the HTTP status when one was received.
        kind: how far the request got; by default ``status`` when a status is given, else
            ``response``.
    """

    def __init__(
        self, reason: str, status: int | None = None, *, kind: FetchFailure | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.kind: FetchFailure = kind or ("status" if status is not None else "response")

    @property
    def connect_failed(self) -> bool:
        """True when the request was certainly not sent (no connection was established)."""
        return self.kind == "connect"


class SubgraphClient(Protocol):
    """Sends one GraphQL request to a subgraph."""

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send ``body`` (a JSON GraphQL request) to ``url`` and return the parsed response.

        Args:
            subgraph_name: the subgraph's name (``join__graph(name:)``).
            url: the routing URL.
            body: ``{"query", "operationName", "variables"}`` encoded as JSON.
            headers: extra headers to send.

        Returns:
            The GraphQL response object (``data`` and/or ``errors``).

        Raises:
            SubgraphFetchError: transport failure, non-2xx status, or a body that is not a JSON
                object.
        """
        ...


class AiohttpSubgraphClient:
    """:class:`SubgraphClient` over aiohttp with one shared keep-alive connection pool.

    Create it inside the running event loop (e.g. in the ASGI lifespan) and :meth:`close` it on
    shutdown. The timeouts are passed with each request, so :meth:`set_timeouts` takes effect
    at once without a new pool.

    Args:
        timeout_seconds: total time allowed for one subgraph request, in seconds.
        pool_size: maximum number of open connections (all subgraphs together).
        keepalive_seconds: how long an idle connection stays open, in seconds.
        connect_timeout_seconds: time allowed to establish a new TCP connection, in seconds
            (None: only the total timeout applies). Waiting for a free pooled connection does
            not count.
    """

    def __init__(
        self,
        timeout_seconds: float = 30.0,
        pool_size: int = 256,
        keepalive_seconds: float = 60.0,
        connect_timeout_seconds: float | None = None,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, sock_connect=connect_timeout_seconds
        )
        self._pool_size = pool_size
        self._keepalive = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    @property
    def timeout_seconds(self) -> float | None:
        """The total time allowed for one request, in seconds."""
        return self._timeout.total

    def set_timeouts(
        self, timeout_seconds: float, connect_timeout_seconds: float | None = None
    ) -> None:
        """Change the timeouts of the requests sent from now on.

        Args:
            timeout_seconds: total time allowed for one request, in seconds.
            connect_timeout_seconds: time allowed to establish a connection, in seconds.
        """
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, sock_connect=connect_timeout_seconds
        )

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, keepalive_timeout=self._keepalive, ttl_dns_cache=300
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            json_serialize=lambda value: orjson.dumps(value).decode(),
            skip_auto_headers=("User-Agent",),
        )
        return self._session

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request; see :meth:`SubgraphClient.fetch`."""
        session = self._session or self._open()
        send = {**_SEND_HEADERS, **headers} if headers else _SEND_HEADERS
        try:
            async with session.post(
                url, data=body, headers=send, timeout=self._timeout
            ) as response:
                raw = await response.read()
                status = response.status
        except _NOT_SENT as error:
            raise SubgraphFetchError(_reason(error), kind="connect") from error
        except TimeoutError as error:
            raise SubgraphFetchError("request timed out", kind="timeout") from error
        except aiohttp.ClientError as error:
            raise SubgraphFetchError(_reason(error), kind="disconnect") from error
        if not 200 <= status < 300:
            raise SubgraphFetchError(f"HTTP status {status}", status)
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            message = "the response is not valid JSON"
            raise SubgraphFetchError(message, status, kind="response") from error
        if not isinstance(parsed, dict):
            message = "the response is not a JSON object"
            raise SubgraphFetchError(message, status, kind="response")
        return parsed

    async def close(self) -> None:
        """Close the connection pool (idempotent)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
