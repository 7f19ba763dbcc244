"""The data-described mock subgraph: schema building, resolution, planner-bug errors, HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import yaml
from trellis_router.testing import MockSubgraph, serve_mock_subgraphs
from trellis_router.testing.scenario import dump_cases, load_scenario

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: {imports})\n'


def fed2(sdl: str, imports: str = '["@key", "@external", "@requires", "@provides"]') -> str:
    return FED2.format(imports=imports) + sdl


PRODUCTS = fed2(
    """
    type Query { products: [Product!]! product(id: ID!, limit: Int = 3): Product node: Node }
    interface Node { id: ID! }
    type Product implements Node @key(fields: "id") @key(fields: "sku region { code }") {
      id: ID! sku: String! region: Region! name: String
      weight: Int @external
      shipping: Int @requires(fields: "weight")
    }
    type Region { code: String! }
    type Review { author: User @provides(fields: "name") }
    type User @key(fields: "id") { id: ID! name: String @external age: Int @external }
    extend type Query { reviews: [Review] }
    """
)
DATA = {
    "Query": {
        "products": [{"id": "1", "name": "Table"}],
        "product": {"$byArgs": [{"args": {"id": "1"}, "value": {"id": "1", "name": "Table"}}]},
        "node": {"__typename": "Product", "id": "1"},
        "reviews": [{"author": {"id": "u1", "name": "Ada", "age": 36}}],
    },
    "Product": [
        {"id": "1", "sku": "T", "region": {"code": "EU"}, "name": "Table", "shipping": 9},
        {"id": "2", "sku": "T", "region": {"code": "US"}, "name": "Table US"},
    ],
}


def entities(mock: MockSubgraph, reps: str, selection: str) -> dict[str, Any]:
    return mock.execute(
        f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ {selection} }} }}",
        {"r": yaml.safe_load(reps)},
    )


def test_entities_by_plain_and_composite_nested_key() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    result = entities(
        mock,
        '[{__typename: Product, sku: T, region: {code: US}}, {__typename: Product, id: "1"},'
        " {__typename: Product, id: '9'}]",
        "... on Product { name }",
    )
    assert result == {"data": {"_entities": [{"name": "Table US"}, {"name": "Table"}, None]}}


def test_representation_missing_a_key_field_is_an_error() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    result = entities(mock, "[{__typename: Product, sku: T}]", "... on Product { name }")
    assert result["data"] == {"_entities": [None]}
    assert "missing @key field(s) id" in result["errors"][0]["message"]
    assert result["errors"][0]["path"] == ["_entities", 0]


def test_requires_fields_must_be_in_the_representation() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    ok = entities(
        mock, '[{__typename: Product, id: "1", weight: 3}]', "... on Product { shipping }"
    )
    assert ok == {"data": {"_entities": [{"shipping": 9}]}}
    bad = entities(mock, '[{__typename: Product, id: "1"}]', "... on Product { shipping }")
    assert "missing @requires field(s) weight of Product.shipping" in bad["errors"][0]["message"]


def test_external_field_selected_without_provides_is_an_error() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    assert mock.execute("{ reviews { author { id name } } }") == {
        "data": {"reviews": [{"author": {"id": "u1", "name": "Ada"}}]}
    }
    result = mock.execute("{ reviews { author { age } } }")
    assert result["errors"][0]["message"] == "external field User.age selected"


def test_by_args_and_abstract_types() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    result = mock.execute(
        '{ a: product(id: "1") { name } b: product(id: "2") { name } '
        "node { __typename ... on Product { name } } }"
    )
    assert result == {
        "data": {"a": {"name": "Table"}, "b": None, "node": {"__typename": "Product", "name": None}}
    }


def test_service_sdl_and_validation_errors_and_recording() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    assert mock.execute("{ _service { sdl } }") == {"data": {"_service": {"sdl": PRODUCTS}}}
    invalid = mock.execute("query Q { nope }", operation_name="Q")
    assert "data" not in invalid
    assert "Cannot query field 'nope'" in invalid["errors"][0]["message"]
    assert [r.operation_name for r in mock.requests] == [None, "Q"]


def test_federation_1_sdl_with_extend_type() -> None:
    sdl = """
    extend type Product @key(fields: "upc") {
      upc: String! @external
      stock: Int
    }
    """
    mock = MockSubgraph("inventory", sdl, {"Product": [{"upc": "u1", "stock": 2}]})
    result = entities(mock, "[{__typename: Product, upc: u1}]", "... on Product { upc stock }")
    assert result == {"data": {"_entities": [{"upc": "u1", "stock": 2}]}}


def test_renamed_and_namespaced_directives() -> None:
    sdl = fed2(
        'type Product @primaryKey(fields: "id") { id: ID! w: Int @federation__external '
        's: Int @federation__requires(fields: "w") }',
        '[{name: "@key", as: "@primaryKey"}]',
    )
    mock = MockSubgraph("p", sdl, {"Product": [{"id": "1", "s": 5}]})
    assert entities(mock, '[{__typename: Product, id: "1", w: 1}]', "... on Product { s }") == {
        "data": {"_entities": [{"s": 5}]}
    }
    missing = entities(mock, '[{__typename: Product, id: "1"}]', "... on Product { s }")
    assert "missing @requires field(s) w" in missing["errors"][0]["message"]


def test_interface_object_representation_uses_the_interface_name() -> None:
    sdl = fed2(
        'type Media @key(fields: "id") @interfaceObject { id: ID! rating: Int }',
        '["@key", "@interfaceObject"]',
    )
    mock = MockSubgraph("ratings", sdl, {"Media": [{"id": "m1", "rating": 4}]})
    result = entities(mock, "[{__typename: Media, id: m1}]", "__typename ... on Media { rating }")
    assert result == {"data": {"_entities": [{"__typename": "Media", "rating": 4}]}}


async def test_served_over_http() -> None:
    mock = MockSubgraph("products", PRODUCTS, DATA)
    async with serve_mock_subgraphs([mock]) as urls, aiohttp.ClientSession() as session:
        assert urls["products"].startswith("http://127.0.0.1:")
        body = {"query": "query P { products { id } }", "operationName": "P"}
        async with session.post(urls["products"], json=body) as response:
            assert response.status == 200
            assert await response.json() == {"data": {"products": [{"id": "1"}]}}
    assert [(r.query, r.operation_name) for r in mock.requests] == [(body["query"], "P")]


def test_scenario_round_trip(tmp_path: Path) -> None:
    (tmp_path / "subgraphs").mkdir()
    (tmp_path / "subgraphs" / "a.graphql").write_text("type Query { a: Int }")
    cases = [
        {"apollo_fetches": 1, "query": "{\n  a\n}\n", "name": "one", "expected": {"data": {"a": 1}}}
    ]
    (tmp_path / "cases.yaml").write_text(dump_cases(cases))
    text = (tmp_path / "cases.yaml").read_text()
    assert "query: |\n    {\n      a\n    }\n" in text
    assert text.index("name:") < text.index("query:") < text.index("expected:")
    scenario = load_scenario(tmp_path)
    assert scenario.cases == cases
    assert scenario.supergraph_sdl is None
    assert scenario.mocks()[0].execute("{ a }") == {"data": {"a": None}}
