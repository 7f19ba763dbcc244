"""The supergraph and routing URLs followed from the registry (``--registry URL``).

Two reads of the registry:

- ``GET {registry}/v1/routing-urls`` answers ``{"index": N, "subgraphs": {"<name>": ["<url>",
  …]}}``: the routing URLs of the live (effective UP) instances of each subgraph, and the
  registry index (also in ``X-Registry-Index``).
- ``GET {registry}/v1/supergraph`` with ``If-None-Match`` answers 200 (SDL, ``ETag``), 304
  (unchanged) or 404 (nothing published yet).

Watch mode (the default) asks for the routing URLs with a blocking query,
``?index=N&wait=30s``: the registry answers as soon as its index passes N (or when the wait
is over), and each time the index moved the supergraph is read again. A change reaches the
router within one round trip. Poll mode reads both every ``poll_interval_seconds``. A registry
that ignores blocking queries (it answers at once with an index that did not move) is polled
every ``poll_interval_seconds`` instead of in a hot loop.

Failures never cost the router its state: when the registry cannot be reached or answers
5xx, no update is yielded (the router keeps its supergraph and routing URLs) and the read is
retried after 0.2 s, doubling up to 5 s; one warning per outage and one line when the
registry answers again. A subgraph for which the registry lists no live instance keeps the
supergraph's ``join__graph(url:)`` as its routing URL (see
:meth:`~trellis_router.state.RouterState.build`): routing to the composed URL beats routing
nowhere. A supergraph that does not load is refused by
:func:`~trellis_router.sources.apply_update` (the last good one stays).

Spec: Consul blocking queries (``index``, ``wait``; an index that goes backwards resets the
watch); Eureka/Consul client behaviour of keeping the last known registry data when the
registry is unreachable; RFC 9110 §13.1.2 (``If-None-Match``).
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

_FAILURES = (aiohttp.ClientError, TimeoutError, ValueError)


class RegistrySource:
    """A :class:`~trellis_router.sources.base.SupergraphSource` following the registry.

    Args:
        registry_url: the registry's base URL, e.g. ``http://127.0.0.1:8761``.
        poll_interval_seconds: seconds between two reads in poll mode (and with a registry
            that does not answer blocking queries).
        timeout_seconds: time allowed for one registry request beyond its blocking wait, in
            seconds.
        watch: follow with blocking queries (False: poll).
        watch_wait_seconds: the longest wait of one blocking query, in seconds.
        retry_seconds: the first wait after a failed read, in seconds (doubled after each
            further failure).
        max_retry_seconds: the longest wait between two failed reads, in seconds.
    """

    def __init__(
        self,
        registry_url: str,
        poll_interval_seconds: float = 5.0,
        timeout_seconds: float = 10.0,
        *,
        watch: bool = True,
        watch_wait_seconds: float = 30.0,
        retry_seconds: float = 0.2,
        max_retry_seconds: float = 5.0,
    ) -> None:
        self.registry_url = registry_url.rstrip("/")
        self.poll_interval_seconds = poll_interval_seconds
        self.timeout_seconds = timeout_seconds
        self.watch = watch
        self.watch_wait_seconds = watch_wait_seconds
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self._etag: str | None = None
        self._routing: dict[str, list[str]] | None = None
        self._index: int | None = None

    async def updates(self) -> AsyncGenerator[SupergraphUpdate, None]:
        """Follow the registry forever, yielding an update whenever the supergraph or the
        routing URLs change (cancel to stop)."""
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession() as session:
            asked: int | None = None
            retry = self.retry_seconds
            outage = False
            unblocked = 0  # blocking queries answered at once with no change, in a row
            while True:
                started = loop.time()
                try:
                    update, index = await self._read(session, asked)
                except _FAILURES as error:
                    if not outage:
                        _log.warning(
                            "registry %s unreachable (%s); keeping the current supergraph and "
                            "routing URLs, retrying",
                            self.registry_url,
                            error or type(error).__name__,
                        )
                        outage = True
                    asked = None  # start over: the registry may come back with another index
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, self.max_retry_seconds)
                    continue
                if outage:
                    _log.info("registry %s answers again", self.registry_url)
                    outage = False
                retry = self.retry_seconds
                if update is not None:
                    yield update
                if not self.watch or index is None:
                    asked = None
                    await asyncio.sleep(self.poll_interval_seconds)
                    continue
                if asked == index and loop.time() - started < self.watch_wait_seconds / 2:
                    # Answered at once with nothing new: a registry shutting down (the next
                    # read tells), or one that ignores blocking queries (poll it instead).
                    unblocked += 1
                    pause = self.retry_seconds if unblocked == 1 else self.poll_interval_seconds
                    await asyncio.sleep(pause)
                else:
                    unblocked = 0
                asked = index

    async def poll(self, session: aiohttp.ClientSession) -> SupergraphUpdate | None:
        """Read the registry once, at once (no blocking query).

        Args:
            session: the HTTP session to use.

        Returns:
            The changes since the previous read, or None when nothing changed (or the
            registry could not be reached: logged).
        """
        try:
            update, _ = await self._read(session, None)
        except _FAILURES as error:
            _log.warning("registry read failed: %s", error or type(error).__name__)
            return None
        return update

    async def _read(
        self, session: aiohttp.ClientSession, asked: int | None
    ) -> tuple[SupergraphUpdate | None, int | None]:
        """One read: the routing URLs (blocking after ``asked``), then the supergraph when the
        index moved. Nothing is remembered unless both reads succeed."""
        routing, index = await self._fetch_routing_urls(session, asked)
        sdl = None
        if asked is None or index is None or index != self._index:
            sdl = await self._fetch_supergraph(session)
        self._index = index
        if routing == self._routing:
            changed_routing = None
        else:
            self._routing = changed_routing = routing
        if sdl is None and changed_routing is None:
            return None, index
        return SupergraphUpdate(sdl=sdl, routing_urls=changed_routing), index

    async def _fetch_supergraph(self, session: aiohttp.ClientSession) -> str | None:
        headers = {"If-None-Match": self._etag} if self._etag else {}
        url = f"{self.registry_url}/v1/supergraph"
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        async with session.get(url, headers=headers, timeout=timeout) as response:
            if response.status in (304, 404):
                return None
            if response.status != 200:
                raise ValueError(f"GET {url}: HTTP status {response.status}")
            sdl = await response.text()
            self._etag = response.headers.get("ETag")
            return sdl

    async def _fetch_routing_urls(
        self, session: aiohttp.ClientSession, asked: int | None
    ) -> tuple[dict[str, list[str]], int | None]:
        url = f"{self.registry_url}/v1/routing-urls"
        params: dict[str, str] = {}
        total = self.timeout_seconds
        if asked is not None:
            params = {"index": str(asked), "wait": _duration(self.watch_wait_seconds)}
            total += self.watch_wait_seconds
        timeout = aiohttp.ClientTimeout(total=total)
        async with session.get(url, params=params, timeout=timeout) as response:
            if response.status == 404:
                return {}, None
            if response.status != 200:
                raise ValueError(f"GET {url}: HTTP status {response.status}")
            body: Any = orjson.loads(await response.read())
            header = response.headers.get("X-Registry-Index", "")
        subgraphs = body.get("subgraphs") if isinstance(body, dict) else None
        if not isinstance(subgraphs, dict):
            raise ValueError(f"GET {url}: no 'subgraphs' object")
        index = body.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = int(header) if header.isdigit() else None
        routing = {
            str(name): [str(u) for u in urls]
            for name, urls in subgraphs.items()
            if isinstance(urls, list)
        }
        return routing, index


def _duration(seconds: float) -> str:
    """A wait for the registry: ``30s``, or ``1500ms`` for a fraction of a second."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{round(seconds * 1000)}ms"
