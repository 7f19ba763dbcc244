"""``createInvoice`` against the REAL customers and inventory subgraphs, served on free ports.

Billing runs on ``database_url`` (SQLite and PostgreSQL); the peers use their own SQLite files.
The demo data gives 40 invoices, so the first new one is ``INV-0041``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from trellis_subgraph import demo_catalogue
from trellis_subgraph.testing import count_statements, free_port, post_graphql

CREATE = """
mutation ($customerId: ID!, $items: [InvoiceItemInput!]!, $key: String, $orderId: ID) {
  createInvoice(customerId: $customerId, items: $items, idempotencyKey: $key, orderId: $orderId) {
    id number status issuedAt customer { id }
    items { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } }
    total { amount currency } amountPaid { amount } balanceDue { amount } payments { id }
    paidAt voidedAt
  }
}
"""
INVOICE = """
query ($id: ID!) {
  invoice(id: $id) { number items { product { id } unitPrice { amount } } total { amount } }
}
"""
UPDATE_PRICE = """
mutation ($id: ID!, $amount: Int!) {
  updateProduct(id: $id, input: { price: { amount: $amount, currency: "USD" } }) {
    id price { amount currency }
  }
}
"""

PRICES = {p.id: p.price for p in demo_catalogue().products}


def items(*pairs: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"productId": str(product), "quantity": quantity} for product, quantity in pairs]


def create_vars(customer: Any = "1", lines: Any = None, **extra: Any) -> dict[str, Any]:
    return {"customerId": str(customer), "items": lines or items((1, 1)), **extra}


async def test_create_invoice_freezes_the_prices_inventory_has_now(
    billing_with_peers, peer_apps
) -> None:
    before = datetime.now(UTC)
    data = await billing_with_peers.data(
        CREATE, create_vars("2", items((3, 2), (1, 1), (3, 1)), orderId="77")
    )
    invoice = data["createInvoice"]
    assert invoice["number"] == "INV-0041"
    assert invoice["id"] == "41"
    assert invoice["status"] == "OPEN"
    assert invoice["customer"] == {"id": "2"}
    assert invoice["items"] == [  # the repeated product 3 merged, first-seen order kept
        {
            "product": {"id": "3"},
            "quantity": 3,
            "unitPrice": {"amount": PRICES[3], "currency": "USD"},
            "lineTotal": {"amount": 3 * PRICES[3], "currency": "USD"},
        },
        {
            "product": {"id": "1"},
            "quantity": 1,
            "unitPrice": {"amount": PRICES[1], "currency": "USD"},
            "lineTotal": {"amount": PRICES[1], "currency": "USD"},
        },
    ]
    total = 3 * PRICES[3] + PRICES[1]
    assert invoice["total"] == {"amount": total, "currency": "USD"}
    assert invoice["amountPaid"] == {"amount": 0}
    assert invoice["balanceDue"] == {"amount": total}
    assert invoice["payments"] == []
    assert invoice["paidAt"] is None and invoice["voidedAt"] is None
    issued = datetime.fromisoformat(invoice["issuedAt"])
    assert issued.tzinfo is not None and before <= issued <= datetime.now(UTC) + timedelta(
        seconds=1
    )
    assert await billing_with_peers.sql("SELECT order_id FROM invoices WHERE id = 41") == [(77,)]

    updated = await post_graphql(peer_apps.inventory, UPDATE_PRICE, {"id": "3", "amount": 777})
    assert updated == {
        "data": {"updateProduct": {"id": "3", "price": {"amount": 777, "currency": "USD"}}}
    }
    after = await billing_with_peers.data(INVOICE, {"id": "41"})
    assert after["invoice"]["total"] == {"amount": total}
    assert after["invoice"]["items"][0]["unitPrice"] == {"amount": PRICES[3]}

    second = await billing_with_peers.data(CREATE, create_vars("2", items((3, 1))))
    assert second["createInvoice"]["number"] == "INV-0042"
    assert second["createInvoice"]["items"][0]["unitPrice"] == {"amount": 777, "currency": "USD"}


async def test_unknown_customer_or_product_is_not_found_and_uses_no_number(
    billing_with_peers,
) -> None:
    error = await billing_with_peers.error(CREATE, create_vars("9999"))
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Customer", "id": "9999"}
    error = await billing_with_peers.error(CREATE, create_vars("1", items((1, 1), (9999, 2))))
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Product", "id": "9999"}
    data = await billing_with_peers.data(CREATE, create_vars("1"))
    assert data["createInvoice"]["number"] == "INV-0041"
    assert await billing_with_peers.sql("SELECT count(*) FROM invoices") == [(41,)]


async def test_an_idempotency_key_returns_the_invoice_it_created(billing_with_peers) -> None:
    first = await billing_with_peers.data(CREATE, create_vars("3", items((2, 4)), key="order-7"))
    # the same key again: no peer call (an unknown customer would be NOT_FOUND), no change
    again = await billing_with_peers.data(
        CREATE, create_vars("9999", items((5, 1)), key="  order-7  ")
    )
    assert again == first
    assert first["createInvoice"]["number"] == "INV-0041"
    assert first["createInvoice"]["items"][0]["quantity"] == 4
    assert await billing_with_peers.sql("SELECT count(*) FROM invoices") == [(41,)]
    other = await billing_with_peers.data(CREATE, create_vars("3", key="order-8"))
    assert other["createInvoice"]["number"] == "INV-0042"


async def test_concurrent_creations_with_one_key_make_one_invoice(billing_with_peers) -> None:
    bodies = await asyncio.gather(
        *(
            billing_with_peers.graphql(CREATE, create_vars("4", items((6, 1)), key="saga-1"))
            for _ in range(6)
        )
    )
    assert all("errors" not in body for body in bodies), bodies
    assert {body["data"]["createInvoice"]["number"] for body in bodies} == {"INV-0041"}
    assert await billing_with_peers.sql(
        "SELECT count(*) FROM invoices WHERE idempotency_key = 'saga-1'"
    ) == [(1,)]
    assert await billing_with_peers.sql("SELECT last FROM invoice_number_counter") == [(41,)]


async def test_a_creation_that_loses_the_race_for_its_key_returns_the_winner(
    billing_with_peers, eventually
) -> None:
    database = billing_with_peers.app.state.database
    with count_statements(database.engine) as log:

        async def checked_the_key() -> bool:
            return any(
                s.lstrip().startswith("SELECT") and "idempotency_key =" in s for s in log.statements
            )

        async with database.write() as session:  # the winner, committing late
            await session.execute(text("UPDATE invoice_number_counter SET last = last"))
            await session.execute(
                text(
                    "INSERT INTO invoices (id, number, issued_at, customer_id, currency, status, "
                    "idempotency_key) VALUES (500, 'INV-0500', :at, 1, 'USD', 'OPEN', 'raced')"
                ),
                {"at": datetime.now(UTC)},
            )
            loser = asyncio.create_task(
                billing_with_peers.graphql(CREATE, create_vars("1", key="raced"))
            )
            await eventually(checked_the_key)  # it saw no invoice with the key: on it goes
            await asyncio.sleep(0.2)  # to the peers, then to the counter, where it waits
        body = await loser
    assert "errors" not in body, body
    assert body["data"]["createInvoice"]["id"] == "500"
    assert body["data"]["createInvoice"]["number"] == "INV-0500"
    assert await billing_with_peers.sql("SELECT last FROM invoice_number_counter") == [(40,)]
    after = await billing_with_peers.data(CREATE, create_vars("1"))
    assert after["createInvoice"]["number"] == "INV-0041"  # the loser's number was given back


async def test_numbers_are_sequential_without_gaps_under_20_concurrent_creations(
    billing_with_peers,
) -> None:
    bodies = await asyncio.gather(
        *(
            billing_with_peers.graphql(CREATE, create_vars(str(1 + n % 12), items((1 + n % 16, 1))))
            for n in range(20)
        )
    )
    assert all("errors" not in body for body in bodies), bodies
    invoices = [body["data"]["createInvoice"] for body in bodies]
    assert sorted(i["number"] for i in invoices) == [f"INV-{n:04d}" for n in range(41, 61)]
    assert len({i["id"] for i in invoices}) == 20
    assert await billing_with_peers.sql("SELECT last FROM invoice_number_counter") == [(60,)]


async def test_products_in_different_currencies_are_refused(billing_with_peers, peer_apps) -> None:
    created = await post_graphql(
        peer_apps.inventory,
        'mutation { createProduct(input: { sku: "EUR-1", name: "Euro twine", '
        'price: { amount: 500, currency: "EUR" }, stock: 5 }) { id } }',
    )
    euro_id = created["data"]["createProduct"]["id"]
    error = await billing_with_peers.error(CREATE, create_vars("1", items((1, 1), (euro_id, 1))))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["items"]
    assert "EUR, USD" in error["message"]
    euro = await billing_with_peers.data(CREATE, create_vars("1", items((euro_id, 2))))
    assert euro["createInvoice"]["total"] == {"amount": 1000, "currency": "EUR"}


async def test_an_unreachable_inventory_is_upstream_unavailable(start_billing, peer_apps) -> None:
    closed = f"http://127.0.0.1:{free_port()}/graphql"
    peer_urls = {"customers": peer_apps.customers_url, "inventory": closed}
    async with start_billing(peer_urls=peer_urls, peer_attempts=2) as billing:
        error = await billing.error(CREATE, create_vars("1"))
        assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "service": "inventory"}
        assert "inventory" in error["message"]
        assert await billing.sql("SELECT count(*) FROM invoices") == [(40,)]


async def test_an_unreachable_customers_is_upstream_unavailable(start_billing) -> None:
    closed = f"http://127.0.0.1:{free_port()}/graphql"
    async with start_billing(peer_urls={"customers": closed}, peer_attempts=1) as billing:
        error = await billing.error(CREATE, create_vars("1"))
        assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "service": "customers"}


async def test_create_invoice_validates_its_arguments_before_any_peer_call(billing) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        (create_vars("x"), ["customerId"]),
        (create_vars("0"), ["customerId"]),
        ({"customerId": "1", "items": []}, ["items"]),
        (create_vars("1", items(*((n, 1) for n in range(1, 52)))), ["items"]),
        (create_vars("1", items((1, 0))), ["items.0.quantity"]),
        (create_vars("1", items((1, 1), (2, 1001))), ["items.1.quantity"]),
        (create_vars("1", items((1, 1), ("abc", 1))), ["items.1.productId"]),
        (create_vars("1", items((4, 600), (2, 1), (4, 401))), ["items.0.quantity"]),
        (create_vars("1", key="   "), ["idempotencyKey"]),
        (create_vars("1", key="k" * 201), ["idempotencyKey"]),
        (create_vars("1", orderId="order-1"), ["orderId"]),
        (create_vars("x", items((1, -1))), ["customerId", "items.0.quantity"]),
    ]
    for variables, fields in cases:
        error = await billing.error(CREATE, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (variables, error)
        assert [f["field"] for f in error["extensions"]["fields"]] == fields, variables
    assert await billing.sql("SELECT last FROM invoice_number_counter") == [(40,)]
