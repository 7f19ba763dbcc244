"""Product mutations: create, update, delete, adjust stock; validation and conflicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

CREATE = """
mutation ($input: CreateProductInput!) {
  createProduct(input: $input) {
    id sku name description price { amount currency } stock reserved available
    stockMovements { delta reason stockAfter reference }
  }
}
"""
UPDATE = """
mutation ($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) {
    id sku name description price { amount currency } stock updatedAt
  }
}
"""
DELETE = "mutation ($id: ID!) { deleteProduct(id: $id) }"
ADJUST = """
mutation ($productId: ID!, $delta: Int!, $reason: String!) {
  adjustStock(productId: $productId, delta: $delta, reason: $reason) {
    id stock reserved available stockMovements(first: 3) { delta reason stockAfter reference }
  }
}
"""


def new_product(**overrides: Any) -> dict[str, Any]:
    return {
        "sku": "GATE-01",
        "name": "Garden gate",
        "description": "A gate.",
        "price": {"amount": 12900, "currency": "EUR"},
        "stock": 7,
        **overrides,
    }


async def test_create_product_trims_and_records_the_initial_stock(gql) -> None:
    data = await gql.data(
        CREATE,
        {"input": new_product(sku=" GATE-01 ", name="  Garden gate ", description="  A gate. ")},
    )
    created = data["createProduct"]
    assert created == {
        "id": "17",
        "sku": "GATE-01",
        "name": "Garden gate",
        "description": "A gate.",
        "price": {"amount": 12900, "currency": "EUR"},
        "stock": 7,
        "reserved": 0,
        "available": 7,
        "stockMovements": [
            {"delta": 7, "reason": "initial stock", "stockAfter": 7, "reference": None}
        ],
    }
    assert (await gql.product("17", "sku stock"))["stock"] == 7


async def test_create_product_without_stock_has_no_movement(gql) -> None:
    data = await gql.data(
        CREATE,
        {"input": {"sku": "bare_1", "name": "Bare", "price": {"amount": 0, "currency": "USD"}}},
    )
    created = data["createProduct"]
    assert (created["stock"], created["description"], created["stockMovements"]) == (0, None, [])
    blank = await gql.data(CREATE, {"input": new_product(sku="BLANK", description="   ")})
    assert blank["createProduct"]["description"] is None


async def test_create_product_reports_every_invalid_field(gql) -> None:
    error = await gql.error(
        CREATE,
        {
            "input": {
                "sku": "bad sku!",
                "name": "   ",
                "price": {"amount": -1, "currency": "usd"},
                "stock": -2,
            }
        },
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "input.sku", "message": "may contain only letters, digits, '-' and '_'"},
        {"field": "input.name", "message": "String should have at least 1 character"},
        {"field": "input.price.amount", "message": "Input should be greater than or equal to 0"},
        {
            "field": "input.price.currency",
            "message": "must be an ISO 4217 code of 3 uppercase letters, e.g. USD",
        },
        {"field": "input.stock", "message": "Input should be greater than or equal to 0"},
    ]
    long = await gql.error(CREATE, {"input": new_product(sku="S" * 65, name="n" * 201)})
    assert [f["field"] for f in long["extensions"]["fields"]] == ["input.sku", "input.name"]
    assert (await gql.data("{ products { totalCount } }"))["products"]["totalCount"] == 16


async def test_create_product_with_a_taken_sku_is_a_conflict(gql) -> None:
    error = await gql.error(CREATE, {"input": new_product(sku="TRL-00003")})
    assert error["extensions"] == {"code": "CONFLICT", "sku": "TRL-00003", "productId": "3"}
    assert "TRL-00003" in error["message"]
    assert (await gql.data("{ products { totalCount } }"))["products"]["totalCount"] == 16


async def test_update_product_changes_only_the_given_fields(gql, catalogue) -> None:
    before = await gql.product("6")
    data = await gql.data(
        UPDATE,
        {
            "id": "6",
            "input": {"name": " Clematis, 3 l pot ", "price": {"amount": 1999, "currency": "GBP"}},
        },
    )
    updated = data["updateProduct"]
    assert updated["sku"] == "TRL-00006"
    assert updated["name"] == "Clematis, 3 l pot"
    assert updated["description"] == catalogue.products[5].description
    assert updated["price"] == {"amount": 1999, "currency": "GBP"}
    assert updated["stock"] == before["stock"]
    assert datetime.fromisoformat(updated["updatedAt"]) > datetime.fromisoformat(
        before["updatedAt"]
    )
    cleared = await gql.data(
        UPDATE, {"id": "6", "input": {"description": None, "sku": "TRL-00006"}}
    )
    assert cleared["updateProduct"]["description"] is None
    assert cleared["updateProduct"]["name"] == "Clematis, 3 l pot"
    renamed = await gql.data(UPDATE, {"id": "6", "input": {"sku": "CLEM-3L"}})
    assert renamed["updateProduct"]["sku"] == "CLEM-3L"
    unchanged = await gql.data(UPDATE, {"id": "6", "input": {}})
    assert unchanged["updateProduct"]["sku"] == "CLEM-3L"


async def test_update_product_errors(gql) -> None:
    error = await gql.error(
        UPDATE, {"id": "6", "input": {"sku": None, "name": None, "price": None}}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    message = "must not be null (leave the field out to keep it unchanged)"
    assert error["extensions"]["fields"] == [
        {"field": "input.sku", "message": message},
        {"field": "input.name", "message": message},
        {"field": "input.price", "message": message},
    ]
    error = await gql.error(
        UPDATE, {"id": "6", "input": {"price": {"amount": 5, "currency": "EURO"}}}
    )
    assert [f["field"] for f in error["extensions"]["fields"]] == ["input.price.currency"]
    error = await gql.error(UPDATE, {"id": "6", "input": {"sku": "TRL-00007"}})
    assert error["extensions"] == {"code": "CONFLICT", "sku": "TRL-00007", "productId": "7"}
    error = await gql.error(UPDATE, {"id": "404", "input": {"name": "x"}})
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Product", "id": "404"}
    error = await gql.error(UPDATE, {"id": "404", "input": {}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await gql.error(UPDATE, {"id": "six", "input": {"name": "x"}})
    assert error["extensions"]["fields"] == [{"field": "id", "message": "is not a valid id"}]
    assert (await gql.product("6", "sku name"))["sku"] == "TRL-00006"


async def test_delete_product_removes_it_with_its_movements(app: FastAPI, gql) -> None:
    product_id = await gql.create_product("DOOMED", stock=4)
    await gql.data(ADJUST, {"productId": product_id, "delta": 2, "reason": "delivery"})
    assert (await gql.data(DELETE, {"id": product_id}))["deleteProduct"] == product_id
    assert (await gql.data('{ product(id: "17") { id } }'))["product"] is None
    async with app.state.database.engine.connect() as connection:
        left = await connection.scalar(
            text("SELECT count(*) FROM stock_movements WHERE product_id = :p"),
            {"p": int(product_id)},
        )
    assert left == 0
    error = await gql.error(DELETE, {"id": product_id})
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Product", "id": product_id}
    error = await gql.error(DELETE, {"id": "x"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_delete_product_is_refused_while_a_held_reservation_includes_it(gql) -> None:
    assert "errors" not in await gql.reserve("hold-a", [("4", 2), ("5", 1)], fields="id")
    assert "errors" not in await gql.reserve("hold-b", [("4", 3)], fields="id")
    error = await gql.error(DELETE, {"id": "4"})
    assert error["extensions"] == {
        "code": "CONFLICT",
        "reserved": 5,
        "reservations": ["hold-a", "hold-b"],
    }
    assert (await gql.product("4", "id reserved"))["reserved"] == 5
    for reference in ("hold-a", "hold-b"):
        assert "errors" not in await gql.settle("releaseStock", reference, fields="id")
    assert (await gql.data(DELETE, {"id": "4"}))["deleteProduct"] == "4"
    # Released reservations keep their other items; the deleted product's items go with it.
    released = await gql.data(
        '{ reservation(reference: "hold-a") { status items { quantity product { id } } } }'
    )
    assert released["reservation"] == {
        "status": "RELEASED",
        "items": [{"quantity": 1, "product": {"id": "5"}}],
    }


async def test_adjust_stock_records_each_movement(gql, catalogue) -> None:
    start = catalogue.products[9].stock  # product 10
    data = await gql.data(ADJUST, {"productId": "10", "delta": 20, "reason": " delivery 42 "})
    assert data["adjustStock"]["stock"] == start + 20
    data = await gql.data(ADJUST, {"productId": "10", "delta": -7, "reason": "breakage"})
    assert data["adjustStock"] == {
        "id": "10",
        "stock": start + 13,
        "reserved": 0,
        "available": start + 13,
        "stockMovements": [
            {"delta": -7, "reason": "breakage", "stockAfter": start + 13, "reference": None},
            {"delta": 20, "reason": "delivery 42", "stockAfter": start + 20, "reference": None},
            {"delta": start, "reason": "initial stock", "stockAfter": start, "reference": None},
        ],
    }


async def test_adjust_stock_cannot_leave_fewer_units_than_reserved(gql, catalogue) -> None:
    stock = catalogue.products[11].stock  # product 12: 34 units
    assert "errors" not in await gql.reserve("keep-30", [("12", 30)], fields="id")
    error = await gql.error(ADJUST, {"productId": "12", "delta": -(stock - 29), "reason": "loss"})
    assert error["extensions"] == {
        "code": "CONFLICT",
        "stock": stock,
        "reserved": 30,
        "delta": -(stock - 29),
    }
    assert "would leave fewer units than are reserved" in error["message"]
    data = await gql.data(ADJUST, {"productId": "12", "delta": -(stock - 30), "reason": "loss"})
    assert (data["adjustStock"]["stock"], data["adjustStock"]["available"]) == (30, 0)
    assert len(data["adjustStock"]["stockMovements"]) == 2


async def test_adjust_stock_errors(gql) -> None:
    error = await gql.error(ADJUST, {"productId": "p1", "delta": 0, "reason": "  "})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "productId", "message": "is not a product id"},
        {"field": "delta", "message": "must not be 0"},
        {"field": "reason", "message": "String should have at least 1 character"},
    ]
    error = await gql.error(ADJUST, {"productId": "1", "delta": 5, "reason": "r" * 201})
    assert [f["field"] for f in error["extensions"]["fields"]] == ["reason"]
    error = await gql.error(ADJUST, {"productId": "1", "delta": 1_000_001, "reason": "big"})
    assert [f["field"] for f in error["extensions"]["fields"]] == ["delta"]
    error = await gql.error(ADJUST, {"productId": "404", "delta": 5, "reason": "delivery"})
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Product", "id": "404"}
    movements = (await gql.product("1", "stockMovements { reason }"))["stockMovements"]
    assert movements == [{"reason": "initial stock"}]
