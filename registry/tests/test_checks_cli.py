"""``trellis-registry subgraph check``: exit codes, text and JSON output, --against, --registry."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import trellis_registry.checks
from trellis_registry import RegistrySettings
from trellis_registry.checks import baseline_from_directory, check_subgraph
from trellis_registry.cli import app
from trellis_registry.testing import serve_over_http
from typer.testing import CliRunner, Result

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
SCRIPT = Path(sys.executable).parent / "trellis-registry"


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    """A temporary copy of the repository's schema/ folder."""
    copy = tmp_path / "schema"
    shutil.copytree(SCHEMA_DIR, copy)
    return copy


def candidate(schema_dir: Path, name: str, *replacements: tuple[str, str]) -> Path:
    sdl = (schema_dir / "subgraphs" / f"{name}.graphql").read_text()
    for old, new in replacements:
        assert old in sdl, old
        sdl = sdl.replace(old, new, 1)
    path = schema_dir.parent / f"{name}.candidate.graphql"
    path.write_text(sdl)
    return path


# Customer.email with its description, as schema/subgraphs/customers.graphql prints it.
CUSTOMER_EMAIL = '  """Email address, lower-cased; unique."""\n  email: String!\n'
WITHOUT_EMAIL = (CUSTOMER_EMAIL, "")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["subgraph", "check", *map(str, args)])


def as_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_an_unchanged_schema_passes(schema_dir: Path) -> None:
    same = schema_dir / "subgraphs" / "customers.graphql"
    result = run("customers", same, "--against", schema_dir)
    assert result.exit_code == 0, result.output
    assert "No changes to the API schema." in result.stdout
    assert "PASS" in result.stdout


def test_a_removed_field_is_breaking_without_operations(schema_dir: Path) -> None:
    result = run(
        "customers", candidate(schema_dir, "customers", WITHOUT_EMAIL), "--against", schema_dir
    )
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "Breaking changes (1):" in lines
    assert "  Customer.email  Field Customer.email was removed." in lines
    assert lines[-1].startswith("FAIL: 1 breaking (no operations checked: all count)")
    assert "\x1b[" not in result.stdout


def test_additions_and_descriptions_are_safe(schema_dir: Path) -> None:
    path = candidate(
        schema_dir,
        "customers",
        (CUSTOMER_EMAIL, CUSTOMER_EMAIL + '  "Nickname."\n  nickname: String\n'),
        ('"""A customer of the shop."""', '"""A customer."""'),
    )
    result = run("customers", path, "--against", schema_dir, "--format", "json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    assert [(c["severity"], c["kind"], c["coordinate"]) for c in report["changes"]] == [
        ("safe", "DESCRIPTION_CHANGED", "Customer"),
        ("safe", "FIELD_ADDED", "Customer.nickname"),
    ]
    assert (report["passed"], report["breaking"], report["safe"]) == (True, 0, 2)


def test_operations_decide_whether_a_breaking_change_counts(
    schema_dir: Path, tmp_path: Path
) -> None:
    ops = tmp_path / "ops"
    (ops / "nested").mkdir(parents=True)
    (ops / "customers.graphql").write_text(
        "query CustomerNames { customers { nodes { id name } } }\n"
        "query OneCustomer($id: ID!) { customer(id: $id) { ...Contact } }\n"
    )
    (ops / "nested" / "contact.graphql").write_text("fragment Contact on Customer { email }\n")
    (tmp_path / "names.graphql").write_text("{ customers { nodes { name } } }\n")
    path = candidate(schema_dir, "customers", WITHOUT_EMAIL)

    used = run("customers", path, "--against", schema_dir, "--operations", ops, "--format", "json")
    assert used.exit_code == 1, used.output
    report = as_json(used)
    assert report["changes"] == [
        {
            "severity": "breaking",
            "kind": "FIELD_REMOVED",
            "coordinate": "Customer.email",
            "message": "Field Customer.email was removed.",
            "usage": "used",
            "operations": ["OneCustomer"],
        }
    ]
    assert (report["operations_checked"], report["breaking_used"], report["breaking_unused"]) == (
        2,
        1,
        0,
    )

    unused = run(
        "customers", path, "--against", schema_dir, "--operations", tmp_path / "names.graphql"
    )
    assert unused.exit_code == 0, unused.output
    assert "Customer.email  Field Customer.email was removed. (unused)" in unused.stdout
    assert "PASS: 1 breaking (0 used by operations, 1 unused)" in unused.stdout

    text = run("customers", path, "--against", schema_dir, "--operations", ops)
    assert "      used by: OneCustomer" in text.stdout.splitlines()


def test_composition_errors_exit_1_with_codes(schema_dir: Path) -> None:
    path = candidate(schema_dir, "billing", ("type Money @shareable {", "type Money {"))
    result = run("billing", path, "--against", schema_dir, "--format", "json")
    assert result.exit_code == 1, result.output
    report = as_json(result)
    assert report["composition"]["ok"] is False
    assert report["composition"]["errors"]
    assert all(set(error) == {"code", "message"} for error in report["composition"]["errors"])
    assert report["changes"] == []
    text = run("billing", path, "--against", schema_dir)
    assert "Composition failed:" in text.stdout
    code = report["composition"]["errors"][0]["code"]
    assert f"  {code}: " in text.stdout


def test_a_new_subgraph_is_added_to_the_composition(schema_dir: Path, tmp_path: Path) -> None:
    reviews = tmp_path / "reviews.graphql"
    reviews.write_text(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
        "type Query { reviews: [Review!]! }\n"
        "type Review { id: ID! stars: Int! }\n"
    )
    result = run("reviews", reviews, "--against", schema_dir, "--format", "json")
    assert result.exit_code == 0, result.output
    changes = {(c["kind"], c["coordinate"]) for c in as_json(result)["changes"]}
    assert {("TYPE_ADDED", "Review"), ("FIELD_ADDED", "Query.reviews")} <= changes


def test_bad_input_exits_2_with_one_line(schema_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {\n  customers: [Customer!\n}\n")
    result = run("customers", broken, "--against", schema_dir)
    assert result.exit_code == 2
    assert result.stderr == f"error: {broken}:3:1: Syntax Error: Expected ']', found '}}'.\n"
    assert result.stdout == ""

    same = schema_dir / "subgraphs" / "customers.graphql"
    cases: list[tuple[list[str | Path], str]] = [
        ([tmp_path / "absent.graphql", "--against", schema_dir], "cannot read"),
        ([same], "give --registry URL or --against DIR"),
        ([same, "--against", schema_dir, "--registry", "http://x"], "not both"),
        ([same, "--against", tmp_path], "no supergraph.yaml"),
        ([same, "--against", schema_dir, "--operations", tmp_path / "none"], "no such file"),
        ([same, "--registry", "http://127.0.0.1:9"], "cannot reach the registry"),
    ]
    for args, message in cases:
        outcome = run("customers", *args)
        assert outcome.exit_code == 2, (args, outcome.output)
        assert outcome.stderr.startswith("error: ") and message in outcome.stderr, outcome.stderr
        assert outcome.stderr.count("\n") == 1
        assert "Traceback" not in outcome.output


def test_the_installed_script(schema_dir: Path) -> None:
    process = subprocess.run(
        [
            str(SCRIPT),
            "subgraph",
            "check",
            "customers",
            str(candidate(schema_dir, "customers", WITHOUT_EMAIL)),
            "--against",
            str(schema_dir),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 1, process.stderr
    assert json.loads(process.stdout)["breaking"] == 1


# --- against a running registry ----------------------------------------------------------


async def publish_schema_dir(client: httpx.AsyncClient, schema_dir: Path) -> None:
    for name, port in (("billing", 4003), ("customers", 4001), ("inventory", 4002)):
        response = await client.post(
            f"/v1/subgraphs/{name}",
            json={
                "sdl": (schema_dir / "subgraphs" / f"{name}.graphql").read_text(),
                "routing_url": f"http://127.0.0.1:{port}/graphql",
            },
        )
        assert response.status_code == 200, response.text


async def test_against_a_registry_with_recorded_operations(
    settings: RegistrySettings, schema_dir: Path
) -> None:
    path = candidate(schema_dir, "customers", WITHOUT_EMAIL)
    async with (
        serve_over_http(settings.model_copy(update={"port": 0})) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        await publish_schema_dir(client, schema_dir)

        before = await asyncio.to_thread(run, "customers", path, "--registry", url)
        assert before.exit_code == 1, before.output
        assert "no operations checked" in before.stdout

        recorded = await client.post(
            "/v1/operations",
            json=[{"name": "Names", "document": "query Names { customers { nodes { name } } }"}],
        )
        assert recorded.status_code == 200
        unused = await asyncio.to_thread(
            run, "customers", path, "--registry", url, "--format", "json"
        )
        assert unused.exit_code == 0, unused.output
        report = as_json(unused)
        assert (report["against"], report["operations_checked"]) == (url, 1)
        assert report["changes"][0]["usage"] == "unused"

        await client.post(
            "/v1/operations", json=[{"document": "{ customers { nodes { email } } }"}]
        )
        used = await asyncio.to_thread(
            run, "customers", path, "--registry", url, "--format", "json"
        )
        assert used.exit_code == 1, used.output
        (change,) = as_json(used)["changes"]
        (label,) = change["operations"]
        assert label.startswith("registry:") and label.endswith(":1")


def test_text_is_coloured_only_when_asked(schema_dir: Path) -> None:
    path = candidate(schema_dir, "customers", WITHOUT_EMAIL)
    report = check_subgraph("customers", path.read_text(), baseline_from_directory(schema_dir))
    coloured = report.to_text(color=True)
    assert "\x1b[31m" in coloured  # red: breaking, FAIL
    assert "\x1b[" not in report.to_text(color=False)
    assert click.unstyle(coloured) == report.to_text(color=False)


def test_checks_all_is_curated_and_importable() -> None:
    names = trellis_registry.checks.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(trellis_registry.checks, name) is not None
