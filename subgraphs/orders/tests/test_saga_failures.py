"""The saga under load and under failure, against the REAL peers: concurrent orders for scarce
stock, and inventory going down in the middle of a placeOrder."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from trellis_subgraph.testing import free_port


async def test_fifty_concurrent_orders_for_ten_units(system, helpers) -> None:
    product = await system.create_product(stock=10, price=999)
    bodies = await asyncio.gather(
        *(system.place(f"rush-{i}", helpers.items((product, 1))) for i in range(50))
    )
    outcomes = Counter(
        body["data"]["placeOrder"]["status"]
        if body.get("data")
        else body["errors"][0]["extensions"]["code"]
        for body in bodies
    )
    assert outcomes == {"CONFIRMED": 10, "OUT_OF_STOCK": 40}
    for body in bodies:
        if not body.get("data"):
            assert body["errors"][0]["extensions"]["items"] == [
                {"productId": product, "requested": 1, "available": 0}
            ]
    assert await system.product(product) == {"stock": 10, "reserved": 10, "available": 0}
    invoices = await system.invoices()
    assert len(invoices) == 10
    assert {i["status"] for i in invoices} == {"OPEN"}
    confirmed = [b["data"]["placeOrder"] for b in bodies if b.get("data")]
    assert sorted(i["id"] for i in invoices) == sorted(o["invoice"]["id"] for o in confirmed)
    assert len({o["number"] for o in confirmed}) == 10
    assert await system.order_count() == 10
    assert await system.order_count("CONFIRMED") == 10
    assert await system.order_count("PENDING") == 0


async def test_concurrent_calls_with_one_key_place_one_order(system, helpers) -> None:
    product = await system.create_product(stock=10)
    bodies = await asyncio.gather(
        *(system.place("one-key", helpers.items((product, 3))) for _ in range(8))
    )
    orders = [b["data"]["placeOrder"] for b in bodies if b.get("data")]
    errors = [b["errors"][0] for b in bodies if not b.get("data")]
    assert orders, errors
    assert {o["id"] for o in orders} == {orders[0]["id"]}
    assert {o["status"] for o in orders} == {"CONFIRMED"}
    for error in errors:  # calls that overlapped the first one's saga are told to retry
        assert error["extensions"]["code"] == "CONFLICT"
        assert error["extensions"]["status"] == "PENDING"
    assert await system.product(product) == {"stock": 10, "reserved": 3, "available": 7}
    assert len(await system.invoices()) == 1
    assert await system.order_count() == 1
    retry = await system.place("one-key", helpers.items((product, 3)))
    assert retry["data"]["placeOrder"] == orders[0]


async def stop_inventory_after_the_reservation(
    system, helpers, product: str, key: str
) -> dict[str, Any]:
    """Place an order; once inventory holds its stock, stop inventory (billing cannot price the
    invoice: its inventory URL is a closed port). Returns the placeOrder response."""
    placing = asyncio.create_task(system.place(key, helpers.items((product, 2))))

    async def reserved() -> bool:
        reserved_units: int = (await system.product(product))["reserved"]
        return reserved_units == 2

    await helpers.eventually(reserved, what="inventory to hold the order's stock")
    await system.stop_inventory()
    body: dict[str, Any] = await placing
    return body


async def test_inventory_down_mid_saga_is_recovered_by_the_loop(start_system, helpers) -> None:
    billing_inventory = free_port()  # nothing listens here until inventory comes back
    system = await start_system(
        billing_inventory_port=billing_inventory,
        recovery_interval_seconds=0.1,
        orders_peer_attempts=2,
        billing_peer_attempts=4,
        billing_peer_backoff_seconds=0.4,
    )
    product = await system.create_product(stock=5, price=700)
    body = await stop_inventory_after_the_reservation(system, helpers, product, "down-1")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["service"] == "inventory"
    # The rollback could not release the stock: the order stays PENDING for recovery, and
    # recovery rounds keep failing while inventory is down.
    assert await system.order_count("PENDING") == 1
    await asyncio.sleep(0.5)
    assert await system.order_count("PENDING") == 1
    assert await system.invoices() == []

    await system.start_inventory(also_on=billing_inventory)

    async def recovered() -> bool:
        pending: int = await system.order_count("PENDING")
        reserved_units: int = (await system.product(product))["reserved"]
        return pending == 0 and reserved_units == 0

    await helpers.eventually(recovered, what="the recovery loop to roll the order back")
    assert await system.product(product) == {"stock": 5, "reserved": 0, "available": 5}

    # The client's retry with the same key now completes.
    body = await system.place("down-1", helpers.items((product, 2)))
    assert "errors" not in body, body["errors"]
    order = body["data"]["placeOrder"]
    assert order["status"] == "CONFIRMED"
    assert await system.product(product) == {"stock": 5, "reserved": 2, "available": 3}
    invoices = await system.invoices()
    assert [(i["id"], i["status"]) for i in invoices] == [(order["invoice"]["id"], "OPEN")]
    assert await system.order_count() == 1
    assert await system.order_count("PENDING") == 0


async def test_inventory_down_mid_saga_is_recovered_by_the_retry(start_system, helpers) -> None:
    billing_inventory = free_port()
    system = await start_system(
        billing_inventory_port=billing_inventory,
        orders_peer_attempts=2,
        billing_peer_attempts=4,
        billing_peer_backoff_seconds=0.4,
    )  # the recovery loop is too slow to matter here: the retry takes the order over itself
    product = await system.create_product(stock=5, price=700)
    body = await stop_inventory_after_the_reservation(system, helpers, product, "down-2")
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    pending = await system.orders.data(
        "{ orders(status: PENDING) { nodes { id number status invoice { id } items { quantity } } } }"
    )
    [stale] = pending["orders"]["nodes"]
    assert stale["status"] == "PENDING"
    assert stale["invoice"] is None
    assert stale["items"] == [{"quantity": 2}]

    # While inventory is down, a retry takes the order over, fails to roll it back, says so.
    body = await system.place("down-2", helpers.items((product, 2)))
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert body["errors"][0]["extensions"]["service"] == "inventory"

    await system.start_inventory(also_on=billing_inventory)
    body = await system.place("down-2", helpers.items((product, 2)))
    assert "errors" not in body, body["errors"]
    order = body["data"]["placeOrder"]
    assert order["status"] == "CONFIRMED"
    assert order["id"] != stale["id"]
    assert order["number"] != stale["number"]
    # The first attempt's reservation was released; only the completed order holds stock.
    assert await system.product(product) == {"stock": 5, "reserved": 2, "available": 3}
    assert await system.order_count("PENDING") == 0
    assert await system.order_count() == 1
    assert [i["status"] for i in await system.invoices()] == ["OPEN"]
