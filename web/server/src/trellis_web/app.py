"""The ASGI app that serves the web build (``web/dist``) and its runtime ``/config.json``.

Routes (GET and HEAD; any other method answers 405 with ``Allow: GET, HEAD``):

=====================  ==============================================================
``/config.json``       ``{"routerUrl": …, "registryUrl": … | null}``, ``no-store``
``/health``            ``{"status": "UP"}``
``/assets/{path}``     hashed build files, cached for a year (``immutable``); 404 else
``/{file}``            other files at the top of the build (``graphiql.html``, icons)
anything else          ``index.html`` when the last segment has no extension (client-side
                       routes: ``/``, ``/customers/12``), else 404
=====================  ==============================================================

Every response carries ``X-Content-Type-Options`` and ``Referrer-Policy``; HTML responses a
Content-Security-Policy (see :mod:`trellis_web.headers`); bodies of 1 KiB and more are
gzip-compressed for clients that accept it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from trellis_web.errors import WebBuildMissing
from trellis_web.headers import SecurityHeadersMiddleware, content_security_policy
from trellis_web.settings import WebSettings

__all__ = [
    "ASSET_CACHE_CONTROL",
    "GZIP_MINIMUM_SIZE",
    "REVALIDATE_CACHE_CONTROL",
    "create_app",
    "resolve_file",
]

ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Cache-Control of ``/assets/*``: their names carry a content hash, so they never change."""

REVALIDATE_CACHE_CONTROL = "no-cache"
"""Cache-Control of ``index.html`` and other top-level files: reuse only after revalidation."""

GZIP_MINIMUM_SIZE = 1024
"""Bodies shorter than this (bytes) are sent uncompressed."""

_NOT_MODIFIED_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")


def resolve_file(root: Path, relative: str) -> tuple[Path, os.stat_result] | None:
    """Find a regular file below ``root`` without ever leaving it.

    Args:
        root: The served folder, already resolved (absolute, symlinks followed).
        relative: A ``/``-separated path from the URL, already percent-decoded
            (``"app-abc123.js"``, ``"fonts/a.woff2"``).

    Returns:
        The file's resolved path and its stat, or None when the path is empty, has an empty,
        ``.`` or ``..`` segment, a backslash or NUL, does not exist, is not a regular file, or
        resolves (through a symlink) outside ``root``.
    """
    segments = relative.split("/")
    if any(s in ("", ".", "..") or "\\" in s or "\x00" in s for s in segments):
        return None
    try:
        path = root.joinpath(*segments).resolve(strict=True)
        status = path.stat()
    except (OSError, ValueError, RuntimeError):
        return None
    if not path.is_relative_to(root) or not stat.S_ISREG(status.st_mode):
        return None
    return path, status


def _file_response(
    request: Request, path: Path, status: os.stat_result, cache_control: str
) -> Response:
    """A file, or 304 when the client's ``If-None-Match`` names its current ETag.

    Spec: RFC 9110 §13.1.2 (If-None-Match, weak comparison for GET and HEAD), §15.4.5 (304).
    """
    response = FileResponse(path, stat_result=status, headers={"cache-control": cache_control})
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        etag = response.headers["etag"]
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        if "*" in tags or etag in tags:
            kept = Headers(raw=response.raw_headers)
            return Response(
                status_code=304,
                headers={name: kept[name] for name in _NOT_MODIFIED_HEADERS if name in kept},
            )
    return response


class _Build:
    """Lookups in one web build folder (``root`` is resolved)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.assets = (root / "assets").resolve()

    async def find(self, folder: Path, relative: str) -> tuple[Path, os.stat_result] | None:
        return await anyio.to_thread.run_sync(resolve_file, folder, relative)

    async def index(self, request: Request) -> Response:
        found = await self.find(self.root, "index.html")
        if found is None:  # removed after start (a rebuild in progress)
            return PlainTextResponse(str(WebBuildMissing(self.root)), status_code=503)
        return _file_response(request, *found, REVALIDATE_CACHE_CONTROL)

    async def asset(self, request: Request) -> Response:
        found = await self.find(self.assets, request.path_params["path"])
        if found is None:
            raise HTTPException(status_code=404)
        return _file_response(request, *found, ASSET_CACHE_CONTROL)

    async def page(self, request: Request) -> Response:
        path: str = request.path_params["path"]
        if path and "/" not in path:
            found = await self.find(self.root, path)
            if found is not None:
                return _file_response(request, *found, REVALIDATE_CACHE_CONTROL)
        if PurePosixPath(path.rpartition("/")[2]).suffix:
            raise HTTPException(status_code=404)
        return await self.index(request)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "UP"})


def create_app(settings: WebSettings) -> Starlette:
    """Build the web server app for one web build.

    Args:
        settings: Where the build is (``dist_dir``), the URLs given to the app in
            ``/config.json``, and whether HTML responses carry a Content-Security-Policy.

    Returns:
        A Starlette app (plain ASGI; run it with uvicorn).

    Raises:
        WebBuildMissing: ``<dist_dir>/index.html`` does not exist (the message says how to
            build it).

    Example:
        >>> app = create_app(WebSettings(dist_dir=Path("web/dist")))  # doctest: +SKIP
    """
    root = settings.dist_dir.resolve()
    if not (root / "index.html").is_file():
        raise WebBuildMissing(root)
    build = _Build(root)
    config = {"routerUrl": settings.router_url, "registryUrl": settings.registry_url}

    async def config_json(request: Request) -> Response:
        return JSONResponse(config, headers={"cache-control": "no-store"})

    csp = (
        content_security_policy([settings.router_url, settings.registry_url])
        if settings.content_security_policy
        else None
    )
    return Starlette(
        routes=[
            Route("/config.json", config_json, methods=["GET"]),
            Route("/health", _health, methods=["GET"]),
            Route("/assets/{path:path}", build.asset, methods=["GET"]),
            Route("/{path:path}", build.page, methods=["GET"]),
        ],
        middleware=[
            Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE),
            Middleware(SecurityHeadersMiddleware, csp=csp),
        ],
    )
