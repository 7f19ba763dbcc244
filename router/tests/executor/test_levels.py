"""Level scheduling with merged entity fetches, against running the plan's tree.

Every federation scenario case runs both ways with in-process mock subgraphs: same response
(data, errors and their paths, key order), and never more subgraph requests.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.executor import execute_operation
from trellis_router.executor.levels import merged_body_prefix
from trellis_router.executor.steps import (
    LevelStep,
    MergedEntityFetch,
    compile_plan,
    merge_parts,
)
from trellis_router.supergraph import load_supergraph
from trellis_router.testing import MockSubgraph

from ..federation.test_scenarios import ordered
from .scenario_runs import InProcessSubgraphs, case_runs, prepare_case


async def test_every_scenario_case_answers_alike_by_levels_and_by_tree() -> None:
    compared = merged = 0
    for run in case_runs():
        prepared = run.prepared
        tree = dataclasses.replace(
            prepared, step=compile_plan(prepared.plan, run.supergraph, merge=False)
        )
        by_levels, level_requests = await run.execute(prepared)
        by_tree, tree_requests = await run.execute(tree)
        assert ordered(by_levels) == ordered(by_tree), run.name
        assert level_requests <= tree_requests, run.name
        compared += 1
        merged += isinstance(prepared.step, LevelStep)
    assert compared > 100
    assert merged > 0


SUBGRAPHS = {
    "shop": """
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
        type Query { orders: [Order!]! }
        type Order @key(fields: "id") { id: ID! buyer: User! seller: User! }
        type User @key(fields: "id", resolvable: false) { id: ID! }
    """,
    "people": """
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
        type User @key(fields: "id") { id: ID! name: String! }
    """,
}
DATA = {
    "shop": {"Query": {"orders": [{"id": "o1", "buyer": {"id": "u1"}, "seller": {"id": "u2"}}]}},
    "people": {"User": [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Alan"}]},
}


async def test_two_entity_fetches_to_one_subgraph_travel_in_one_request() -> None:
    definitions = [SubgraphDefinition(n, f"http://{n}.invalid/", s) for n, s in SUBGRAPHS.items()]
    result = compose(definitions)
    assert result.ok and result.supergraph_sdl is not None, result.errors
    supergraph = load_supergraph(result.supergraph_sdl)
    query = "{ orders { id buyer { name } seller { name } } }"
    prepared = prepare_case(supergraph, query, None)
    assert prepared is not None
    plan_fetches = len(prepared.plan.fetch_nodes())
    mocks = [MockSubgraph(name, sdl, DATA[name]) for name, sdl in SUBGRAPHS.items()]
    answer = await execute_operation(
        prepared,
        client=InProcessSubgraphs(mocks),
        routing_url=lambda name: f"http://{name}.invalid/",
        variables={},
    )
    assert answer == {
        "data": {"orders": [{"id": "o1", "buyer": {"name": "Ada"}, "seller": {"name": "Alan"}}]}
    }
    people = mocks[1]
    assert plan_fetches == 3  # buyer and seller: two fetches to people, merged
    assert isinstance(prepared.step, LevelStep)
    assert len(people.requests) == 1
    sent = people.requests[0]
    assert "_0:_entities(representations:$representations0)" in sent.query
    assert "_1:_entities(representations:$representations1)" in sent.query


async def test_errors_of_a_merged_request_keep_their_entity_paths() -> None:
    definitions = [SubgraphDefinition(n, f"http://{n}.invalid/", s) for n, s in SUBGRAPHS.items()]
    result = compose(definitions)
    assert result.supergraph_sdl is not None
    supergraph = load_supergraph(result.supergraph_sdl)
    prepared = prepare_case(supergraph, "{ orders { buyer { name } seller { name } } }", None)
    assert prepared is not None
    assert isinstance(prepared.step, LevelStep)
    merged = next(
        m for level in prepared.step.levels for m in level if isinstance(m, MergedEntityFetch)
    )

    class Failing:
        """Answers the merged people request with an error on the second field's entity."""

        async def fetch(self, name: str, url: str, body: bytes, headers: Any) -> dict[str, Any]:
            request = orjson.loads(body)
            if name == "shop":
                buyer = {"__typename": "User", "id": "u1"}
                seller = {"__typename": "User", "id": "u2"}
                return {"data": {"orders": [{"buyer": buyer, "seller": seller}]}}
            assert request["operationName"] == merged.operation_name
            return {
                "data": {"_0": [{"name": "Ada"}], "_1": [None]},
                "errors": [{"message": "no seller", "path": ["_1", 0, "name"]}],
            }

    answer = await execute_operation(
        prepared,
        client=Failing(),  # type: ignore[arg-type]
        routing_url=lambda name: f"http://{name}.invalid/",
        variables={},
    )
    assert "errors" in answer, answer
    assert answer["errors"][0]["message"] == "no seller"
    assert answer["errors"][0]["path"] == ["orders", 0, "seller", "name"]
    # seller is non-null: the null propagates to the order, whose list item is non-null
    assert answer["data"] is None


def test_only_plain_entity_fetch_operations_can_be_merged() -> None:
    plain = merge_parts(
        "query Q($representations:[_Any!]!,$x:Int){_entities(representations:$representations)"
        "{...on User{name(x:$x)}}}"
    )
    assert plain is not None
    assert plain.selection == "{...on User{name(x:$x)}}"
    assert plain.variable_definitions == (("x", "$x:Int"),)
    for operation in (
        "query{me{id}}",
        "query Q($representations:[_Any!]!){e:_entities(representations:$representations){id}}",
        "query Q($representations:[_Any!]!){_entities(representations:$representations)"
        "{...F}} fragment F on User{id}",
        "query Q($representations:[_Any!]!)@x{_entities(representations:$representations){id}}",
        "mutation M($representations:[_Any!]!){_entities(representations:$representations){id}}",
    ):
        assert merge_parts(operation) is None, operation


def test_merged_body_prefixes_name_each_fetch_by_its_position() -> None:
    parts = merge_parts(
        "query Q($representations:[_Any!]!,$x:Int){_entities(representations:$representations)"
        "{...on User{name(x:$x)}}}"
    )
    assert parts is not None
    merged = MergedEntityFetch("people", (), (parts, parts, parts), "Q__merged")
    prefix = merged_body_prefix(merged, (0, 2))
    body = orjson.loads(prefix + b'{"representations0":[],"representations2":[],"x":1}}')
    assert body["operationName"] == "Q__merged"
    assert body["query"] == (
        "query Q__merged($representations0:[_Any!]!,$representations2:[_Any!]!,$x:Int)"
        "{_0:_entities(representations:$representations0){...on User{name(x:$x)}} "
        "_2:_entities(representations:$representations2){...on User{name(x:$x)}}}"
    )
    assert merged_body_prefix(merged, (0, 2)) is prefix
