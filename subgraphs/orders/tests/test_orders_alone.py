"""Orders behaviour that needs no peer answer: input validation, claims, lifecycle refusals.

The peers here are ports where nothing listens, so any peer call fails for real (connection
refused).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select
from trellis_orders.app import create_app
from trellis_orders.models import OrderItemRecord, OrderRecord
from trellis_orders.saga import recover_expired_orders
from trellis_subgraph import demo_catalogue
from trellis_subgraph.testing import free_port, in_process_client, post_graphql

TRANSITION = "mutation ($id: ID!) { %s(id: $id) { id number status paidAt shippedAt deliveredAt } }"


def unreachable_peers() -> dict[str, str]:
    return {name: f"http://127.0.0.1:{free_port()}/graphql" for name in ("inventory", "billing")}


async def order_rows(app: FastAPI) -> list[tuple[str, str, datetime | None]]:
    async with app.state.database.sessions() as session:
        result = await session.execute(
            select(OrderRecord.idempotency_key, OrderRecord.status, OrderRecord.lease_until)
            .where(OrderRecord.status == "PENDING")
            .order_by(OrderRecord.id)
        )
        return [(row[0], row[1], row[2]) for row in result.all()]


async def test_place_order_validates_every_field(orders, helpers) -> None:
    error = await orders.error(
        helpers.PLACE_ORDER,
        {
            "customerId": "abc",
            "items": helpers.items(("x", 1), ("2", 0), ("3", 1001)),
            "key": "   ",
        },
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    fields = {f["field"]: f["message"] for f in error["extensions"]["fields"]}
    assert set(fields) == {
        "customerId",
        "items.0.productId",
        "items.1.quantity",
        "items.2.quantity",
        "idempotencyKey",
    }
    assert fields["customerId"] == "is not a valid ID"
    assert fields["items.0.productId"] == "is not a valid ID"
    assert "greater than or equal to 1" in fields["items.1.quantity"]
    assert "less than or equal to 1000" in fields["items.2.quantity"]


async def test_place_order_limits_items_and_key_length(orders, helpers) -> None:
    error = await orders.error(helpers.PLACE_ORDER, {"customerId": "1", "items": [], "key": "k"})
    assert [f["field"] for f in error["extensions"]["fields"]] == ["items"]
    error = await orders.error(
        helpers.PLACE_ORDER,
        {
            "customerId": "1",
            "items": helpers.items(*[(str(i), 1) for i in range(1, 52)]),
            "key": "k",
        },
    )
    assert [f["field"] for f in error["extensions"]["fields"]] == ["items"]
    error = await orders.error(
        helpers.PLACE_ORDER, {"customerId": "1", "items": helpers.items(("1", 1)), "key": "k" * 201}
    )
    assert [f["field"] for f in error["extensions"]["fields"]] == ["idempotencyKey"]


async def test_merged_duplicates_may_not_exceed_1000_units(orders, helpers) -> None:
    error = await orders.error(
        helpers.PLACE_ORDER,
        {"customerId": "1", "items": helpers.items(("1", 600), ("2", 1), ("1", 401)), "key": "k"},
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["items.0.quantity"]


async def test_a_pending_order_under_a_live_lease_is_not_placed_twice(
    orders_app: FastAPI, orders, helpers
) -> None:
    now = datetime.now(UTC)
    async with orders_app.state.database.write() as session:
        session.add(
            OrderRecord(
                number="ORD-777777",
                customer_id=1,
                status="PENDING",
                idempotency_key="in-flight",
                saga_reference="saga-in-flight",
                lease_until=now + timedelta(seconds=60),
                placed_at=now,
                updated_at=now,
            )
        )
    error = await orders.error(
        helpers.PLACE_ORDER,
        {"customerId": "1", "items": helpers.items(("1", 1)), "key": "in-flight"},
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["status"] == "PENDING"
    assert "still being placed; retry later" in error["message"]


async def test_unreachable_inventory_leaves_the_order_pending_for_recovery(
    database_url: str, helpers
) -> None:
    app = create_app(
        helpers.settings(
            database_url,
            seed_demo_data=False,
            peer_urls=unreachable_peers(),
            peer_attempts=2,
            peer_backoff_seconds=0.01,
        )
    )
    async with in_process_client(app) as client:
        body = await post_graphql(
            client,
            helpers.PLACE_ORDER,
            {"customerId": "1", "items": helpers.items(("1", 2)), "key": "lost"},
        )
        error = body["errors"][0]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["service"] == "inventory"
        assert "inventory" in error["message"]
        # The rollback could not reach billing either: the order stays PENDING, lease expired.
        rows = await order_rows(app)
        assert [(key, status) for key, status, _ in rows] == [("lost", "PENDING")]
        lease = rows[0][2]
        assert lease is not None
        assert lease.replace(tzinfo=UTC) <= datetime.now(UTC)
        # A recovery round cannot reach the peers either: the order waits for the next round.
        assert await recover_expired_orders(app.state.services) == 0
        assert [(key, status) for key, status, _ in await order_rows(app)] == [("lost", "PENDING")]
        async with app.state.database.sessions() as session:
            items = await session.scalar(select(func.count()).select_from(OrderItemRecord))
        assert items == 1
        # A retry with the same key takes the order over, and fails the same way.
        body = await post_graphql(
            client,
            helpers.PLACE_ORDER,
            {"customerId": "1", "items": helpers.items(("1", 2)), "key": "lost"},
        )
        assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert [(key, status) for key, status, _ in await order_rows(app)] == [("lost", "PENDING")]


async def test_lifecycle_refusals_and_idempotent_answers_on_demo_orders(orders) -> None:
    shipped = next(o for o in demo_catalogue().orders if o.status == "SHIPPED")
    delivered = next(o for o in demo_catalogue().orders if o.status == "DELIVERED")

    data = await orders.data(TRANSITION % "markOrderPaid", {"id": str(delivered.id)})
    assert data["markOrderPaid"]["status"] == "DELIVERED"
    assert data["markOrderPaid"]["paidAt"] == delivered.paid_at.isoformat()

    for mutation, order, required in (
        ("shipOrder", delivered, "PAID"),
        ("shipOrder", shipped, "PAID"),
        ("cancelOrder", shipped, "CONFIRMED"),
        ("cancelOrder", delivered, "CONFIRMED"),
        ("deliverOrder", delivered, "SHIPPED"),
    ):
        error = await orders.error(TRANSITION % mutation, {"id": str(order.id)})
        assert error["extensions"]["code"] == "CONFLICT", (mutation, error)
        assert error["extensions"]["status"] == order.status
        assert error["message"].startswith(
            f"Order {order.number} is {order.status}; only {required}"
        )

    data = await orders.data(TRANSITION % "deliverOrder", {"id": str(shipped.id)})
    delivered_now = data["deliverOrder"]
    assert delivered_now["status"] == "DELIVERED"
    assert delivered_now["shippedAt"] == shipped.shipped_at.isoformat()
    assert datetime.fromisoformat(delivered_now["deliveredAt"]) > shipped.shipped_at


async def test_lifecycle_mutations_name_bad_and_unknown_ids(orders) -> None:
    for mutation in ("markOrderPaid", "shipOrder", "deliverOrder", "cancelOrder"):
        error = await orders.error(TRANSITION % mutation, {"id": "999999"})
        assert error["extensions"]["code"] == "NOT_FOUND", mutation
        assert error["extensions"]["typename"] == "Order"
        error = await orders.error(TRANSITION % mutation, {"id": "ORD-1"})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", mutation
        assert error["extensions"]["fields"] == [{"field": "id", "message": "is not a valid ID"}]
