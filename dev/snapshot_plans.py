"""Write our router's query plan (text) into every federation scenario case as ``trellis_plan``.

Run after a deliberate planner change, review the diff, commit:
``.venv/bin/python dev/snapshot_plans.py [SCENARIO...]``. ``test_scenarios.py`` fails when a
plan differs from its snapshot.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from graphql import parse
from trellis_router.planner import plan_operation
from trellis_router.supergraph import load_supergraph
from trellis_router.testing.scenario import dump_cases

SCENARIOS = Path(__file__).resolve().parent.parent / "router/tests/federation/scenarios"


def snapshot(folder: Path) -> None:
    """Plan every case of one scenario and store the text form in its ``cases.yaml``."""
    supergraph = load_supergraph((folder / "supergraph.graphql").read_text())
    path = folder / "cases.yaml"
    cases = yaml.safe_load(path.read_text())
    for case in cases:
        try:
            plan = plan_operation(supergraph, parse(case["query"]), case.get("operationName"))
        except Exception as error:
            case["trellis_plan"] = f"error: {error}"
            continue
        case["trellis_plan"] = plan.to_text() if plan.node is not None else "QueryPlan {}"
    path.write_text(dump_cases(cases))


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir())
    for name in names:
        snapshot(SCENARIOS / name)
        print(f"snapshotted {name}")
