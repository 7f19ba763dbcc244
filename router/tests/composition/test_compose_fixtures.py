"""Composition fixtures: our composition against Apollo's recorded answer, one fixture a rule.

Each ``fixtures/*.yaml`` file lists fixtures ``{name, rule, subgraphs, apollo, differs?}``;
``apollo`` is what ``@apollo/composition`` answered (``dev/oracle/record_composition.py``).

- Apollo composed: we compose too, to the same supergraph (definitions compared in a fixed
  order), with the same set of hint codes.
- Apollo refused: we refuse with the same set of error codes, and every Apollo error that names
  its subgraph (``[name] ...``) has one of ours with that code naming the same subgraph.
- ``differs: REASON`` marks a known difference: the fixture is a strict xfail.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from graphql import parse, print_ast
from graphql.language import DocumentNode
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.testing.scenario import placeholder_url

FIXTURES = Path(__file__).parent / "fixtures"
_SUBGRAPH_PREFIX = re.compile(r"^\[([^\]]+)\]")


def _fixtures() -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for fixture in yaml.safe_load(path.read_text()) or []:
            marks = []
            if fixture.get("differs"):
                marks.append(pytest.mark.xfail(reason=fixture["differs"], strict=True))
            params.append(pytest.param(fixture, id=f"{path.stem}/{fixture['name']}", marks=marks))
    return params


def _normalised(sdl: str) -> str:
    document = parse(sdl)
    definitions = sorted(
        document.definitions,
        key=lambda node: (node.kind, getattr(getattr(node, "name", None), "value", "")),
    )
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def all_codes() -> set[str]:
    """Every error code some fixture asserts (Apollo refused with it; ``differs`` excluded)."""
    codes: set[str] = set()
    for param in _fixtures():
        (fixture,) = param.values
        if fixture.get("differs"):
            continue
        for error in fixture.get("apollo", {}).get("errors", []):
            codes.add(error["code"])
    return codes


@pytest.mark.parametrize("fixture", _fixtures())
def test_composition_matches_apollo(fixture: dict[str, Any]) -> None:
    apollo = fixture.get("apollo")
    assert apollo, "record it: .venv/bin/python dev/oracle/record_composition.py"
    result = compose(
        [
            SubgraphDefinition(name, placeholder_url(name), sdl)
            for name, sdl in fixture["subgraphs"].items()
        ]
    )
    ours = [f"{error.code}: {error.message}" for error in result.errors]
    if "errors" in apollo:
        assert not result.ok, "Apollo refused this composition; we accepted it"
        expected = {error["code"] for error in apollo["errors"]}
        assert {error.code for error in result.errors} == expected, ours
        for error in apollo["errors"]:
            named = _SUBGRAPH_PREFIX.match(error["message"])
            if named is None:
                continue
            assert any(
                ours.code == error["code"] and ours.message.startswith(named.group(0))
                for ours in result.errors
            ), (error, ours)
        return
    assert result.ok, ours
    assert result.supergraph_sdl is not None
    assert _normalised(result.supergraph_sdl) == _normalised(apollo["supergraph"])
    assert {hint.code for hint in result.hints} == {hint["code"] for hint in apollo["hints"]}


def test_at_least_forty_error_codes_are_covered() -> None:
    """Issue 4 acceptance: fixtures assert at least 40 distinct Apollo error codes."""
    assert len(all_codes()) >= 40, sorted(all_codes())
