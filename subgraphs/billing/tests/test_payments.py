"""``recordPayment``, ``voidInvoice`` and ``voidInvoiceByIdempotencyKey``, on SQLite and
PostgreSQL, against the demo invoices.

Demo invoice 1 is OPEN and unpaid, 3 is OPEN and half paid, 2 and 4 are PAID, 5 is VOID.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from trellis_subgraph import demo_catalogue

PAY = """
mutation ($id: ID!, $amount: Int!, $method: PaymentMethod!) {
  recordPayment(invoiceId: $id, amount: $amount, method: $method) {
    id status paidAt voidedAt
    payments { amount { amount currency } method receivedAt }
    amountPaid { amount currency } balanceDue { amount currency } total { amount }
  }
}
"""
VOID = """
mutation ($id: ID!) { voidInvoice(invoiceId: $id) { id status voidedAt balanceDue { amount } } }
"""
VOID_BY_KEY = """
mutation ($key: String!) {
  voidInvoiceByIdempotencyKey(idempotencyKey: $key) { id status voidedAt }
}
"""

INVOICES = {invoice.id: invoice for invoice in demo_catalogue().invoices}


def pay(invoice: Any, amount: int, method: str = "CARD") -> dict[str, Any]:
    return {"id": str(invoice), "amount": amount, "method": method}


async def test_partial_then_full_payment_makes_the_invoice_paid(billing) -> None:
    invoice = INVOICES[1]
    assert invoice.status == "OPEN" and not invoice.payments
    total = invoice.total
    first = (await billing.data(PAY, pay(1, 1000, "CASH")))["recordPayment"]
    assert first["status"] == "OPEN"
    assert first["paidAt"] is None
    assert first["amountPaid"] == {"amount": 1000, "currency": "USD"}
    assert first["balanceDue"] == {"amount": total - 1000, "currency": "USD"}
    assert [(p["amount"]["amount"], p["method"]) for p in first["payments"]] == [(1000, "CASH")]
    received = datetime.fromisoformat(first["payments"][0]["receivedAt"])
    assert received.tzinfo is not None
    assert abs((datetime.now(UTC) - received).total_seconds()) < 60

    second = (await billing.data(PAY, pay(1, total - 1000, "BANK_TRANSFER")))["recordPayment"]
    assert second["status"] == "PAID"
    assert second["amountPaid"] == {"amount": total, "currency": "USD"}
    assert second["balanceDue"] == {"amount": 0, "currency": "USD"}
    assert [(p["amount"]["amount"], p["method"]) for p in second["payments"]] == [
        (1000, "CASH"),
        (total - 1000, "BANK_TRANSFER"),
    ]
    assert second["paidAt"] == second["payments"][-1]["receivedAt"]
    stored = await billing.data('{ invoice(id: "1") { status paidAt balanceDue { amount } } }')
    assert stored["invoice"] == {
        "status": "PAID",
        "paidAt": second["paidAt"],
        "balanceDue": {"amount": 0},
    }
    # no order behind this invoice: no outbox row
    assert await billing.sql("SELECT count(*) FROM order_notifications") == [(0,)]


async def test_an_overpayment_is_refused_with_the_balance_due(billing) -> None:
    invoice = INVOICES[3]  # OPEN, half paid
    balance = invoice.total - sum(p.amount for p in invoice.payments)
    error = await billing.error(PAY, pay(3, balance + 1))
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "amount", "message": error["extensions"]["fields"][0]["message"]}],
        "balanceDue": {"amount": balance, "currency": "USD"},
    }
    assert str(balance) in error["message"]
    assert await billing.sql("SELECT count(*) FROM payments WHERE invoice_id = 3") == [(1,)]
    paid = (await billing.data(PAY, pay(3, balance)))["recordPayment"]
    assert paid["status"] == "PAID"


async def test_payment_arguments_are_checked(billing) -> None:
    for variables, code, field in [
        (pay(1, 0), "BAD_USER_INPUT", "amount"),
        (pay(1, -5), "BAD_USER_INPUT", "amount"),
        (pay("abc", 10), "BAD_USER_INPUT", "invoiceId"),
        (pay("99999999999", 10), "BAD_USER_INPUT", "invoiceId"),
    ]:
        error = await billing.error(PAY, variables)
        assert error["extensions"]["code"] == code, variables
        assert [f["field"] for f in error["extensions"]["fields"]] == [field]
    error = await billing.error(PAY, pay(999, 10))
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Invoice", "id": "999"}


async def test_payments_on_void_or_paid_invoices_are_conflicts(billing) -> None:
    for invoice_id, status in [(5, "VOID"), (2, "PAID")]:
        assert INVOICES[invoice_id].status == status
        error = await billing.error(PAY, pay(invoice_id, 1))
        assert error["extensions"] == {
            "code": "CONFLICT",
            "status": status,
            "invoiceId": str(invoice_id),
        }
        assert f"is {status}" in error["message"]
    assert await billing.sql("SELECT count(*) FROM payments WHERE invoice_id IN (2, 5)") == [
        (len(INVOICES[2].payments),)
    ]


async def test_concurrent_payments_never_overpay(billing) -> None:
    invoice = INVOICES[7]  # OPEN, unpaid
    assert invoice.status == "OPEN" and not invoice.payments
    amount = invoice.total // 3 + 1  # only two fit
    bodies = await asyncio.gather(*(billing.graphql(PAY, pay(7, amount)) for _ in range(8)))
    succeeded = [b for b in bodies if "errors" not in b]
    refused = [b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b]
    assert len(succeeded) == 2, bodies
    assert refused == ["BAD_USER_INPUT"] * 6
    rows = await billing.sql("SELECT count(*), sum(amount) FROM payments WHERE invoice_id = 7")
    assert rows == [(2, 2 * amount)]
    state = await billing.data('{ invoice(id: "7") { status balanceDue { amount } } }')
    assert state["invoice"] == {
        "status": "OPEN",
        "balanceDue": {"amount": invoice.total - 2 * amount},
    }


async def test_concurrent_settling_payments_pay_once(billing) -> None:
    total = INVOICES[11].total  # OPEN, unpaid
    bodies = await asyncio.gather(*(billing.graphql(PAY, pay(11, total)) for _ in range(6)))
    assert sum(1 for b in bodies if "errors" not in b) == 1, bodies
    codes = sorted(b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b)
    assert codes == ["CONFLICT"] * 5  # the invoice is PAID by then
    assert await billing.sql("SELECT sum(amount) FROM payments WHERE invoice_id = 11") == [(total,)]


async def test_two_payments_in_one_document_see_each_other(billing) -> None:
    total = INVOICES[13].total
    data = await billing.data(
        """
        mutation ($a: Int!, $b: Int!) {
          a: recordPayment(invoiceId: "13", amount: $a, method: CARD) {
            status balanceDue { amount } payments { id }
          }
          b: recordPayment(invoiceId: "13", amount: $b, method: CARD) {
            status balanceDue { amount } payments { id }
          }
        }
        """,
        {"a": 10, "b": total - 10},
    )
    assert data["a"]["status"] == "OPEN"
    assert data["a"]["balanceDue"] == {"amount": total - 10}
    assert len(data["a"]["payments"]) == 1
    assert data["b"]["status"] == "PAID"
    assert data["b"]["balanceDue"] == {"amount": 0}
    assert len(data["b"]["payments"]) == 2


async def test_void_invoice_rules(billing) -> None:
    voided = (await billing.data(VOID, {"id": "1"}))["voidInvoice"]
    assert voided["status"] == "VOID"
    assert voided["balanceDue"] == {"amount": 0}
    assert datetime.fromisoformat(voided["voidedAt"]).tzinfo is not None
    again = (await billing.data(VOID, {"id": "1"}))["voidInvoice"]
    assert again == voided  # unchanged, same voidedAt

    error = await billing.error(VOID, {"id": "3"})  # OPEN with a payment
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["status"] == "OPEN"
    assert "payments" in error["message"]
    error = await billing.error(VOID, {"id": "2"})
    assert error["extensions"] == {"code": "CONFLICT", "status": "PAID", "invoiceId": "2"}
    error = await billing.error(VOID, {"id": "999"})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await billing.error(VOID, {"id": "x"})
    assert error["extensions"]["fields"] == [{"field": "invoiceId", "message": "is not a valid id"}]

    seeded_void = (await billing.data(VOID, {"id": "5"}))["voidInvoice"]
    assert seeded_void["status"] == "VOID"
    states = await billing.sql("SELECT id, status FROM invoices WHERE id IN (1, 2, 3) ORDER BY id")
    assert states == [(1, "VOID"), (2, "PAID"), (3, "OPEN")]


async def test_void_invoice_by_idempotency_key(billing) -> None:
    await billing.sql("UPDATE invoices SET idempotency_key = 'saga-17' WHERE id = 17")
    await billing.sql("UPDATE invoices SET idempotency_key = 'saga-2' WHERE id = 2")
    assert (await billing.data(VOID_BY_KEY, {"key": "unknown"})) == {
        "voidInvoiceByIdempotencyKey": None
    }
    voided = (await billing.data(VOID_BY_KEY, {"key": "saga-17"}))["voidInvoiceByIdempotencyKey"]
    assert voided["id"] == "17" and voided["status"] == "VOID"
    again = (await billing.data(VOID_BY_KEY, {"key": " saga-17 "}))["voidInvoiceByIdempotencyKey"]
    assert again == voided
    body = await billing.graphql(VOID_BY_KEY, {"key": "saga-2"})  # a nullable field: data kept
    assert body["data"] == {"voidInvoiceByIdempotencyKey": None}
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert body["errors"][0]["extensions"]["status"] == "PAID"
    body = await billing.graphql(VOID_BY_KEY, {"key": "  "})
    assert body["errors"][0]["extensions"]["fields"] == [
        {"field": "idempotencyKey", "message": "must not be empty"}
    ]
