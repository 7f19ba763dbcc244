"""The order notification outbox: paying an order's invoice tells orders (``markOrderPaid``).

Orders is a recording stand-in (:class:`OrdersStub` in ``conftest.py``) served by uvicorn;
billing runs on ``database_url`` (SQLite and PostgreSQL).
"""

from __future__ import annotations

from trellis_billing.outbox import deliver_pending
from trellis_subgraph import demo_catalogue
from trellis_subgraph.testing import free_port

CREATE = """
mutation ($orderId: ID) {
  createInvoice(customerId: "2", items: [{ productId: "4", quantity: 3 }], orderId: $orderId) {
    id total { amount }
  }
}
"""
PAY = """
mutation ($id: ID!, $amount: Int!) {
  recordPayment(invoiceId: $id, amount: $amount, method: CARD) { status balanceDue { amount } }
}
"""
OUTBOX = "SELECT order_id, invoice_id, delivered_at IS NOT NULL, attempts FROM order_notifications"

TOTAL_1 = next(i for i in demo_catalogue().invoices if i.id == 1).total  # OPEN, unpaid


async def test_paying_an_order_invoice_in_full_tells_orders_at_once(
    start_billing, peer_apps, orders_stub, serve_orders
) -> None:
    async with serve_orders(free_port()) as orders_url:
        peer_urls = {**peer_apps.peer_urls, "orders": orders_url}
        async with start_billing(peer_urls=peer_urls) as billing:
            created = (await billing.data(CREATE, {"orderId": "5"}))["createInvoice"]
            total = created["total"]["amount"]
            partial = await billing.data(PAY, {"id": created["id"], "amount": 1})
            assert partial["recordPayment"]["status"] == "OPEN"
            assert orders_stub.calls == []
            assert await billing.sql(OUTBOX) == []

            paid = await billing.data(PAY, {"id": created["id"], "amount": total - 1})
            assert paid["recordPayment"] == {"status": "PAID", "balanceDue": {"amount": 0}}
            assert orders_stub.calls == ["5"]  # delivered before the payment answered
            rows = await billing.sql(OUTBOX + " ORDER BY id")
            assert [tuple(r) for r in rows] == [(5, int(created["id"]), True, 1)]
            assert await billing.sql("SELECT last_error FROM order_notifications") == [(None,)]


async def test_an_invoice_without_an_order_notifies_nobody(
    start_billing, orders_stub, serve_orders
) -> None:
    async with (
        serve_orders(free_port()) as orders_url,
        start_billing(peer_urls={"orders": orders_url}) as billing,
    ):
        paid = await billing.data(PAY, {"id": "1", "amount": TOTAL_1})
        assert paid["recordPayment"]["status"] == "PAID"
        assert orders_stub.calls == []
        assert await billing.sql(OUTBOX) == []


async def test_payment_stands_while_orders_is_down_and_the_loop_delivers_later(
    start_billing, orders_stub, serve_orders, eventually
) -> None:
    port = free_port()
    settings = {
        "peer_urls": {"orders": f"http://127.0.0.1:{port}/graphql"},
        "outbox_interval_seconds": 0.05,
    }
    async with start_billing(**settings) as billing:
        await billing.sql("UPDATE invoices SET order_id = 42 WHERE id = 1")
        paid = await billing.data(PAY, {"id": "1", "amount": TOTAL_1})
        assert paid["recordPayment"] == {"status": "PAID", "balanceDue": {"amount": 0}}
        [(delivered, attempts, last_error)] = await billing.sql(
            "SELECT delivered_at, attempts, last_error FROM order_notifications"
        )
        assert delivered is None
        assert attempts >= 1
        assert "orders" in last_error

        async with serve_orders(port):
            await orders_stub.wait_for_calls(1)

            async def delivered_once() -> bool:
                rows = await billing.sql(
                    "SELECT count(*) FROM order_notifications WHERE delivered_at IS NOT NULL"
                )
                return rows == [(1,)]

            await eventually(delivered_once)
        assert set(orders_stub.calls) == {"42"}
        [(attempts_after, last_error_after)] = await billing.sql(
            "SELECT attempts, last_error FROM order_notifications"
        )
        assert attempts_after > attempts
        assert last_error_after is None
        state = await billing.data('{ invoice(id: "1") { status } }')
        assert state == {"invoice": {"status": "PAID"}}


async def test_an_error_from_orders_leaves_the_notification_pending(
    start_billing, orders_stub, serve_orders
) -> None:
    orders_stub.error = "Order 42 cannot be paid now"
    async with (
        serve_orders(free_port()) as orders_url,
        start_billing(peer_urls={"orders": orders_url}) as billing,
    ):
        await billing.sql("UPDATE invoices SET order_id = 42 WHERE id = 1")
        paid = await billing.data(PAY, {"id": "1", "amount": TOTAL_1})
        assert paid["recordPayment"]["status"] == "PAID"
        assert orders_stub.calls == ["42"]
        [(delivered, attempts, last_error)] = await billing.sql(
            "SELECT delivered_at, attempts, last_error FROM order_notifications"
        )
        assert (delivered, attempts) == (None, 1)
        assert "Order 42 cannot be paid now" in last_error

        orders_stub.error = None
        assert await deliver_pending(billing.app.state.services) == 1
        assert orders_stub.calls == ["42", "42"]
        assert await billing.sql(OUTBOX) == [(42, 1, True, 2)]
        assert await deliver_pending(billing.app.state.services) == 0  # nothing left
        assert orders_stub.calls == ["42", "42"]
