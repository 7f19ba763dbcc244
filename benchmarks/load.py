"""Bounded load through the router: a fixed number of concurrent clients for a fixed time.

Every request is recorded (start, end, outcome), so a caller can tell exactly which requests
failed and when: the whole-system tests run it in the background while they publish a
schema, restart the registry, add and remove instances and change configuration, and
require zero failed client requests.

A request fails when the HTTP exchange fails, the status is not 200, the body is not JSON,
or the GraphQL response has ``errors`` or no ``data``.

Usage::

    .venv/bin/python benchmarks/load.py --router http://127.0.0.1:4000 \\
        --concurrency 8 --duration 30

Prints requests, failures by reason, throughput and latency percentiles; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

__all__ = ["DEFAULT_QUERY", "BackgroundLoad", "LoadReport", "Outcome", "run_load"]

DEFAULT_QUERY = (
    "{ invoices(first: 3) { nodes { number total { amount currency } "
    "customer { name orders { status } } "
    "items { quantity product { name stock } } } } }"
)
"""Touches all four subgraphs: billing (invoices), customers, orders and inventory."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request.

    Attributes:
        started: When it was sent (``time.monotonic()`` seconds).
        finished: When its answer (or failure) arrived (same clock).
        error: None when it succeeded, else a short reason.
    """

    started: float
    finished: float
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None


@dataclass(slots=True)
class LoadReport:
    """Every request of one load run, in completion order.

    Attributes:
        outcomes: The requests.
        started: When the run started (``time.monotonic()`` seconds).
        finished: When it ended (same clock).
    """

    outcomes: list[Outcome] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    def failures(self, since: float | None = None, until: float | None = None) -> list[Outcome]:
        """The failed requests started in ``[since, until)`` (any time when None)."""
        return [
            outcome
            for outcome in self.outcomes
            if not outcome.ok
            and (since is None or outcome.started >= since)
            and (until is None or outcome.started < until)
        ]

    def summary(self) -> str:
        """A few lines: requests, failures by reason, throughput and latency percentiles (ms)."""
        total = len(self.outcomes)
        seconds = max(self.finished - self.started, 1e-9)
        latencies = sorted((o.finished - o.started) * 1000 for o in self.outcomes if o.ok)
        lines = [
            f"requests: {total} in {seconds:.1f} s ({total / seconds:.0f}/s), "
            f"failed: {total - len(latencies)}"
        ]
        if latencies:
            cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
            lines.append(
                f"latency ms: p50 {cuts[49]:.1f}  p95 {cuts[94]:.1f}  p99 {cuts[98]:.1f}  "
                f"max {latencies[-1]:.1f}"
            )
        reasons = Counter(o.error for o in self.outcomes if o.error is not None)
        lines.extend(f"  {count} x {reason}" for reason, count in reasons.most_common(10))
        return "\n".join(lines)


async def _one(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: Mapping[str, str]
) -> str | None:
    try:
        async with session.post(url, data=body, headers=headers) as response:
            raw = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"[:200]
    if status != 200:
        return f"HTTP {status}: {raw[:160].decode(errors='replace')}"
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "the body is not JSON"
    if payload.get("errors"):
        first = payload["errors"][0]
        code = (first.get("extensions") or {}).get("code")
        return f"GraphQL error {code}: {first.get('message', '')}"[:200]
    if payload.get("data") is None:
        return "no data"
    return None


async def run_load(
    router_url: str,
    *,
    concurrency: int = 8,
    duration_seconds: float | None = 30.0,
    stop: asyncio.Event | None = None,
    query: str = DEFAULT_QUERY,
    variables: Mapping[str, Any] | None = None,
    timeout_seconds: float = 30.0,
    report: LoadReport | None = None,
    token: str | None = None,
) -> LoadReport:
    """Send ``query`` to the router from ``concurrency`` clients, each one request at a time.

    Args:
        router_url: The router's base URL (``/graphql`` is appended).
        concurrency: Clients sending at the same time.
        duration_seconds: How long to run; None runs until ``stop`` is set.
        stop: Ends the run early when set (requests in flight finish).
        query: The GraphQL document.
        variables: Its variables.
        timeout_seconds: Limit of one request, in seconds.
        report: Filled as requests complete (so another thread can watch progress); a new
            one when None.
        token: An access token sent as ``Authorization: Bearer`` (the commerce graph's
            invoices need one, e.g. the demo admin's from ``login``).

    Returns:
        The report of every request.

    Raises:
        ValueError: Neither ``duration_seconds`` nor ``stop`` was given.
    """
    if duration_seconds is None and stop is None:
        raise ValueError("give duration_seconds or stop, or the load never ends")
    url = f"{router_url.rstrip('/')}/graphql"
    body = orjson.dumps({"query": query, "variables": dict(variables or {})})
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    report = report if report is not None else LoadReport()
    report.started = time.monotonic()
    deadline = None if duration_seconds is None else report.started + duration_seconds

    def running() -> bool:
        if stop is not None and stop.is_set():
            return False
        return deadline is None or time.monotonic() < deadline

    async def client(session: aiohttp.ClientSession) -> None:
        while running():
            started = time.monotonic()
            error = await _one(session, url, body, headers)
            report.outcomes.append(Outcome(started, time.monotonic(), error))

    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    report.finished = time.monotonic()
    return report


class BackgroundLoad:
    """`run_load` on its own thread and event loop, for synchronous tests.

    Example:
        >>> with BackgroundLoad("http://127.0.0.1:4000", concurrency=4) as load:  # doctest: +SKIP
        ...     do_changes()
        >>> load.report.failures()  # doctest: +SKIP

    Args:
        router_url: The router's base URL.
        concurrency: Clients sending at the same time.
        query: The GraphQL document.
        token: An access token sent as ``Authorization: Bearer``.
    """

    def __init__(
        self,
        router_url: str,
        *,
        concurrency: int = 4,
        query: str = DEFAULT_QUERY,
        token: str | None = None,
    ) -> None:
        self._router_url = router_url
        self._token = token
        self._concurrency = concurrency
        self._query = query
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name="trellis-load", daemon=True)
        self.report = LoadReport()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(
            run_load(
                self._router_url,
                concurrency=self._concurrency,
                duration_seconds=None,
                stop=self._stop,
                query=self._query,
                report=self.report,
                token=self._token,
            )
        )
        self._loop.close()

    def __enter__(self) -> BackgroundLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def outcomes_so_far(self) -> int:
        """How many requests have completed (read while running)."""
        return len(self.report.outcomes)


def main() -> None:
    """Command line: run the load and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--router", default="http://127.0.0.1:4000", help="router base URL")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds to run")
    parser.add_argument("--query", default=DEFAULT_QUERY, help="GraphQL document to send")
    parser.add_argument(
        "--token", default=None, help="access token (Authorization: Bearer), e.g. from login"
    )
    args = parser.parse_args()
    report = asyncio.run(
        run_load(
            args.router,
            concurrency=args.concurrency,
            duration_seconds=args.duration,
            query=args.query,
            token=args.token,
        )
    )
    print(report.summary())


if __name__ == "__main__":
    main()
