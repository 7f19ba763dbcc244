"""Whole-system tests of the commerce domain through the router, on real processes.

Acceptance of issue 5: the order lifecycle seen through one nested query; 50 concurrent
orders racing for 10 units (SQLite and PostgreSQL); inventory killed in the middle of a
``placeOrder`` saga.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from .conftest import System, wait_until

CREATE_CUSTOMER = """
mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id name } }
"""
CREATE_PRODUCT = """
mutation ($input: CreateProductInput!) { createProduct(input: $input) { id stock reserved } }
"""
PLACE_ORDER = """
mutation ($customerId: ID!, $items: [OrderItemInput!]!, $key: String!) {
  placeOrder(customerId: $customerId, items: $items, idempotencyKey: $key) {
    id number status invoice { id number }
  }
}
"""
PRODUCT_STOCK = "query ($id: ID!) { product(id: $id) { stock reserved available } }"
CUSTOMER_ORDERS = """
query ($id: ID!) {
  customer(id: $id) {
    name
    orders {
      id
      status
      invoice {
        total { amount currency }
        balanceDue { amount }
        items { quantity unitPrice { amount } product { name stock } }
      }
    }
  }
}
"""


def data(system: System, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run an operation through the router; fail on any error."""
    response = system.graphql(query, variables)
    assert not response.get("errors"), response
    return response["data"]  # type: ignore[no-any-return]


def new_customer(system: System) -> str:
    suffix = uuid.uuid4().hex[:10]
    created = data(
        system,
        CREATE_CUSTOMER,
        {"input": {"name": f"Test {suffix}", "email": f"test.{suffix}@example.com"}},
    )
    return str(created["createCustomer"]["id"])


def new_product(system: System, stock: int, price: int = 1250) -> str:
    sku = f"T-{uuid.uuid4().hex[:12]}"
    created = data(
        system,
        CREATE_PRODUCT,
        {
            "input": {
                "sku": sku,
                "name": f"Test product {sku}",
                "price": {"amount": price, "currency": "USD"},
                "stock": stock,
            }
        },
    )
    return str(created["createProduct"]["id"])


def stock_of(system: System, product_id: str) -> dict[str, int]:
    return data(system, PRODUCT_STOCK, {"id": product_id})["product"]  # type: ignore[no-any-return]


def place_order(system: System, customer_id: str, items: list[dict[str, Any]], key: str) -> Any:
    return system.graphql(PLACE_ORDER, {"customerId": customer_id, "items": items, "key": key})


def test_an_order_goes_through_its_lifecycle_seen_through_one_nested_query(system: System) -> None:
    customer_id = new_customer(system)
    product_id = new_product(system, stock=7, price=1999)
    placed = place_order(
        system, customer_id, [{"productId": product_id, "quantity": 3}], uuid.uuid4().hex
    )
    assert not placed.get("errors"), placed
    order = placed["data"]["placeOrder"]
    assert order["status"] == "CONFIRMED"
    assert stock_of(system, product_id) == {"stock": 7, "reserved": 3, "available": 4}

    seen = data(system, CUSTOMER_ORDERS, {"id": customer_id})["customer"]
    assert seen["orders"] == [
        {
            "id": order["id"],
            "status": "CONFIRMED",
            "invoice": {
                "total": {"amount": 3 * 1999, "currency": "USD"},
                "balanceDue": {"amount": 3 * 1999},
                "items": [
                    {
                        "quantity": 3,
                        "unitPrice": {"amount": 1999},
                        "product": {"name": f"Test product {_sku(system, product_id)}", "stock": 7},
                    }
                ],
            },
        }
    ]

    invoice_id = order["invoice"]["id"]
    pay = """
    mutation ($id: ID!, $amount: Int!) {
      recordPayment(invoiceId: $id, amount: $amount, method: CARD) { status balanceDue { amount } }
    }
    """
    partial = data(system, pay, {"id": invoice_id, "amount": 1000})["recordPayment"]
    assert partial == {"status": "OPEN", "balanceDue": {"amount": 3 * 1999 - 1000}}
    over = system.graphql(pay, {"id": invoice_id, "amount": 3 * 1999})
    assert over["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    paid = data(system, pay, {"id": invoice_id, "amount": 3 * 1999 - 1000})["recordPayment"]
    assert paid == {"status": "PAID", "balanceDue": {"amount": 0}}

    order_status = "query ($id: ID!) { order(id: $id) { status } }"
    wait_until(
        lambda: data(system, order_status, {"id": order["id"]})["order"]["status"] == "PAID",
        "billing's notification to move the order to PAID",
        system.processes,
        timeout=20,
    )
    shipped = data(system, "mutation ($id: ID!) { shipOrder(id: $id) { status } }", order)
    assert shipped["shipOrder"]["status"] == "SHIPPED"
    assert stock_of(system, product_id) == {"stock": 4, "reserved": 0, "available": 4}
    delivered = data(system, "mutation ($id: ID!) { deliverOrder(id: $id) { status } }", order)
    assert delivered["deliverOrder"]["status"] == "DELIVERED"
    cancel = system.graphql("mutation ($id: ID!) { cancelOrder(id: $id) { status } }", order)
    assert cancel["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert cancel["errors"][0]["extensions"]["serviceName"] == "orders"

    final = data(system, CUSTOMER_ORDERS, {"id": customer_id})["customer"]["orders"][0]
    assert final["status"] == "DELIVERED"
    assert final["invoice"]["balanceDue"] == {"amount": 0}
    assert final["invoice"]["items"][0]["product"]["stock"] == 4


def _sku(system: System, product_id: str) -> str:
    product = data(system, "query ($id: ID!) { product(id: $id) { sku } }", {"id": product_id})
    return str(product["product"]["sku"])


def test_cancelling_an_order_releases_its_stock_and_voids_its_invoice(system: System) -> None:
    customer_id = new_customer(system)
    product_id = new_product(system, stock=5)
    placed = place_order(
        system, customer_id, [{"productId": product_id, "quantity": 2}], uuid.uuid4().hex
    )
    order = placed["data"]["placeOrder"]
    assert stock_of(system, product_id)["reserved"] == 2
    cancelled = data(
        system,
        "mutation ($id: ID!) { cancelOrder(id: $id) { status invoice { status } } }",
        {"id": order["id"]},
    )["cancelOrder"]
    assert cancelled == {"status": "CANCELLED", "invoice": {"status": "VOID"}}
    assert stock_of(system, product_id) == {"stock": 5, "reserved": 0, "available": 5}


def test_a_retried_place_order_returns_the_first_result_and_changes_nothing(
    system: System,
) -> None:
    customer_id = new_customer(system)
    product_id = new_product(system, stock=4)
    key = uuid.uuid4().hex
    items = [{"productId": product_id, "quantity": 1}]
    first = place_order(system, customer_id, items, key)
    second = place_order(system, customer_id, items, key)
    assert not first.get("errors") and not second.get("errors"), (first, second)
    assert second["data"] == first["data"]
    assert stock_of(system, product_id)["reserved"] == 1
    invoices = data(
        system,
        "query ($id: ID!) { invoices(customerId: $id) { totalCount } }",
        {"id": customer_id},
    )
    assert invoices["invoices"]["totalCount"] == 1


def test_deleting_a_customer_with_orders_is_refused(system: System) -> None:
    customer_id = new_customer(system)
    product_id = new_product(system, stock=3)
    place_order(system, customer_id, [{"productId": product_id, "quantity": 1}], uuid.uuid4().hex)
    refused = system.graphql("mutation ($id: ID!) { deleteCustomer(id: $id) }", {"id": customer_id})
    error = refused["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT"
    assert "invoice" in error["message"] and "order" in error["message"]
    lonely = new_customer(system)
    deleted = data(system, "mutation ($id: ID!) { deleteCustomer(id: $id) }", {"id": lonely})
    assert deleted == {"deleteCustomer": lonely}


async def _race(system: System, customer_id: str, product_id: str, n: int) -> list[Any]:
    headers = {"authorization": f"Bearer {system.token('clerk')}"}
    async with httpx.AsyncClient(timeout=120, headers=headers) as client:

        async def one() -> Any:
            response = await client.post(
                f"{system.router_url}/graphql",
                json={
                    "query": PLACE_ORDER,
                    "variables": {
                        "customerId": customer_id,
                        "items": [{"productId": product_id, "quantity": 1}],
                        "key": uuid.uuid4().hex,
                    },
                },
            )
            return response.json()

        return await asyncio.gather(*(one() for _ in range(n)))


def test_fifty_concurrent_orders_for_ten_units(any_system: System) -> None:
    system = any_system
    customer_id = new_customer(system)
    product_id = new_product(system, stock=10)
    results = asyncio.run(_race(system, customer_id, product_id, 50))
    confirmed = [r for r in results if r.get("data") and r["data"]["placeOrder"]]
    refused = [r for r in results if r.get("errors")]
    assert len(confirmed) == 10, [r.get("errors") for r in refused][:3]
    assert len(refused) == 40
    assert {r["errors"][0]["extensions"]["code"] for r in refused} == {"OUT_OF_STOCK"}
    assert all(r["data"]["placeOrder"]["status"] == "CONFIRMED" for r in confirmed)
    assert stock_of(system, product_id) == {"stock": 10, "reserved": 10, "available": 0}
    orders = data(
        system,
        "query ($id: ID!) { customer(id: $id) { orders { status } invoices { status } } }",
        {"id": customer_id},
    )["customer"]
    assert len(orders["orders"]) == 10
    assert [i["status"] for i in orders["invoices"]] == ["OPEN"] * 10


@pytest.mark.parametrize("step", ["reserveStock", "productsByIds"])
def test_inventory_killed_in_the_middle_of_place_order(system: System, step: str) -> None:
    """Kill inventory right after it did ``step`` for a placeOrder, its answer lost.

    ``reserveStock``: the stock is reserved, orders never hears so. ``productsByIds``: the
    reservation went through and billing's price lookup kills it. Either way, once inventory
    is back no stock stays reserved without an order, and the retried call completes.
    """
    customer_id = new_customer(system)
    product_id = new_product(system, stock=6)
    key = uuid.uuid4().hex
    items = [{"productId": product_id, "quantity": 2}]
    inventory = system.process("inventory")
    proxy = system.subgraphs["inventory"].proxy_url.removesuffix("/graphql")
    armed = httpx.post(f"{proxy}/__proxy/kill", json={"match": step, "pid": inventory.popen.pid})
    assert armed.status_code == 200

    failed = place_order(system, customer_id, items, key)
    assert failed["data"] is None, failed
    error = failed["errors"][0]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert "inventory" in error["message"]
    assert inventory.popen.wait(10) is not None

    system.restart(inventory)
    wait_until(
        lambda: stock_of(system, product_id)["reserved"] == 0,
        "the orders saga recovery to release the orphaned reservation",
        system.processes,
        timeout=30,
    )
    pending = data(
        system,
        "query ($id: ID!) { orders(customerId: $id, status: PENDING) { totalCount } }",
        {"id": customer_id},
    )
    assert pending["orders"]["totalCount"] == 0

    retried = place_order(system, customer_id, items, key)
    assert not retried.get("errors"), retried
    assert retried["data"]["placeOrder"]["status"] == "CONFIRMED"
    assert stock_of(system, product_id) == {"stock": 6, "reserved": 2, "available": 4}
    again = place_order(system, customer_id, items, key)
    assert again["data"] == retried["data"]
