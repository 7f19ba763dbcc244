"""Stock reservations: lifecycle, idempotency per reference, shortages, and concurrency through
a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from trellis_subgraph.testing import free_port, serve

MOVEMENTS = "stock reserved available stockMovements { delta reason stockAfter reference }"


@asynccontextmanager
async def served(app: FastAPI, graphql_helper) -> AsyncIterator[Any]:
    """The app on a real uvicorn server, and a GraphQL helper on an HTTP client of it."""
    async with (
        serve(app, free_port()) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        yield graphql_helper(http)


def reservation(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    value: dict[str, Any] = body["data"][field]
    return value


async def test_reserve_then_release_gives_the_units_back(gql) -> None:
    held = reservation(await gql.reserve("order-1", [("3", 4), ("7", 2), ("3", 1)]), "reserveStock")
    assert held["reference"] == "order-1"
    assert held["status"] == "HELD"
    assert held["createdAt"] == held["updatedAt"]
    assert [(i["product"]["id"], i["quantity"]) for i in held["items"]] == [("3", 5), ("7", 2)]
    assert [i["product"]["reserved"] for i in held["items"]] == [5, 2]
    three = await gql.product("3", "stock reserved available")
    assert three == {"stock": 249, "reserved": 5, "available": 244}

    released = reservation(await gql.settle("releaseStock", "order-1"), "releaseStock")
    assert (released["id"], released["status"]) == (held["id"], "RELEASED")
    assert datetime.fromisoformat(released["updatedAt"]) > datetime.fromisoformat(held["updatedAt"])
    assert [(i["product"]["id"], i["product"]["reserved"]) for i in released["items"]] == [
        ("3", 0),
        ("7", 0),
    ]
    assert await gql.product("3", "stock reserved available") == {
        "stock": 249,
        "reserved": 0,
        "available": 249,
    }

    again = reservation(await gql.settle("releaseStock", "order-1"), "releaseStock")
    assert (again["status"], again["updatedAt"]) == ("RELEASED", released["updatedAt"])
    assert (await gql.product("3", "reserved"))["reserved"] == 0

    error = (await gql.settle("commitReservation", "order-1"))["errors"][0]
    assert error["extensions"] == {"code": "CONFLICT", "status": "RELEASED", "reference": "order-1"}
    assert (await gql.product("3", "stockMovements { reason }"))["stockMovements"] == [
        {"reason": "initial stock"}
    ]


async def test_commit_takes_the_units_out_of_stock_once(gql) -> None:
    reservation(await gql.reserve("order-2", [("9", 3), ("8", 2)]), "reserveStock")
    committed = reservation(await gql.settle("commitReservation", "order-2"), "commitReservation")
    assert committed["status"] == "COMMITTED"
    assert [
        (i["product"]["id"], i["product"]["stock"], i["product"]["reserved"])
        for i in committed["items"]
    ] == [
        ("9", 150, 0),
        ("8", 141, 0),
    ]
    nine = await gql.product("9", MOVEMENTS)
    assert nine == {
        "stock": 150,
        "reserved": 0,
        "available": 150,
        "stockMovements": [
            {"delta": -3, "reason": "order shipped", "stockAfter": 150, "reference": "order-2"},
            {"delta": 153, "reason": "initial stock", "stockAfter": 153, "reference": None},
        ],
    }
    again = reservation(await gql.settle("commitReservation", "order-2"), "commitReservation")
    assert (again["status"], again["updatedAt"]) == ("COMMITTED", committed["updatedAt"])
    assert await gql.product("9", MOVEMENTS) == nine

    error = (await gql.settle("releaseStock", "order-2"))["errors"][0]
    assert error["extensions"] == {
        "code": "CONFLICT",
        "status": "COMMITTED",
        "reference": "order-2",
    }
    assert "COMMITTED" in error["message"]
    assert await gql.product("9", MOVEMENTS) == nine


async def test_reserve_is_idempotent_per_reference_whatever_the_status(gql) -> None:
    first = reservation(await gql.reserve("saga-1", [("2", 2)]), "reserveStock")
    retry = reservation(await gql.reserve("saga-1", [("2", 2)]), "reserveStock")
    assert retry == first
    different = reservation(await gql.reserve(" saga-1 ", [("5", 9), ("6", 1)]), "reserveStock")
    assert (different["id"], different["status"]) == (first["id"], "HELD")
    assert [(i["product"]["id"], i["quantity"]) for i in different["items"]] == [("2", 2)]
    assert (await gql.product("2", "reserved"))["reserved"] == 2
    assert (await gql.product("5", "reserved"))["reserved"] == 0

    reservation(await gql.settle("releaseStock", "saga-1"), "releaseStock")
    after_release = reservation(await gql.reserve("saga-1", [("2", 2)]), "reserveStock")
    assert (after_release["id"], after_release["status"]) == (first["id"], "RELEASED")
    assert (await gql.product("2", "reserved"))["reserved"] == 0


async def test_out_of_stock_lists_every_short_item_and_reserves_nothing(gql) -> None:
    body = await gql.reserve("too-much", [("15", 10), ("1", 52), ("2", 1), ("15", 6)])
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "OUT_OF_STOCK",
        "items": [
            {"productId": "15", "requested": 16, "available": 15},
            {"productId": "1", "requested": 52, "available": 51},
        ],
    }
    for product_id in ("15", "1", "2"):
        assert (await gql.product(product_id, "reserved"))["reserved"] == 0
    assert (await gql.data('{ reservation(reference: "too-much") { id } }'))["reservation"] is None
    # The reference is still free: a smaller retry succeeds.
    ok = reservation(await gql.reserve("too-much", [("15", 15)]), "reserveStock")
    assert ok["items"][0]["product"]["available"] == 0


async def test_unknown_product_is_not_found_and_reserves_nothing(gql) -> None:
    body = await gql.reserve("ghost", [("1", 1), ("404", 1), ("405", 1)])
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "NOT_FOUND",
        "typename": "Product",
        "id": "404",
    }
    assert (await gql.product("1", "reserved"))["reserved"] == 0
    assert (await gql.data('{ reservation(reference: "ghost") { id } }'))["reservation"] is None


async def test_unknown_reference_release_is_null_and_commit_not_found(gql) -> None:
    body = await gql.settle("releaseStock", "nobody")
    assert body == {"data": {"releaseStock": None}}
    error = (await gql.settle("commitReservation", "nobody"))["errors"][0]
    assert error["extensions"] == {
        "code": "NOT_FOUND",
        "typename": "StockReservation",
        "id": "nobody",
    }


async def test_reserve_validates_its_arguments(gql) -> None:
    error = (await gql.reserve("  ", [("1", 0), ("one", 2), ("2", 1001)]))["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "reference", "message": "String should have at least 1 character"},
        {"field": "items.0.quantity", "message": "Input should be greater than or equal to 1"},
        {"field": "items.1.productId", "message": "is not a product id"},
        {"field": "items.2.quantity", "message": "Input should be less than or equal to 1000"},
    ]
    error = (await gql.reserve("r", []))["errors"][0]
    assert [f["field"] for f in error["extensions"]["fields"]] == ["items"]
    error = (await gql.reserve("r", [("1", 1)] * 51))["errors"][0]
    assert [f["field"] for f in error["extensions"]["fields"]] == ["items"]
    error = (await gql.reserve("r" * 201, [("1", 1)]))["errors"][0]
    assert [f["field"] for f in error["extensions"]["fields"]] == ["reference"]
    assert (await gql.product("1", "reserved"))["reserved"] == 0


async def test_fifty_concurrent_reservations_of_ten_units_hold_exactly_ten(
    app: FastAPI, graphql_helper
) -> None:
    async with served(app, graphql_helper) as gql:
        product_id = await gql.create_product("SCARCE", stock=10)
        bodies = await asyncio.gather(
            *(gql.reserve(f"race-{n}", [(product_id, 1)], fields="status") for n in range(50))
        )
        held = [b for b in bodies if "errors" not in b]
        failed = [b["errors"][0]["extensions"] for b in bodies if "errors" in b]
        assert len(held) == 10
        assert all(b["data"]["reserveStock"] == {"status": "HELD"} for b in held)
        assert len(failed) == 40
        assert all(
            e
            == {
                "code": "OUT_OF_STOCK",
                "items": [{"productId": product_id, "requested": 1, "available": 0}],
            }
            for e in failed
        ), failed
        assert await gql.product(product_id, "stock reserved available") == {
            "stock": 10,
            "reserved": 10,
            "available": 0,
        }


async def test_concurrent_duplicates_of_a_reference_reserve_once(
    app: FastAPI, graphql_helper
) -> None:
    async with served(app, graphql_helper) as gql:
        product_id = await gql.create_product("DUPES", stock=100)
        bodies = await asyncio.gather(
            *(gql.reserve("same-saga", [(product_id, 2)], fields="id status") for _ in range(10))
        )
        assert all("errors" not in b for b in bodies), bodies
        assert len({b["data"]["reserveStock"]["id"] for b in bodies}) == 1
        assert await gql.product(product_id, "stock reserved") == {"stock": 100, "reserved": 2}


async def test_concurrent_release_and_commit_change_stock_once(
    app: FastAPI, graphql_helper
) -> None:
    async with served(app, graphql_helper) as gql:
        product_id = await gql.create_product("SETTLE", stock=20)
        for n in range(4):
            reservation(
                await gql.reserve(f"settle-{n}", [(product_id, 2)], fields="id"), "reserveStock"
            )

        # One release and one commit race for each reference: exactly one of them wins.
        calls = [
            gql.settle(mutation, f"settle-{n}", fields="status")
            for n in range(4)
            for mutation in ("releaseStock", "commitReservation")
        ]
        bodies = await asyncio.gather(*calls)
        winners = 0
        commits = 0
        for n in range(4):
            release, commit = bodies[2 * n], bodies[2 * n + 1]
            outcomes = [b for b in (release, commit) if "errors" not in b]
            assert len(outcomes) == 1, (release, commit)
            loser = release if "errors" in release else commit
            assert loser["errors"][0]["extensions"]["code"] == "CONFLICT"
            winners += 1
            commits += "errors" not in commit
        assert winners == 4
        product = await gql.product(product_id, MOVEMENTS)
        assert (product["stock"], product["reserved"]) == (20 - 2 * commits, 0)
        shipped = [m for m in product["stockMovements"] if m["reason"] == "order shipped"]
        assert len(shipped) == commits

        # Many concurrent commits of one reservation ship it once.
        reservation(await gql.reserve("ship-once", [(product_id, 3)], fields="id"), "reserveStock")
        bodies = await asyncio.gather(
            *(gql.settle("commitReservation", "ship-once", fields="status") for _ in range(6))
        )
        assert [b["data"]["commitReservation"]["status"] for b in bodies] == ["COMMITTED"] * 6
        after = await gql.product(product_id, MOVEMENTS)
        assert (after["stock"], after["reserved"]) == (product["stock"] - 3, 0)
        assert [m["reference"] for m in after["stockMovements"]].count("ship-once") == 1

        # Many concurrent releases give the units back once.
        reservation(await gql.reserve("free-once", [(product_id, 5)], fields="id"), "reserveStock")
        bodies = await asyncio.gather(
            *(gql.settle("releaseStock", "free-once", fields="status") for _ in range(6))
        )
        assert [b["data"]["releaseStock"]["status"] for b in bodies] == ["RELEASED"] * 6
        assert await gql.product(product_id, "stock reserved") == {
            "stock": after["stock"],
            "reserved": 0,
        }
