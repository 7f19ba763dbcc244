"""Planner test helpers: fixture supergraphs and a one-call planner."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from graphql import parse, validate
from trellis_router.planner import QueryPlan, plan_operation
from trellis_router.supergraph import Supergraph, load_supergraph

FIXTURES = Path(__file__).parent / "fixtures"


@cache
def supergraph(name: str) -> Supergraph:
    """Load ``fixtures/<name>.supergraph.graphql``."""
    return load_supergraph((FIXTURES / f"{name}.supergraph.graphql").read_text())


def plan(name: str, query: str, operation_name: str | None = None) -> QueryPlan:
    """Validate ``query`` against the fixture's API schema and plan it."""
    sg = supergraph(name)
    document = parse(query)
    errors = validate(sg.api_schema, document)
    assert not errors, errors
    return plan_operation(sg, document, operation_name)


@pytest.fixture
def make_plan() -> Callable[..., QueryPlan]:
    """The :func:`plan` helper as a fixture."""
    return plan
