"""Differential fuzzing of composition against Apollo's (test-only oracle; never shipped).

Usage (after ``npm ci --prefix dev/oracle``)::

    .venv/bin/python dev/oracle/fuzz_composition.py [--count N] [--seed S] [--show K]

Takes every composing input we have (the federation scenarios' subgraphs and the composing
composition fixtures), applies one random mutation to one subgraph's SDL (drop a line, drop or
add a federation directive, change a field's type or nullability, rename a type), composes the
result with ours and Apollo's, and prints how often the outcomes agree: both compose to the same
supergraph, or both refuse with the same set of error codes. Disagreements are printed (the
first ``--show``) so they can become fixtures. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from graphql import parse, print_ast
from graphql.language import DocumentNode
from record import call_oracle
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.testing.scenario import load_scenario, placeholder_url

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "router" / "tests" / "federation" / "scenarios"
FIXTURES = ROOT / "router" / "tests" / "composition" / "fixtures"
DIRECTIVES = ("@shareable", "@external", "@inaccessible", '@key(fields: "id")', "@interfaceObject")


def corpus() -> list[dict[str, str]]:
    """Every input Apollo composes: scenario subgraphs and composing fixtures."""
    inputs = []
    for path in sorted(SCENARIOS.iterdir()):
        if (path / "subgraphs").is_dir():
            inputs.append(dict(load_scenario(path).subgraphs))
    for path in sorted(FIXTURES.glob("*.yaml")):
        for fixture in yaml.safe_load(path.read_text()) or []:
            if "supergraph" in fixture.get("apollo", {}):
                inputs.append(dict(fixture["subgraphs"]))
    return inputs


def mutate(sdl: str, rng: random.Random) -> str:
    """One random edit of ``sdl`` (may make it invalid on purpose)."""
    lines = sdl.splitlines()
    kind = rng.choice(("drop-line", "drop-directive", "add-directive", "type", "nullability"))
    body = [
        i for i, line in enumerate(lines) if line.strip() and not line.startswith("extend schema")
    ]
    if not body:
        return sdl
    i = rng.choice(body)
    line = lines[i]
    if kind == "drop-line":
        del lines[i]
    elif kind == "drop-directive":
        found = list(re.finditer(r"@\w+(\([^)]*\))?", line))
        if found:
            match = rng.choice(found)
            lines[i] = line[: match.start()] + line[match.end() :]
    elif kind == "add-directive":
        field = re.search(r"^(\s*\w+(\([^)]*\))?\s*:\s*[\w\[\]!]+)", line)
        if field:
            lines[i] = field.group(1) + " " + rng.choice(DIRECTIVES) + line[field.end() :]
    elif kind == "type":
        lines[i] = re.sub(
            r":\s*(Int|String|ID|Float|Boolean)\b",
            ": " + rng.choice(("Int", "String", "ID", "Float", "Boolean")),
            line,
            count=1,
        )
    else:
        lines[i] = (
            line.replace("!", "", 1)
            if "!" in line
            else re.sub(r":\s*(\w+)", lambda m: m.group(0) + "!", line, count=1)
        )
    return "\n".join(lines) + "\n"


def _normalised(sdl: str) -> str:
    document = parse(sdl)
    definitions = sorted(
        document.definitions,
        key=lambda node: (node.kind, getattr(getattr(node, "name", None), "value", "")),
    )
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def outcome_of_ours(subgraphs: dict[str, str]) -> tuple[str, Any]:
    try:
        result = compose(
            [SubgraphDefinition(n, placeholder_url(n), s) for n, s in subgraphs.items()]
        )
    except Exception as error:
        return ("crash", repr(error))
    if result.ok and result.supergraph_sdl is not None:
        return ("ok", _normalised(result.supergraph_sdl))
    return ("errors", frozenset(error.code for error in result.errors))


def outcome_of_apollo(answer: dict[str, Any]) -> tuple[str, Any]:
    if "crashed" in answer:
        return ("apollo-crash", answer["crashed"])
    if "errors" in answer:
        return ("errors", frozenset(error["code"] for error in answer["errors"]))
    return ("ok", _normalised(answer["supergraphSdl"]))


def main() -> int:
    """Run the fuzzer; prints the agreement rate and the first disagreements."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    inputs = corpus()
    cases = []
    for _ in range(args.count):
        subgraphs = dict(rng.choice(inputs))
        name = rng.choice(sorted(subgraphs))
        subgraphs[name] = mutate(subgraphs[name], rng)
        cases.append(subgraphs)
    request = {
        "command": "compose-each",
        "inputs": [
            [{"name": n, "url": placeholder_url(n), "sdl": s} for n, s in case.items()]
            for case in cases
        ],
    }
    answers = call_oracle(request)["answers"]
    tally: Counter[str] = Counter()
    shown = 0
    for case, answer in zip(cases, answers, strict=True):
        theirs = outcome_of_apollo(answer)
        if theirs[0] == "apollo-crash":
            tally["apollo crashed (skipped)"] += 1
            continue
        ours = outcome_of_ours(case)
        if ours == theirs:
            tally[f"agree ({theirs[0]})"] += 1
            continue
        label = f"disagree: ours {ours[0]}, Apollo {theirs[0]}"
        tally[label] += 1
        if shown < args.show:
            shown += 1
            print(f"--- {label}")
            if ours[0] == "errors" or theirs[0] == "errors":
                print(f"    ours:   {sorted(ours[1]) if ours[0] == 'errors' else ours[0]}")
                print(f"    Apollo: {sorted(theirs[1]) if theirs[0] == 'errors' else theirs[0]}")
            if ours[0] == "crash":
                print(f"    {ours[1]}")
            for name, sdl in case.items():
                print(f"    [{name}]\n      " + sdl.strip().replace("\n", "\n      "))
    total = sum(tally.values())
    skipped = tally["apollo crashed (skipped)"]
    agree = sum(v for k, v in tally.items() if k.startswith("agree"))
    print(f"\n{total} mutated inputs from {len(inputs)} composing inputs (seed {args.seed}):")
    for label, count in tally.most_common():
        print(f"  {count:5}  {label}")
    if total > skipped:
        print(f"  agreement: {agree / (total - skipped):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
