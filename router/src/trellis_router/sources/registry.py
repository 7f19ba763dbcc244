"""The supergraph and routing URLs followed from the registry (``--registry URL``).

Polls ``GET {registry}/v1/supergraph`` with ``If-None-Match`` (200: SDL with ``ETag``; 304:
unchanged; 404: nothing published yet) and ``GET {registry}/v1/routing-urls``
(``{"index": N, "subgraphs": {"<name>": ["<url>", …]}}``) every poll interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import orjson

from .base import SupergraphUpdate

__all__ = ["RegistrySource"]

_log = logging.getLogger(__name__)


class RegistrySource:
    """A :class:`~trellis_router.sources.base.SupergraphSource` polling the registry.

    Args:
        registry_url: the registry's base URL, e.g. ``http://127.0.0.1:8761``.
        poll_interval_seconds: seconds between two polls.
        timeout_seconds: time allowed for one registry request, in seconds.
    """

    def __init__(
        self, registry_url: str, poll_interval_seconds: float = 5.0, timeout_seconds: float = 10.0
    ) -> None:
        self.registry_url = registry_url.rstrip("/")
        self.poll_interval_seconds = poll_interval_seconds
        self.timeout_seconds = timeout_seconds
        self._etag: str | None = None
        self._routing: dict[str, list[str]] | None = None

    async def updates(self) -> AsyncGenerator[SupergraphUpdate, None]:
        """Poll forever, yielding an update whenever the supergraph or routing URLs change."""
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                update = await self.poll(session)
                if update is not None:
                    yield update
                await asyncio.sleep(self.poll_interval_seconds)

    async def poll(self, session: aiohttp.ClientSession) -> SupergraphUpdate | None:
        """Poll once.

        Args:
            session: the HTTP session to use.

        Returns:
            The changes since the previous poll, or None when nothing changed (or the
            registry could not be reached: logged, retried at the next poll).
        """
        try:
            sdl = await self._fetch_supergraph(session)
            routing: dict[str, list[str]] | None = await self._fetch_routing_urls(session)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            _log.warning("registry poll failed: %s", error or type(error).__name__)
            return None
        if routing == self._routing:
            routing = None
        else:
            self._routing = routing
        if sdl is None and routing is None:
            return None
        return SupergraphUpdate(sdl=sdl, routing_urls=routing)

    async def _fetch_supergraph(self, session: aiohttp.ClientSession) -> str | None:
        headers = {"If-None-Match": self._etag} if self._etag else {}
        url = f"{self.registry_url}/v1/supergraph"
        async with session.get(url, headers=headers) as response:
            if response.status in (304, 404):
                return None
            if response.status != 200:
                raise ValueError(f"GET {url}: HTTP status {response.status}")
            sdl = await response.text()
            self._etag = response.headers.get("ETag")
            return sdl

    async def _fetch_routing_urls(self, session: aiohttp.ClientSession) -> dict[str, list[str]]:
        url = f"{self.registry_url}/v1/routing-urls"
        async with session.get(url) as response:
            if response.status == 404:
                return {}
            if response.status != 200:
                raise ValueError(f"GET {url}: HTTP status {response.status}")
            body: Any = orjson.loads(await response.read())
        subgraphs = body.get("subgraphs") if isinstance(body, dict) else None
        if not isinstance(subgraphs, dict):
            raise ValueError(f"GET {url}: no 'subgraphs' object")
        return {
            str(name): [str(u) for u in urls]
            for name, urls in subgraphs.items()
            if isinstance(urls, list)
        }
