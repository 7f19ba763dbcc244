"""The web server app: SPA fallback, files, assets, /config.json, headers, gzip, methods."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.testclient import TestClient  # conftest imported it first, warning filtered
from trellis_web import WebBuildMissing, create_app
from trellis_web.app import ASSET_CACHE_CONTROL
from trellis_web.settings import WebSettings

IDENTITY = {"accept-encoding": "identity"}
INDEX_HTML = "<title>Trellis test SPA</title>"


@pytest.mark.parametrize("path", ["/", "/customers/12", "/playground", "/orders/7/", "/a/b/c"])
def test_client_side_routes_get_index_html(client: TestClient, path: str) -> None:
    response = client.get(path, headers=IDENTITY)
    assert response.status_code == 200
    assert INDEX_HTML in response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["/missing.js", "/customers/photo.png", "/assets/nope.js", "/assets/", "/x/graphiql.html"],
)
def test_missing_paths_with_an_extension_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert INDEX_HTML not in response.text


def test_top_level_files_are_served_as_files(client: TestClient) -> None:
    page = client.get("/graphiql.html")
    assert page.status_code == 200
    assert "<title>Trellis test playground</title>" in page.text
    assert page.headers["cache-control"] == "no-cache"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.content == b"\x00\x00\x01\x00icon"
    assert INDEX_HTML in client.get("/index.html").text


def test_assets_are_cached_for_a_year(client: TestClient, build) -> None:
    response = client.get("/assets/app-abc123.js", headers=IDENTITY)
    assert response.status_code == 200
    assert response.text == build.script
    assert response.headers["cache-control"] == ASSET_CACHE_CONTROL
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert response.headers["content-length"] == str(len(build.script))
    assert client.get("/assets/app-abc123.css").headers["content-type"].startswith("text/css")


def test_if_none_match_answers_304(client: TestClient) -> None:
    first = client.get("/assets/app-abc123.js")
    etag = first.headers["etag"]
    again = client.get("/assets/app-abc123.js", headers={"if-none-match": f'W/"x", {etag}'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == ASSET_CACHE_CONTROL
    other = client.get("/assets/app-abc123.js", headers={"if-none-match": '"other"'})
    assert other.status_code == 200
    index = client.get("/customers/1")
    assert client.get("/", headers={"if-none-match": index.headers["etag"]}).status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/assets/..%2f..%2fsecret",
        "/assets/..%2f..%2fdist%2findex.html",
        "/assets/%2e%2e/%2e%2e/secret",
        "/assets/..%5c..%5csecret",
        "/assets/app-abc123.js%00.png",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/..%2fsecret",
    ],
)
def test_traversal_is_refused(client: TestClient, build, path: str) -> None:
    response = client.get(path)
    assert build.secret not in response.text
    assert "root:" not in response.text
    assert response.status_code in (200, 404)
    if response.status_code == 200:  # a client-side route: the SPA, nothing else
        assert INDEX_HTML in response.text


def test_dot_segments_do_not_escape_the_build(client: TestClient, build) -> None:
    # httpx removes dot segments (RFC 3986 §5.2.4) before sending, so this reaches /index.html.
    response = client.get("/assets/../index.html")
    assert response.status_code == 200
    assert INDEX_HTML in response.text
    assert build.secret not in client.get("/assets/../../secret").text


def test_a_symlink_out_of_the_build_is_not_followed(client: TestClient, dist: Path) -> None:
    (dist / "assets" / "leak.js").symlink_to(dist.parent / "secret")
    (dist / "leak.txt").symlink_to(dist.parent / "secret")
    assert client.get("/assets/leak.js").status_code == 404
    assert client.get("/leak.txt").status_code == 404


def test_directories_are_not_files(client: TestClient, dist: Path) -> None:
    (dist / "assets" / "fonts.d").mkdir()
    assert client.get("/assets/fonts.d").status_code == 404
    assert INDEX_HTML in client.get("/assets").text  # no extension: a client-side route


def test_config_json(make_client) -> None:
    response = make_client().get("/config.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "routerUrl": "http://127.0.0.1:4000/graphql",
        "registryUrl": "http://127.0.0.1:8761/",
    }
    custom = make_client(router_url="http://localhost:4100/graphql", registry_url=None)
    assert custom.get("/config.json").json() == {
        "routerUrl": "http://localhost:4100/graphql",
        "registryUrl": None,
    }


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "UP"}


def test_gzip_when_accepted(client: TestClient, build) -> None:
    raw = client.get("/assets/app-abc123.js", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in raw.headers["vary"].lower()
    assert raw.text == build.script  # httpx decoded it
    assert int(raw.headers["content-length"]) < len(build.script)

    with client.stream("GET", "/assets/app-abc123.js", headers={"accept-encoding": "gzip"}) as s:
        body = b"".join(s.iter_raw())
    assert gzip.decompress(body).decode() == build.script

    plain = client.get("/assets/app-abc123.js", headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    small = client.get("/config.json", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers  # below the 1 KiB minimum


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/", "/config.json", "/health", "/assets/app-abc123.js", "/missing.js"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
    assert client.post("/").headers["x-content-type-options"] == "nosniff"


def test_csp_on_html_names_the_router_and_registry_origins(make_client) -> None:
    client = make_client(
        router_url="http://localhost:4100/graphql", registry_url="https://registry.test:8443/ui/"
    )
    for path in ("/", "/customers/3", "/graphiql.html"):
        csp = client.get(path).headers["content-security-policy"]
        directives = dict(d.split(" ", 1) for d in csp.split("; "))
        assert directives["connect-src"] == (
            "'self' http://localhost:4100 https://registry.test:8443"
        )
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
    for path in ("/config.json", "/assets/app-abc123.js"):
        assert "content-security-policy" not in client.get(path).headers


def test_csp_without_registry_and_switched_off(make_client) -> None:
    csp = make_client(registry_url=None).get("/").headers["content-security-policy"]
    assert "connect-src 'self' http://127.0.0.1:4000;" in csp
    off = make_client(content_security_policy=False).get("/")
    assert "content-security-policy" not in off.headers
    assert off.headers["x-content-type-options"] == "nosniff"


def test_head_is_get_without_a_body(client: TestClient) -> None:
    for path in ("/", "/customers/12", "/assets/app-abc123.js", "/config.json", "/health"):
        get = client.get(path, headers=IDENTITY)
        head = client.head(path, headers=IDENTITY)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers.get("cache-control") == get.headers.get("cache-control")
    assert client.head("/missing.js").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/customers/12", "/config.json", "/assets/app-abc123.js"])
def test_other_methods_are_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_missing_build_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "nothing-built"
    empty.mkdir()
    with pytest.raises(WebBuildMissing) as caught:
        create_app(WebSettings(dist_dir=empty))
    assert isinstance(caught.value, FileNotFoundError)
    assert str(caught.value) == (
        f"web build not found at {empty.resolve()}: run `make web` (npm ci && npm run build in web/)"
    )
    with pytest.raises(FileNotFoundError):
        create_app(WebSettings(dist_dir=tmp_path / "absent"))


def test_index_removed_after_start_is_503(client: TestClient, dist: Path) -> None:
    (dist / "index.html").unlink()
    response = client.get("/customers/1")
    assert response.status_code == 503
    assert "web build not found" in response.text


def test_relative_dist_dir_is_taken_from_the_working_directory(
    dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(dist.parent)
    with TestClient(create_app(WebSettings(dist_dir=Path("dist")))) as client:
        assert INDEX_HTML in client.get("/").text
    monkeypatch.chdir(dist)
    with pytest.raises(WebBuildMissing):
        create_app(WebSettings())  # web/dist under dist/: not there
