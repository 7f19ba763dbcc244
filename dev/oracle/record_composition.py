"""Record Apollo's composition answer for the composition fixtures (test-only oracle).

Usage (from the repository root, after ``npm ci --prefix dev/oracle``)::

    .venv/bin/python dev/oracle/record_composition.py [FIXTURE_FILE ...]

Each file under ``router/tests/composition/fixtures/`` is a YAML list of fixtures
``{name, rule?, subgraphs: {name: sdl}, ...}``. For each fixture this composes the subgraphs with
``@apollo/composition`` and writes its answer under ``apollo:`` in place: either
``{errors: [{code, message}]}`` or ``{supergraph: SDL, hints: [{code, message}]}``. Hand-written
keys (``name``, ``rule``, ``subgraphs``, ``differs``) are kept.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from record import call_oracle
from trellis_router.testing.scenario import _Dumper, placeholder_url

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "router" / "tests" / "composition" / "fixtures"
HEADER = (
    "# Composition fixtures. `apollo:` is Apollo's answer, recorded by\n"
    "# dev/oracle/record_composition.py: do not edit it by hand.\n"
)
KEYS = ("name", "rule", "subgraphs", "differs")


def apollo_answer(subgraphs: dict[str, str]) -> dict[str, Any]:
    """Apollo's composition of ``subgraphs``: ``{errors}`` or ``{supergraph, hints}``."""
    request = {
        "command": "compose",
        "subgraphs": [
            {"name": name, "url": placeholder_url(name), "sdl": sdl}
            for name, sdl in subgraphs.items()
        ],
    }
    answer = call_oracle(request)
    if "errors" in answer:
        return {"errors": answer["errors"]}
    return {"supergraph": answer["supergraphSdl"].rstrip("\n") + "\n", "hints": answer["hints"]}


def record(path: Path) -> None:
    """Record every fixture of one file in place."""
    fixtures: list[dict[str, Any]] = yaml.safe_load(path.read_text()) or []
    out = []
    for fixture in fixtures:
        kept = {key: fixture[key] for key in KEYS if key in fixture}
        kept["apollo"] = apollo_answer(fixture["subgraphs"])
        out.append(kept)
    body = yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    path.write_text(HEADER + body)
    print(f"{path.name}: {len(out)} fixture(s) recorded")


def main(argv: list[str]) -> int:
    """Record the named files (all fixture files when none named)."""
    paths = [Path(a) for a in argv] or sorted(FIXTURES.glob("*.yaml"))
    for path in paths:
        record(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
