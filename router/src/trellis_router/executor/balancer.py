"""Load balancing across the routing URLs (instances) of each subgraph.

Round robin over a subgraph's routing URLs, skipping ejected instances and instances whose
circuit is open; passive ejection of an instance whose connection fails; a circuit breaker per
instance; retries when safe. By the failure's ``SubgraphFetchError.kind``::

    kind         example                            ejects  breaker  retried
    connect      refused, DNS, connect timeout      yes     counts   any operation (not sent)
    disconnect   reset, closed before a response    yes     counts   queries only
    timeout      no whole response in time          no      counts   queries, other instance
    status       HTTP 502, 503, 504                 no      counts   queries only
    status       HTTP 500, other 5xx                no      counts   never
    (others)     other statuses, bad JSON           no      success  never

A mutation is never retried once it may have run (after a ``connect`` failure it certainly did
not). A timeout while waiting for a concurrency slot
(:class:`~trellis_router.executor.traffic.SlotTimeoutError`) was never sent: it counts against
no instance and is not retried.

Retries: at most the subgraph's ``retry_attempts`` per fetch (``traffic_shaping``, default
``subgraph_retry_attempts``). A retry goes to an instance not tried yet for this fetch (not
ejected, circuit not open, if possible) at once; when every instance was tried, to a tried one
again (the fetch's round robin) after a backoff: ``retry_backoff_seconds * 2 ** (n - 1)`` for
the n-th retry of the fetch, times a random factor in [0.5, 1) (jitter), at most ten times
``retry_backoff_seconds``. A timeout is never retried on an instance already tried (that would
only add load to a slow instance).

Ejection and circuit breaker, side by side::

                ejection (passive health)              circuit breaker
    trips on    one connect/disconnect failure         failure_threshold consecutive failures
                                                       (connect, disconnect, timeout, 5xx)
    lasts       ejection_seconds, doubled on repeat    open_seconds, then one trial request
                (max_ejection_seconds)                 (success closes, failure re-opens)
    all of a    still routed (never route nowhere)     fails at once: SubgraphFetchError(kind=
    subgraph                                           "connect"), no network call

Both skip the instance when choosing a URL; a success of the instance resets both. Ejection
reacts at once to a dead instance and keeps trying it when nothing else is left; the breaker
also catches instances that accept connections but time out or answer 5xx, and stops load on
a subgraph that is down entirely.

Ejection and circuit state are keyed by URL and live in the :class:`LoadBalancer`, outside the
router state, so they survive state swaps (a new supergraph or new routing URLs).

Spec: Envoy outlier detection (passive health checking: an ejected host is skipped for a time
that grows with each ejection, capped by ``max_ejection_time``; Envoy grows it linearly, this
doubles it); Envoy retry back-off (exponential, jittered, capped at ten times the base); the
circuit breaker pattern (closed / open / half-open); RFC 9110 §9.2.2 (only idempotent requests
are retried automatically once sent; a GraphQL query is, a mutation is not); Apollo Router
``traffic_shaping.<subgraph>.experimental_retry`` (``retry_mutations: false``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeAlias

from .circuit import CircuitBreakers, is_failure
from .client import SubgraphClient, SubgraphFetchError
from .dedupe import is_query
from .traffic import EffectiveTraffic, SlotTimeoutError, effective_traffic

if TYPE_CHECKING:
    from ..configuration import RouterSettings

__all__ = [
    "BalancingSubgraphClient",
    "BoundSubgraphClient",
    "LoadBalancer",
    "RoutingUrls",
    "backoff_seconds",
]

_log = logging.getLogger(__name__)

RoutingUrls: TypeAlias = Mapping[str, tuple[str, ...]]
"""Routing URLs by subgraph name (``RouterState.routing.urls``)."""

_RETRIED_STATUSES = frozenset({502, 503, 504})
_PRUNE_ABOVE = 256  # URLs remembered before forgetting expired ejections
_BACKOFF_CAP = 10  # the longest backoff, in multiples of the base


def backoff_seconds(base: float, retry: int, jitter: float) -> float:
    """The wait before the ``retry``-th retry of a fetch on an instance already tried.

    Args:
        base: ``retry_backoff_seconds``, in seconds.
        retry: 1 for the first retry of the fetch, 2 for the second, ...
        jitter: a random number in [0, 1).

    Returns:
        ``base * 2 ** (retry - 1) * (0.5 + jitter / 2)``, at most ``10 * base``, in seconds.

    Spec: Envoy retry back-off (exponential, jittered, ``max_interval`` ten times the base).
    """
    grown = base * 2.0 ** min(retry - 1, 16)
    return min(grown * (0.5 + jitter / 2), _BACKOFF_CAP * base)


class LoadBalancer:
    """Round robin with passive ejection and circuit breakers; remembers both by URL
    (long-lived).

    Not thread-safe: use it from one event loop (no locks on the hot path).

    Args:
        ejection_seconds: how long a URL is skipped after a connection failure, in seconds.
        max_ejection_seconds: the longest ejection after repeated failures, in seconds.
        retry_attempts: how many times one fetch may be retried, until :meth:`apply` gives
            settings (then each subgraph's effective ``retry_attempts`` applies).
        clock: monotonic clock in seconds (tests may pass their own).
        settings: the router settings (traffic shaping per subgraph); None: defaults.
        sleep: waits the backoff before a retry (``asyncio.sleep``; tests may record it).
        jitter: random numbers in [0, 1) for the backoff.
    """

    def __init__(
        self,
        ejection_seconds: float = 10.0,
        max_ejection_seconds: float = 60.0,
        retry_attempts: int = 2,
        clock: Callable[[], float] = time.monotonic,
        *,
        settings: RouterSettings | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.ejection_seconds = ejection_seconds
        self.max_ejection_seconds = max_ejection_seconds
        self.retry_attempts = retry_attempts
        self.circuits = CircuitBreakers(clock)
        self.sleep = sleep
        self.jitter = jitter
        self._settings: RouterSettings | None = None
        self._clock = clock
        self._next: dict[str, int] = {}
        self._until: dict[str, float] = {}
        self._strikes: dict[str, int] = {}
        if settings is not None:
            self.apply(settings)

    def apply(self, settings: RouterSettings) -> None:
        """Use ``settings`` from now on: ejection times, and each subgraph's retries, backoff
        and circuit breaker (``traffic_shaping``). A :class:`RouterRuntime` listener calls this
        after a change; ejection and circuit state are kept.

        Args:
            settings: the router settings now in effect.
        """
        self._settings = settings
        self.ejection_seconds = settings.ejection_seconds
        self.max_ejection_seconds = settings.max_ejection_seconds
        self.retry_attempts = settings.subgraph_retry_attempts

    def traffic(self, subgraph_name: str) -> EffectiveTraffic:
        """The traffic settings in effect for ``subgraph_name``.

        Args:
            subgraph_name: the subgraph.

        Returns:
            From the applied settings; without settings, defaults with ``retry_attempts``.
        """
        settings = self._settings
        if settings is None:
            if self.retry_attempts == _DEFAULTS.retry_attempts:
                return _DEFAULTS
            return replace(_DEFAULTS, retry_attempts=self.retry_attempts)
        return effective_traffic(settings, subgraph_name)

    def url_for(self, routing: RoutingUrls, subgraph_name: str) -> str:
        """The routing URL for the next request to ``subgraph_name``.

        Args:
            routing: routing URLs by subgraph name.
            subgraph_name: the subgraph.

        Returns:
            The next URL in round robin that is neither ejected nor open (any URL when all
            are; the fetch then fails at once if every circuit is open).

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
        if not self._until and not self.circuits.tracked:
            return url
        breaker = self.traffic(subgraph_name).circuit_breaker
        now = self._clock()
        for step in range(count):
            candidate = urls[(start + step) % count]
            if not self.is_ejected(candidate, now) and not self.circuits.refuses(
                candidate, breaker
            ):
                self._next[subgraph_name] = start + step + 1
                return candidate
        return url

    def retry_url(
        self, routing: RoutingUrls, subgraph_name: str, tried: Sequence[str]
    ) -> str | None:
        """Another routing URL for a retry: not tried yet, not ejected, circuit not open if
        possible.

        Args:
            routing: routing URLs by subgraph name.
            subgraph_name: the subgraph.
            tried: the URLs this fetch already went to.

        Returns:
            The URL, or None when every URL of the subgraph was tried or refuses requests.
        """
        breaker = self.traffic(subgraph_name).circuit_breaker
        circuits = self.circuits
        untried = [
            url
            for url in routing.get(subgraph_name, ())
            if url not in tried and not circuits.refuses(url, breaker)
        ]
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
        """Record a successful request to ``url``: its next ejection starts short again and
        its circuit closes."""
        if self._strikes and self._strikes.pop(url, None) is not None:
            self._until.pop(url, None)
            _log.info("%s answers again", url)
        if self.circuits.tracked:
            self.circuits.succeeded(url)

    def failed(self, subgraph_name: str, url: str, error: SubgraphFetchError) -> None:
        """Record a failed request to ``url``: may eject it and count against its circuit.

        Args:
            subgraph_name: the subgraph ``url`` belongs to (whose breaker settings apply).
            url: the routing URL.
            error: the failure.
        """
        if isinstance(error, SlotTimeoutError):
            return  # never sent
        if error.kind == "connect" or error.kind == "disconnect":
            self.eject(url, error.reason)
        if is_failure(error):
            self.circuits.failed(url, self.traffic(subgraph_name).circuit_breaker, error.reason)
        else:
            self.circuits.succeeded(url)

    def _prune(self, now: float) -> None:
        for url in [url for url, until in self._until.items() if until <= now]:
            del self._until[url]
            self._strikes.pop(url, None)


_DEFAULTS = EffectiveTraffic()


def _retryable(error: SubgraphFetchError, body: bytes) -> bool:
    if isinstance(error, SlotTimeoutError):
        return False
    kind = error.kind
    if kind == "connect":
        return True
    if kind == "disconnect" or kind == "timeout" or error.status in _RETRIED_STATUSES:
        return is_query(body)
    return False


def _circuit_open(subgraph_name: str) -> SubgraphFetchError:
    reason = f"circuit open for every instance of subgraph {subgraph_name!r}"
    return SubgraphFetchError(reason, kind="connect")


class BalancingSubgraphClient:
    """A :class:`SubgraphClient` wrapper that load-balances, ejects, breaks circuits and
    retries.

    :meth:`bind` it to a state's routing URLs for each request (the pipeline does this): the
    bound client picks URLs (:meth:`BoundSubgraphClient.url_for`) and retries failed fetches.
    Used unbound, it records ejections and circuit state and refuses a URL whose circuit is
    open, but never retries (it knows no other instance).

    Args:
        inner: the client that sends requests (may be replaced later, e.g. to switch
            deduplication on or off).
        balancer: the ejection and circuit state and the retry policy (a new one when None).
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
        """Send one request to ``url`` (no retry); see :meth:`SubgraphClient.fetch`.

        Raises:
            SubgraphFetchError: the request failed, or ``kind="connect"`` at once when the
                circuit of ``url`` is open.
        """
        balancer = self.balancer
        breaker = balancer.traffic(subgraph_name).circuit_breaker
        if not balancer.circuits.admit(url, breaker):
            raise _circuit_open(subgraph_name)
        return await _attempt(self.inner, balancer, subgraph_name, url, body, headers)


async def _attempt(
    inner: SubgraphClient,
    balancer: LoadBalancer,
    subgraph_name: str,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """One admitted request: records its outcome (ejection, circuit) in ``balancer``."""
    try:
        response = await inner.fetch(subgraph_name, url, body, headers)
    except SubgraphFetchError as error:
        balancer.failed(subgraph_name, url, error)
        raise
    except BaseException:
        balancer.circuits.release(url)
        raise
    balancer.succeeded(url)
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
        """Send one request, retrying when safe.

        See :meth:`SubgraphClient.fetch` and the module docstring for the retry rules.

        Raises:
            SubgraphFetchError: the last failure, when no (further) retry is allowed;
                ``kind="connect"`` at once when the circuit of every instance is open.
        """
        client = self._client
        balancer = client.balancer
        traffic = balancer.traffic(subgraph_name)
        if not balancer.circuits.admit(url, traffic.circuit_breaker):
            other = self._admitted(subgraph_name, (url,), traffic)
            if other is None:
                raise _circuit_open(subgraph_name)
            url = other
        try:
            return await _attempt(client.inner, balancer, subgraph_name, url, body, headers)
        except SubgraphFetchError as error:
            return await self._retry(subgraph_name, url, body, headers, error, traffic)

    def _admitted(
        self, subgraph_name: str, tried: Sequence[str], traffic: EffectiveTraffic
    ) -> str | None:
        """A URL admitted by its circuit: untried ones first, then any; None if none is."""
        balancer = self._client.balancer
        breaker = traffic.circuit_breaker
        while True:
            url = balancer.retry_url(self._routing, subgraph_name, tried)
            if url is None:
                break
            if balancer.circuits.admit(url, breaker):
                return url
            tried = [*tried, url]
        for url in self._routing.get(subgraph_name, ()):
            if balancer.circuits.admit(url, breaker):
                return url
        return None

    async def _retry(
        self,
        subgraph_name: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        error: SubgraphFetchError,
        traffic: EffectiveTraffic,
    ) -> dict[str, Any]:
        client = self._client
        balancer = client.balancer
        tried = [url]
        retries = 0
        while True:
            if retries >= traffic.retry_attempts or not _retryable(error, body):
                raise error
            retries += 1
            url = await self._next_attempt(subgraph_name, tried, traffic, retries, error)
            tried.append(url)
            try:
                return await _attempt(client.inner, balancer, subgraph_name, url, body, headers)
            except SubgraphFetchError as again:
                error = again

    async def _next_attempt(
        self,
        subgraph_name: str,
        tried: list[str],
        traffic: EffectiveTraffic,
        retry: int,
        error: SubgraphFetchError,
    ) -> str:
        """The admitted URL of the next attempt, after the backoff when it was tried already.

        Raises:
            SubgraphFetchError: ``error`` when no instance admits a request any more, or when
                it is a timeout and every instance was tried.
        """
        balancer = self._client.balancer
        breaker = traffic.circuit_breaker
        other = balancer.retry_url(self._routing, subgraph_name, tried)
        if other is not None and balancer.circuits.admit(other, breaker):
            _log.info("retrying a %s fetch on %s: %s", subgraph_name, other, error.reason)
            return other
        if error.kind == "timeout":
            raise error  # a slow instance gets no second request of the same fetch
        delay = backoff_seconds(traffic.retry_backoff_seconds, retry, balancer.jitter())
        _log.info(
            "retrying a %s fetch in %.3f s (retry %d): %s",
            subgraph_name,
            delay,
            retry,
            error.reason,
        )
        await balancer.sleep(delay)
        urls = self._routing.get(subgraph_name, ())
        for step in range(len(urls)):
            url = urls[(len(tried) + step) % len(urls)]
            if balancer.circuits.admit(url, breaker):
                return url
        raise error
