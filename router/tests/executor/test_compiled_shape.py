"""The compiled (fast) response shaper against the general one.

Every federation scenario case is executed with in-process mock subgraphs twice: with the
operation's compiled shaper and with the general shaper alone; the responses must be identical
(key order included). Hand-made data then checks that each problem the general shaper reports
makes the compiled one fall back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.executor.compiled_shape import ShapeFallback, compile_shaper
from trellis_router.executor.operation import PreparedOperation
from trellis_router.supergraph import load_supergraph

from ..federation.test_scenarios import ordered
from .scenario_runs import case_runs, prepare_case


async def test_every_scenario_case_shapes_alike_with_the_compiled_shaper() -> None:
    compared = fast_used = 0
    for run in case_runs():
        prepared = run.prepared
        if prepared.operation_kind != "query":
            continue
        fast, _ = await run.execute(prepared)
        general, _ = await run.execute(dataclasses.replace(prepared, fast_shaper=None))
        assert ordered(fast) == ordered(general), run.name
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
    found = prepare_case(load_supergraph(result.supergraph_sdl), QUERY, None)
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
    conditional = prepare_case(
        supergraph, "query($on: Boolean!) { things { id @include(if: $on) name } }", None
    )
    assert conditional is not None and conditional.fast_shaper is None
    assert compile_shaper(conditional.shape) is None
    literal = prepare_case(supergraph, "{ things { id @include(if: false) name } }", None)
    assert literal is not None and literal.fast_shaper is not None
    assert literal.fast_shaper({"things": [{"id": "1", "name": "n"}]}) == {
        "things": [{"name": "n"}]
    }
