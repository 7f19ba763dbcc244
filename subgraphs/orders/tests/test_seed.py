"""Seeding the orders database from the demo catalogue (bulk inserts, counter, sequences)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from trellis_orders import repository
from trellis_orders.app import DEFINITION
from trellis_orders.models import OrderItemRecord, OrderRecord
from trellis_subgraph import Database, DemoSizes, demo_catalogue
from trellis_subgraph.cli import seed


async def test_seed_loads_the_catalogue_orders_once(database_url: str, helpers) -> None:
    sizes = DemoSizes(customers=300, products=60, invoices=3000)
    catalogue = demo_catalogue(sizes=sizes)
    settings = helpers.settings(database_url)
    assert await seed(DEFINITION, settings, sizes) is True
    assert await seed(DEFINITION, settings, sizes) is False  # the tables hold data now

    database = Database.connect(database_url)
    try:
        async with database.sessions() as session:
            orders = await session.scalar(select(func.count()).select_from(OrderRecord))
            items = await session.scalar(select(func.count()).select_from(OrderItemRecord))
            last = await session.get(OrderRecord, catalogue.orders[-1].id)
        assert orders == len(catalogue.orders) > 500
        assert items == sum(len(o.items) for o in catalogue.orders)
        assert last is not None
        assert last.number == catalogue.orders[-1].number
        assert last.saga_reference == last.idempotency_key == f"demo-order-{last.id}"
        assert last.status in ("SHIPPED", "DELIVERED")
        assert last.lease_until is None

        # New orders follow the seeded ones: the counter and the id sequence moved on.
        async with database.write() as session:
            number = await repository.next_order_number(session)
            now = datetime.now(UTC)
            record = await repository.insert_pending(
                session,
                number=f"ORD-{number:06d}",
                customer_id=1,
                items=[repository.NewItem(product_id=1, quantity=1)],
                idempotency_key="after-seed",
                saga_reference="after-seed",
                lease_until=now,
                now=now,
            )
        assert number == len(catalogue.orders) + 1
        assert record.id == len(catalogue.orders) + 1
    finally:
        await database.dispose()
