"""Rover supergraph.yaml loading: schema files and subgraph_url introspection."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from trellis_router.composition import (
    CompositionConfigError,
    compose,
    load_supergraph_config,
)

SDL = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
    "type Query { hello: String }\n"
)


class _ServiceHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert "_service" in body["query"]
        payload = json.dumps({"data": {"_service": {"sdl": SDL.replace("hello", "remote")}}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def subgraph_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ServiceHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_loads_files_relative_to_the_yaml_and_fetches_subgraph_urls(
    tmp_path: Path, subgraph_url: str
) -> None:
    (tmp_path / "subgraphs").mkdir()
    (tmp_path / "subgraphs" / "local.graphql").write_text(SDL)
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "federation_version: =2.3.0\n"
        "subgraphs:\n"
        "  local:\n"
        "    routing_url: http://127.0.0.1:4001/graphql\n"
        "    schema:\n"
        "      file: subgraphs/local.graphql\n"
        "  remote:\n"
        "    routing_url: http://127.0.0.1:4002/graphql\n"
        "    schema:\n"
        f"      subgraph_url: {subgraph_url}\n"
    )
    subgraphs = load_supergraph_config(config)
    assert [(s.name, s.url) for s in subgraphs] == [
        ("local", "http://127.0.0.1:4001/graphql"),
        ("remote", "http://127.0.0.1:4002/graphql"),
    ]
    assert subgraphs[0].sdl == SDL
    assert "remote: String" in subgraphs[1].sdl
    result = compose(subgraphs)
    assert result.ok, result.errors


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("- just a list\n", "mapping"),
        ("subgraphs: {}\n", "non-empty"),
        ("subgraphs:\n  a:\n    routing_url: http://x\n", "schema"),
        (
            "subgraphs:\n  a:\n    routing_url: http://x\n    schema:\n      file: missing.graphql\n",
            "cannot read",
        ),
        ("subgraphs:\n  a:\n    schema:\n      file: s.graphql\n", "routing_url"),
        ("subgraphs:\n  a:\n    routing_url: x\n    bogus: 1\n", "unknown keys"),
        ("subgraphs: [\n", "not valid YAML"),
    ],
)
def test_bad_configs_raise_a_clear_error(tmp_path: Path, content: str, fragment: str) -> None:
    (tmp_path / "s.graphql").write_text(SDL)
    config = tmp_path / "supergraph.yaml"
    config.write_text(content)
    with pytest.raises(CompositionConfigError, match=fragment):
        load_supergraph_config(config)


def test_unreachable_subgraph_url_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "subgraphs:\n  a:\n    routing_url: http://x\n    schema:\n"
        "      subgraph_url: http://127.0.0.1:1/graphql\n"
    )
    with pytest.raises(CompositionConfigError, match="cannot fetch"):
        load_supergraph_config(config, timeout=2)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(CompositionConfigError, match="cannot read"):
        load_supergraph_config(tmp_path / "nope.yaml")


def test_project_supergraph_yaml_names_the_four_subgraphs() -> None:
    path = Path(__file__).resolve().parents[3] / "schema" / "supergraph.yaml"
    import yaml

    document = yaml.safe_load(path.read_text())
    assert {name: entry["routing_url"] for name, entry in document["subgraphs"].items()} == {
        "customers": "http://127.0.0.1:4001/graphql",
        "inventory": "http://127.0.0.1:4002/graphql",
        "billing": "http://127.0.0.1:4003/graphql",
        "orders": "http://127.0.0.1:4004/graphql",
    }
