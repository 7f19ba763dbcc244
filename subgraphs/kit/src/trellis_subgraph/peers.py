"""Service-to-service GraphQL calls: the typed peer client (the OpenFeign counterpart).

A subgraph that needs another one (billing asks inventory for prices, orders reserves stock and
creates invoices) calls the peer subgraph's own GraphQL endpoint, never the router, and finds
it through the registry (``GET /v1/services/{service}``: the UP instances and their routing
URLs), the discovery pattern of Eureka + OpenFeign. Operators without a registry may pin URLs in
the ``peer_urls`` setting.

Failure policy, per call:

- a per-attempt timeout (``timeout_seconds``);
- retries with exponential backoff: any failure of an *idempotent* call (connection refused,
  reset, timeout, HTTP 502/503/504); for a non-idempotent call only failures where the request
  certainly never reached the peer (connection refused);
- a failed instance is forgotten, so the next attempt resolves the service again (another
  instance, or the same one back after a restart);
- when attempts run out: :class:`~trellis_subgraph.errors.UpstreamUnavailable` naming the peer.

GraphQL errors in the peer's answer are not retried: they raise
:class:`~trellis_subgraph.errors.PeerError` keeping the peer's ``extensions.code``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from trellis_subgraph.errors import PeerError, UpstreamUnavailable

__all__ = [
    "PeerClient",
    "PeerDirectory",
    "PeerPolicy",
    "Peers",
    "RegistryPeerDirectory",
    "StaticPeerDirectory",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({502, 503, 504})
"""HTTP statuses that mean "this instance cannot answer now" (gateway errors, unavailable)."""


class PeerDirectory(Protocol):
    """Where peer subgraphs are: resolves a service name to one routing URL."""

    async def routing_url(self, service: str) -> str:
        """One routing URL of the service (e.g. ``http://127.0.0.1:4002/graphql``).

        Raises:
            UpstreamUnavailable: If no instance of the service is known.
        """
        ...

    def forget(self, service: str, url: str) -> None:
        """Drop a URL that just failed, so the next lookup asks again."""
        ...


class StaticPeerDirectory:
    """Routing URLs fixed by configuration (the ``peer_urls`` setting).

    Args:
        urls: Service name to routing URL.
    """

    def __init__(self, urls: Mapping[str, str]) -> None:
        self._urls = dict(urls)

    async def routing_url(self, service: str) -> str:
        """The configured URL of the service.

        Raises:
            UpstreamUnavailable: If the service has no configured URL.
        """
        url = self._urls.get(service)
        if url is None:
            raise UpstreamUnavailable(service, "no routing URL is configured for it")
        return url

    def forget(self, service: str, url: str) -> None:
        """Nothing to forget: the URLs are fixed."""


@dataclass(slots=True)
class _Listing:
    """The routing URLs of one service's UP instances as last read from the registry."""

    urls: list[str]
    index: int
    read_at: float


class RegistryPeerDirectory:
    """Routing URLs of the UP instances the registry lists, round-robin, followed by watch.

    The first lookup of a service reads ``GET /v1/services/{service}`` and starts a watch: a
    loop of blocking queries (``?index=N&wait=…``, Consul's semantics) that replaces the
    listing as soon as the registry's index moves, so a new or removed instance is seen
    within a round trip rather than after a cache period. While the watch cannot reach the
    registry the last listing is used for ``cache_seconds``, then read again on lookup.

    Args:
        registry_url: Base URL of the registry, e.g. ``http://127.0.0.1:8761``.
        http: The HTTP client to use.
        cache_seconds: How long a listing is trusted without a working watch (seconds).
        static: URLs that take precedence over the registry (the ``peer_urls`` setting).
        watch_wait_seconds: The ``wait`` of each blocking query (seconds).
    """

    def __init__(
        self,
        registry_url: str,
        http: httpx.AsyncClient,
        *,
        cache_seconds: float = 5.0,
        static: Mapping[str, str] | None = None,
        watch_wait_seconds: float = 30.0,
    ) -> None:
        self._registry_url = registry_url.rstrip("/")
        self._http = http
        self._cache_seconds = cache_seconds
        self._static = dict(static or {})
        self._wait = watch_wait_seconds
        self._listings: dict[str, _Listing] = {}
        self._watching: dict[str, bool] = {}
        self._watches: dict[str, asyncio.Task[None]] = {}
        self._turns: dict[str, itertools.count[int]] = {}

    async def routing_url(self, service: str) -> str:
        """One UP instance's routing URL, taking turns between instances.

        Raises:
            UpstreamUnavailable: If the registry cannot be reached or lists no UP instance.
        """
        if service in self._static:
            return self._static[service]
        urls = await self._urls(service)
        if not urls:
            raise UpstreamUnavailable(service, "the registry lists no instance that is UP")
        turn = next(self._turns.setdefault(service, itertools.count()))
        return urls[turn % len(urls)]

    def forget(self, service: str, url: str) -> None:
        """Leave a URL that just failed out of the listing until the registry lists it again."""
        listing = self._listings.get(service)
        if listing is not None and url in listing.urls:
            listing.urls = [known for known in listing.urls if known != url]

    async def aclose(self) -> None:
        """Stop every watch."""
        watches = list(self._watches.values())
        self._watches.clear()
        for task in watches:
            task.cancel()
        for task in watches:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _urls(self, service: str) -> list[str]:
        listing = self._listings.get(service)
        fresh = listing is not None and (
            self._watching.get(service, False)
            or time.monotonic() - listing.read_at < self._cache_seconds
        )
        if listing is None or not fresh or not listing.urls:
            listing = await self._read(service, None)
        if service not in self._watches:
            self._watches[service] = asyncio.create_task(
                self._watch(service), name=f"trellis-peer-watch:{service}"
            )
        return listing.urls

    async def _read(self, service: str, after: int | None) -> _Listing:
        url = f"{self._registry_url}/v1/services/{service}"
        params = {} if after is None else {"index": str(after), "wait": f"{self._wait:g}s"}
        try:
            response = await self._http.get(url, params=params, timeout=self._wait + 10.0)
            response.raise_for_status()
            body = response.json()
            instances = body["instances"]
            index = int(body.get("index", 0))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise UpstreamUnavailable(
                service, f"the registry at {self._registry_url} did not answer ({error})"
            ) from error
        urls = [
            str(instance["routing_url"])
            for instance in instances
            if instance.get("effective_status", instance.get("status")) == "UP"
        ]
        listing = _Listing(urls=urls, index=index, read_at=time.monotonic())
        self._listings[service] = listing
        return listing

    async def _watch(self, service: str) -> None:
        backoff = 0.2
        while not self._http.is_closed:
            listing = self._listings.get(service)
            after = listing.index if listing is not None else 0
            started = time.monotonic()
            try:
                read = await self._read(service, after)
            except RuntimeError:  # the HTTP client was closed under the watch: stop
                return
            except UpstreamUnavailable as error:
                if self._watching.get(service, True):
                    logger.warning("watching %s in the registry failed: %s", service, error)
                self._watching[service] = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self._watching[service] = True
            backoff = 0.2
            if read.index <= after and time.monotonic() - started < 0.05:
                # The registry answered at once without a newer index (it does not block):
                # poll instead of spinning.
                await asyncio.sleep(self._cache_seconds or 1.0)


@dataclass(frozen=True, slots=True)
class PeerPolicy:
    """Timeouts and retries of peer calls.

    Attributes:
        timeout_seconds: Limit of one attempt (connect + send + answer), in seconds.
        attempts: Attempts in total, at least 1 (so ``attempts - 1`` retries).
        backoff_seconds: Wait before the first retry; doubles for each further retry.
    """

    timeout_seconds: float = 5.0
    attempts: int = 4
    backoff_seconds: float = 0.2


class PeerClient:
    """A typed GraphQL client of one peer subgraph.

    Example:
        >>> prices = await peers.client("inventory").execute(
        ...     "query ($ids: [ID!]!) { productsByIds(ids: $ids) { id price { amount } } }",
        ...     {"ids": ["1", "2"]},
        ...     result=ProductPrices,  # a pydantic model or any type pydantic validates
        ...     idempotent=True,
        ... )

    Args:
        service: The peer's service name (``inventory``, ``billing``, ...).
        directory: Resolves the service to a routing URL.
        http: The shared HTTP client.
        policy: Timeouts and retries.
    """

    def __init__(
        self, service: str, directory: PeerDirectory, http: httpx.AsyncClient, policy: PeerPolicy
    ) -> None:
        self.service = service
        self._directory = directory
        self._http = http
        self.policy = policy

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        result: type[T],
        idempotent: bool,
    ) -> T:
        """Run one operation on the peer and validate its ``data`` as ``result``.

        Args:
            query: The GraphQL document (one operation).
            variables: Its variables (JSON values).
            result: The type of ``data`` (a pydantic model, a TypedDict, ``dict[str, Any]``).
            idempotent: Whether repeating the operation is harmless (queries, and mutations
                keyed by an idempotency key or reference); only then are failures after the
                request may have reached the peer retried.

        Returns:
            The validated ``data``.

        Raises:
            UpstreamUnavailable: If no attempt got an answer, or the answer was not GraphQL.
            PeerError: If the peer answered with GraphQL errors (its first error's code kept).
        """
        body = {"query": query, "variables": dict(variables or {})}
        payload = await self._post_with_retries(body, idempotent)
        errors = payload.get("errors")
        if errors:
            first = errors[0] if isinstance(errors[0], Mapping) else {"message": str(errors[0])}
            raise PeerError(self.service, first)
        try:
            return TypeAdapter(result).validate_python(payload.get("data"))
        except ValidationError as error:
            raise UpstreamUnavailable(
                self.service, f"its answer does not have the expected shape ({error})"
            ) from error

    async def _post_with_retries(self, body: dict[str, Any], idempotent: bool) -> dict[str, Any]:
        policy = self.policy
        delay = policy.backoff_seconds
        reason = "no attempt was made"
        for attempt in range(1, max(policy.attempts, 1) + 1):
            url = await self._directory.routing_url(self.service)
            try:
                response = await self._http.post(url, json=body, timeout=policy.timeout_seconds)
            except httpx.ConnectError as error:
                reason = f"cannot connect to {url} ({error or type(error).__name__})"
                retry = True
            except httpx.TransportError as error:
                reason = f"{type(error).__name__} calling {url}"
                retry = idempotent
            else:
                if response.status_code in RETRYABLE_STATUSES:
                    reason = f"{url} answered HTTP {response.status_code}"
                    retry = idempotent
                else:
                    return self._decode(response, url)
            self._directory.forget(self.service, url)
            if not retry or attempt == policy.attempts:
                break
            logger.info("%s: %s; retrying in %.2f s", self.service, reason, delay)
            await asyncio.sleep(delay)
            delay *= 2
        raise UpstreamUnavailable(self.service, reason)

    def _decode(self, response: httpx.Response, url: str) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError as error:
            raise UpstreamUnavailable(
                self.service, f"{url} answered HTTP {response.status_code} without JSON"
            ) from error
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            raise UpstreamUnavailable(
                self.service, f"{url} answered HTTP {response.status_code} without a GraphQL body"
            )
        return payload


class Peers:
    """The peer clients of one subgraph process, sharing one HTTP connection pool.

    Args:
        directory: Resolves service names to routing URLs.
        policy: Timeouts and retries of every call.
        http: The HTTP client; one is created (and closed by :meth:`aclose`) when omitted.
    """

    def __init__(
        self,
        directory: PeerDirectory,
        policy: PeerPolicy,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._owns_http = http is None
        self.http = http if http is not None else httpx.AsyncClient()
        self.directory = directory
        self.policy = policy
        self._clients: dict[str, PeerClient] = {}

    def client(self, service: str) -> PeerClient:
        """The client of one peer service (created on first use).

        Args:
            service: The peer's service name.

        Returns:
            Its :class:`PeerClient`.
        """
        existing = self._clients.get(service)
        if existing is None:
            existing = PeerClient(service, self.directory, self.http, self.policy)
            self._clients[service] = existing
        return existing

    def set_policy(self, policy: PeerPolicy) -> None:
        """Use ``policy`` for every call from now on (live settings); calls in flight keep
        theirs.

        Args:
            policy: The new timeouts and retries.
        """
        self.policy = policy
        for client in self._clients.values():
            client.policy = policy

    async def aclose(self) -> None:
        """Stop the directory's watches and close the HTTP client if this object created it."""
        close = getattr(self.directory, "aclose", None)
        if close is not None:
            await close()
        if self._owns_http:
            await self.http.aclose()
