"""createCustomer and updateCustomer: happy paths, field errors, email conflicts (both DBs)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from trellis_customers import repository
from trellis_subgraph import demo_catalogue
from trellis_subgraph.testing import post_graphql

FIELDS = """
  id name email phone
  address { line1 line2 city postalCode country }
  createdAt updatedAt
"""

CREATE = f"""
mutation ($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{ {FIELDS} }} }}
"""

UPDATE = f"""
mutation ($id: ID!, $input: UpdateCustomerInput!) {{
  updateCustomer(id: $id, input: $input) {{ {FIELDS} }}
}}
"""

GET = f"query ($id: ID!) {{ customer(id: $id) {{ {FIELDS} }} }}"

COUNT = "{ customers { totalCount } }"

CATALOGUE = demo_catalogue()

ADDRESS = {
    "line1": "  1 Analytical Way ",
    "line2": "Flat 2",
    "city": "London",
    "postalCode": "N1 9GU",
    "country": "GB",
}


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert isinstance(error, dict)
    return error


def fields(error: dict[str, Any]) -> dict[str, str]:
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return {f["field"]: f["message"] for f in error["extensions"]["fields"]}


async def total(client: httpx.AsyncClient) -> int:
    count: int = (await post_graphql(client, COUNT))["data"]["customers"]["totalCount"]
    return count


# -- createCustomer ---------------------------------------------------------------------------


async def test_create_customer_trims_lowercases_and_persists(client: httpx.AsyncClient) -> None:
    started = datetime.now(UTC)
    body = await post_graphql(
        client,
        CREATE,
        {
            "input": {
                "name": "  Ada Byron  ",
                "email": " Ada.Byron@Example.ORG ",
                "phone": " +44 (20) 7946-0001 ",
                "address": ADDRESS,
            }
        },
    )
    assert "errors" not in body, body
    created = body["data"]["createCustomer"]
    assert {k: v for k, v in created.items() if k not in ("createdAt", "updatedAt")} == {
        "id": "13",
        "name": "Ada Byron",
        "email": "ada.byron@example.org",
        "phone": "+44 (20) 7946-0001",
        "address": {
            "line1": "1 Analytical Way",
            "line2": "Flat 2",
            "city": "London",
            "postalCode": "N1 9GU",
            "country": "GB",
        },
    }
    created_at = datetime.fromisoformat(created["createdAt"])
    assert created_at.utcoffset() == timedelta(0)
    assert started <= created_at <= datetime.now(UTC)
    assert created["updatedAt"] == created["createdAt"]
    again = await post_graphql(client, GET, {"id": "13"})
    assert again == {"data": {"customer": created}}
    assert await total(client) == 13


async def test_create_customer_without_phone_or_address(client: httpx.AsyncClient) -> None:
    body = await post_graphql(
        client, CREATE, {"input": {"name": "Grace", "email": "grace@navy.mil"}}
    )
    created = body["data"]["createCustomer"]
    assert (created["name"], created["email"], created["phone"], created["address"]) == (
        "Grace",
        "grace@navy.mil",
        None,
        None,
    )
    blank = await post_graphql(
        client,
        CREATE,
        {
            "input": {
                "name": "Alan",
                "email": "alan@bletchley.uk",
                "phone": "   ",
                "address": {**ADDRESS, "line2": " "},
            }
        },
    )
    created = blank["data"]["createCustomer"]
    assert created["phone"] is None
    assert created["address"]["line2"] is None


async def test_create_customer_reports_each_invalid_field(client: httpx.AsyncClient) -> None:
    body = await post_graphql(
        client,
        CREATE,
        {
            "input": {
                "name": "   ",
                "email": "not-an-email",
                "phone": "call me",
                "address": {**ADDRESS, "country": "gb", "city": ""},
            }
        },
    )
    error = only_error(body)
    assert fields(error) == {
        "input.name": "must not be empty",
        "input.email": "value is not a valid email address: An email address must have an @-sign.",
        "input.phone": "must be 5 to 32 characters of digits, spaces and + - ( )",
        "input.address.city": "must not be empty",
        "input.address.country": "must be an ISO 3166-1 alpha-2 code (2 uppercase letters, e.g. GB)",
    }
    assert error["message"].startswith("Invalid input: input.name: must not be empty")
    assert await total(client) == 12


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "ada@example"}, "input.email"),
        ({"email": "two@@example.com"}, "input.email"),
        ({"name": "x" * 201}, "input.name"),
        ({"phone": "1234"}, "input.phone"),
        ({"phone": "1" * 33}, "input.phone"),
        ({"address": {**ADDRESS, "country": "GBR"}}, "input.address.country"),
        ({"address": {**ADDRESS, "postalCode": "  "}}, "input.address.postalCode"),
    ],
)
async def test_create_customer_rejects_one_bad_field(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    valid = {"name": "Valid Name", "email": "valid@example.com"}
    body = await post_graphql(client, CREATE, {"input": {**valid, **overrides}})
    assert list(fields(only_error(body))) == [field]
    assert await total(client) == 12


async def test_duplicate_email_is_a_conflict_regardless_of_case(
    client: httpx.AsyncClient,
) -> None:
    taken = CATALOGUE.customers[0].email
    for email in (taken, taken.upper(), f"  {taken.title()} "):
        body = await post_graphql(client, CREATE, {"input": {"name": "Copy", "email": email}})
        error = only_error(body)
        assert error["extensions"] == {"code": "CONFLICT", "email": taken}
        assert error["message"] == f"A customer with email {taken} already exists"
    assert await total(client) == 12


async def test_unique_constraint_catches_the_race_the_pre_check_misses(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def nobody(_session: Any, _email: str) -> None:
        return None  # as if the other writer committed just after the check

    monkeypatch.setattr(repository, "customer_id_by_email", nobody)
    taken = CATALOGUE.customers[1].email
    body = await post_graphql(client, CREATE, {"input": {"name": "Racer", "email": taken.upper()}})
    assert only_error(body)["extensions"] == {"code": "CONFLICT", "email": taken}
    body = await post_graphql(client, UPDATE, {"id": "1", "input": {"email": taken}})
    assert only_error(body)["extensions"] == {"code": "CONFLICT", "email": taken}
    assert await total(client) == 12
    still = await post_graphql(client, GET, {"id": "1"})
    assert still["data"]["customer"]["email"] == CATALOGUE.customers[0].email


async def test_concurrent_creates_of_one_email_make_one_customer(
    client: httpx.AsyncClient,
) -> None:
    bodies = await asyncio.gather(
        *(
            post_graphql(
                client,
                CREATE,
                {"input": {"name": f"Twin {i}", "email": f"TWIN@example.com{' ' * i}"}},
            )
            for i in range(6)
        )
    )
    created = [b for b in bodies if b.get("data") and b["data"]["createCustomer"]]
    conflicts = [b for b in bodies if b.get("errors")]
    assert len(created) == 1
    assert [only_error(b)["extensions"]["code"] for b in conflicts] == ["CONFLICT"] * 5
    search = await post_graphql(client, '{ customers(search: "twin@") { totalCount } }')
    assert search["data"]["customers"]["totalCount"] == 1


# -- updateCustomer ---------------------------------------------------------------------------


async def test_update_changes_only_the_given_fields(client: httpx.AsyncClient) -> None:
    seeded = CATALOGUE.customers[0]
    body = await post_graphql(client, UPDATE, {"id": "1", "input": {"name": "  Ada King "}})
    updated = body["data"]["updateCustomer"]
    assert updated["name"] == "Ada King"
    assert updated["email"] == seeded.email
    assert updated["phone"] == seeded.phone
    assert seeded.address is not None
    assert updated["address"]["line1"] == seeded.address.line1
    assert updated["createdAt"] == seeded.created_at.isoformat()
    assert datetime.fromisoformat(updated["updatedAt"]) > datetime.now(UTC) - timedelta(minutes=5)
    assert (await post_graphql(client, GET, {"id": "1"}))["data"]["customer"] == updated


async def test_update_sets_and_clears_phone_and_address(client: httpx.AsyncClient) -> None:
    body = await post_graphql(
        client,
        UPDATE,
        {"id": "2", "input": {"phone": "+1 555 0100", "address": ADDRESS, "email": "G@X.IO"}},
    )
    updated = body["data"]["updateCustomer"]
    assert (updated["phone"], updated["email"], updated["address"]["country"]) == (
        "+1 555 0100",
        "g@x.io",
        "GB",
    )
    cleared = await post_graphql(
        client, UPDATE, {"id": "2", "input": {"phone": None, "address": None}}
    )
    customer = cleared["data"]["updateCustomer"]
    assert (customer["phone"], customer["address"], customer["email"]) == (None, None, "g@x.io")
    replaced = await post_graphql(
        client,
        UPDATE,
        {
            "id": "2",
            "input": {
                "address": {
                    "line1": "9 Rue X",
                    "city": "Paris",
                    "postalCode": "75002",
                    "country": "FR",
                }
            },
        },
    )
    assert replaced["data"]["updateCustomer"]["address"] == {
        "line1": "9 Rue X",
        "line2": None,
        "city": "Paris",
        "postalCode": "75002",
        "country": "FR",
    }


async def test_update_without_a_change_keeps_updated_at(client: httpx.AsyncClient) -> None:
    seeded = CATALOGUE.customers[2]
    for update in ({}, {"name": seeded.name, "email": seeded.email.upper(), "phone": None}):
        body = await post_graphql(client, UPDATE, {"id": "3", "input": update})
        assert body["data"]["updateCustomer"]["updatedAt"] == seeded.created_at.isoformat()


async def test_update_rejects_null_name_and_email_and_bad_fields(
    client: httpx.AsyncClient,
) -> None:
    body = await post_graphql(client, UPDATE, {"id": "1", "input": {"name": None, "email": None}})
    assert fields(only_error(body)) == {
        "input.name": "must not be null",
        "input.email": "must not be null",
    }
    body = await post_graphql(
        client,
        UPDATE,
        {"id": "1", "input": {"email": "nope@", "address": {**ADDRESS, "country": "XXX"}}},
    )
    assert set(fields(only_error(body))) == {"input.email", "input.address.country"}
    unchanged = await post_graphql(client, GET, {"id": "1"})
    assert unchanged["data"]["customer"]["email"] == CATALOGUE.customers[0].email


async def test_update_email_taken_by_another_customer_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    other = CATALOGUE.customers[3].email
    body = await post_graphql(client, UPDATE, {"id": "1", "input": {"email": other.upper()}})
    error = only_error(body)
    assert error["extensions"] == {"code": "CONFLICT", "email": other}
    own = CATALOGUE.customers[0].email
    body = await post_graphql(client, UPDATE, {"id": "1", "input": {"email": own.upper()}})
    assert body["data"]["updateCustomer"]["email"] == own


async def test_update_unknown_or_malformed_id(client: httpx.AsyncClient) -> None:
    body = await post_graphql(client, UPDATE, {"id": "999", "input": {"name": "Nobody"}})
    error = only_error(body)
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Customer", "id": "999"}
    assert error["message"] == "Customer 999 does not exist"
    body = await post_graphql(client, UPDATE, {"id": "one", "input": {"name": "Nobody"}})
    assert fields(only_error(body)) == {"id": "is not a customer id"}
