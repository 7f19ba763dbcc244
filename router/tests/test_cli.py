"""``trellis-router``: plan and compose through the CLI, serve as a real subprocess."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from trellis_router.cli import app
from typer.testing import CliRunner

SUPERGRAPH = Path(__file__).parent / "http" / "shop.supergraph.graphql"
runner = CliRunner()


def test_plan_prints_text_and_json(tmp_path):
    operation = tmp_path / "op.graphql"
    operation.write_text("query Me { me { name reviews { body } } }")
    text = runner.invoke(app, ["plan", "--supergraph", str(SUPERGRAPH), str(operation)])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("QueryPlan {\n  Sequence {")
    assert 'Fetch(service: "reviews")' in text.output
    as_json = runner.invoke(
        app, ["plan", "--supergraph", str(SUPERGRAPH), str(operation), "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["node"]["kind"] == "Sequence"


def test_plan_rejects_an_invalid_operation(tmp_path):
    operation = tmp_path / "op.graphql"
    operation.write_text("{ me { nope } }")
    result = runner.invoke(app, ["plan", "--supergraph", str(SUPERGRAPH), str(operation)])
    assert result.exit_code == 1
    assert "GRAPHQL_VALIDATION_FAILED" in result.output


def test_compose_prints_the_supergraph(tmp_path):
    (tmp_path / "a.graphql").write_text("type Query { hello: String }")
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "federation_version: =2.3.2\nsubgraphs:\n  a:\n    routing_url: http://127.0.0.1:4001/graphql\n"
        "    schema:\n      file: ./a.graphql\n"
    )
    result = runner.invoke(app, ["compose", str(config)])
    assert result.exit_code == 0, result.output
    assert "hello: String" in result.stdout
    assert "join__Graph" in result.stdout


def test_compose_errors_exit_1(tmp_path):
    (tmp_path / "a.graphql").write_text("type Query { hello: String }")
    (tmp_path / "b.graphql").write_text("type Query { hello: Int }")
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "subgraphs:\n"
        "  a:\n    routing_url: http://a/graphql\n    schema:\n      file: ./a.graphql\n"
        "  b:\n    routing_url: http://b/graphql\n    schema:\n      file: ./b.graphql\n"
    )
    result = runner.invoke(app, ["compose", str(config)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "FIELD_TYPE_MISMATCH: " in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_and_graphql():
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trellis_router",
            "serve",
            "--supergraph",
            str(SUPERGRAPH),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):  # wait for the port to answer (up to ~20 s)
            try:
                health = httpx.get(f"{base}/health")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.1)
        else:
            raise AssertionError("the router did not start")
        assert health.json() == {"status": "UP"}
        assert httpx.get(f"{base}/ready").status_code == 200
        response = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def test_serve_needs_a_supergraph_source():
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2


def _config(tmp_path, **files: str):
    lines = ["subgraphs:"]
    for name, sdl in files.items():
        (tmp_path / f"{name}.graphql").write_text(sdl)
        lines += [
            f"  {name}:",
            f"    routing_url: http://{name}/graphql",
            "    schema:",
            f"      file: ./{name}.graphql",
        ]
    config = tmp_path / "supergraph.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_compose_sdl_that_does_not_parse_is_bad_input(tmp_path):
    config = _config(tmp_path, a="type Query {\n  hello: String\n  oops(\n}\n")
    line = _one_error_line(runner.invoke(app, ["compose", str(config)]))
    assert line.startswith(f"error: {tmp_path / 'a.graphql'}:4:1: INVALID_GRAPHQL: "), line


def test_compose_unknown_federation_version_is_bad_input(tmp_path):
    sdl = (
        "type Query { a: Int }\n"
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.99", import: ["@key"])\n'
    )
    line = _one_error_line(runner.invoke(app, ["compose", str(_config(tmp_path, a=sdl))]))
    assert line.startswith(
        f"error: {tmp_path / 'a.graphql'}:2:15: UNKNOWN_FEDERATION_LINK_VERSION"
    ), line
    assert "v2.99" in line


def test_compose_unknown_imported_directive_is_bad_input(tmp_path):
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3",\n'
        '  import: ["@key", "@nope"])\ntype Query { a: Int }\n'
    )
    line = _one_error_line(runner.invoke(app, ["compose", str(_config(tmp_path, a=sdl))]))
    assert line.startswith(f"error: {tmp_path / 'a.graphql'}:1:15: INVALID_LINK_DIRECTIVE_USAGE"), (
        line
    )
    assert '"@nope"' in line


def test_compose_config_naming_a_missing_file_is_bad_input(tmp_path):
    config = _config(tmp_path, a="type Query { a: Int }")
    (tmp_path / "a.graphql").unlink()
    line = _one_error_line(runner.invoke(app, ["compose", str(config)]))
    assert line.startswith(f"error: {config}:5:13: subgraph 'a': cannot read "), line
    assert "No such file" in line


def test_compose_config_that_is_not_yaml_is_bad_input(tmp_path):
    config = tmp_path / "supergraph.yaml"
    config.write_text("subgraphs:\n  a: [unclosed\n")
    line = _one_error_line(runner.invoke(app, ["compose", str(config)]))
    assert line.startswith(f"error: {config}:3:1: not valid YAML"), line


def test_compose_unknown_directive_is_bad_input_with_its_location(tmp_path):
    sdl = "type Query {\n  a: Int @nope\n}\n"
    line = _one_error_line(runner.invoke(app, ["compose", str(_config(tmp_path, a=sdl))]))
    assert line.startswith(f"error: {tmp_path / 'a.graphql'}:2:10: INVALID_GRAPHQL: "), line
