"""Pipeline stages: parse, validate, operation selection, variables, plan cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import DocumentNode
from trellis_router.pipeline import RequestError
from trellis_router.pipeline.operation import select_operation
from trellis_router.pipeline.parse import parse_query
from trellis_router.pipeline.plan import prepared_operation
from trellis_router.pipeline.validate import validate_document
from trellis_router.pipeline.variables import coerce_variables
from trellis_router.planner.plan import QueryPlan
from trellis_router.state import RouterState
from trellis_router.supergraph import Supergraph, load_supergraph

SDL = (Path(__file__).parents[1] / "http" / "shop.supergraph.graphql").read_text()


@pytest.fixture
def state() -> RouterState:
    return RouterState.build(load_supergraph(SDL), cache_size=2)


def test_parse_is_cached_and_reports_syntax_errors():
    assert parse_query("{ me { id } }") is parse_query("{ me { id } }")
    with pytest.raises(RequestError) as caught:
        parse_query("{ me {")
    assert caught.value.code == "GRAPHQL_PARSE_FAILED"
    assert caught.value.status == 400
    assert caught.value.errors[0]["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


def test_validation_is_cached_per_state(state):
    query = "{ me { nope } }"
    for _ in range(2):
        with pytest.raises(RequestError) as caught:
            validate_document(state, query, parse_query(query))
        assert caught.value.code == "GRAPHQL_VALIDATION_FAILED"
    assert len(state.caches.validation) == 1
    validate_document(state, "{ me { id } }", parse_query("{ me { id } }"))


def test_operation_selection():
    document = parse_query("query A { me { id } } query B { me { name } }")
    assert select_operation(document, "B").name.value == "B"  # type: ignore[union-attr]
    with pytest.raises(RequestError, match="multiple operations") as caught:
        select_operation(document, None)
    assert caught.value.code == "BAD_REQUEST"
    with pytest.raises(RequestError) as caught:
        select_operation(document, "C")
    assert caught.value.code == "GRAPHQL_VALIDATION_FAILED"


def test_variable_coercion(state):
    operation = select_operation(
        parse_query('query($id: ID!, $n: String = "x") { user(id: $id) { id } }'), None
    )
    schema = state.supergraph.api_schema
    assert coerce_variables(schema, operation, {"id": 7}) == {"id": "7", "n": "x"}
    with pytest.raises(RequestError) as caught:
        coerce_variables(schema, operation, {"id": [1]})
    assert caught.value.code == "BAD_USER_INPUT"


def test_plan_cache_keyed_by_operation_text_and_name(state):
    calls: list[str | None] = []

    def planner(
        supergraph: Supergraph, document: DocumentNode, name: str | None, labels: frozenset[str]
    ) -> QueryPlan:
        calls.append(name)
        return QueryPlan(node=None)

    query = "query A { __typename } query B { __typename }"
    document = parse_query(query)
    for name in ("A", "A", "B"):
        prepared = prepared_operation(
            state, query, document, select_operation(document, name), name, planner
        )
        assert prepared.plan == QueryPlan(node=None)
    assert calls == ["A", "B"]


def test_planning_failure_is_a_request_error(state):
    from trellis_router.planner.errors import PlanningError

    def planner(
        supergraph: Supergraph, document: DocumentNode, name: str | None, labels: frozenset[str]
    ) -> QueryPlan:
        raise PlanningError("cannot plan")

    document = parse_query("{ me { id } }")
    with pytest.raises(RequestError) as caught:
        prepared_operation(
            state, "{ me { id } }", document, select_operation(document, None), None, planner
        )
    assert (caught.value.code, caught.value.status) == ("QUERY_PLANNING_FAILED", 500)
