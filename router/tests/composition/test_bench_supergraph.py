"""The benchmark's four subgraphs compose to exactly the supergraph Apollo composed."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_ast_schema, parse
from graphql.utilities import find_schema_changes
from trellis_router.composition import SubgraphDefinition, compose

BENCH = Path("/work/shared/bench")
NAMES = ("accounts", "inventory", "products", "reviews")

pytestmark = pytest.mark.skipif(not BENCH.exists(), reason="benchmark fixtures not present")


def _subgraphs() -> list[SubgraphDefinition]:
    schemas = BENCH / "subgraphs" / "schemas"
    return [
        SubgraphDefinition(
            name, f"http://127.0.0.1:{5001 + i}/graphql", (schemas / f"{name}.graphql").read_text()
        )
        for i, name in enumerate(NAMES)
    ]


def test_bench_subgraphs_compose_textually_equal_to_apollo() -> None:
    result = compose(_subgraphs())
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    expected = (BENCH / "supergraph.graphql").read_text()
    assert result.supergraph_sdl + "\n" == expected


def test_bench_subgraph_order_does_not_matter() -> None:
    forward = compose(_subgraphs()).supergraph_sdl
    backward = compose(list(reversed(_subgraphs()))).supergraph_sdl
    assert forward is not None
    assert forward == backward


def test_bench_supergraph_is_semantically_equal() -> None:
    result = compose(_subgraphs())
    assert result.supergraph_sdl is not None
    ours = build_ast_schema(parse(result.supergraph_sdl))
    theirs = build_ast_schema(parse((BENCH / "supergraph.graphql").read_text()))
    assert find_schema_changes(theirs, ours) == []
