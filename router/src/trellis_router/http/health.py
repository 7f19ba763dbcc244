"""``/health`` (the process is live) and ``/ready`` (a supergraph is loaded)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..state import StateHolder

__all__ = ["health", "readiness"]

_UP = orjson.dumps({"status": "UP"})


async def health(request: Request) -> Response:
    """Always ``200 {"status": "UP"}`` while the process serves requests."""
    return Response(_UP, media_type="application/json")


def readiness(holder: StateHolder) -> Callable[[Request], Awaitable[Response]]:
    """The ``/ready`` endpoint over ``holder``: 200 once a supergraph is loaded, else 503."""

    async def ready(request: Request) -> Response:
        state = holder.current
        if state is None:
            body = {"status": "DOWN", "reason": "no supergraph loaded yet"}
            return Response(orjson.dumps(body), 503, media_type="application/json")
        body = {"status": "UP", "supergraph": state.supergraph.schema_hash}
        return Response(orjson.dumps(body), media_type="application/json")

    return ready
