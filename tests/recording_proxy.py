"""A recording HTTP proxy for whole-system tests: forwards POSTs to one subgraph, logs bodies.

Usage: ``python tests/recording_proxy.py PORT UPSTREAM_URL LOG_FILE``. Every request body it
forwards is appended to LOG_FILE as one JSON line; the upstream's answer is returned unchanged.
It lets a test see exactly which requests the router sent to a subgraph.
"""

from __future__ import annotations

import sys

import aiohttp
from aiohttp import web


def make_app(upstream: str, log_file: str) -> web.Application:
    """Build the proxy application forwarding every request to ``upstream``."""

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST":
            # Written before answering, so a test reads it as soon as the router is done.
            with open(log_file, "ab") as log:  # noqa: ASYNC230
                log.write(body.replace(b"\n", b" ") + b"\n")
        session: aiohttp.ClientSession = request.app["session"]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with session.request(
            request.method, upstream, data=body or None, headers=headers
        ) as response:
            payload = await response.read()
            return web.Response(
                body=payload,
                status=response.status,
                content_type=response.content_type,
            )

    async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
        app["session"] = aiohttp.ClientSession()
        yield
        await app["session"].close()

    app = web.Application()
    app.cleanup_ctx.append(lifecycle)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


if __name__ == "__main__":
    port, upstream, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    web.run_app(make_app(upstream, log_file), host="127.0.0.1", port=port, print=None)
