"""A small web build in a temporary folder, and a test client for it."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from trellis_web.app import create_app
from trellis_web.settings import WebSettings

# Starlette >= 1.x prefers the `httpx2` package for its TestClient and warns when it falls back to
# `httpx` (the one installed here); that fallback is the only warning tolerated.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message="Using `httpx` with `starlette.testclient` is deprecated",
        category=StarletteDeprecationWarning,
    )
    from starlette.testclient import TestClient

INDEX_HTML = (
    "<!doctype html><html><head><title>Trellis test SPA</title>"
    '<script type="module" src="/assets/app-abc123.js"></script></head>'
    '<body><div id="root"></div></body></html>\n'
)
GRAPHIQL_HTML = "<!doctype html><html><head><title>Trellis test playground</title></head></html>\n"
SECRET = "top secret, outside the build\n"


def app_script() -> str:
    """A few KiB of JavaScript (compressible, above the gzip minimum)."""
    return "".join(f"console.log('line {i} of the test bundle');\n" for i in range(120))


@pytest.fixture(autouse=True)
def _no_web_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, never from TRELLIS_WEB_* variables of the machine."""
    for name in list(os.environ):
        if name.upper().startswith("TRELLIS_WEB_"):
            monkeypatch.delenv(name)


@dataclass(frozen=True, slots=True)
class WebBuild:
    """A web build made for a test, and what its files hold."""

    root: Path
    index_html: str = INDEX_HTML
    graphiql_html: str = GRAPHIQL_HTML
    script: str = ""
    secret: str = SECRET


def make_build(root: Path) -> WebBuild:
    """Write ``root`` with index.html, graphiql.html, favicon.ico, assets/app-abc123.js|css, and
    ``root/../secret``, a file beside the build that must never be served."""
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX_HTML)
    (root / "graphiql.html").write_text(GRAPHIQL_HTML)
    (root / "favicon.ico").write_bytes(b"\x00\x00\x01\x00icon")
    (root / "assets" / "app-abc123.js").write_text(app_script())
    (root / "assets" / "app-abc123.css").write_text("body { margin: 0 }\n")
    (root.parent / "secret").write_text(SECRET)
    return WebBuild(root=root, script=app_script())


@pytest.fixture
def build(tmp_path: Path) -> WebBuild:
    """A web build at ``<tmp>/dist``."""
    return make_build(tmp_path / "dist")


@pytest.fixture
def dist(build: WebBuild) -> Path:
    """The folder of ``build``."""
    return build.root


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(dist: Path) -> Iterator[ClientFactory]:
    """``make_client(**settings)``: a TestClient of an app on ``dist`` with those settings."""
    clients: list[TestClient] = []

    def make(**values: Any) -> TestClient:
        values.setdefault("dist_dir", dist)
        client = TestClient(create_app(WebSettings(**values)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    """A client of an app on ``dist`` with the default settings."""
    return make_client()
