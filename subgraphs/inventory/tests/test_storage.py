"""Migrations, database constraints and seeding of the inventory database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from trellis_inventory.app import DEFINITION, create_app
from trellis_inventory.seed import seed
from trellis_inventory.settings import InventorySettings
from trellis_subgraph import Database, DemoSizes, demo_catalogue, upgrade
from trellis_subgraph.migrations import alembic_config
from trellis_subgraph.testing import count_statements, in_process_client, post_graphql

TABLES = {"products", "stock_movements", "stock_reservations", "stock_reservation_items"}


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def run_alembic(database: Database, step: Callable[..., Any], revision: str) -> None:
    config = alembic_config(DEFINITION.migrations)

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        step(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def tables_and_revision(database: Database) -> tuple[set[str], str | None]:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    return tables, revision


async def execute(database: Database, statement: str, **params: Any) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(statement), params)


async def test_migrations_create_the_schema_and_downgrade_cleanly(database: Database) -> None:
    await upgrade(database, DEFINITION.migrations)
    tables, revision = await tables_and_revision(database)
    assert TABLES | {"alembic_version"} <= tables
    assert revision == "0002"
    await run_alembic(database, command.downgrade, "0001")
    tables, revision = await tables_and_revision(database)
    assert "stock_movements" not in tables
    assert revision == "0001"
    await upgrade(database, DEFINITION.migrations)
    assert (await tables_and_revision(database))[1] == "0002"


async def test_upgrade_from_0001_keeps_rows_and_constraints(database: Database) -> None:
    await upgrade(database, DEFINITION.migrations, "0001")
    await execute(
        database,
        "INSERT INTO products (id, sku, name, price, currency, stock, reserved) "
        "VALUES (1, 'OLD-1', 'Old', 250, 'USD', 5, 0)",
    )
    await upgrade(database, DEFINITION.migrations)
    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT sku, description, stock, created_at, updated_at FROM products")
            )
        ).one()
    assert row[:3] == ("OLD-1", None, 5)
    assert row.created_at is not None and row.updated_at is not None
    violations = [
        "UPDATE products SET reserved = 6",  # more reserved than in stock
        "UPDATE products SET reserved = -1",
        "UPDATE products SET price = -1",  # 0001's check survived the rebuild
        "INSERT INTO products (id, sku, name, price, currency, stock, reserved, created_at, "
        "updated_at) VALUES (2, 'OLD-1', 'Twin', 1, 'USD', 0, 0, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP)",  # the unique sku survived too
        "INSERT INTO stock_movements (product_id, delta, reason, stock_after, created_at) "
        "VALUES (99, 1, 'x', 1, CURRENT_TIMESTAMP)",  # foreign key
        "INSERT INTO stock_reservations (reference, status, created_at, updated_at) "
        "VALUES ('r', 'LOST', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    ]
    for statement in violations:
        with pytest.raises(IntegrityError):
            await execute(database, statement)


async def test_seed_loads_products_and_their_initial_movements(database: Database) -> None:
    await upgrade(database, DEFINITION.migrations)
    catalogue = demo_catalogue(sizes=DemoSizes(customers=1, products=2000, invoices=0))
    with count_statements(database.engine) as log:
        async with database.write() as session:
            assert await seed(session, catalogue) is True
    assert log.count <= 6, log.statements  # bulk inserts, not one statement per row
    async with database.engine.connect() as connection:
        products = (
            await connection.execute(
                text("SELECT count(*), sum(stock), sum(reserved) FROM products")
            )
        ).one()
        movements = (
            await connection.execute(
                text(
                    "SELECT count(*), sum(delta) FROM stock_movements WHERE reason = 'initial stock'"
                )
            )
        ).one()
        mismatched = await connection.scalar(
            text(
                "SELECT count(*) FROM products p WHERE p.stock <> "
                "(SELECT coalesce(sum(m.delta), 0) FROM stock_movements m WHERE m.product_id = p.id)"
            )
        )
    stocked = [p for p in catalogue.products if p.stock > 0]
    assert tuple(products) == (2000, sum(p.stock for p in catalogue.products), 0)
    assert tuple(movements) == (len(stocked), sum(p.stock for p in stocked))
    assert mismatched == 0
    async with database.write() as session:
        assert await seed(session, catalogue) is False


async def test_app_seeds_once_and_new_rows_get_fresh_ids(database_url: str) -> None:
    settings = InventorySettings(database_url=database_url, registry_url=None)
    for attempt in range(2):
        async with in_process_client(create_app(settings)) as client:
            body = await post_graphql(client, "{ products { totalCount } }")
            assert body["data"]["products"]["totalCount"] == 16 + attempt
            body = await post_graphql(
                client,
                'mutation ($sku: String!) { createProduct(input: {sku: $sku, name: "New", '
                'price: {amount: 1, currency: "USD"}, stock: 3}) { id stockMovements { id } } }',
                {"sku": f"NEW-{attempt}"},
            )
            assert "errors" not in body, body
            created = body["data"]["createProduct"]
            assert created["id"] == str(17 + attempt)  # sequences moved past the seeded ids
            assert len(created["stockMovements"]) == 1
