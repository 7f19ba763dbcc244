"""Federation contract and queries of the billing subgraph, on SQLite and PostgreSQL.

The app runs for real (lifespan, migrations, demo data) and is called in process; expected
values come from the demo catalogue every subgraph seeds from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from trellis_billing.schema import schema
from trellis_subgraph import DemoInvoice, demo_catalogue, encode_cursor, subgraph_sdl
from trellis_subgraph.testing import count_statements

INVOICE_FIELDS = """
id number issuedAt customer { id }
items { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } }
total { amount currency } status
payments { amount { amount currency } method receivedAt }
amountPaid { amount currency } balanceDue { amount currency } paidAt voidedAt
"""
INVOICE_ENTITIES = f"""
query ($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ ... on Invoice {{ {INVOICE_FIELDS} }} }}
}}
"""
CUSTOMER_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id invoices { number } } }
}
"""
PAGE = """
query ($first: Int, $after: String, $status: InvoiceStatus, $customerId: ID) {
  invoices(first: $first, after: $after, status: $status, customerId: $customerId) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
    nodes { number status customer { id } }
  }
}
"""

CATALOGUE = demo_catalogue()
INVOICES = {invoice.id: invoice for invoice in CATALOGUE.invoices}


def representations(typename: str, *ids: str) -> list[dict[str, str]]:
    return [{"__typename": typename, "id": id_} for id_ in ids]


def money(amount: int, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def invoice_json(invoice: DemoInvoice) -> dict[str, Any]:
    paid = sum(p.amount for p in invoice.payments)
    return {
        "id": str(invoice.id),
        "number": invoice.number,
        "issuedAt": invoice.issued_at.isoformat(),
        "customer": {"id": str(invoice.customer_id)},
        "items": [
            {
                "product": {"id": str(item.product_id)},
                "quantity": item.quantity,
                "unitPrice": money(item.unit_price, invoice.currency),
                "lineTotal": money(item.unit_price * item.quantity, invoice.currency),
            }
            for item in invoice.items
        ],
        "total": money(invoice.total, invoice.currency),
        "status": invoice.status,
        "payments": [
            {
                "amount": money(p.amount, invoice.currency),
                "method": p.method,
                "receivedAt": p.received_at.isoformat(),
            }
            for p in invoice.payments
        ],
        "amountPaid": money(paid, invoice.currency),
        "balanceDue": money(
            0 if invoice.status == "VOID" else invoice.total - paid, invoice.currency
        ),
        "paidAt": invoice.payments[-1].received_at.isoformat()
        if invoice.status == "PAID"
        else None,
        "voidedAt": None if invoice.status != "VOID" else _voided_at(invoice),
    }


def _voided_at(invoice: DemoInvoice) -> str:
    return (invoice.issued_at + timedelta(days=1)).isoformat()


async def test_service_sdl_declares_keys_and_links_federation_v2(billing) -> None:
    sdl = (await billing.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl == subgraph_sdl(schema)
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert 'type Invoice @key(fields: "id")' in sdl
    assert 'type Customer @key(fields: "id")' in sdl
    assert 'type Product @key(fields: "id", resolvable: false)' in sdl
    assert "type Money @shareable" in sdl
    assert "type PageInfo @shareable" in sdl
    assert '"""Only invoices in this status."""\n    status: InvoiceStatus\n  ): [Invoice!]!' in sdl
    assert "enum InvoiceStatus {\n  OPEN\n  PAID\n  VOID\n}" in sdl
    assert "enum PaymentMethod {\n  CARD\n  BANK_TRANSFER\n  CASH\n}" in sdl
    assert "): InvoiceConnection!" in sdl
    assert (
        "voidInvoiceByIdempotencyKey(idempotencyKey: String!): Invoice "
        '@requiresScopes(scopes: [["billing:write"]])\n'
    ) in sdl
    assert 'invoice(id: ID!): Invoice @policy(policies: [["staff"], ["owner"]])' in sdl


async def test_invoice_entities_resolve_in_order_with_unknown_ids_as_null(billing) -> None:
    # 7: OPEN unpaid, 3: OPEN half paid, 4: PAID in two payments, 5: VOID
    ids = ["7", "x", "3", "4", "99999999999", "5"]
    data = await billing.data(
        INVOICE_ENTITIES, {"representations": representations("Invoice", *ids)}
    )
    assert [INVOICES[i].status for i in (7, 3, 4, 5)] == ["OPEN", "OPEN", "PAID", "VOID"]
    assert data["_entities"] == [
        invoice_json(INVOICES[7]),
        None,
        invoice_json(INVOICES[3]),
        invoice_json(INVOICES[4]),
        None,
        invoice_json(INVOICES[5]),
    ]


async def test_invoice_entities_cost_one_sql_query(billing) -> None:
    query = """
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Invoice { id number status } }
    }
    """
    ids = [str(i) for i in range(1, 41)] + ["1000", "nope"]
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(query, {"representations": representations("Invoice", *ids)})
    assert [e and e["number"] for e in data["_entities"]] == [
        f"INV-{i:04d}" for i in range(1, 41)
    ] + [None, None]
    assert log.count == 1, log.statements


async def test_customer_entities_carry_their_invoices(billing) -> None:
    reps = representations("Customer", "2", "9999", "1", "x")
    data = await billing.data(CUSTOMER_ENTITIES, {"representations": reps})

    def numbers(customer_id: int) -> list[dict[str, str]]:
        return [{"number": i.number} for i in CATALOGUE.invoices if i.customer_id == customer_id]

    assert numbers(1) and numbers(2)
    assert data["_entities"] == [
        {"id": "2", "invoices": numbers(2)},
        {"id": "9999", "invoices": []},
        {"id": "1", "invoices": numbers(1)},
        {"id": "x", "invoices": []},
    ]


async def test_customer_entities_cost_no_sql_and_their_invoices_one_query(billing) -> None:
    ids = [str(c.id) for c in CATALOGUE.customers]
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(
            "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }",
            {"r": representations("Customer", *ids)},
        )
    assert data["_entities"] == [{"id": id_} for id_ in ids]
    assert log.count == 0, log.statements
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(
            CUSTOMER_ENTITIES, {"representations": representations("Customer", *ids)}
        )
    assert sum(len(e["invoices"]) for e in data["_entities"]) == len(CATALOGUE.invoices)
    assert log.count == 1, log.statements


async def test_customer_invoices_filter_by_status_in_one_query_even_with_aliases(billing) -> None:
    query = """
    query ($r: [_Any!]!) {
      _entities(representations: $r) {
        ... on Customer {
          open: invoices(status: OPEN) { number status }
          paid: invoices(status: PAID) { number status }
          all: invoices { number }
        }
      }
    }
    """
    ids = [str(c.id) for c in CATALOGUE.customers]
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(query, {"r": representations("Customer", *ids)})
    assert log.count == 1, log.statements
    for customer, entity in zip(CATALOGUE.customers, data["_entities"], strict=True):
        mine = [i for i in CATALOGUE.invoices if i.customer_id == customer.id]
        assert entity["open"] == [
            {"number": i.number, "status": "OPEN"} for i in mine if i.status == "OPEN"
        ]
        assert entity["paid"] == [
            {"number": i.number, "status": "PAID"} for i in mine if i.status == "PAID"
        ]
        assert entity["all"] == [{"number": i.number} for i in mine]
    one_status = """
    query ($r: [_Any!]!) {
      _entities(representations: $r) { ... on Customer { invoices(status: VOID) { number } } }
    }
    """
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(one_status, {"r": representations("Customer", *ids)})
    assert log.count == 1, log.statements
    assert "status" in log.statements[0]
    assert sorted(i["number"] for e in data["_entities"] for i in e["invoices"]) == [
        i.number for i in CATALOGUE.invoices if i.status == "VOID"
    ]


async def test_nested_items_payments_and_totals_are_batched(billing) -> None:
    query = """
    query ($r: [_Any!]!) {
      _entities(representations: $r) {
        ... on Customer {
          invoices {
            total { amount } items { quantity } payments { amount { amount } }
            amountPaid { amount } balanceDue { amount }
          }
        }
      }
    }
    """
    ids = [str(c.id) for c in CATALOGUE.customers]
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(query, {"r": representations("Customer", *ids)})
    # invoices by customer, then items and payments by invoice
    assert log.count == 3, log.statements
    payments = [p for e in data["_entities"] for i in e["invoices"] for p in i["payments"]]
    assert len(payments) == sum(len(i.payments) for i in CATALOGUE.invoices)


async def test_invoices_connection_pages_through_every_invoice(billing) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await billing.data(PAGE, {"first": 15, "after": after})
        page = data["invoices"]
        pages += 1
        assert page["totalCount"] == len(CATALOGUE.invoices)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        ids = [edge["node"]["id"] for edge in page["edges"]]
        assert [edge["cursor"] for edge in page["edges"]] == [encode_cursor(int(i)) for i in ids]
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        seen.extend(ids)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [str(i.id) for i in CATALOGUE.invoices]


async def test_invoices_connection_default_page_and_nodes(billing) -> None:
    data = await billing.data(
        "{ invoices { totalCount nodes { number } pageInfo { hasNextPage } } }"
    )
    assert data["invoices"]["totalCount"] == 40
    assert data["invoices"]["nodes"] == [{"number": f"INV-{i:04d}"} for i in range(1, 21)]
    assert data["invoices"]["pageInfo"] == {"hasNextPage": True}


async def test_invoices_connection_filters_by_status_and_customer(billing) -> None:
    customer = CATALOGUE.invoices[20].customer_id
    cases: list[tuple[dict[str, Any], Callable[[DemoInvoice], bool]]] = [
        ({"status": "OPEN"}, lambda i: i.status == "OPEN"),
        ({"status": "VOID"}, lambda i: i.status == "VOID"),
        ({"customerId": str(customer)}, lambda i: i.customer_id == customer),
        (
            {"customerId": str(customer), "status": "PAID"},
            lambda i: i.customer_id == customer and i.status == "PAID",
        ),
        ({"customerId": "9999"}, lambda i: False),
    ]
    for variables, wanted in cases:
        expected = [i for i in CATALOGUE.invoices if wanted(i)]
        data = await billing.data(PAGE, {"first": 100, **variables})
        assert data["invoices"]["totalCount"] == len(expected), variables
        assert data["invoices"]["nodes"] == [
            {"number": i.number, "status": i.status, "customer": {"id": str(i.customer_id)}}
            for i in expected
        ], variables
    first = await billing.data(PAGE, {"first": 3, "status": "PAID"})
    second = await billing.data(
        PAGE, {"first": 3, "status": "PAID", "after": first["invoices"]["pageInfo"]["endCursor"]}
    )
    paid = [i.number for i in CATALOGUE.invoices if i.status == "PAID"]
    assert [n["number"] for n in first["invoices"]["nodes"]] == paid[:3]
    assert [n["number"] for n in second["invoices"]["nodes"]] == paid[3:6]


async def test_invoices_connection_rejects_bad_arguments(billing) -> None:
    for variables, field in [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "not a cursor"}, "after"),
        ({"customerId": "abc"}, "customerId"),
        ({"customerId": "99999999999"}, "customerId"),  # beyond any Integer id
    ]:
        error = await billing.error(PAGE, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", variables
        assert [f["field"] for f in error["extensions"]["fields"]] == [field]


async def test_invoices_connection_with_nested_fields_costs_four_queries(billing) -> None:
    query = """
    { invoices(first: 30) {
        totalCount
        nodes { number items { quantity } payments { id } total { amount } balanceDue { amount } }
    } }
    """
    with count_statements(billing.app.state.database.engine) as log:
        data = await billing.data(query)
    assert len(data["invoices"]["nodes"]) == 30
    assert log.count == 4, log.statements  # page, count, items, payments


async def test_invoice_root_field(billing) -> None:
    data = await billing.data(
        'query { a: invoice(id: "3") { number } b: invoice(id: "999") { number } }'
    )
    assert data == {"a": {"number": "INV-0003"}, "b": None}
    body = await billing.graphql('{ invoice(id: "x") { number } }')
    assert body["data"] == {"invoice": None}
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "id", "message": "is not a valid id"}],
    }


async def test_frozen_unit_prices_equal_the_seeded_product_prices(billing) -> None:
    prices = {str(p.id): p.price for p in CATALOGUE.products}
    data = await billing.data(
        "{ invoices(first: 100) { nodes { items { product { id } unitPrice { amount } } } } }"
    )
    items = [item for invoice in data["invoices"]["nodes"] for item in invoice["items"]]
    assert len(items) == sum(len(i.items) for i in CATALOGUE.invoices)
    assert all(item["unitPrice"]["amount"] == prices[item["product"]["id"]] for item in items)
