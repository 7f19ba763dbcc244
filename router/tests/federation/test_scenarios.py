"""Every federation scenario case through our router, compared with Apollo Gateway's answer.

Recorded answers come from ``dev/oracle/record.py``; see ``README.md`` beside this file.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, print_ast
from graphql.language import DocumentNode
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.planner import QueryPlan, plan_operation
from trellis_router.supergraph import load_supergraph
from trellis_router.testing import serve_mock_subgraphs
from trellis_router.testing.scenario import Scenario, placeholder_url

from .conftest import all_scenarios, router_client

SCENARIOS = all_scenarios()


def _case_params() -> list[Any]:
    params = []
    for scenario in SCENARIOS:
        for case in scenario.cases:
            marks = (
                [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
            )
            params.append(
                pytest.param(scenario, case, id=f"{scenario.name}/{case['name']}", marks=marks)
            )
    return params


def _composition_params() -> list[Any]:
    return [
        pytest.param(
            scenario,
            id=scenario.name,
            marks=[pytest.mark.xfail(reason=scenario.composition_xfail, strict=True)]
            if scenario.composition_xfail
            else [],
        )
        for scenario in SCENARIOS
    ]


def ordered(value: Any) -> Any:
    """A comparable form of JSON that keeps object key order (dicts compare unordered)."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def count_fetches(node: dict[str, Any] | None) -> int:
    """Fetch nodes in a plan node of Apollo's JSON form."""
    if not node:
        return 0
    kind = node.get("kind")
    if kind == "Fetch":
        return 1
    children = [node.get("node"), node.get("ifClause"), node.get("elseClause")]
    children += node.get("nodes") or []
    return sum(count_fetches(child) for child in children if child)


def error_paths(errors: list[dict[str, Any]] | None) -> list[str]:
    return sorted(repr(error.get("path")) for error in errors or [])


@pytest.mark.parametrize(("scenario", "case"), _case_params())
async def test_case_matches_apollo(scenario: Scenario, case: dict[str, Any]) -> None:
    assert scenario.supergraph_sdl is not None, "record the scenario with dev/oracle/record.py"
    router_answer = case.get("apollo_router")
    assert "expected" in case or router_answer, "record the scenario with dev/oracle/record.py"
    expected = case.get("expected") or {}
    mocks = scenario.mocks()
    async with (
        serve_mock_subgraphs(mocks) as urls,
        router_client(scenario.supergraph_sdl, urls) as router,
    ):
        body = {"query": case["query"]}
        if case.get("variables") is not None:
            body["variables"] = case["variables"]
        if case.get("operationName") is not None:
            body["operationName"] = case["operationName"]
        response = await router.post(
            "/graphql",
            json=body,
            headers={"apollo-expose-query-plan": "true", "accept": "application/json"},
        )
    answer = response.json()
    plan = (answer.get("extensions") or {}).get("apolloQueryPlan") or {}
    if router_answer:
        # Where Apollo Router answers differently from Apollo Gateway (the oracle), the case
        # carries Apollo Router's answer, written by hand with the reason.
        expected_data = router_answer.get("data", expected.get("data"))
        assert ordered(answer.get("data")) == ordered(expected_data), plan.get("text")
        assert ("errors" in answer) == router_answer["errors"], answer.get("errors")
    else:
        assert ordered(answer.get("data")) == ordered(expected.get("data")), plan.get("text")
        assert ("errors" in answer) == ("errors" in expected), answer.get("errors")
        assert error_paths(answer.get("errors")) == error_paths(expected.get("errors"))
    made = sum(len(mock.requests) for mock in mocks)
    if plan.get("object"):
        made = count_fetches(plan["object"].get("node"))
    fetches = (router_answer or {}).get(
        "fetches", None if router_answer else case.get("apollo_fetches")
    )
    if fetches is not None:
        assert made <= fetches, plan.get("text")


def _normalised(sdl: str) -> str:
    document = parse(sdl)
    definitions = sorted(document.definitions, key=lambda node: (node.kind, _name(node)))
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def _name(node: Any) -> str:
    name = getattr(node, "name", None)
    return name.value if name is not None else ""


@pytest.mark.parametrize("scenario", _composition_params())
def test_our_composition_matches_apollo(scenario: Scenario) -> None:
    assert scenario.supergraph_sdl is not None, "record the scenario with dev/oracle/record.py"
    definitions = [
        SubgraphDefinition(name, placeholder_url(name), sdl)
        for name, sdl in scenario.subgraphs.items()
    ]
    result = compose(definitions)
    assert result.ok, [f"{error.code}: {error.message}" for error in result.errors]
    assert result.supergraph_sdl is not None
    if result.supergraph_sdl.strip() == scenario.supergraph_sdl.strip():
        return
    assert _normalised(result.supergraph_sdl) == _normalised(scenario.supergraph_sdl)


def _plan_params() -> list[Any]:
    return [
        pytest.param(scenario, case, id=f"{scenario.name}/{case['name']}")
        for scenario in SCENARIOS
        for case in scenario.cases
        if "trellis_plan" in case
    ]


@pytest.mark.parametrize(("scenario", "case"), _plan_params())
def test_plan_matches_snapshot(scenario: Scenario, case: dict[str, Any]) -> None:
    """Our plan (text) is the reviewed snapshot (``dev/snapshot_plans.py`` rewrites them), and
    its JSON form (Apollo's shape) reads back to the same plan."""
    assert scenario.supergraph_sdl is not None
    supergraph = load_supergraph(scenario.supergraph_sdl)
    plan = plan_operation(supergraph, parse(case["query"]), case.get("operationName"))
    text = plan.to_text() if plan.node is not None else "QueryPlan {}"
    assert text.strip() == case["trellis_plan"].strip()
    assert QueryPlan.from_json(plan.to_json()).to_json() == plan.to_json()
