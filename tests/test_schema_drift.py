"""The committed SDL in ``schema/`` matches the code (regenerate with ``make schema``)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from graphql import print_schema
from trellis_router.composition import compose, load_supergraph_config
from trellis_router.supergraph import load_supergraph
from trellis_subgraph.sdl import subgraph_sdl

SCHEMA = Path(__file__).resolve().parent.parent / "schema"


@pytest.mark.parametrize("name", ["customers", "inventory", "billing", "orders"])
def test_committed_subgraph_sdl_matches_the_code(name):
    module = importlib.import_module(f"trellis_{name}.schema")
    committed = (SCHEMA / "subgraphs" / f"{name}.graphql").read_text()
    assert subgraph_sdl(module.schema) == committed, "run `make schema` and commit the result"


def test_committed_supergraph_matches_composition():
    result = compose(load_supergraph_config(SCHEMA / "supergraph.yaml"))
    assert result.ok, result.errors
    committed = (SCHEMA / "supergraph.graphql").read_text()
    assert result.supergraph_sdl == committed, "run `make schema` and commit the result"


def test_committed_supergraph_loads_in_the_router():
    supergraph = load_supergraph((SCHEMA / "supergraph.graphql").read_text())
    assert set(supergraph.subgraphs) == {"customers", "inventory", "billing", "orders"}


def test_committed_api_schema_matches_the_supergraph():
    supergraph = load_supergraph((SCHEMA / "supergraph.graphql").read_text())
    committed = (SCHEMA / "api-schema.graphql").read_text()
    assert print_schema(supergraph.api_schema) + "\n" == committed, "run `make schema`"
