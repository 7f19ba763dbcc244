"""deleteCustomer: refused while billing or orders hold anything, never blind (both DBs).

Billing and orders are the real subgraphs served on free ports (seeded with the demo
catalogue); the cases the real orders app cannot produce (orders without invoices, an error
answer) use the stand-in ``OrdersStub`` of ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from trellis_subgraph import demo_catalogue
from trellis_subgraph.testing import in_process_client, post_graphql

DELETE = "mutation ($id: ID!) { deleteCustomer(id: $id) }"
GET = "query ($id: ID!) { customer(id: $id) { id } }"
CREATE = """
mutation ($email: String!) { createCustomer(input: {name: "Brand New", email: $email}) { id } }
"""

CATALOGUE = demo_catalogue()


def invoices_of(customer_id: int) -> int:
    return sum(1 for invoice in CATALOGUE.invoices if invoice.customer_id == customer_id)


def orders_of(customer_id: int) -> int:
    return sum(1 for order in CATALOGUE.orders if order.customer_id == customer_id)


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert isinstance(error, dict)
    return error


async def exists(client: httpx.AsyncClient, id_: str) -> bool:
    body = await post_graphql(client, GET, {"id": id_})
    return body["data"]["customer"] is not None


@pytest.fixture
async def peered(
    make_app: Callable[..., FastAPI], billing_url: str, orders_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The customers app with the real billing and orders subgraphs as peers."""
    app = make_app({"billing": billing_url, "orders": orders_url})
    async with in_process_client(app) as client:
        yield client


@pytest.fixture
async def stubbed(
    make_app: Callable[..., FastAPI], billing_url: str, orders_stub: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The customers app with the real billing and the orders stand-in as peers."""
    app = make_app({"billing": billing_url, "orders": orders_stub.url})
    async with in_process_client(app) as client:
        yield client


async def test_delete_is_refused_while_billing_and_orders_hold_something(
    peered: httpx.AsyncClient,
) -> None:
    # The demo catalogue: customer 8 has 6 invoices and 3 orders, customer 3 one invoice only.
    assert (invoices_of(8), orders_of(8), invoices_of(3), orders_of(3)) == (6, 3, 1, 0)
    error = only_error(await post_graphql(peered, DELETE, {"id": "8"}))
    assert error["message"] == (
        "Customer 8 has 6 invoices and 3 orders; "
        "a customer with invoices or orders cannot be deleted"
    )
    assert error["extensions"] == {"code": "CONFLICT", "id": "8", "invoices": 6, "orders": 3}
    error = only_error(await post_graphql(peered, DELETE, {"id": "3"}))
    assert error["message"].startswith("Customer 3 has 1 invoice and 0 orders;")
    assert error["extensions"] == {"code": "CONFLICT", "id": "3", "invoices": 1, "orders": 0}
    assert await exists(peered, "8")
    assert await exists(peered, "3")


async def test_delete_of_a_customer_without_invoices_or_orders_succeeds(
    peered: httpx.AsyncClient,
) -> None:
    created = await post_graphql(peered, CREATE, {"email": "short.lived@example.com"})
    new_id = created["data"]["createCustomer"]["id"]
    assert new_id == "13"
    body = await post_graphql(peered, DELETE, {"id": new_id})
    assert body == {"data": {"deleteCustomer": "13"}}
    assert not await exists(peered, "13")
    total = await post_graphql(peered, "{ customers { totalCount } }")
    assert total["data"]["customers"]["totalCount"] == 12
    again = only_error(await post_graphql(peered, DELETE, {"id": "13"}))
    assert again["extensions"] == {"code": "NOT_FOUND", "typename": "Customer", "id": "13"}
    # The email is free again; the id of the deleted customer is never given out again.
    recreated = await post_graphql(peered, CREATE, {"email": "short.lived@example.com"})
    assert recreated == {"data": {"createCustomer": {"id": "14"}}}


async def test_delete_is_refused_when_only_orders_has_orders(
    stubbed: httpx.AsyncClient, orders_stub: Any
) -> None:
    created = await post_graphql(stubbed, CREATE, {"email": "orders.only@example.com"})
    new_id = created["data"]["createCustomer"]["id"]
    orders_stub.counts[new_id] = 2
    error = only_error(await post_graphql(stubbed, DELETE, {"id": new_id}))
    assert error["extensions"] == {"code": "CONFLICT", "id": new_id, "invoices": 0, "orders": 2}
    assert error["message"].startswith(f"Customer {new_id} has 0 invoices and 2 orders;")
    assert orders_stub.asked == [new_id]
    assert await exists(stubbed, new_id)
    orders_stub.counts[new_id] = 0
    assert await post_graphql(stubbed, DELETE, {"id": new_id}) == {
        "data": {"deleteCustomer": new_id}
    }
    assert orders_stub.asked == [new_id, new_id]


async def test_delete_unknown_or_malformed_id_asks_no_peer(
    stubbed: httpx.AsyncClient, orders_stub: Any
) -> None:
    error = only_error(await post_graphql(stubbed, DELETE, {"id": "4040"}))
    assert error["extensions"] == {"code": "NOT_FOUND", "typename": "Customer", "id": "4040"}
    error = only_error(await post_graphql(stubbed, DELETE, {"id": "-1"}))
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "id", "message": "is not a customer id"}],
    }
    assert orders_stub.asked == []


@pytest.mark.parametrize("down", ["billing", "orders"])
async def test_delete_is_refused_when_a_peer_cannot_be_asked(
    make_app: Callable[..., FastAPI],
    billing_url: str,
    orders_url: str,
    closed_url: Callable[[], str],
    down: str,
) -> None:
    peer_urls = {"billing": billing_url, "orders": orders_url, down: closed_url()}
    async with in_process_client(make_app(peer_urls)) as client:
        created = await post_graphql(client, CREATE, {"email": "careful@example.com"})
        new_id = created["data"]["createCustomer"]["id"]
        error = only_error(await post_graphql(client, DELETE, {"id": new_id}))
        assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "service": down}
        assert error["message"].startswith(f"The {down} service is unavailable: cannot connect")
        assert await exists(client, new_id)


async def test_delete_passes_a_peer_error_on_and_keeps_the_customer(
    stubbed: httpx.AsyncClient, orders_stub: Any
) -> None:
    orders_stub.error = {"message": "orders is read-only", "extensions": {"code": "FORBIDDEN"}}
    created = await post_graphql(stubbed, CREATE, {"email": "kept@example.com"})
    new_id = created["data"]["createCustomer"]["id"]
    error = only_error(await post_graphql(stubbed, DELETE, {"id": new_id}))
    assert error["message"] == "orders is read-only"
    assert error["extensions"] == {"code": "FORBIDDEN", "service": "orders"}
    assert await exists(stubbed, new_id)
