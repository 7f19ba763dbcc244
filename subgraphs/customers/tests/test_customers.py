"""Queries, federation contract, migrations and seeding of the customers subgraph (both DBs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, DateTime, bindparam, inspect, text
from trellis_customers.app import DEFINITION
from trellis_customers.schema import schema
from trellis_customers.seed import CHUNK_SIZE, seed
from trellis_subgraph import (
    Database,
    DemoCustomer,
    DemoSizes,
    demo_catalogue,
    encode_cursor,
    subgraph_sdl,
    upgrade,
)
from trellis_subgraph.migrations import alembic_config
from trellis_subgraph.testing import count_statements, in_process_client, post_graphql

CUSTOMER_FIELDS = """
  id name email phone
  address { line1 line2 city postalCode country }
  createdAt updatedAt
"""

ENTITIES = f"""
query ($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ ... on Customer {{ {CUSTOMER_FIELDS} }} }}
}}
"""

PAGE = """
query ($first: Int, $after: String, $search: String) {
  customers(first: $first, after: $after, search: $search) {
    edges { cursor node { id name email } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""

CATALOGUE = demo_catalogue()


def representations(*ids: str) -> list[dict[str, str]]:
    return [{"__typename": "Customer", "id": id_} for id_ in ids]


def expected(customer: DemoCustomer) -> dict[str, Any]:
    """The GraphQL value of a seeded customer."""
    created = customer.created_at.isoformat()
    address = customer.address
    return {
        "id": str(customer.id),
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "address": None
        if address is None
        else {
            "line1": address.line1,
            "line2": None,
            "city": address.city,
            "postalCode": address.postal_code,
            "country": address.country,
        },
        "createdAt": created,
        "updatedAt": created,
    }


# -- federation contract ----------------------------------------------------------------------


async def test_service_sdl_declares_key_and_links_federation_v2(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, "{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert sdl == subgraph_sdl(schema)
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert 'type Customer @key(fields: "id") {' in sdl
    assert "union _Entity = Customer" in sdl
    assert "type PageInfo @shareable {" in sdl
    assert (
        'customers(\n    """Page size, 1 to 100."""\n    first: Int = 20\n' in sdl
        and "): CustomerConnection!" in sdl
    )
    assert "createCustomer(input: CreateCustomerInput!): Customer!" in sdl
    assert "updateCustomer(id: ID!, input: UpdateCustomerInput!): Customer!" in sdl
    assert "deleteCustomer(id: ID!): ID!" in sdl


async def test_entities_resolve_in_order_with_unknown_ids_as_null(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(
        client, ENTITIES, {"representations": representations("3", "1", "999", "x", "3", "2")}
    )
    customers = {c.id: c for c in CATALOGUE.customers}
    assert "errors" not in body
    assert body["data"]["_entities"] == [
        expected(customers[3]),
        expected(customers[1]),
        None,
        None,
        expected(customers[3]),
        expected(customers[2]),
    ]
    # Seeded customers: 1 has a phone and an address, 2 a phone only, 3 neither.
    assert body["data"]["_entities"][1]["address"]["country"] == "FR"
    assert body["data"]["_entities"][5]["address"] is None
    assert body["data"]["_entities"][0]["phone"] is None


async def test_entities_batch_costs_one_sql_query(app: FastAPI, client: httpx.AsyncClient) -> None:
    ids = [str(i) for i in range(1, 13)] + ["404"]
    with count_statements(app.state.database.engine) as log:
        body = await post_graphql(client, ENTITIES, {"representations": representations(*ids)})
    assert [e and e["id"] for e in body["data"]["_entities"]] == [*ids[:-1], None]
    assert log.count == 1, log.statements


# -- customer(id) -----------------------------------------------------------------------------


async def test_customer_by_id_returns_every_field(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, f'{{ customer(id: "5") {{ {CUSTOMER_FIELDS} }} }}')
    assert body == {"data": {"customer": expected(CATALOGUE.customers[4])}}
    assert body["data"]["customer"]["createdAt"] == "2023-11-01T15:00:00+00:00"


async def test_unknown_customer_is_null(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, '{ customer(id: "12345") { id } }')
    assert body == {"data": {"customer": None}}


async def test_customer_id_that_does_not_parse_is_bad_user_input(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(client, '{ customer(id: "abc") { id } }')
    assert body["data"] == {"customer": None}
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "id", "message": "is not a customer id"}],
    }


# -- customers connection ---------------------------------------------------------------------


async def test_paging_walks_every_customer_in_id_order(client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        body = await post_graphql(client, PAGE, {"first": 5, "after": after})
        connection = body["data"]["customers"]
        pages += 1
        ids = [edge["node"]["id"] for edge in connection["edges"]]
        assert [node["id"] for node in connection["nodes"]] == ids
        assert [edge["cursor"] for edge in connection["edges"]] == [
            encode_cursor(int(id_)) for id_ in ids
        ]
        assert connection["totalCount"] == 12
        info = connection["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == connection["edges"][0]["cursor"]
        assert info["endCursor"] == connection["edges"][-1]["cursor"]
        seen.extend(ids)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3
    assert seen == [str(c.id) for c in CATALOGUE.customers]
    first = await post_graphql(client, PAGE, {"first": 1})
    assert first["data"]["customers"]["edges"][0]["node"] == {
        "id": "1",
        "name": CATALOGUE.customers[0].name,
        "email": CATALOGUE.customers[0].email,
    }


async def test_default_page_and_page_past_the_end(client: httpx.AsyncClient) -> None:
    body = await post_graphql(
        client, "{ customers { totalCount nodes { id } pageInfo { hasNextPage } } }"
    )
    assert body["data"]["customers"] == {
        "totalCount": 12,
        "nodes": [{"id": str(i)} for i in range(1, 13)],
        "pageInfo": {"hasNextPage": False},
    }
    body = await post_graphql(client, PAGE, {"first": 3, "after": encode_cursor(12)})
    assert body["data"]["customers"]["edges"] == []
    assert body["data"]["customers"]["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_search_matches_name_or_email_case_insensitively(
    client: httpx.AsyncClient,
) -> None:
    def matching(term: str) -> list[str]:
        return [
            str(c.id)
            for c in CATALOGUE.customers
            if term.lower() in c.name.lower() or term.lower() in c.email
        ]

    for term in ("ada", "LOVELACE", "hopper", ".7@", "Grace H"):
        body = await post_graphql(client, PAGE, {"first": 100, "search": term})
        connection = body["data"]["customers"]
        ids = [node["id"] for node in connection["nodes"]]
        assert ids == matching(term), term
        assert connection["totalCount"] == len(ids)
    assert matching("ada") == ["1"]
    assert matching(".7@") == ["7"]
    nothing = await post_graphql(client, PAGE, {"search": "%"})
    assert nothing["data"]["customers"]["totalCount"] == 0
    everything = await post_graphql(client, PAGE, {"search": "  "})
    assert everything["data"]["customers"]["totalCount"] == 12


async def test_search_pages_with_total_count_of_the_matches(client: httpx.AsyncClient) -> None:
    term = "example.com"
    first = await post_graphql(client, PAGE, {"first": 4, "search": term})
    page = first["data"]["customers"]
    assert page["totalCount"] == 12
    assert [n["id"] for n in page["nodes"]] == ["1", "2", "3", "4"]
    after = page["pageInfo"]["endCursor"]
    second = await post_graphql(client, PAGE, {"first": 4, "search": "E", "after": after})
    assert [n["id"] for n in second["data"]["customers"]["nodes"]] == ["5", "6", "7", "8"]


async def test_bad_paging_arguments_are_bad_user_input(client: httpx.AsyncClient) -> None:
    for variables, field in (
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "not-a-cursor"}, "after"),
    ):
        body = await post_graphql(client, PAGE, variables)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert [f["field"] for f in error["extensions"]["fields"]] == [field]


# -- migrations and seeding -------------------------------------------------------------------


async def test_migrations_create_the_schema(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with app.state.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        columns = await connection.run_sync(
            lambda c: {col["name"]: col["nullable"] for col in inspect(c).get_columns("customers")}
        )
        revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {"customers", "accounts", "refresh_tokens", "alembic_version"} <= tables
    assert revision == "0003"
    assert columns == {
        "id": False,
        "name": False,
        "email": False,
        "created_at": False,
        "phone": True,
        "address_line1": True,
        "address_line2": True,
        "address_city": True,
        "address_postal_code": True,
        "address_country": True,
        "updated_at": False,
    }


async def test_revision_0002_upgrades_existing_rows(
    database_url: str, make_app: Callable[..., FastAPI]
) -> None:
    database = Database.connect(database_url)
    try:
        await upgrade(database, DEFINITION.migrations, "0001")
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO customers (id, name, email, created_at) "
                    "VALUES (1, 'Old Timer', 'old@example.com', :created)"
                ).bindparams(bindparam("created", type_=DateTime(timezone=True))),
                {"created": datetime(2020, 5, 1, 12, 0, tzinfo=UTC)},
            )
        before = datetime.now(UTC).replace(microsecond=0)
        await upgrade(database, DEFINITION.migrations, "0002")
        async with database.engine.connect() as connection:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await database.dispose()
    assert revision == "0002"
    # The table is not empty, so the app does not seed it.
    async with in_process_client(make_app()) as client:
        body = await post_graphql(
            client, f"{{ customers {{ totalCount nodes {{ {CUSTOMER_FIELDS} }} }} }}"
        )
    connection = body["data"]["customers"]
    assert connection["totalCount"] == 1
    (old,) = connection["nodes"]
    assert {k: old[k] for k in ("id", "name", "email", "phone", "address", "createdAt")} == {
        "id": "1",
        "name": "Old Timer",
        "email": "old@example.com",
        "phone": None,
        "address": None,
        "createdAt": "2020-05-01T12:00:00+00:00",
    }
    updated_at = datetime.fromisoformat(old["updatedAt"])
    assert updated_at.tzinfo is not None
    assert before <= updated_at <= datetime.now(UTC)


async def test_revision_0002_downgrades_to_0001_and_back(database_url: str) -> None:
    config = alembic_config(DEFINITION.migrations)

    def downgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")

    def columns(connection: Connection) -> list[str]:
        return [column["name"] for column in inspect(connection).get_columns("customers")]

    database = Database.connect(database_url)
    try:
        await upgrade(database, DEFINITION.migrations)
        async with database.engine.begin() as connection:
            await connection.run_sync(downgrade)
            assert await connection.run_sync(columns) == ["id", "name", "email", "created_at"]
        await upgrade(database, DEFINITION.migrations)
        async with database.engine.connect() as connection:
            assert "updated_at" in await connection.run_sync(columns)
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await database.dispose()
    assert revision == "0003"


async def test_seeding_is_idempotent(make_app: Callable[..., FastAPI]) -> None:
    for _ in range(2):
        async with in_process_client(make_app()) as client:
            body = await post_graphql(client, "{ customers(first: 100) { totalCount } }")
            assert body["data"]["customers"]["totalCount"] == len(CATALOGUE.customers)


async def test_seed_bulk_loads_many_customers_and_moves_the_id_sequence(
    database_url: str, make_app: Callable[..., FastAPI]
) -> None:
    sizes = DemoSizes(customers=CHUNK_SIZE + 7, products=5, invoices=0)
    catalogue = demo_catalogue(sizes=sizes)
    database = Database.connect(database_url)
    try:
        await upgrade(database, DEFINITION.migrations)
        async with database.write() as session:
            assert await seed(session, catalogue) is True
        async with database.write() as session:
            assert await seed(session, catalogue) is False
    finally:
        await database.dispose()
    async with in_process_client(make_app()) as client:
        last = catalogue.customers[-1]
        body = await post_graphql(
            client,
            f'{{ customers(first: 1) {{ totalCount }} customer(id: "{last.id}") {{ {CUSTOMER_FIELDS} }} }}',
        )
        assert body["data"]["customers"]["totalCount"] == sizes.customers
        assert body["data"]["customer"] == expected(last)
        created = await post_graphql(
            client,
            'mutation { createCustomer(input: {name: "Next One", email: "next@example.com"}) { id } }',
        )
    assert created == {"data": {"createCustomer": {"id": str(sizes.customers + 1)}}}


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.json() == {"status": "UP"}
