"""``placeOrder`` against the REAL customers, inventory and billing subgraphs."""

from __future__ import annotations

from datetime import datetime, timedelta


async def test_place_order_reserves_stock_and_issues_the_invoice(system, helpers) -> None:
    lamp = await system.create_product(stock=10, price=1250)
    rope = await system.create_product(stock=5, price=399)
    before = datetime.now().astimezone()
    body = await system.place("order-1", helpers.items((lamp, 2), (rope, 1), (lamp, 1)))
    assert "errors" not in body, body["errors"]
    order = body["data"]["placeOrder"]
    assert order["number"] == "ORD-000001"
    assert order["status"] == "CONFIRMED"
    assert order["customer"] == {"id": "1"}
    # Duplicate products are merged by summing, first occurrence first.
    assert order["items"] == [
        {"product": {"id": lamp}, "quantity": 3},
        {"product": {"id": rope}, "quantity": 1},
    ]
    assert order["invoice"] is not None
    placed_at = datetime.fromisoformat(order["placedAt"])
    confirmed_at = datetime.fromisoformat(order["confirmedAt"])
    assert before <= placed_at <= confirmed_at
    assert order["updatedAt"] == order["confirmedAt"]
    assert placed_at.utcoffset() == timedelta(0)
    assert [order[f] for f in ("paidAt", "shippedAt", "deliveredAt", "cancelledAt")] == [None] * 4

    assert await system.product(lamp) == {"stock": 10, "reserved": 3, "available": 7}
    assert await system.product(rope) == {"stock": 5, "reserved": 1, "available": 4}
    invoices = await system.invoices()
    assert invoices == [
        {
            "id": order["invoice"]["id"],
            "status": "OPEN",
            "customer": {"id": "1"},
            "total": {"amount": 3 * 1250 + 399, "currency": "USD"},
            "items": [
                {"product": {"id": lamp}, "quantity": 3},
                {"product": {"id": rope}, "quantity": 1},
            ],
        }
    ]
    data = await system.orders.data(
        f'{{ order(id: "{order["id"]}") {{ {helpers.ORDER_FIELDS} }} }}'
    )
    assert data["order"] == order


async def test_a_retry_with_the_same_key_returns_the_first_order_and_changes_nothing(
    system, helpers
) -> None:
    lamp = await system.create_product(stock=10)
    items = helpers.items((lamp, 4))
    first = await system.place("same-key", items)
    assert "errors" not in first, first["errors"]
    for _ in range(2):
        again = await system.place("same-key", helpers.items((lamp, 1), (lamp, 3)))
        assert again == first
    assert await system.product(lamp) == {"stock": 10, "reserved": 4, "available": 6}
    assert len(await system.invoices()) == 1
    assert await system.order_count() == 1
    assert await system.order_count("PENDING") == 0


async def test_a_key_reused_with_other_arguments_is_a_conflict(system, helpers) -> None:
    lamp = await system.create_product(stock=10)
    first = await system.place("reused", helpers.items((lamp, 1)))
    assert "errors" not in first, first["errors"]
    for items, customer in ((helpers.items((lamp, 2)), "1"), (helpers.items((lamp, 1)), "2")):
        body = await system.place("reused", items, customer_id=customer)
        error = body["errors"][0]
        assert error["extensions"]["code"] == "CONFLICT"
        assert error["extensions"]["status"] == "CONFIRMED"
        assert "idempotency key reused with different arguments" in error["message"]
    assert await system.product(lamp) == {"stock": 10, "reserved": 1, "available": 9}
    assert len(await system.invoices()) == 1


async def test_out_of_stock_leaves_no_order_no_reservation_and_no_open_invoice(
    system, helpers
) -> None:
    plenty = await system.create_product(stock=50)
    scarce = await system.create_product(stock=3)
    body = await system.place("too-many", helpers.items((plenty, 2), (scarce, 5)))
    error = body["errors"][0]
    assert error["extensions"]["code"] == "OUT_OF_STOCK"
    assert error["extensions"]["items"] == [{"productId": scarce, "requested": 5, "available": 3}]
    assert body["data"] is None
    assert await system.product(plenty) == {"stock": 50, "reserved": 0, "available": 50}
    assert await system.product(scarce) == {"stock": 3, "reserved": 0, "available": 3}
    assert await system.invoices() == []
    assert await system.order_count() == 0
    assert await system.order_count("PENDING") == 0
    # Once stock arrives, the same key places the order.
    await system.inventory.data(
        'mutation ($id: ID!) { adjustStock(productId: $id, delta: 2, reason: "delivery") { id } }',
        {"id": scarce},
    )
    body = await system.place("too-many", helpers.items((plenty, 2), (scarce, 5)))
    assert body["data"]["placeOrder"]["status"] == "CONFIRMED"
    assert await system.product(scarce) == {"stock": 5, "reserved": 5, "available": 0}


async def test_an_unknown_customer_is_not_found_and_the_stock_is_released(system, helpers) -> None:
    lamp = await system.create_product(stock=10)
    body = await system.place("who", helpers.items((lamp, 2)), customer_id="999999")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["typename"] == "Customer"
    assert await system.product(lamp) == {"stock": 10, "reserved": 0, "available": 10}
    assert await system.invoices() == []
    assert await system.order_count("PENDING") == 0
    assert await system.order_count() == 0


async def test_an_unknown_product_is_not_found(system, helpers) -> None:
    lamp = await system.create_product(stock=10)
    body = await system.place("what", helpers.items((lamp, 1), ("987654", 1)))
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["typename"] == "Product"
    assert await system.product(lamp) == {"stock": 10, "reserved": 0, "available": 10}
    assert await system.invoices() == []
    assert await system.order_count("PENDING") == 0


async def test_customer_orders_list_placed_orders_newest_first(system, helpers) -> None:
    lamp = await system.create_product(stock=10)
    numbers = []
    for key in ("a", "b", "c"):
        body = await system.place(key, helpers.items((lamp, 1)), customer_id="2")
        numbers.append(body["data"]["placeOrder"]["number"])
    data = await system.orders.data(
        """
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) { ... on Customer { orders { number status } } }
        }
        """,
        {"reps": [{"__typename": "Customer", "id": "2"}]},
    )
    assert data["_entities"] == [
        {"orders": [{"number": n, "status": "CONFIRMED"} for n in reversed(numbers)]}
    ]
