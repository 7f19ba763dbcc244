"""Read fields of the inventory subgraph: paging, search, stock filters, batch look-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import FastAPI
from trellis_subgraph import DemoCatalogue, encode_cursor
from trellis_subgraph.testing import count_statements

PAGE = """
query ($first: Int, $after: String, $search: String, $inStock: Boolean) {
  products(first: $first, after: $after, search: $search, inStock: $inStock) {
    totalCount
    edges { cursor node { id } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def page(gql: Any, **variables: Any) -> dict[str, Any]:
    connection: dict[str, Any] = (await gql.data(PAGE, variables))["products"]
    return connection


def ids(connection: dict[str, Any]) -> list[str]:
    return [node["id"] for node in connection["nodes"]]


async def test_products_pages_follow_cursors_by_id(gql) -> None:
    first = await page(gql, first=6)
    assert ids(first) == ["1", "2", "3", "4", "5", "6"]
    assert [edge["node"]["id"] for edge in first["edges"]] == ids(first)
    assert first["edges"][0]["cursor"] == encode_cursor(1)
    assert first["totalCount"] == 16
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": encode_cursor(1),
        "endCursor": encode_cursor(6),
    }
    second = await page(gql, first=6, after=first["pageInfo"]["endCursor"])
    assert ids(second) == ["7", "8", "9", "10", "11", "12"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    last = await page(gql, first=6, after=second["pageInfo"]["endCursor"])
    assert ids(last) == ["13", "14", "15", "16"]
    assert last["pageInfo"]["hasNextPage"] is False
    assert last["totalCount"] == 16
    everything = await page(gql)
    assert ids(everything) == [str(i) for i in range(1, 17)]


async def test_products_page_arguments_are_validated(gql) -> None:
    error = await gql.error(PAGE, {"first": 0})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "first", "message": "must be between 1 and 100"}
    ]
    error = await gql.error(PAGE, {"first": 101})
    assert error["extensions"]["fields"][0]["field"] == "first"
    error = await gql.error(PAGE, {"after": "not-a-cursor"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"][0]["field"] == "after"


async def test_search_matches_sku_or_name_case_insensitively(gql) -> None:
    panels = await page(gql, search="  PANEL ")
    assert ids(panels) == ["1", "2"]
    assert panels["totalCount"] == 2
    by_sku = await page(gql, search="trl-0001", first=3)
    assert ids(by_sku) == ["10", "11", "12"]
    assert by_sku["totalCount"] == 7
    assert by_sku["pageInfo"]["hasNextPage"] is True
    rest = await page(gql, search="trl-0001", after=by_sku["pageInfo"]["endCursor"])
    assert ids(rest) == ["13", "14", "15", "16"]
    assert ids(await page(gql, search="garden")) == ["3", "11"]
    assert (await page(gql, search="no such thing"))["totalCount"] == 0


async def test_search_treats_like_wildcards_literally(gql) -> None:
    underscored = await gql.create_product("UNDER_SCORE", stock=1)
    percent = await gql.create_product("PCT-1", name="100% cotton twine")
    assert ids(await page(gql, search="_")) == [underscored]
    assert ids(await page(gql, search="%")) == [percent]
    assert ids(await page(gql, search="")) == [str(i) for i in range(1, 19)]


async def test_in_stock_filters_on_available_units(gql, catalogue: DemoCatalogue) -> None:
    empty = await gql.create_product("EMPTY-1", stock=0)
    body = await gql.reserve("all-of-15", [("15", 15)], fields="id")  # product 15 has 15 units
    assert "errors" not in body, body
    in_stock = await page(gql, inStock=True, first=100)
    expected = [str(p.id) for p in catalogue.products if p.stock > 0 and p.id != 15]
    assert ids(in_stock) == expected
    assert in_stock["totalCount"] == len(expected)
    out = await page(gql, inStock=False)
    assert ids(out) == ["15", empty]
    assert out["totalCount"] == 2
    assert ids(await page(gql, inStock=False, search="empty")) == [empty]


async def test_product_by_id(gql, catalogue: DemoCatalogue) -> None:
    demo = catalogue.products[3]
    product = await gql.product("4")
    assert {k: product[k] for k in ("id", "sku", "name", "description", "price")} == {
        "id": "4",
        "sku": demo.sku,
        "name": demo.name,
        "description": demo.description,
        "price": {"amount": demo.price, "currency": "USD"},
    }
    assert (product["stock"], product["reserved"], product["available"]) == (
        demo.stock,
        0,
        demo.stock,
    )
    for stamp in ("createdAt", "updatedAt"):
        assert datetime.fromisoformat(product[stamp]).utcoffset() is not None
    assert (await gql.data('{ product(id: "999") { id } }'))["product"] is None
    error = await gql.error('{ product(id: "x1") { id } }')
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "id", "message": "is not a valid id"}],
    }


async def test_products_by_ids_keeps_order_and_nulls_in_one_query(
    app: FastAPI, gql, catalogue: DemoCatalogue
) -> None:
    query = "query ($ids: [ID!]!) { productsByIds(ids: $ids) { id sku price { amount } } }"
    wanted = ["7", "404", "1", "7", "16"]
    with count_statements(app.state.database.engine) as log:
        data = await gql.data(query, {"ids": wanted})
    products = {str(p.id): p for p in catalogue.products}
    assert data["productsByIds"] == [
        None
        if i == "404"
        else {"id": i, "sku": products[i].sku, "price": {"amount": products[i].price}}
        for i in wanted
    ]
    assert log.count == 1, log.statements
    assert (await gql.data(query, {"ids": []}))["productsByIds"] == []
    error = await gql.error(query, {"ids": ["1", "one", "2", "-3"]})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "ids.1", "message": "is not a valid id"},
        {"field": "ids.3", "message": "is not a valid id"},
    ]


async def test_low_stock_products_by_available_then_id(gql, catalogue: DemoCatalogue) -> None:
    query = "query ($t: Int!, $first: Int) { lowStockProducts(threshold: $t, first: $first) { id available } }"
    low = sorted((p.stock, p.id) for p in catalogue.products if p.stock <= 80)
    data = await gql.data(query, {"t": 80})
    assert data["lowStockProducts"] == [{"id": str(i), "available": s} for s, i in low]
    assert [p["id"] for p in data["lowStockProducts"]] == ["15", "12", "1", "14", "10"]
    # Reserving lowers availability: product 1 (51 units) drops below product 15 (15 units).
    assert "errors" not in await gql.reserve("low-1", [("1", 45)], fields="id")
    data = await gql.data(query, {"t": 80, "first": 3})
    assert data["lowStockProducts"] == [
        {"id": "1", "available": 6},
        {"id": "15", "available": 15},
        {"id": "12", "available": 34},
    ]
    default = await gql.data("{ lowStockProducts { id available } }")  # threshold 10
    assert default["lowStockProducts"] == [{"id": "1", "available": 6}]
    error = await gql.error(query, {"t": 10, "first": 0})
    assert error["extensions"]["fields"] == [
        {"field": "first", "message": "must be between 1 and 100"}
    ]
    error = await gql.error(query, {"t": -1})
    assert error["extensions"]["fields"] == [
        {"field": "threshold", "message": "must be at least 0"}
    ]


async def test_reservation_by_reference(gql) -> None:
    query = "query ($r: String!) { reservation(reference: $r) { reference status items { quantity product { id } } } }"
    assert (await gql.data(query, {"r": "unknown"}))["reservation"] is None
    assert "errors" not in await gql.reserve("order-7", [("2", 3), ("5", 1)], fields="id")
    assert (await gql.data(query, {"r": "order-7"}))["reservation"] == {
        "reference": "order-7",
        "status": "HELD",
        "items": [
            {"quantity": 3, "product": {"id": "2"}},
            {"quantity": 1, "product": {"id": "5"}},
        ],
    }


async def test_stock_movements_newest_first_with_a_limit(gql) -> None:
    product_id = await gql.create_product("MOVES-1", stock=5)
    for delta in (3, -2, 10):
        await gql.data(
            'mutation ($p: ID!, $d: Int!) { adjustStock(productId: $p, delta: $d, reason: "count") { id } }',
            {"p": product_id, "d": delta},
        )
    query = "query ($id: ID!, $first: Int) { product(id: $id) { stockMovements(first: $first) { delta stockAfter reason } } }"
    movements = (await gql.data(query, {"id": product_id, "first": None}))["product"][
        "stockMovements"
    ]
    assert movements == [
        {"delta": 10, "stockAfter": 16, "reason": "count"},
        {"delta": -2, "stockAfter": 6, "reason": "count"},
        {"delta": 3, "stockAfter": 8, "reason": "count"},
        {"delta": 5, "stockAfter": 5, "reason": "initial stock"},
    ]
    two = (await gql.data(query, {"id": product_id, "first": 2}))["product"]["stockMovements"]
    assert two == movements[:2]
    error = await gql.error(query, {"id": product_id, "first": 0})
    assert error["extensions"]["fields"] == [
        {"field": "first", "message": "must be between 1 and 100"}
    ]


async def test_stock_movements_of_a_page_with_different_limits_cost_one_query(
    app: FastAPI, gql
) -> None:
    query = """{
      products(first: 4) {
        nodes { id one: stockMovements(first: 1) { delta } all: stockMovements { delta } }
      }
    }"""
    with count_statements(app.state.database.engine) as log:
        data = await gql.data(query)
    assert [len(n["one"]) + len(n["all"]) for n in data["products"]["nodes"]] == [2, 2, 2, 2]
    assert log.count == 3, log.statements  # page, count, movements
