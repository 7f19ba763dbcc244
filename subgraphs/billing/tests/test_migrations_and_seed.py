"""Migrations and demo data of the billing database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, inspect, text
from trellis_billing.app import DEFINITION, create_app
from trellis_billing.settings import BillingSettings
from trellis_subgraph import Database, demo_catalogue, upgrade
from trellis_subgraph.migrations import alembic_config
from trellis_subgraph.testing import in_process_client, post_graphql

CATALOGUE = demo_catalogue()


async def test_migrations_create_the_schema(billing) -> None:
    async with billing.app.state.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        columns = await connection.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("invoices")}
        )
        indexes = await connection.run_sync(
            lambda c: {i["name"]: i["unique"] for i in inspect(c).get_indexes("invoices")}
        )
    assert {
        "invoices",
        "invoice_items",
        "payments",
        "invoice_number_counter",
        "order_notifications",
        "alembic_version",
    } <= tables
    assert revision == "0002"
    assert {"status", "paid_at", "voided_at", "idempotency_key", "order_id"} <= columns
    assert bool(indexes["uq_invoices_idempotency_key"]) is True


async def test_upgrade_from_0001_keeps_the_invoices_open_and_starts_the_counter(
    database_url: str,
) -> None:
    database = Database.connect(database_url)
    try:
        await upgrade(database, DEFINITION.migrations, "0001")
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO invoices (id, number, issued_at, customer_id, currency) "
                    "VALUES (1, 'INV-0007', :at, 3, 'USD'), (2, 'INV-0012', :at, 4, 'USD')"
                ),
                {"at": datetime(2024, 5, 1, tzinfo=UTC)},
            )
            await connection.execute(
                text(
                    "INSERT INTO invoice_items (invoice_id, position, product_id, quantity, "
                    "unit_price) VALUES (1, 1, 5, 2, 1899), (2, 1, 6, 1, 1499)"
                )
            )
        await upgrade(database, DEFINITION.migrations)
        async with database.engine.connect() as connection:
            invoices = (
                await connection.execute(
                    text("SELECT id, status, paid_at, voided_at FROM invoices ORDER BY id")
                )
            ).all()
            items = await connection.scalar(text("SELECT count(*) FROM invoice_items"))
            last = await connection.scalar(text("SELECT last FROM invoice_number_counter"))
    finally:
        await database.dispose()
    assert [tuple(row) for row in invoices] == [(1, "OPEN", None, None), (2, "OPEN", None, None)]
    assert items == 2  # adding the columns did not rebuild (and empty) the tables
    assert last == 12


async def test_seed_loads_statuses_payments_orders_and_the_counter(billing) -> None:
    statuses = await billing.sql("SELECT status, count(*) FROM invoices GROUP BY status")
    assert dict(statuses) == {
        status: sum(1 for i in CATALOGUE.invoices if i.status == status)
        for status in ("OPEN", "PAID", "VOID")
    }
    payments = await billing.sql("SELECT count(*), sum(amount) FROM payments")
    assert payments == [
        (
            sum(len(i.payments) for i in CATALOGUE.invoices),
            sum(p.amount for i in CATALOGUE.invoices for p in i.payments),
        )
    ]
    orders = await billing.sql(
        "SELECT id, order_id FROM invoices WHERE order_id IS NOT NULL ORDER BY id"
    )
    assert orders == [(o.invoice_id, o.id) for o in CATALOGUE.orders]
    assert await billing.sql("SELECT last FROM invoice_number_counter") == [(40,)]
    assert await billing.sql("SELECT count(*) FROM order_notifications") == [(0,)]


async def test_seeding_is_idempotent(database_url: str, tmp_path: Path) -> None:
    for _ in range(2):
        settings = BillingSettings(database_url=database_url, registry_url=None, data_dir=tmp_path)
        async with in_process_client(create_app(settings)) as client:
            body = await post_graphql(
                client,
                "{ invoices(first: 100) { totalCount nodes { items { quantity } payments { id } } } }",
            )
            invoices = body["data"]["invoices"]
            assert invoices["totalCount"] == len(CATALOGUE.invoices)
            assert sum(len(i["items"]) for i in invoices["nodes"]) == sum(
                len(i.items) for i in CATALOGUE.invoices
            )
            assert sum(len(i["payments"]) for i in invoices["nodes"]) == sum(
                len(i.payments) for i in CATALOGUE.invoices
            )


async def test_without_demo_data_numbering_starts_at_one(start_billing) -> None:
    async with start_billing(seed_demo_data=False) as billing:
        assert await billing.sql("SELECT last FROM invoice_number_counter") == [(0,)]
        data = await billing.data("{ invoices { totalCount } }")
        assert data == {"invoices": {"totalCount": 0}}


async def test_downgrade_to_0001_keeps_invoices_and_items(start_billing) -> None:
    async with start_billing() as billing:
        database = billing.app.state.database
        config = alembic_config(DEFINITION.migrations)

        def downgrade(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")

        async with database.engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("invoices")}
            )
            counts = (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM invoice_items)"
                    )
                )
            ).one()
        assert not {"payments", "invoice_number_counter", "order_notifications"} & tables
        assert columns == {"id", "number", "issued_at", "customer_id", "currency"}
        assert tuple(counts) == (40, sum(len(i.items) for i in CATALOGUE.invoices))
        await upgrade(database, DEFINITION.migrations)  # and back up again
        assert await billing.sql("SELECT last FROM invoice_number_counter") == [(40,)]
