"""Load balancing across the routing URLs (instances) of each subgraph.

Round robin over a subgraph's routing URLs, skipping ejected ones; passive ejection of an
instance whose connection fails; a retry on another instance when it is safe. By the failure's
``SubgraphFetchError.kind``::

    kind         example                            ejects  retried on another instance
    connect      refused, DNS, connect timeout      yes     any operation (certainly not sent)
    disconnect   reset, closed before a response    yes     queries only (a mutation may have run)
    timeout      no whole response in time          no      queries only
    status       HTTP 502, 503, 504                 no      queries only
    (others)     other statuses, bad JSON           no      never

At most ``retry_attempts`` retries per fetch, each on an instance not tried yet for it (never
the same one twice). An ejected URL is skipped for ``ejection_seconds``; ejected again before a
request to it succeeded, for twice as long (up to ``max_ejection_seconds``). A subgraph whose
every URL is ejected still gets requests (round robin over all of them): never route nowhere.

Ejection state is keyed by URL and lives in the :class:`LoadBalancer`, outside the router
state, so it survives state swaps (a new supergraph or new routing URLs).

Spec: Envoy outlier detection (passive health checking: an ejected host is skipped for a time
that grows with each ejection, capped by ``max_ejection_time``; Envoy grows it linearly, this
doubles it); RFC 9110 §9.2.2 (only idempotent
requests are retried automatically once sent; a GraphQL query is, a mutation is not);
Apollo Router ``traffic_shaping.<subgraph>.experimental_retry`` (``retry_mutations: false``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from .client import SubgraphClient, SubgraphFetchError
from .dedupe import is_query

__all__ = ["BalancingSubgraphClient", "BoundSubgraphClient", "LoadBalancer", "RoutingUrls"]

_log = logging.getLogger(__name__)

RoutingUrls: TypeAlias = Mapping[str, tuple[str, ...]]
"""Routing URLs by subgraph name (``RouterState.routing.urls``)."""

_RETRIED_STATUSES = frozenset({502, 503, 504})
_PRUNE_ABOVE = 256  # URLs remembered before forgetting expired ejections


class LoadBalancer:
    """Round robin with passive ejection; remembers ejections by URL (long-lived).

    Not thread-safe: use it from one event loop (no locks on the hot path).

    Args:
        ejection_seconds: how long a URL is skipped after a connection failure, in seconds.
        max_ejection_seconds: the longest ejection after repeated failures, in seconds.
        retry_attempts: how many times one fetch may be retried on another instance.
        clock: monotonic clock in seconds (tests may pass their own).
    """

    def __init__(
        self,
        ejection_seconds: float = 10.0,
        max_ejection_seconds: float = 60.0,
        retry_attempts: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ejection_seconds = ejection_seconds
        self.max_ejection_seconds = max_ejection_seconds
        self.retry_attempts = retry_attempts
        self._clock = clock
        self._next: dict[str, int] = {}
        self._until: dict[str, float] = {}
        self._strikes: dict[str, int] = {}

    def url_for(self, routing: RoutingUrls, subgraph_name: str) -> str:
        """The routing URL for the next request to ``subgraph_name``.

        Args:
            routing: routing URLs by subgraph name.
            subgraph_name: the subgraph.

        Returns:
            The next URL in round robin that is not ejected (any URL when all are).

        Raises:
            KeyError: the subgraph has no routing URL.
        """
        urls = routing.get(subgraph_name)
        if not urls:
            raise KeyError(f"no routing URL for subgraph {subgraph_name!r}")
        count = len(urls)
        if count == 1:
            return urls[0]
        start = self._next.get(subgraph_name, 0) % count
        self._next[subgraph_name] = start + 1
        url = urls[start]
        if not self._until or url not in self._until:
            return url
        now = self._clock()
        for step in range(count):
            candidate = urls[(start + step) % count]
            if not self.is_ejected(candidate, now):
                self._next[subgraph_name] = start + step + 1
                return candidate
        return url

    def retry_url(self, routing: RoutingUrls, subgraph_name: str, tried: list[str]) -> str | None:
        """Another routing URL for a retry: not tried yet, not ejected if possible.

        Args:
            routing: routing URLs by subgraph name.
            subgraph_name: the subgraph.
            tried: the URLs this fetch already went to.

        Returns:
            The URL, or None when every URL of the subgraph was tried.
        """
        untried = [url for url in routing.get(subgraph_name, ()) if url not in tried]
        if not untried:
            return None
        now = self._clock()
        for url in untried:
            if not self.is_ejected(url, now):
                return url
        return untried[0]

    def is_ejected(self, url: str, now: float | None = None) -> bool:
        """True while ``url`` is ejected.

        Args:
            url: a routing URL.
            now: the clock's current time, in seconds (read when None).
        """
        until = self._until.get(url)
        if until is None:
            return False
        if until > (self._clock() if now is None else now):
            return True
        del self._until[url]
        return False

    @property
    def ejected(self) -> frozenset[str]:
        """The URLs ejected now."""
        now = self._clock()
        return frozenset(url for url, until in self._until.items() if until > now)

    def eject(self, url: str, reason: str = "") -> None:
        """Skip ``url`` for a while (no effect when it is ejected already).

        The first ejection lasts ``ejection_seconds``; each further ejection before a request
        to it succeeded lasts twice as long as the previous one, at most
        ``max_ejection_seconds``.

        Args:
            url: the routing URL whose connection failed.
            reason: why (logged).
        """
        now = self._clock()
        if self.is_ejected(url, now):
            return  # concurrent failures of one outage count once
        if len(self._until) > _PRUNE_ABOVE:
            self._prune(now)
        strikes = self._strikes.get(url, 0) + 1
        self._strikes[url] = strikes
        seconds = min(self.ejection_seconds * 2 ** (strikes - 1), self.max_ejection_seconds)
        self._until[url] = now + seconds
        _log.warning("ejected %s for %.1f s: %s", url, seconds, reason or "connection failed")

    def succeeded(self, url: str) -> None:
        """Record a successful request to ``url``: its next ejection starts short again."""
        if self._strikes and self._strikes.pop(url, None) is not None:
            self._until.pop(url, None)
            _log.info("%s answers again", url)

    def _prune(self, now: float) -> None:
        for url in [url for url, until in self._until.items() if until <= now]:
            del self._until[url]
            self._strikes.pop(url, None)


def _retryable(error: SubgraphFetchError, body: bytes) -> bool:
    kind = error.kind
    if kind == "connect":
        return True
    if kind == "disconnect" or kind == "timeout" or error.status in _RETRIED_STATUSES:
        return is_query(body)
    return False


class BalancingSubgraphClient:
    """A :class:`SubgraphClient` wrapper that load-balances, ejects and retries.

    :meth:`bind` it to a state's routing URLs for each request (the pipeline does this): the
    bound client picks URLs (:meth:`BoundSubgraphClient.url_for`) and retries failed fetches on
    other instances. Used unbound, it only records ejections (it knows no other instance).

    Args:
        inner: the client that sends requests (may be replaced later, e.g. to switch
            deduplication on or off).
        balancer: the ejection state and retry policy (a new one when None).
    """

    def __init__(self, inner: SubgraphClient, balancer: LoadBalancer | None = None) -> None:
        self.inner = inner
        self.balancer = balancer if balancer is not None else LoadBalancer()

    def bind(self, routing: RoutingUrls) -> BoundSubgraphClient:
        """This client over one request's routing URLs.

        Args:
            routing: routing URLs by subgraph name.

        Returns:
            A :class:`SubgraphClient` with ``url_for`` (the executor's ``routing_url``).
        """
        return BoundSubgraphClient(self, routing)

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request to ``url`` (no retry); see :meth:`SubgraphClient.fetch`."""
        try:
            response = await self.inner.fetch(subgraph_name, url, body, headers)
        except SubgraphFetchError as error:
            if error.kind == "connect" or error.kind == "disconnect":
                self.balancer.eject(url, error.reason)
            raise
        self.balancer.succeeded(url)
        return response


class BoundSubgraphClient:
    """A :class:`BalancingSubgraphClient` bound to one request's routing URLs.

    Args:
        client: the balancing client.
        routing: routing URLs by subgraph name.
    """

    __slots__ = ("_client", "_routing")

    def __init__(self, client: BalancingSubgraphClient, routing: RoutingUrls) -> None:
        self._client = client
        self._routing = routing

    def url_for(self, subgraph_name: str) -> str:
        """The routing URL for the next request to ``subgraph_name``; see
        :meth:`LoadBalancer.url_for`.

        Raises:
            KeyError: the subgraph has no routing URL.
        """
        return self._client.balancer.url_for(self._routing, subgraph_name)

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request, retrying on other instances when safe.

        See :meth:`SubgraphClient.fetch` and the module docstring for the retry rules.

        Raises:
            SubgraphFetchError: the last failure, when no (further) retry is allowed.
        """
        client = self._client
        try:
            response = await client.inner.fetch(subgraph_name, url, body, headers)
        except SubgraphFetchError as error:
            return await self._retry(subgraph_name, url, body, headers, error)
        client.balancer.succeeded(url)
        return response

    async def _retry(
        self,
        subgraph_name: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        error: SubgraphFetchError,
    ) -> dict[str, Any]:
        client = self._client
        balancer = client.balancer
        tried = [url]
        while True:
            if error.kind == "connect" or error.kind == "disconnect":
                balancer.eject(url, error.reason)
            if len(tried) > balancer.retry_attempts or not _retryable(error, body):
                raise error
            other = balancer.retry_url(self._routing, subgraph_name, tried)
            if other is None:
                raise error
            _log.info("retrying a %s fetch on %s: %s", subgraph_name, other, error.reason)
            url = other
            tried.append(url)
            try:
                response = await client.inner.fetch(subgraph_name, url, body, headers)
            except SubgraphFetchError as again:
                error = again
                continue
            balancer.succeeded(url)
            return response
