"""The playground browsers get on ``GET /graphql``, and the files it loads from ``/assets``.

With ``playground_dir`` set (the web app's build folder, ``web/dist``), the page is its
``graphiql.html``: GraphiQL with the explorer and a query plan panel, built by Vite with base
``/``, so it loads ``/assets/<name>-<hash>.js|css`` from the same origin. Those come from
``<playground_dir>/assets`` (content-hashed names: cached for a year, immutable). Without the
setting, or while ``graphiql.html`` is missing, the page is :data:`PLAYGROUND_HTML`.

Nothing is loaded from a CDN, either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

__all__ = [
    "ASSETS_CACHE_CONTROL",
    "PLAYGROUND_HTML",
    "PLAYGROUND_PAGE",
    "playground_assets",
    "playground_page",
]

PLAYGROUND_PAGE = "graphiql.html"
"""The page's file name in ``playground_dir``."""

ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable"
"""``Cache-Control`` of ``/assets/*``: their names carry a content hash, so they never change.

Spec: RFC 9111 section 5.2.2 (max-age, public) and RFC 8246 (immutable).
"""

PLAYGROUND_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Trellis router</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}
textarea{width:100%;height:12rem;font-family:monospace}pre{background:#f4f4f4;padding:1rem}
</style></head>
<body>
<h1>Trellis router</h1>
<p>POST GraphQL requests to <code>/graphql</code>.</p>
<textarea id="q">{ __typename }</textarea>
<p><button id="run">Run</button></p>
<pre id="out"></pre>
<script>
document.getElementById("run").onclick = async () => {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {"content-type": "application/json",
              "accept": "application/graphql-response+json"},
    body: JSON.stringify({query: document.getElementById("q").value}),
  });
  document.getElementById("out").textContent =
    JSON.stringify(await response.json(), null, 2);
};
</script>
</body>
</html>
"""
"""The fallback page: a text area and a Run button, everything inline.

Served when ``playground_dir`` is unset or holds no ``graphiql.html`` (the web app was not
built); the full playground is the web app's ``graphiql.html``.
"""

_NOT_FOUND = "Not Found"


def playground_page(playground_dir: Path | None) -> Response:
    """The page for a browser's ``GET /graphql``.

    Args:
        playground_dir: the web app's build folder, or None.

    Returns:
        ``<playground_dir>/graphiql.html`` when that file exists (``Cache-Control: no-cache``,
        so a new build is picked up at once), else :data:`PLAYGROUND_HTML`.
    """
    if playground_dir is not None:
        page = playground_dir / PLAYGROUND_PAGE
        if page.is_file():
            return FileResponse(page, media_type="text/html", headers={"cache-control": "no-cache"})
    return HTMLResponse(PLAYGROUND_HTML)


def playground_assets(directory: Path) -> Callable[[Request], Awaitable[Response]]:
    """The ``GET /assets/{path:path}`` endpoint serving the files under ``directory``.

    A path that leaves ``directory`` (``..``, an absolute path, a symbolic link pointing
    outside) or names no regular file answers 404, as does everything while ``directory``
    does not exist.

    Args:
        directory: the folder of the playground's assets (``<playground_dir>/assets``).

    Returns:
        A Starlette endpoint; files are sent with :data:`ASSETS_CACHE_CONTROL`.
    """

    async def asset(request: Request) -> Response:
        file = _inside(directory, str(request.path_params.get("path", "")))
        if file is None:
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        return FileResponse(file, headers={"cache-control": ASSETS_CACHE_CONTROL})

    return asset


def _inside(directory: Path, relative: str) -> Path | None:
    """``directory / relative`` when it is a regular file inside ``directory``, else None."""
    try:
        root = directory.resolve()
        file = (root / relative).resolve()
    except (OSError, ValueError):
        return None
    if file == root or not file.is_relative_to(root) or not file.is_file():
        return None
    return file
