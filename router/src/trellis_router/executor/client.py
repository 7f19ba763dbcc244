"""The seam between the executor and the subgraphs: :class:`SubgraphClient`.

Production uses :class:`AiohttpSubgraphClient` (one keep-alive connection pool shared by every
request, orjson for bodies); tests plug in an in-process client that executes operations against
a schema described by data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp
import orjson

__all__ = ["AiohttpSubgraphClient", "SubgraphClient", "SubgraphFetchError"]

_SEND_HEADERS = {"content-type": "application/json", "accept": "application/json"}


class SubgraphFetchError(Exception):
    """A subgraph request failed below GraphQL: transport error, non-2xx status or bad JSON.

    Attributes:
        reason: a short human-readable reason.
        status: the HTTP status when one was received.
    """

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


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
    shutdown.

    Args:
        timeout_seconds: total time allowed for one subgraph request, in seconds.
        pool_size: maximum number of open connections (all subgraphs together).
        keepalive_seconds: how long an idle connection stays open, in seconds.
    """

    def __init__(
        self,
        timeout_seconds: float = 30.0,
        pool_size: int = 256,
        keepalive_seconds: float = 60.0,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._pool_size = pool_size
        self._keepalive = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

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
            async with session.post(url, data=body, headers=send) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError as error:
            raise SubgraphFetchError("request timed out") from error
        except aiohttp.ClientError as error:
            raise SubgraphFetchError(str(error) or type(error).__name__) from error
        if not 200 <= status < 300:
            raise SubgraphFetchError(f"HTTP status {status}", status)
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise SubgraphFetchError("the response is not valid JSON", status) from error
        if not isinstance(parsed, dict):
            raise SubgraphFetchError("the response is not a JSON object", status)
        return parsed

    async def close(self) -> None:
        """Close the connection pool (idempotent)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
