"""A recording HTTP proxy for whole-system tests: forwards requests to one subgraph, logs bodies.

Usage: ``python tests/recording_proxy.py PORT UPSTREAM_URL LOG_FILE``. Every request body it
forwards is appended to LOG_FILE as one JSON line, and its headers (lower-case names) to
``LOG_FILE.headers`` as one JSON object per line; the upstream's answer is returned unchanged,
or HTTP 502 when the upstream cannot be reached (as a gateway would).

Fault injection, for tests of failures in the middle of a saga: ``POST /__proxy/kill`` with
``{"match": "reserveStock", "pid": 1234}`` arms the proxy; the next forwarded request whose body
contains ``match`` is processed by the upstream, then the process ``pid`` (the upstream
subgraph) is killed with SIGKILL and the caller gets HTTP 502 instead of the answer: the work
was done, the answer was lost.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

import aiohttp
from aiohttp import web


def make_app(upstream: str, log_file: str) -> web.Application:
    """Build the proxy application forwarding every request to ``upstream``."""
    armed: dict[str, Any] = {}

    async def arm(request: web.Request) -> web.Response:
        armed.update(json.loads(await request.read()))
        return web.json_response({"armed": armed})

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST":
            # Written before answering, so a test reads it as soon as the router is done.
            with open(log_file, "ab") as log:  # noqa: ASYNC230
                log.write(body.replace(b"\n", b" ") + b"\n")
            received = {k.lower(): v for k, v in request.headers.items()}
            with open(log_file + ".headers", "a") as log:  # noqa: ASYNC230
                log.write(json.dumps(received) + "\n")
        session: aiohttp.ClientSession = request.app["session"]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        try:
            async with session.request(
                request.method, upstream, data=body or None, headers=headers
            ) as response:
                payload = await response.read()
                status, content_type = response.status, response.content_type
        except aiohttp.ClientError as error:
            return web.Response(status=502, text=f"bad gateway: {error}")
        match = armed.get("match")
        if match and match.encode() in body:
            os.kill(int(armed.pop("pid")), signal.SIGKILL)
            armed.clear()
            return web.Response(status=502, text="bad gateway: the upstream died")
        return web.Response(body=payload, status=status, content_type=content_type)

    async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
        app["session"] = aiohttp.ClientSession()
        yield
        await app["session"].close()

    app = web.Application()
    app.cleanup_ctx.append(lifecycle)
    app.router.add_route("POST", "/__proxy/kill", arm)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


if __name__ == "__main__":
    port, upstream, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    web.run_app(make_app(upstream, log_file), host="127.0.0.1", port=port, print=None)
