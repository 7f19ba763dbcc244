"""Client rate limiting (``traffic_shaping.rate_limit``): a token bucket per client key.

Each client (:func:`client_key`: peer address, a header or a JWT claim) has a bucket of
``capacity`` tokens refilled at ``refill_per_second``; a request takes one token. With no token
left, :meth:`RateLimiter.acquire` returns the seconds until one is there and the router answers
HTTP 429 with ``Retry-After`` (:func:`retry_after`, whole seconds rounded up) and a GraphQL
error whose ``extensions.code`` is :data:`REQUEST_RATE_LIMITED`.

Two limiters (:func:`rate_limiter`):

- :class:`MemoryRateLimiter`: per router process, bounded memory (idle buckets are forgotten:
  a bucket refilled to full is the same as no bucket).
- :class:`RedisRateLimiter`: buckets shared by every router replica using the same Redis; one
  Lua script per request (atomic; Redis's clock, so replica clocks do not matter); keys expire
  once the bucket would be full again. When Redis cannot be reached it **fails open**: the
  request is allowed, a warning is logged (at most every 10 s), and Redis is not asked again
  for a second (so an outage adds no per-request latency).

Spec: the token bucket algorithm (RFC 2697 §1, single rate three color marker's committed
bucket); RFC 6585 §4 (429 Too Many Requests); RFC 9110 §10.2.3 (Retry-After in seconds);
Apollo Router ``traffic_shaping.router.global_rate_limit`` (code ``REQUEST_RATE_LIMITED``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..configuration.traffic_shaping import RateLimitSettings

__all__ = [
    "REQUEST_RATE_LIMITED",
    "MemoryRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
    "client_key",
    "rate_limiter",
    "retry_after",
]

_log = logging.getLogger(__name__)

REQUEST_RATE_LIMITED = "REQUEST_RATE_LIMITED"
"""The ``extensions.code`` of the 429 error (Apollo Router's code)."""

_MAX_KEY_CHARS = 128  # longer client keys are hashed


class RateLimiter(Protocol):
    """Takes a token from a client's bucket."""

    async def acquire(self, key: str) -> float | None:
        """Take one token from ``key``'s bucket.

        Args:
            key: the client key (:func:`client_key`).

        Returns:
            None when the request is allowed; else the seconds until a token is there.
        """
        ...

    async def close(self) -> None:
        """Release connections (idempotent)."""
        ...


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` header value for a wait of ``seconds``.

    Args:
        seconds: the wait :meth:`RateLimiter.acquire` returned, in seconds.

    Returns:
        Whole seconds, rounded up, at least 1 (e.g. ``"1"`` for 0.02 s).

    Spec: RFC 9110 §10.2.3 (``delay-seconds`` is a non-negative integer).
    """
    return str(max(1, math.ceil(seconds)))


def client_key(
    settings: RateLimitSettings,
    peer: str | None,
    headers: Mapping[str, str],
    claims: Mapping[str, Any] | None,
) -> str:
    """What identifies the client of a request, by ``settings.client_key``.

    Args:
        settings: the rate limit settings (``ip``, ``header:NAME`` or ``claim:NAME``).
        peer: the peer address (host) of the connection, if known.
        headers: the request headers (a case-insensitive mapping, or lower-case names).
        claims: the verified JWT claims, None for an anonymous request.

    Returns:
        ``ip=<peer>``, ``header:<name>=<value>`` or ``claim:<name>=<value>``; a request
        without the header or claim falls back to ``ip=<peer>``. Keys longer than 128
        characters are replaced by a SHA-256 digest.
    """
    kind, _, name = settings.client_key.partition(":")
    value: str | None = None
    if kind == "header":
        value = headers.get(name)
        if value is None:
            value = headers.get(name.lower())
    elif kind == "claim" and claims is not None:
        claim = claims.get(name)
        if claim is not None:
            value = claim if isinstance(claim, str) else orjson.dumps(claim).decode()
    key = f"ip={peer or 'unknown'}" if value is None else f"{settings.client_key}={value}"
    if len(key) > _MAX_KEY_CHARS:
        return "sha256=" + hashlib.sha256(key.encode()).hexdigest()
    return key


class MemoryRateLimiter:
    """Token buckets in this process's memory.

    Buckets are kept least recently used first; the oldest are dropped once full again (idle
    for ``capacity / refill_per_second`` seconds), and beyond ``max_clients`` even when not
    (that client starts with a full bucket).

    Args:
        settings: capacity and refill rate.
        max_clients: the most buckets kept.
        clock: monotonic clock in seconds (tests may pass their own).
    """

    def __init__(
        self,
        settings: RateLimitSettings,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = float(settings.capacity)
        self._rate = settings.refill_per_second
        self._idle = self._capacity / self._rate
        self._max = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        """The number of buckets kept."""
        return len(self._buckets)

    async def acquire(self, key: str) -> float | None:
        """Take one token from ``key``'s bucket; see :meth:`RateLimiter.acquire`."""
        now = self._clock()
        buckets = self._buckets
        state = buckets.pop(key, None)
        if state is None:
            tokens = self._capacity
        else:
            tokens = min(self._capacity, state[0] + (now - state[1]) * self._rate)
        wait: float | None = None
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self._rate
        buckets[key] = (tokens, now)
        self._evict(now)
        return wait

    def _evict(self, now: float) -> None:
        buckets = self._buckets
        while buckets:
            oldest, (_, last) = next(iter(buckets.items()))
            if len(buckets) <= self._max and now - last < self._idle:
                return
            del buckets[oldest]

    async def close(self) -> None:
        """Forget every bucket."""
        self._buckets.clear()


# KEYS[1]: the bucket; ARGV: capacity, refill per second. Returns the wait as a string ("0":
# allowed), since Redis truncates Lua numbers to integers.
_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at',
  string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return string.format('%.6f', wait)
"""

_DOWN_SECONDS = 1.0  # after a Redis failure, allow without asking for this long
_LOG_EVERY_SECONDS = 10.0


class RedisRateLimiter:
    """Token buckets in Redis, shared by every router replica (fails open; see the module
    docstring).

    Args:
        settings: capacity, refill rate, ``redis_url`` and ``redis_key_prefix``.
        timeout_seconds: the longest wait for Redis (connect and answer), in seconds.
        clock: monotonic clock in seconds (for the fail-open pause).

    Raises:
        ValueError: ``settings.redis_url`` is unset or not a Redis URL.
    """

    def __init__(
        self,
        settings: RateLimitSettings,
        timeout_seconds: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not settings.redis_url:
            raise ValueError("RedisRateLimiter needs traffic_shaping.rate_limit.redis_url")
        self._redis: Redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
        )
        self._script = self._redis.register_script(_SCRIPT)
        self._prefix = settings.redis_key_prefix
        self._args = (settings.capacity, repr(settings.refill_per_second))
        self._clock = clock
        self._down_until = 0.0
        self._logged_at: float | None = None

    async def acquire(self, key: str) -> float | None:
        """Take one token from ``key``'s shared bucket; see :meth:`RateLimiter.acquire`.

        Returns None (allowed) when Redis cannot be reached.
        """
        now = self._clock()
        if now < self._down_until:
            return None
        try:
            answer = await self._script(keys=[self._prefix + key], args=self._args)
        except (RedisError, OSError) as error:
            self._down_until = now + _DOWN_SECONDS
            if self._logged_at is None or now - self._logged_at >= _LOG_EVERY_SECONDS:
                self._logged_at = now
                _log.warning("rate limiting is off, Redis cannot be reached: %s", error)
            return None
        if self._logged_at is not None:
            self._logged_at = None
            _log.info("rate limiting is on again, Redis answers")
        wait = float(answer)
        return wait if wait > 0 else None

    async def close(self) -> None:
        """Close the Redis connections (idempotent)."""
        await self._redis.aclose()


def rate_limiter(settings: RateLimitSettings) -> RateLimiter:
    """The limiter for ``settings``: in Redis when ``redis_url`` is set, else in memory.

    Create it inside the running event loop and :meth:`~RateLimiter.close` it on shutdown (or
    when the settings change: build a new one; memory buckets start full again).

    Args:
        settings: the rate limit settings.

    Returns:
        A :class:`RedisRateLimiter` or a :class:`MemoryRateLimiter`.
    """
    if settings.redis_url:
        return RedisRateLimiter(settings)
    return MemoryRateLimiter(settings)
