"""The order lifecycle against the REAL peers: pay (billing's notification), ship, deliver,
cancel, and the transitions that are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

TRANSITION = """
mutation ($id: ID!) {
  %s(id: $id) { id status updatedAt paidAt shippedAt deliveredAt cancelledAt }
}
"""
RECORD_PAYMENT = """
mutation ($id: ID!, $amount: Int!) {
  recordPayment(invoiceId: $id, amount: $amount, method: CARD) { id status }
}
"""
INVOICE = "query ($id: ID!) { invoice(id: $id) { id status total { amount } } }"


async def place(system, helpers, product_id: str, quantity: int, key: str) -> dict[str, Any]:
    body = await system.place(key, helpers.items((product_id, quantity)))
    assert "errors" not in body, body["errors"]
    order: dict[str, Any] = body["data"]["placeOrder"]
    assert order["status"] == "CONFIRMED"
    return order


async def order_status(system, order_id: str) -> str:
    data = await system.orders.data(
        "query ($id: ID!) { order(id: $id) { status } }", {"id": order_id}
    )
    status: str = data["order"]["status"]
    return status


async def test_paid_shipped_delivered(system, helpers) -> None:
    lamp = await system.create_product(stock=10, price=1250)
    order = await place(system, helpers, lamp, 3, "life-1")
    invoice_id = order["invoice"]["id"]

    # A forbidden transition names the current status.
    for mutation, required in (("shipOrder", "PAID"), ("deliverOrder", "SHIPPED")):
        error = await system.orders.error(TRANSITION % mutation, {"id": order["id"]})
        assert error["extensions"]["code"] == "CONFLICT"
        assert error["extensions"]["status"] == "CONFIRMED"
        assert error["message"] == (
            f"Order {order['number']} is CONFIRMED; only {required} orders can be "
            f"{'shipped' if mutation == 'shipOrder' else 'delivered'}"
        )

    # Paying the invoice in billing makes billing tell orders (markOrderPaid).
    data = await system.billing.data(RECORD_PAYMENT, {"id": invoice_id, "amount": 3 * 1250})
    assert data["recordPayment"]["status"] == "PAID"

    async def paid() -> bool:
        return await order_status(system, order["id"]) == "PAID"

    await helpers.eventually(paid, what="billing's markOrderPaid notification")
    # Billing may deliver twice: a repeated markOrderPaid changes nothing.
    again = await system.orders.data(TRANSITION % "markOrderPaid", {"id": order["id"]})
    assert again["markOrderPaid"]["status"] == "PAID"
    paid_at = again["markOrderPaid"]["paidAt"]
    assert paid_at is not None
    error = await system.orders.error(TRANSITION % "cancelOrder", {"id": order["id"]})
    assert error["extensions"] == {"code": "CONFLICT", "status": "PAID", "orderId": order["id"]}

    assert await system.product(lamp) == {"stock": 10, "reserved": 3, "available": 7}
    shipped = (await system.orders.data(TRANSITION % "shipOrder", {"id": order["id"]}))["shipOrder"]
    assert shipped["status"] == "SHIPPED"
    assert shipped["paidAt"] == paid_at
    assert datetime.fromisoformat(shipped["shippedAt"]) >= datetime.fromisoformat(paid_at)
    assert shipped["updatedAt"] == shipped["shippedAt"]
    # The reservation is committed: the units left the stock and are no longer reserved.
    assert await system.product(lamp) == {"stock": 7, "reserved": 0, "available": 7}

    error = await system.orders.error(TRANSITION % "shipOrder", {"id": order["id"]})
    assert error["extensions"]["status"] == "SHIPPED"
    delivered = (await system.orders.data(TRANSITION % "deliverOrder", {"id": order["id"]}))[
        "deliverOrder"
    ]
    assert delivered["status"] == "DELIVERED"
    assert delivered["shippedAt"] == shipped["shippedAt"]
    assert datetime.fromisoformat(delivered["deliveredAt"]) >= datetime.fromisoformat(
        shipped["shippedAt"]
    )
    for mutation in ("deliverOrder", "cancelOrder", "shipOrder"):
        error = await system.orders.error(TRANSITION % mutation, {"id": order["id"]})
        assert error["extensions"]["code"] == "CONFLICT"
        assert error["extensions"]["status"] == "DELIVERED"
    unchanged = await system.orders.data(TRANSITION % "markOrderPaid", {"id": order["id"]})
    assert unchanged["markOrderPaid"] == delivered
    assert await system.product(lamp) == {"stock": 7, "reserved": 0, "available": 7}


async def test_cancel_releases_the_stock_and_voids_the_invoice(system, helpers) -> None:
    lamp = await system.create_product(stock=10, price=800)
    order = await place(system, helpers, lamp, 4, "cancel-me")
    kept = await place(system, helpers, lamp, 1, "keep-me")
    assert await system.product(lamp) == {"stock": 10, "reserved": 5, "available": 5}

    cancelled = (await system.orders.data(TRANSITION % "cancelOrder", {"id": order["id"]}))[
        "cancelOrder"
    ]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelledAt"] is not None
    assert cancelled["updatedAt"] == cancelled["cancelledAt"]
    assert await system.product(lamp) == {"stock": 10, "reserved": 1, "available": 9}
    invoice = await system.billing.data(INVOICE, {"id": order["invoice"]["id"]})
    assert invoice["invoice"]["status"] == "VOID"
    other = await system.billing.data(INVOICE, {"id": kept["invoice"]["id"]})
    assert other["invoice"]["status"] == "OPEN"

    # Cancelling again returns the cancelled order unchanged.
    again = await system.orders.data(TRANSITION % "cancelOrder", {"id": order["id"]})
    assert again["cancelOrder"] == cancelled
    for mutation in ("markOrderPaid", "shipOrder", "deliverOrder"):
        error = await system.orders.error(TRANSITION % mutation, {"id": order["id"]})
        assert error["extensions"]["code"] == "CONFLICT", mutation
        assert error["extensions"]["status"] == "CANCELLED"
    # A CANCELLED order is purchase history, and its retry key returns it as it is.
    body = await system.place("cancel-me", helpers.items((lamp, 4)))
    assert body["data"]["placeOrder"]["status"] == "CANCELLED"
    assert await system.product(lamp) == {"stock": 10, "reserved": 1, "available": 9}


async def test_an_order_whose_invoice_is_paid_cannot_be_cancelled(system, helpers) -> None:
    """Whether billing's notification has landed yet (orders refuses) or not (billing refuses to
    void a paid invoice and its CONFLICT reaches the client), the answer is CONFLICT PAID."""
    lamp = await system.create_product(stock=10, price=500)
    order = await place(system, helpers, lamp, 1, "race")
    await system.billing.data(RECORD_PAYMENT, {"id": order["invoice"]["id"], "amount": 500})
    error = await system.orders.error(TRANSITION % "cancelOrder", {"id": order["id"]})
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["status"] == "PAID"
    assert await system.product(lamp) == {"stock": 10, "reserved": 1, "available": 9}

    async def paid() -> bool:
        return await order_status(system, order["id"]) == "PAID"

    await helpers.eventually(paid, what="the order to become PAID")
