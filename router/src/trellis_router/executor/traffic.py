"""Traffic shaping of subgraph requests: per-subgraph timeout, concurrency cap and request
compression (:class:`TrafficSubgraphClient`), and the effective settings of each subgraph
(:func:`effective_traffic`).

Effective settings, key by key: ``traffic_shaping.subgraphs.<name>`` > ``traffic_shaping.all``
> the router-wide ``subgraph_timeout_seconds`` / ``subgraph_retry_attempts`` > built-in
defaults (:data:`DEFAULT_RETRY_BACKOFF_SECONDS`, no concurrency cap, no compression, a circuit
breaker with :class:`CircuitBreakerSettings` defaults). Circuit breaker keys merge one by one
too: a subgraph entry setting only ``failure_threshold`` keeps the rest from ``all``.

Where each setting acts (outermost first)::

    BalancingSubgraphClient   routing URL choice, ejection, circuit breaker, retries + backoff
    DedupingSubgraphClient    identical queries in flight share one request
    TrafficSubgraphClient     compression, concurrency cap, timeout (each attempt)
    AiohttpSubgraphClient     HTTP (its own total timeout is a backstop: max_timeout_seconds)

- **timeout**: covers waiting for a concurrency slot plus the request; a request that runs out
  of time raises ``SubgraphFetchError(kind="timeout")``. One that ran out while still waiting
  for a slot raises :class:`SlotTimeoutError` (a ``timeout`` too): it was never sent, so it
  counts against no instance and is not retried.
- **max_concurrency**: an :class:`asyncio.Semaphore` per subgraph (all its instances together);
  requests over the cap wait their turn, first come first served, within their timeout. A
  changed cap takes effect for requests that start waiting after the change (requests already
  holding a slot of the old cap finish on it).
- **compression**: request bodies are compressed (``Content-Encoding: gzip`` or ``deflate``,
  i.e. zlib per RFC 9110 §8.4.1.2). Responses need nothing here: aiohttp sends
  ``Accept-Encoding: gzip, deflate`` and decompresses responses itself. The subgraph must
  accept compressed request bodies (aiohttp servers do; plain Starlette/uvicorn does not).

Spec: Apollo Router ``traffic_shaping.all`` / ``traffic_shaping.subgraphs.<name>``
(``timeout``, ``compression``); RFC 9110 §8.4 (Content-Encoding).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..configuration.traffic_shaping import CircuitBreakerSettings, SubgraphTrafficShaping
from .client import SubgraphClient, SubgraphFetchError

if TYPE_CHECKING:
    from ..configuration import RouterSettings

__all__ = [
    "DEFAULT_RETRY_BACKOFF_SECONDS",
    "Compression",
    "EffectiveTraffic",
    "SlotTimeoutError",
    "TrafficSubgraphClient",
    "compress",
    "effective_traffic",
    "max_timeout_seconds",
]

Compression: TypeAlias = Literal["gzip", "deflate", "identity"]
"""A request body encoding (``identity``: as is)."""

DEFAULT_RETRY_BACKOFF_SECONDS = 0.05
"""Wait before the first retry on an instance already tried, when no setting says, in seconds
(Envoy's retry back-off base is 25 ms)."""


_DEFAULT_BREAKER = CircuitBreakerSettings()


@dataclass(frozen=True, slots=True)
class EffectiveTraffic:
    """The traffic settings in effect for one subgraph (every key resolved).

    Attributes:
        timeout_seconds: total time for one request attempt, in seconds (slot wait included).
        retry_attempts: retries allowed per fetch (see :mod:`.balancer` for which).
        retry_backoff_seconds: wait before the first retry on an already tried instance, in
            seconds; doubled for each next retry, with jitter.
        max_concurrency: most requests in flight to the subgraph (None: no cap).
        compression: the request body encoding.
        circuit_breaker: the circuit breaker settings of its instances.
    """

    timeout_seconds: float = 30.0
    retry_attempts: int = 2
    retry_backoff_seconds: float = DEFAULT_RETRY_BACKOFF_SECONDS
    max_concurrency: int | None = None
    compression: Compression = "identity"
    circuit_breaker: CircuitBreakerSettings = _DEFAULT_BREAKER


_CACHE_SIZE = 4
_cache: dict[int, tuple[RouterSettings, dict[str, EffectiveTraffic]]] = {}


def effective_traffic(settings: RouterSettings, subgraph: str) -> EffectiveTraffic:
    """The traffic settings in effect for ``subgraph`` (cached per settings object).

    Args:
        settings: the router settings in effect (swapped whole on a change, so the cache is
            keyed by the object's identity).
        subgraph: the subgraph name (``join__graph(name:)``).

    Returns:
        The resolved settings (see the module docstring for the precedence).
    """
    entry = _cache.get(id(settings))
    if entry is None or entry[0] is not settings:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        entry = _cache[id(settings)] = (settings, {})
    table = entry[1]
    found = table.get(subgraph)
    if found is None:
        found = table[subgraph] = _resolve(settings, subgraph)
    return found


def _resolve(settings: RouterSettings, subgraph: str) -> EffectiveTraffic:
    shaping = settings.traffic_shaping
    layers = [shaping.all]
    specific = shaping.subgraphs.get(subgraph)
    if specific is not None:
        layers.append(specific)
    values: dict[str, Any] = {
        "timeout_seconds": settings.subgraph_timeout_seconds,
        "retry_attempts": settings.subgraph_retry_attempts,
    }
    breaker = _DEFAULT_BREAKER
    for layer in layers:
        for name in SubgraphTrafficShaping.model_fields:
            value = getattr(layer, name)
            if value is None:
                continue
            if isinstance(value, CircuitBreakerSettings):
                update = {key: getattr(value, key) for key in value.model_fields_set}
                breaker = breaker.model_copy(update=update)
            else:
                values[name] = value
    return EffectiveTraffic(circuit_breaker=breaker, **values)


def max_timeout_seconds(settings: RouterSettings) -> float:
    """The longest per-attempt timeout of any subgraph, in seconds.

    The transport's own total timeout (``AiohttpSubgraphClient.set_timeouts``) should be at
    least this long, so that the per-subgraph timeouts of :class:`TrafficSubgraphClient` decide.

    Args:
        settings: the router settings.

    Returns:
        The maximum of ``subgraph_timeout_seconds`` and every ``traffic_shaping`` timeout.
    """
    shaping = settings.traffic_shaping
    entries = [shaping.all, *shaping.subgraphs.values()]
    timeouts = [entry.timeout_seconds for entry in entries if entry.timeout_seconds is not None]
    return max([settings.subgraph_timeout_seconds, *timeouts])


def compress(body: bytes, encoding: Compression) -> bytes:
    """Encode a request body.

    Args:
        body: the bytes to send.
        encoding: ``gzip`` (RFC 1952), ``deflate`` (the zlib format, RFC 1950, as HTTP's
            ``deflate`` means) or ``identity``.

    Returns:
        The encoded bytes.

    Spec: RFC 9110 §8.4.1 (content codings).
    """
    if encoding == "identity":
        return body
    wbits = 31 if encoding == "gzip" else 15
    encoder = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return encoder.compress(body) + encoder.flush()


class SlotTimeoutError(SubgraphFetchError):
    """The timeout ran out while the request waited for a concurrency slot (never sent)."""


class _Gate:
    __slots__ = ("active", "limit", "semaphore")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.semaphore = asyncio.Semaphore(limit)
        self.active = 0


class TrafficSubgraphClient:
    """A :class:`SubgraphClient` wrapper applying each subgraph's timeout, concurrency cap and
    request compression (see the module docstring).

    Args:
        inner: the client that sends requests (an :class:`AiohttpSubgraphClient` in
            production).
        settings: the router settings (None: :class:`EffectiveTraffic` defaults for every
            subgraph until :meth:`apply`).
    """

    def __init__(self, inner: SubgraphClient, settings: RouterSettings | None = None) -> None:
        self.inner = inner
        self._settings = settings
        self._gates: dict[str, _Gate] = {}

    def apply(self, settings: RouterSettings) -> None:
        """Use ``settings`` from the next request on (a :class:`RouterRuntime` listener calls
        this after a change).

        Args:
            settings: the router settings now in effect.
        """
        self._settings = settings

    def traffic(self, subgraph_name: str) -> EffectiveTraffic:
        """The settings in effect for ``subgraph_name``.

        Args:
            subgraph_name: the subgraph.
        """
        settings = self._settings
        if settings is None:
            return _DEFAULTS
        return effective_traffic(settings, subgraph_name)

    def in_flight(self, subgraph_name: str) -> int:
        """Requests holding a concurrency slot of ``subgraph_name`` now (0 without a cap).

        Args:
            subgraph_name: the subgraph.
        """
        gate = self._gates.get(subgraph_name)
        return 0 if gate is None else gate.active

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Send one request within the subgraph's timeout and concurrency cap.

        See :meth:`SubgraphClient.fetch`.

        Raises:
            SubgraphFetchError: as the inner client does; ``kind="timeout"`` when the
                subgraph's timeout ran out (:class:`SlotTimeoutError` when still waiting for
                a slot).
        """
        traffic = self.traffic(subgraph_name)
        if traffic.compression != "identity":
            body = compress(body, traffic.compression)
            headers = {**headers, "content-encoding": traffic.compression}
        limit = traffic.max_concurrency
        if limit is None:
            return await self._timed(subgraph_name, url, body, headers, traffic.timeout_seconds)
        gate = self._gates.get(subgraph_name)
        if gate is None or gate.limit != limit:
            gate = self._gates[subgraph_name] = _Gate(limit)
        return await self._gated(gate, subgraph_name, url, body, headers, traffic.timeout_seconds)

    async def _timed(
        self,
        subgraph_name: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        seconds: float,
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(seconds):
                return await self.inner.fetch(subgraph_name, url, body, headers)
        except TimeoutError as error:
            raise _timed_out(seconds) from error

    async def _gated(
        self,
        gate: _Gate,
        subgraph_name: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        seconds: float,
    ) -> dict[str, Any]:
        acquired = False
        try:
            async with asyncio.timeout(seconds):
                await gate.semaphore.acquire()
                acquired = True
                gate.active += 1
                return await self.inner.fetch(subgraph_name, url, body, headers)
        except TimeoutError as error:
            if acquired:
                raise _timed_out(seconds) from error
            reason = f"timed out after {seconds:g} s waiting for one of {gate.limit} slots"
            raise SlotTimeoutError(reason, kind="timeout") from error
        finally:
            if acquired:
                gate.active -= 1
                gate.semaphore.release()


_DEFAULTS = EffectiveTraffic()


def _timed_out(seconds: float) -> SubgraphFetchError:
    return SubgraphFetchError(f"request timed out after {seconds:g} s", kind="timeout")
