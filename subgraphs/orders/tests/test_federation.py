"""Federation contract and read API of the orders subgraph, on the demo data (orders alone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import inspect, select, text
from trellis_orders.models import OrderItemRecord, OrderNumberCounterRecord, OrderRecord
from trellis_orders.schema import schema
from trellis_subgraph import DemoOrder, demo_catalogue, encode_cursor, subgraph_sdl
from trellis_subgraph.testing import count_statements

ORDER_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { %s } }
}
"""
CUSTOMER_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id orders { number status placedAt } }
  }
}
"""


def representations(typename: str, *ids: str) -> list[dict[str, str]]:
    return [{"__typename": typename, "id": id_} for id_ in ids]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def order_json(order: DemoOrder) -> dict[str, Any]:
    invoice = demo_catalogue().invoices[order.invoice_id - 1]
    return {
        "id": str(order.id),
        "number": order.number,
        "status": order.status,
        "customer": {"id": str(order.customer_id)},
        "items": [
            {"product": {"id": str(item.product_id)}, "quantity": item.quantity}
            for item in order.items
        ],
        "invoice": {"id": str(order.invoice_id)},
        "placedAt": iso(order.placed_at),
        "updatedAt": iso(order.delivered_at or order.shipped_at),
        "confirmedAt": iso(invoice.issued_at),
        "paidAt": iso(order.paid_at),
        "shippedAt": iso(order.shipped_at),
        "deliveredAt": iso(order.delivered_at),
        "cancelledAt": None,
    }


async def insert_pending(app: FastAPI, customer_id: int, key: str = "pending-1") -> int:
    """A PENDING order (as a saga in flight leaves it), written straight to the database."""
    now = datetime.now(UTC)
    async with app.state.database.write() as session:
        record = OrderRecord(
            number=f"ORD-9{customer_id:05d}",
            customer_id=customer_id,
            status="PENDING",
            idempotency_key=key,
            saga_reference=f"saga-{key}",
            lease_until=now + timedelta(seconds=60),
            placed_at=now,
            updated_at=now,
        )
        session.add(record)
        await session.flush()
        session.add(OrderItemRecord(order_id=record.id, position=1, product_id=1, quantity=1))
        order_id: int = record.id
    return order_id


async def test_service_sdl_declares_keys_and_equals_the_schema_sdl(orders, helpers) -> None:
    data = await orders.data("{ _service { sdl } }")
    sdl = data["_service"]["sdl"]
    assert sdl == subgraph_sdl(schema)
    assert 'type Order @key(fields: "id")' in sdl
    assert 'type Customer @key(fields: "id")' in sdl
    assert 'type Invoice @key(fields: "id", resolvable: false)' in sdl
    assert 'type Product @key(fields: "id", resolvable: false)' in sdl
    assert "type PageInfo @shareable" in sdl
    assert "orders(status: OrderStatus = null): [Order!]!" in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    for mutation in (
        "placeOrder(customerId: ID!, items: [OrderItemInput!]!, idempotencyKey: String!): Order!",
        "markOrderPaid(id: ID!): Order!",
        "shipOrder(id: ID!): Order!",
        "deliverOrder(id: ID!): Order!",
        "cancelOrder(id: ID!): Order!",
    ):
        assert mutation in sdl


async def test_order_entities_resolve_in_order_with_unknown_ids_as_null(orders, helpers) -> None:
    catalogue_orders = demo_catalogue().orders
    assert len(catalogue_orders) == 8
    reps = representations("Order", "3", "x", "9999", "1")
    data = await orders.data(ORDER_ENTITIES % helpers.ORDER_FIELDS, {"representations": reps})
    assert data["_entities"] == [
        order_json(catalogue_orders[2]),
        None,
        None,
        order_json(catalogue_orders[0]),
    ]


async def test_order_entities_cost_one_sql_query(orders_app: FastAPI, orders) -> None:
    ids = [str(o.id) for o in demo_catalogue().orders] + ["1000", "nope"]
    with count_statements(orders_app.state.database.engine) as log:
        data = await orders.data(
            ORDER_ENTITIES % "id number status placedAt customer { id } invoice { id }",
            {"representations": representations("Order", *ids)},
        )
    assert [e and e["id"] for e in data["_entities"]] == [*ids[:-2], None, None]
    assert log.count == 1, log.statements


async def test_order_entities_with_items_cost_two_sql_queries(orders_app: FastAPI, orders) -> None:
    ids = [str(o.id) for o in demo_catalogue().orders]
    with count_statements(orders_app.state.database.engine) as log:
        data = await orders.data(
            ORDER_ENTITIES % "id items { product { id } quantity }",
            {"representations": representations("Order", *ids)},
        )
    assert [len(e["items"]) for e in data["_entities"]] == [
        len(o.items) for o in demo_catalogue().orders
    ]
    assert log.count == 2, log.statements  # orders by id, then items by order id


async def test_customer_entities_need_no_sql(orders_app: FastAPI, orders) -> None:
    query = """
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Customer { id } }
    }
    """
    with count_statements(orders_app.state.database.engine) as log:
        data = await orders.data(query, {"representations": representations("Customer", "1", "x")})
    assert data["_entities"] == [{"id": "1"}, {"id": "x"}]
    assert log.count == 0, log.statements


async def test_customer_orders_are_the_purchase_history_newest_first(
    orders_app: FastAPI, orders
) -> None:
    catalogue_orders = demo_catalogue().orders
    customer_id = catalogue_orders[0].customer_id
    await insert_pending(orders_app, customer_id)  # left out of the purchase history
    reps = representations("Customer", str(customer_id), "9999", "bad")
    data = await orders.data(CUSTOMER_ENTITIES, {"representations": reps})
    expected = sorted(
        (o for o in catalogue_orders if o.customer_id == customer_id),
        key=lambda o: (o.placed_at, o.id),
        reverse=True,
    )
    assert expected
    assert data["_entities"] == [
        {
            "id": str(customer_id),
            "orders": [
                {"number": o.number, "status": o.status, "placedAt": iso(o.placed_at)}
                for o in expected
            ],
        },
        {"id": "9999", "orders": []},
        {"id": "bad", "orders": []},
    ]


async def test_customer_orders_filter_by_status_in_one_sql_query(
    orders_app: FastAPI, orders
) -> None:
    catalogue_orders = demo_catalogue().orders
    customer_ids = sorted({o.customer_id for o in catalogue_orders})
    query = """
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Customer {
          id
          delivered: orders(status: DELIVERED) { number }
          shipped: orders(status: SHIPPED) { number }
          pending: orders(status: PENDING) { number }
          all: orders { number items { quantity } }
        }
      }
    }
    """
    await insert_pending(orders_app, customer_ids[0])
    reps = representations("Customer", *map(str, customer_ids))
    with count_statements(orders_app.state.database.engine) as log:
        data = await orders.data(query, {"representations": reps})
    # One query for every customer and status filter, one for the items of their orders.
    assert log.count == 2, log.statements
    for entity in data["_entities"]:
        mine = [o for o in catalogue_orders if o.customer_id == int(entity["id"])]
        newest_first = sorted(mine, key=lambda o: (o.placed_at, o.id), reverse=True)
        assert entity["delivered"] == [
            {"number": o.number} for o in newest_first if o.status == "DELIVERED"
        ]
        assert entity["shipped"] == [
            {"number": o.number} for o in newest_first if o.status == "SHIPPED"
        ]
        assert entity["pending"] == []
        assert [o["number"] for o in entity["all"]] == [o.number for o in newest_first]


async def test_orders_connection_pages_by_id(orders) -> None:
    catalogue_orders = demo_catalogue().orders
    query = """
    query ($first: Int, $after: String) {
      orders(first: $first, after: $after) {
        totalCount
        edges { cursor node { id number } }
        nodes { number }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
    """
    first = await orders.data(query, {"first": 5})
    page = first["orders"]
    assert page["totalCount"] == len(catalogue_orders)
    assert [n["number"] for n in page["nodes"]] == [o.number for o in catalogue_orders[:5]]
    assert [e["cursor"] for e in page["edges"]] == [
        encode_cursor(o.id) for o in catalogue_orders[:5]
    ]
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": encode_cursor(1),
        "endCursor": encode_cursor(5),
    }
    second = await orders.data(query, {"first": 5, "after": page["pageInfo"]["endCursor"]})
    page = second["orders"]
    assert [n["number"] for n in page["nodes"]] == [o.number for o in catalogue_orders[5:]]
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["hasPreviousPage"] is True


async def test_orders_connection_filters_and_leaves_pending_out(
    orders_app: FastAPI, orders
) -> None:
    catalogue_orders = demo_catalogue().orders
    pending_id = await insert_pending(orders_app, customer_id=3)
    query = """
    query ($status: OrderStatus, $customerId: ID) {
      orders(status: $status, customerId: $customerId) { totalCount nodes { id status } }
    }
    """

    async def ids(**variables: Any) -> list[str]:
        data = await orders.data(query, variables)
        assert data["orders"]["totalCount"] == len(data["orders"]["nodes"])
        return [n["id"] for n in data["orders"]["nodes"]]

    assert await ids() == [str(o.id) for o in catalogue_orders]
    assert await ids(status="PENDING") == [str(pending_id)]
    assert await ids(status="DELIVERED") == [
        str(o.id) for o in catalogue_orders if o.status == "DELIVERED"
    ]
    customer_id = catalogue_orders[1].customer_id
    assert await ids(customerId=str(customer_id)) == [
        str(o.id) for o in catalogue_orders if o.customer_id == customer_id
    ]
    assert await ids(customerId="3", status="PENDING") == [str(pending_id)]
    assert await ids(status="CANCELLED") == []


async def test_orders_connection_rejects_bad_arguments(orders) -> None:
    error = await orders.error('{ orders(customerId: "abc") { totalCount } }')
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "customerId", "message": "is not a valid ID"}
    ]
    error = await orders.error("{ orders(first: 0) { totalCount } }")
    assert error["extensions"]["fields"][0]["field"] == "first"
    error = await orders.error('{ orders(after: "nope") { totalCount } }')
    assert error["extensions"]["fields"][0]["field"] == "after"


async def test_order_root_field(orders, helpers) -> None:
    catalogue_orders = demo_catalogue().orders
    data = await orders.data(
        f'{{ order(id: "2") {{ {helpers.ORDER_FIELDS} }} missing: order(id: "999") {{ id }} '
        'bad: order(id: "x") { id } }'
    )
    assert data == {"order": order_json(catalogue_orders[1]), "missing": None, "bad": None}


async def test_migrations_create_the_schema_and_the_counter(orders_app: FastAPI, orders) -> None:
    async with orders_app.state.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {"orders", "order_items", "order_number_counter", "alembic_version"} <= tables
    assert revision == "0001"
    async with orders_app.state.database.sessions() as session:
        counter = await session.scalar(select(OrderNumberCounterRecord.last_number))
    assert counter == len(demo_catalogue().orders)
