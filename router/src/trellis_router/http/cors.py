"""CORS for browsers calling the router from another origin: a small ASGI middleware.

It reads the CORS settings from the :class:`~trellis_router.configuration.RouterRuntime` on each
request, so a change applies to the next request. With no allowed origin configured (the
default) it adds nothing and costs one attribute read.

- A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) from an
  allowed origin is answered ``204`` with ``Access-Control-Allow-Origin``, ``-Methods`` (GET,
  POST, OPTIONS), ``-Headers`` (the configured list, or the requested headers mirrored),
  ``-Max-Age`` and ``-Allow-Credentials`` as configured; from another origin, ``403``.
- Any other request with an allowed ``Origin`` gets ``Access-Control-Allow-Origin`` (``*`` when
  any origin is allowed without credentials, else the origin itself with ``Vary: Origin``) and
  ``Access-Control-Allow-Credentials`` when configured.

Apollo Router equivalents: ``cors.origins`` / ``cors.allow_any_origin`` (our
``cors_allow_origins``, ``*`` for any), ``cors.allow_credentials``, ``cors.allow_headers``
(empty mirrors the request, as here), ``cors.max_age``, ``cors.methods`` (fixed here).

Spec: Fetch standard §3.2 (CORS protocol: preflight, ``Access-Control-*`` headers, no ``*``
with credentials).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..configuration import RouterRuntime, RouterSettings

__all__ = ["CorsMiddleware"]

_ALLOW_METHODS = "GET, POST, OPTIONS"


class CorsMiddleware:
    """ASGI middleware answering CORS preflights and adding CORS response headers.

    Args:
        app: the wrapped ASGI app.
        runtime: the settings in effect (read on each request).
    """

    def __init__(self, app: ASGIApp, runtime: RouterRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        settings = self.runtime.settings
        if not settings.cors_allow_origins or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = _allowed(settings, origin)
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await _preflight(settings, scope, origin if allowed else None, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                _add_origin_headers(settings, origin, headers)
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _allowed(settings: RouterSettings, origin: str) -> bool:
    origins = settings.cors_allow_origins
    return "*" in origins or origin in origins


def _add_origin_headers(settings: RouterSettings, origin: str, headers: MutableHeaders) -> None:
    if "*" in settings.cors_allow_origins and not settings.cors_allow_credentials:
        headers["access-control-allow-origin"] = "*"
    else:
        headers["access-control-allow-origin"] = origin
        headers.add_vary_header("Origin")
    if settings.cors_allow_credentials:
        headers["access-control-allow-credentials"] = "true"


async def _preflight(
    settings: RouterSettings, scope: Scope, origin: str | None, send: Send
) -> None:
    headers = MutableHeaders()
    if origin is None:
        status = 403
        body = b"Disallowed CORS origin"
        headers["content-type"] = "text/plain; charset=utf-8"
    else:
        status = 204
        body = b""
        _add_origin_headers(settings, origin, headers)
        headers["access-control-allow-methods"] = _ALLOW_METHODS
        requested = _header(scope, b"access-control-request-headers")
        if settings.cors_allow_headers:
            headers["access-control-allow-headers"] = ", ".join(settings.cors_allow_headers)
        elif requested:
            headers["access-control-allow-headers"] = requested
            headers.add_vary_header("Access-Control-Request-Headers")
        if settings.cors_max_age_seconds is not None:
            headers["access-control-max-age"] = str(settings.cors_max_age_seconds)
    headers["content-length"] = str(len(body))
    await send({"type": "http.response.start", "status": status, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body})
