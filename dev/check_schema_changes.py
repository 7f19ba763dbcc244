"""CI schema checks: ``schema/`` matches the code, and no unaccepted breaking change.

Usage (``make schema-check``, run by ``.ci/run``)::

    .venv/bin/python dev/check_schema_changes.py [--base REV]

1. Drift: runs ``dev/export_schema.py`` (``make schema``) and fails when it changed anything
   under ``schema/`` (the committed SDL, supergraph or API schema no longer match the code).
2. Breaking changes: for every subgraph whose ``schema/subgraphs/NAME.graphql`` differs from
   the base revision's (default ``HEAD~1``, the previous commit), runs
   ``trellis-registry subgraph check NAME schema/subgraphs/NAME.graphql --against BASE_SCHEMA``
   with the base revision's ``schema/`` and fails on composition errors or breaking changes,
   unless they are accepted:

   - the commit message of ``HEAD`` has a line ``Schema-Breaking-Change: accepted`` (a git
     trailer, for a change announced to clients), or
   - each breaking change's schema coordinate is listed in ``schema/accepted-breaking-changes``
     (one coordinate a line, ``#`` comments).

   With no base revision (first commit, shallow clone) the breaking step is skipped, said so.

Exit status: 0 clean; 1 drift or unaccepted breaking changes; 2 the check could not run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
ACCEPTED_FILE = SCHEMA / "accepted-breaking-changes"
TRAILER = "schema-breaking-change: accepted"
BIN = Path(sys.executable).parent


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def check_drift() -> bool:
    """Regenerate ``schema/`` and report whether the committed files were already current."""
    before = _snapshot()
    export = subprocess.run([sys.executable, str(ROOT / "dev" / "export_schema.py")], check=False)
    if export.returncode != 0:
        print("schema drift: `make schema` failed (see above)")
        return False
    after = _snapshot()
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    if changed:
        print("schema drift: `make schema` changed " + ", ".join(changed))
        print("  run `make schema` and commit the result")
        return False
    print(f"schema drift: none ({len(after)} files under schema/ match the code)")
    return True


def _snapshot() -> dict[str, bytes]:
    return {
        str(path.relative_to(ROOT)): path.read_bytes()
        for path in sorted(SCHEMA.rglob("*"))
        if path.is_file()
    }


def accepted_coordinates() -> set[str]:
    """Coordinates listed in ``schema/accepted-breaking-changes`` (empty when absent)."""
    if not ACCEPTED_FILE.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in ACCEPTED_FILE.read_text().splitlines())
    return {line for line in lines if line}


def trailer_accepts() -> bool:
    """Whether ``HEAD``'s commit message accepts breaking schema changes."""
    message = _git("log", "-1", "--format=%B").stdout
    return any(line.strip().lower() == TRAILER for line in message.splitlines())


def check_breaking(base: str) -> bool | None:
    """Check each changed subgraph against ``base``'s ``schema/``.

    Returns:
        True clean or accepted, False failing, None when skipped (no such base revision).
    """
    if _git("rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").returncode != 0:
        print(f"breaking changes: skipped (no revision {base} in this clone)")
        return None
    if _git("cat-file", "-e", f"{base}:schema/supergraph.yaml").returncode != 0:
        print(f"breaking changes: skipped ({base} has no schema/supergraph.yaml)")
        return None
    config = yaml.safe_load((SCHEMA / "supergraph.yaml").read_text())
    accepted = accepted_coordinates()
    by_trailer = trailer_accepts()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", base, "schema"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        base_schema = Path(tmp) / "schema"
        checked = 0
        for name, entry in (config.get("subgraphs") or {}).items():
            current = SCHEMA / entry["schema"]["file"]
            previous = base_schema / entry["schema"]["file"]
            if previous.exists() and previous.read_bytes() == current.read_bytes():
                continue
            checked += 1
            ok = _check_one(name, current, base_schema, accepted, by_trailer) and ok
        if checked == 0:
            print(f"breaking changes: no subgraph SDL changed since {base}")
    return ok


def _check_one(
    name: str, sdl_file: Path, base_schema: Path, accepted: set[str], by_trailer: bool
) -> bool:
    command = [
        str(BIN / "trellis-registry"),
        "subgraph",
        "check",
        name,
        str(sdl_file),
        "--against",
        str(base_schema),
        "--format",
        "json",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode == 2 or not completed.stdout.strip():
        print(f"breaking changes: the check of {name} could not run: {completed.stderr.strip()}")
        return False
    report: dict[str, Any] = json.loads(completed.stdout)
    composition = report.get("composition", {})
    if not composition.get("ok", False):
        print(f"breaking changes: {name} no longer composes with the other subgraphs:")
        for error in composition.get("errors", []):
            print(f"  {error['code']}: {error['message']}")
        return False
    changes = report.get("changes", [])
    breaking = [change for change in changes if change.get("severity") == "breaking"]
    print(f"breaking changes: {name}: {len(changes)} change(s), {len(breaking)} breaking")
    unaccepted = []
    for change in changes:
        mark = ""
        if change in breaking:
            if by_trailer or change["coordinate"] in accepted:
                mark = " (accepted)"
            else:
                unaccepted.append(change)
        print(f"  {change['severity']:9} {change['coordinate']}: {change['message']}{mark}")
    if unaccepted:
        print(
            f"  {len(unaccepted)} breaking change(s) not accepted: list their coordinates in "
            "schema/accepted-breaking-changes or add the trailer "
            "'Schema-Breaking-Change: accepted' to the commit message"
        )
        return False
    return True


def main() -> int:
    """Run both checks; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD~1", help="revision to compare with")
    parser.add_argument(
        "--no-drift", action="store_true", help="skip the drift step (check breaking changes only)"
    )
    args = parser.parse_args()
    drift_ok = True if args.no_drift else check_drift()
    if not (ROOT / ".git").exists():
        print("breaking changes: skipped (not a git checkout)")
        return 0 if drift_ok else 1
    breaking_ok = check_breaking(args.base)
    return 0 if drift_ok and breaking_ok is not False else 1


if __name__ == "__main__":
    sys.exit(main())
