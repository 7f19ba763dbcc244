"""The compiled (fast) response shaper against the general one.

Every federation scenario case is executed with in-process mock subgraphs twice: with the
operation's compiled shaper and with the general shaper alone; the responses must be identical
(key order included). Hand-made data then checks that each problem the general shaper reports
makes the compiled one fall back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from graphql import OperationDefinitionNode, parse, validate
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.executor import execute_operation
from trellis_router.executor.compiled_shape import ShapeFallback, compile_shaper
from trellis_router.executor.operation import PreparedOperation, prepare_operation
from trellis_router.planner import plan_operation
from trellis_router.supergraph import Supergraph, load_supergraph
from trellis_router.testing import MockSubgraph

from ..federation.conftest import all_scenarios


class InProcessSubgraphs:
    """A subgraph client answering from :class:`MockSubgraph` s in process."""

    def __init__(self, mocks: list[MockSubgraph]) -> None:
        self.mocks = {mock.name: mock for mock in mocks}

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        request = orjson.loads(body)
        answer = self.mocks[subgraph_name].execute(
            request["query"], request.get("variables"), request.get("operationName")
        )
        # a copy, as the real client decodes a fresh answer for every request
        decoded: dict[str, Any] = orjson.loads(orjson.dumps(answer))
        return decoded


def _prepare(supergraph: Supergraph, query: str, name: str | None) -> PreparedOperation | None:
    document = parse(query)
    if validate(supergraph.api_schema, document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (o for o in operations if name is None or (o.name and o.name.value == name)), None
    )
    if operation is None:
        return None
    plan = plan_operation(supergraph, document, name)
    return prepare_operation(supergraph, document, operation, plan)


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


async def test_every_scenario_case_shapes_alike_with_the_compiled_shaper() -> None:
    compared = fast_used = 0
    for scenario in all_scenarios():
        if scenario.supergraph_sdl is None:
            continue
        supergraph = load_supergraph(scenario.supergraph_sdl)
        for case in scenario.cases:
            prepared = _prepare(supergraph, case["query"], case.get("operationName"))
            if prepared is None or prepared.operation_kind != "query":
                continue
            variables = case.get("variables") or {}
            answers = []
            for variant in (prepared, dataclasses.replace(prepared, fast_shaper=None)):
                answers.append(
                    await execute_operation(
                        variant,
                        client=InProcessSubgraphs(scenario.mocks()),
                        routing_url=lambda name: f"http://{name}.invalid/",
                        variables=variables,
                    )
                )
            fast, general = answers
            assert _ordered(fast) == _ordered(general), f"{scenario.name}/{case['name']}"
            compared += 1
            if prepared.fast_shaper is not None and "valueCompletion" not in str(general):
                fast_used += 1
    assert compared > 100
    assert fast_used > compared // 2


SUBGRAPHS = {
    "a": """
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
        type Query { things: [Thing] strict: [Thing!]! node: Node level: Level matrix: [[Int!]] }
        interface Node { id: ID! }
        type Thing implements Node @key(fields: "id") { id: ID! name: String! tags: [String!] }
        type Other implements Node { id: ID! size: Int }
        enum Level { LOW HIGH }
    """,
}
QUERY = """
    { things { __typename id name tags } strict { id name }
      node { __typename id ... on Thing { name } ... on Other { size } }
      level matrix }
"""


@pytest.fixture(scope="module")
def prepared() -> PreparedOperation:
    definitions = [
        SubgraphDefinition(n, f"http://{n}.invalid/", sdl) for n, sdl in SUBGRAPHS.items()
    ]
    result = compose(definitions)
    assert result.ok and result.supergraph_sdl is not None, result.errors
    found = _prepare(load_supergraph(result.supergraph_sdl), QUERY, None)
    assert found is not None and found.fast_shaper is not None
    return found


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "things": [{"__typename": "Thing", "id": "1", "name": "one", "tags": ["x"]}, None],
        "strict": [{"id": "2", "name": "two"}],
        "node": {"__typename": "Other", "id": "3", "size": 4},
        "level": "LOW",
        "matrix": [[1, 2], None],
    }
    data.update(changes)
    return data


def test_the_compiled_shaper_keeps_the_client_order_and_type_conditions(
    prepared: PreparedOperation,
) -> None:
    assert prepared.fast_shaper is not None
    shaped = prepared.fast_shaper(_data())
    assert list(shaped) == ["things", "strict", "node", "level", "matrix"]
    assert shaped["node"] == {"__typename": "Other", "id": "3", "size": 4}
    assert shaped["things"] == [
        {"__typename": "Thing", "id": "1", "name": "one", "tags": ["x"]},
        None,
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"strict": [None]},  # a null item in a non-null list
        {"strict": [{"id": "2", "name": None}]},  # a null non-null leaf
        {"strict": None},  # a null non-null field
        {"things": {"id": "1"}},  # an object where a list is expected
        {"level": "MEDIUM"},  # a value the enum does not have
        {"node": {"__typename": "Unknown", "id": "3"}},  # a type the selection does not know
        {"things": [{"__typename": "Thing", "id": "1", "name": "one", "tags": [None]}]},
        {"matrix": [[1, None]]},
    ],
)
def test_the_compiled_shaper_falls_back_on_what_the_general_one_reports(
    prepared: PreparedOperation, changes: dict[str, Any]
) -> None:
    assert prepared.fast_shaper is not None
    with pytest.raises(ShapeFallback):
        prepared.fast_shaper(_data(**changes))


def test_operations_with_variable_conditions_are_not_compiled(
    prepared: PreparedOperation,
) -> None:
    definitions = [
        SubgraphDefinition(n, f"http://{n}.invalid/", sdl) for n, sdl in SUBGRAPHS.items()
    ]
    result = compose(definitions)
    assert result.supergraph_sdl is not None
    supergraph = load_supergraph(result.supergraph_sdl)
    conditional = _prepare(
        supergraph, "query($on: Boolean!) { things { id @include(if: $on) name } }", None
    )
    assert conditional is not None and conditional.fast_shaper is None
    assert compile_shaper(conditional.shape) is None
    literal = _prepare(supergraph, "{ things { id @include(if: false) name } }", None)
    assert literal is not None and literal.fast_shaper is not None
    assert literal.fast_shaper({"things": [{"id": "1", "name": "n"}]}) == {
        "things": [{"name": "n"}]
    }
