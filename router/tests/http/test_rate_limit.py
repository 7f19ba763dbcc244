"""Client rate limiting: token buckets in memory and in a real Redis server (shared by two
limiters, as by two router replicas), client keys, Retry-After, and failing open."""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis
from redis.asyncio import Redis
from trellis_router.configuration.traffic_shaping import RateLimitSettings
from trellis_router.http.rate_limit import (
    REQUEST_RATE_LIMITED,
    MemoryRateLimiter,
    RedisRateLimiter,
    client_key,
    rate_limiter,
    retry_after,
)

REDIS_SERVER = "/usr/bin/redis-server"


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real redis-server for this module, on a free port, without persistence."""
    port = free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            probe = redis.Redis.from_url(url, socket_connect_timeout=0.2)
            try:
                if probe.ping():
                    break
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
            finally:
                probe.close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def shared(redis_url: str) -> RateLimitSettings:
    """Settings with a key prefix of their own (tests share one Redis)."""
    return RateLimitSettings(
        capacity=3,
        refill_per_second=1,
        redis_url=redis_url,
        redis_key_prefix=f"test:{uuid.uuid4().hex}:",
    )


@pytest.fixture
async def inspector(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@contextlib.asynccontextmanager
async def limiters(
    settings: RateLimitSettings, count: int
) -> AsyncIterator[list[RedisRateLimiter]]:
    made = [RedisRateLimiter(settings) for _ in range(count)]
    try:
        yield made
    finally:
        for limiter in made:
            await limiter.close()


# -- client keys and Retry-After ---------------------------------------------------------------


def test_client_key_by_peer_address():
    settings = RateLimitSettings()
    assert client_key(settings, "10.0.0.7", {}, None) == "ip=10.0.0.7"
    assert client_key(settings, None, {}, None) == "ip=unknown"


def test_client_key_by_header_falls_back_to_the_peer():
    settings = RateLimitSettings(client_key="header:apollographql-client-name")
    headers = {"apollographql-client-name": "web"}
    assert client_key(settings, "10.0.0.7", headers, None) == (
        "header:apollographql-client-name=web"
    )
    mixed = RateLimitSettings(client_key="header:X-Client")
    assert client_key(mixed, "p", {"x-client": "ios"}, None) == "header:X-Client=ios"
    assert client_key(settings, "10.0.0.7", {}, None) == "ip=10.0.0.7"


def test_client_key_by_claim_falls_back_to_the_peer_when_anonymous():
    settings = RateLimitSettings(client_key="claim:sub")
    assert client_key(settings, "10.0.0.7", {}, {"sub": "user-1"}) == "claim:sub=user-1"
    assert client_key(settings, "10.0.0.7", {}, {"sub": 42}) == "claim:sub=42"
    assert client_key(settings, "10.0.0.7", {}, None) == "ip=10.0.0.7"
    assert client_key(settings, "10.0.0.7", {}, {"iss": "x"}) == "ip=10.0.0.7"


def test_long_client_keys_are_hashed():
    settings = RateLimitSettings(client_key="header:x-client")
    key = client_key(settings, None, {"x-client": "v" * 500}, None)
    assert key.startswith("sha256=") and len(key) == 7 + 64
    assert key == client_key(settings, None, {"x-client": "v" * 500}, None)


def test_retry_after_is_whole_seconds_rounded_up():
    assert [retry_after(s) for s in (0.001, 1.0, 1.2, 59.01)] == ["1", "1", "2", "60"]
    assert REQUEST_RATE_LIMITED == "REQUEST_RATE_LIMITED"


# -- in memory ---------------------------------------------------------------------------------


async def test_memory_bucket_allows_a_burst_then_says_how_long_to_wait():
    clock = Clock()
    limiter = MemoryRateLimiter(RateLimitSettings(capacity=3, refill_per_second=2), clock=clock)
    assert [await limiter.acquire("a") for _ in range(3)] == [None, None, None]
    assert await limiter.acquire("a") == pytest.approx(0.5)
    assert await limiter.acquire("b") is None  # buckets are per client
    clock.now += 0.5
    assert await limiter.acquire("a") is None  # one token refilled
    assert await limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 60
    assert [await limiter.acquire("a") for _ in range(4)][-1] is not None  # capacity caps


async def test_memory_forgets_idle_buckets_and_stays_bounded():
    clock = Clock()
    settings = RateLimitSettings(capacity=2, refill_per_second=1)
    limiter = MemoryRateLimiter(settings, max_clients=50, clock=clock)
    for n in range(200):
        await limiter.acquire(f"client-{n}")
    assert len(limiter) == 50
    clock.now += 2  # every bucket is full again: same as none
    await limiter.acquire("newcomer")
    assert len(limiter) == 1
    await limiter.close()
    assert len(limiter) == 0


def test_the_factory_picks_memory_or_redis(redis_url):
    assert isinstance(rate_limiter(RateLimitSettings()), MemoryRateLimiter)
    with pytest.raises(ValueError):
        RedisRateLimiter(RateLimitSettings())


# -- in Redis ----------------------------------------------------------------------------------


async def test_two_replicas_share_one_bucket(shared):
    async with limiters(shared, 2) as (first, second):
        assert await first.acquire("ip=10.0.0.7") is None
        assert await second.acquire("ip=10.0.0.7") is None
        assert await first.acquire("ip=10.0.0.7") is None
        wait = await second.acquire("ip=10.0.0.7")
        assert wait is not None and 0 < wait <= 1.0
        assert await second.acquire("ip=10.0.0.8") is None  # another client


async def test_the_bucket_refills_with_time(redis_url):
    settings = RateLimitSettings(
        capacity=1, refill_per_second=20, redis_url=redis_url, redis_key_prefix="refill:"
    )
    limiter = rate_limiter(settings)
    try:
        assert isinstance(limiter, RedisRateLimiter)
        assert await limiter.acquire("k") is None
        wait = await limiter.acquire("k")
        assert wait is not None
        deadline = time.monotonic() + 5
        while await limiter.acquire("k") is not None:
            assert time.monotonic() < deadline, "the bucket never refilled"
    finally:
        await limiter.close()


async def test_redis_keys_expire(shared, inspector):
    async with limiters(shared, 1) as (limiter,):
        await limiter.acquire("ip=10.0.0.9")
    key = shared.redis_key_prefix + "ip=10.0.0.9"
    ttl = await inspector.pttl(key)
    assert 0 < ttl <= 3000  # refilled in 1 s (one token at 1/s) + 1 s margin
    assert await inspector.hget(key, "tokens") is not None


async def test_redis_down_fails_open_and_logs(caplog):
    settings = RateLimitSettings(
        capacity=1, refill_per_second=1, redis_url=f"redis://127.0.0.1:{free_port()}/0"
    )
    async with limiters(settings, 1) as (limiter,):
        with caplog.at_level(logging.WARNING, logger="trellis_router.http.rate_limit"):
            results = [await limiter.acquire("ip=10.0.0.7") for _ in range(5)]
    assert results == [None] * 5  # allowed although over capacity
    warnings = [r for r in caplog.records if "Redis cannot be reached" in r.getMessage()]
    assert len(warnings) == 1  # logged once, not per request
