"""Record Apollo's answers for the federation scenarios (test-only oracle; never shipped).

Usage (from the repository root, after ``npm ci --prefix dev/oracle``)::

    .venv/bin/python dev/oracle/record.py [SCENARIO ...]

For each scenario (default: all under ``router/tests/federation/scenarios``): compose the
subgraphs with Apollo's composition and write ``supergraph.graphql`` (or fail with Apollo's
composition errors); serve the mock subgraphs; run every case through Apollo Gateway; write each
case's ``expected`` response, ``apollo_fetches`` and ``apollo_plan`` into ``cases.yaml``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from trellis_router.testing import serve_mock_subgraphs
from trellis_router.testing.scenario import Scenario, dump_cases, load_scenario, placeholder_url

ORACLE = Path(__file__).resolve().parent
ROOT = ORACLE.parents[1]
SCENARIOS = ROOT / "router" / "tests" / "federation" / "scenarios"


class OracleError(Exception):
    """The oracle (node) failed, or Apollo's composition reported errors."""


def call_oracle(request: dict[str, Any]) -> dict[str, Any]:
    """Run ``oracle.mjs`` with one JSON request.

    Raises:
        OracleError: the node process failed.
    """
    if not (ORACLE / "node_modules").exists():
        raise OracleError(f"run `npm ci --prefix {ORACLE}` first")
    completed = subprocess.run(
        ["node", str(ORACLE / "oracle.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ORACLE,
        check=False,
    )
    if completed.returncode != 0:
        raise OracleError(completed.stderr.strip() or f"node exited {completed.returncode}")
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer


def compose(scenario: Scenario) -> str:
    """Apollo's supergraph for ``scenario`` (routing URLs are placeholders).

    Raises:
        OracleError: composition errors, listed with Apollo's codes.
    """
    subgraphs = [
        {"name": name, "url": placeholder_url(name), "sdl": sdl}
        for name, sdl in scenario.subgraphs.items()
    ]
    answer = call_oracle({"command": "compose", "subgraphs": subgraphs})
    if "errors" in answer:
        lines = [f"  {error['code']}: {error['message']}" for error in answer["errors"]]
        raise OracleError(f"{scenario.name}: Apollo composition failed:\n" + "\n".join(lines))
    sdl: str = answer["supergraphSdl"]
    return sdl


async def run_cases(scenario: Scenario, supergraph_sdl: str) -> list[dict[str, Any]]:
    """Run every case of ``scenario`` through Apollo Gateway against the mock subgraphs."""
    cases = [
        {key: case.get(key) for key in ("query", "variables", "operationName")}
        for case in scenario.cases
    ]
    async with serve_mock_subgraphs(scenario.mocks()) as urls:
        request = {"command": "run", "supergraphSdl": supergraph_sdl, "urls": urls, "cases": cases}
        answer = await asyncio.to_thread(call_oracle, request)
    results: list[dict[str, Any]] = answer["results"]
    return results


def record(path: Path) -> None:
    """Record one scenario folder in place."""
    scenario = load_scenario(path)
    supergraph_sdl = compose(scenario)
    (path / "supergraph.graphql").write_text(supergraph_sdl.rstrip("\n") + "\n")
    results = asyncio.run(run_cases(scenario, supergraph_sdl))
    cases = []
    for case, result in zip(scenario.cases, results, strict=True):
        authored = {
            key: value
            for key, value in case.items()
            if key not in ("expected", "apollo_fetches", "apollo_plan")
        }
        cases.append(
            {
                **authored,
                "expected": result["response"],
                "apollo_fetches": result["fetches"],
                "apollo_plan": result["plan"],
            }
        )
    (path / "cases.yaml").write_text(dump_cases(cases))
    print(f"{scenario.name}: {len(cases)} case(s) recorded")


def main(argv: list[str]) -> int:
    """Record the named scenarios (all when none named); returns the exit status."""
    names = argv or sorted(p.name for p in SCENARIOS.iterdir() if (p / "subgraphs").is_dir())
    status = 0
    for name in names:
        try:
            record(SCENARIOS / name)
        except OracleError as error:
            print(error, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
