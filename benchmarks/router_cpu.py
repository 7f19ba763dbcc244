"""The router's own CPU per request on the gateway benchmark's heavy query, instant subgraphs.

The standard federation benchmark's supergraph and query (``../shared/bench``): its four Node.js
subgraphs are started once to record each distinct subgraph answer (raw bytes); then the
router's ASGI app is driven in process by a minimal ASGI caller (no sockets, no HTTP client
library) and every subgraph request is answered at once from the recording, decoded with
orjson as the real client decodes it. What is measured is therefore the router alone: request
decoding, plan cache lookup, execution (representations, merging), response shaping and
serialisation, middleware, metrics.

Usage::

    .venv/bin/python benchmarks/router_cpu.py [--requests 1000] [--rounds 3] [--profile]

Prints the median CPU microseconds per request (``time.process_time``) for the router with
its default settings and with metrics and the access log off ("lean"), alternated over the
rounds; ``--profile`` also prints a pyinstrument profile of the default configuration.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import logging
import os
import re
import socket
import statistics
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from trellis_router.configuration import RouterSettings
from trellis_router.http import create_app
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph
from trellis_router.telemetry import configure_logging

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("TRELLIS_BENCH_DIR", ROOT.parent / "shared" / "bench"))
BENCH_HOME = Path(os.environ.get("TRELLIS_BENCH_HOME", Path.home() / ".cache" / "trellis-bench"))
NAMES = ("accounts", "inventory", "products", "reviews")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_subgraphs() -> tuple[list[subprocess.Popen[bytes]], dict[str, int]]:
    """Start the benchmark's four Node.js subgraphs on free ports.

    Returns:
        The processes and the port of each subgraph by name.

    Raises:
        SystemExit: the subgraphs' npm packages are not installed or a subgraph does not start.
    """
    modules = BENCH_HOME / "subgraphs" / "node_modules"
    if not modules.is_dir():
        raise SystemExit(f"{modules} is missing: run {BENCH}/install.sh first")
    env = {**os.environ, "NODE_PATH": str(modules), "SUBGRAPH_EXECUTOR": "jit"}
    processes, ports = [], {}
    for name in NAMES:
        port = ports[name] = _free_port()
        argv = ["node", str(BENCH / "subgraphs" / "server.mjs"), name, str(port), "127.0.0.1"]
        processes.append(
            subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    deadline = time.monotonic() + 30
    for port in ports.values():
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"a subgraph did not start on port {port}") from None
                time.sleep(0.1)
    return processes, ports


class ReplaySubgraphs:
    """A subgraph client answering each distinct request from a recording of the real answer.

    The first time a (subgraph, body) pair is seen it is sent to the real subgraph and the raw
    answer kept; later it is decoded from those bytes (the real client's decode cost, without
    the network).
    """

    def __init__(self) -> None:
        self.recorded: dict[tuple[str, bytes], bytes] = {}
        self.session: aiohttp.ClientSession | None = None

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Answer from the recording (see :meth:`SubgraphClient.fetch`)."""
        raw = self.recorded.get((subgraph_name, body))
        if raw is None:
            if self.session is None:
                self.session = aiohttp.ClientSession()
            async with self.session.post(
                url, data=body, headers={"content-type": "application/json"}
            ) as response:
                raw = self.recorded[(subgraph_name, body)] = await response.read()
        answer: dict[str, Any] = orjson.loads(raw)
        return answer


async def call(app: Any, body: bytes) -> tuple[int, bytes]:
    """POST ``body`` to ``/graphql`` through the ASGI app; returns status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"router"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 4000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def _settings(name: str) -> RouterSettings:
    lean = name == "lean"
    return RouterSettings.model_validate(
        {
            "telemetry": {
                "metrics": {"enabled": not lean},
                "logging": {"access_log": not lean},
            },
        }
    )


async def measure(name: str, sdl: str, requests: int, profile: bool = False) -> float:
    """Median CPU microseconds per request of ``requests`` requests (batches of 50)."""
    settings = _settings(name)
    holder = StateHolder(RouterState.build(load_supergraph(sdl)))
    replay = ReplaySubgraphs()
    app = create_app(settings, holder, client=replay)
    body = (BENCH / "request.json").read_bytes()
    reference = orjson.loads((BENCH / "lib" / "reference-response.json").read_bytes())
    async with app.router.lifespan_context(app):
        status, answer = await call(app, body)
        if status != 200 or orjson.loads(answer) != reference:
            raise SystemExit(f"{name}: the router's answer differs from the reference")
        if replay.session is not None:
            await replay.session.close()
        for _ in range(50):
            await call(app, body)
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
        samples = []
        batch = 50
        for _ in range(max(1, requests // batch)):
            started = time.process_time()
            for _ in range(batch):
                await call(app, body)
            samples.append((time.process_time() - started) / batch * 1e6)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    return statistics.median(samples)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each configuration")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    args = parser.parse_args()
    configure_logging("info", "json")
    sink = io.StringIO()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)
    processes, ports = start_subgraphs()
    try:
        sdl = (BENCH / "supergraph.graphql").read_text()
        for name, port in ports.items():
            sdl = re.sub(
                rf'(name: "{name}", url: "http://127\.0\.0\.1:)\d+',
                lambda m, port=port: f"{m.group(1)}{port}",  # type: ignore[misc]
                sdl,
            )
        gc.collect()
        names = ("defaults", "lean")
        results: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(args.rounds):
            for name in names:
                results[name].append(asyncio.run(measure(name, sdl, args.requests)))
        if args.profile:
            asyncio.run(measure("defaults", sdl, args.requests, profile=True))
    finally:
        for process in processes:
            process.terminate()
    print("query: ../shared/bench/query.graphql (87,599-byte answer), instant subgraphs")
    print(f"{'configuration':<14} {'CPU µs/request':>15}   rounds")
    for name in names:
        rounds = " ".join(f"{value:.0f}" for value in results[name])
        print(f"{name:<14} {statistics.median(results[name]):>15.0f}   {rounds}")


if __name__ == "__main__":
    main()
