"""Identity end to end (issue 10): the customers subgraph's logins and tokens, checked by the
router (JWKS from the customers subgraph, as ``make up`` configures it) and applied by the
subgraphs' ``@requiresScopes`` / ``@policy`` and the owner header.

Everything goes through ``trellis-router serve`` with ``config/defaults/router.yml``; the
subgraphs sit behind recording proxies, so "nothing reached the subgraph" is checked on what
they were sent.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from trellis_customers.tokens import DEMO_SIGNING_KEY_PATH

from .conftest import System

pytestmark = pytest.mark.system

INVOICES = "{ invoices(first: 100) { totalCount nodes { id number customer { id name } } } }"
ORDERS = "{ orders(first: 100) { totalCount nodes { id customer { id } } } }"
PAY = """
mutation Pay($id: ID!, $amount: Int!) {
  recordPayment(invoiceId: $id, amount: $amount, method: CARD) { id balanceDue { amount } }
}
"""
REFRESH = """
mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { accessToken refreshToken } }
"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def _sent_to(system: System, subgraph: str) -> str:
    return json.dumps(system.subgraphs[subgraph].recorded())


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _open_invoice_of(system: System, customer_id: str) -> dict[str, Any]:
    query = "query($c: ID) { invoices(first: 50, status: OPEN, customerId: $c) { nodes { id } } }"
    nodes = system.graphql(query, {"c": customer_id})["data"]["invoices"]["nodes"]
    assert nodes, f"the demo data has open invoices of customer {customer_id}"
    return nodes[0]  # type: ignore[no-any-return]


def test_without_a_token_protected_fields_are_refused_before_any_subgraph(
    system: System,
) -> None:
    for name in ("billing", "customers", "orders"):
        system.subgraphs[name].clear()
    body = system.graphql(INVOICES, as_user=None)
    assert body["data"] is None
    assert _codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    assert body["errors"][0]["path"] == ["invoices"]
    body = system.graphql('{ customers { totalCount } order(id: "1") { id } }', as_user=None)
    assert set(_codes(body)) == {"UNAUTHORIZED_FIELD_OR_TYPE"}
    body = system.graphql("{ me { username } }", as_user=None)
    assert body["data"] == {"me": None}
    assert _codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    invoice = _open_invoice_of(system, "1")
    system.subgraphs["billing"].clear()
    body = system.graphql(PAY, {"id": invoice["id"], "amount": 1}, as_user=None)
    assert body["data"] is None
    assert _codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    assert _sent_to(system, "billing") == "[]"
    assert _sent_to(system, "customers") == "[]"
    assert _sent_to(system, "orders") == "[]"
    # A forged owner header from the client counts for nothing.
    body = system.graphql(INVOICES, as_user=None, **{"x-trellis-customer-id": "1"})
    assert _codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    # The product catalogue stays public.
    body = system.graphql("{ products(first: 2) { nodes { name } } }", as_user=None)
    assert "errors" not in body and body["data"]["products"]["nodes"]


def test_a_customer_reads_only_its_own_invoices_and_orders(system: System) -> None:
    everything = system.graphql(INVOICES)["data"]["invoices"]
    customers = {node["customer"]["id"] for node in everything["nodes"]}
    assert {"1", "2"} <= customers, "the demo data has invoices of customers 1 and 2"
    body = system.graphql(INVOICES, as_user="ada")
    assert "errors" not in body, body
    own = body["data"]["invoices"]
    assert own["nodes"] and {node["customer"]["id"] for node in own["nodes"]} == {"1"}
    assert own["totalCount"] == sum(1 for n in everything["nodes"] if n["customer"]["id"] == "1")
    graces = system.graphql(INVOICES, as_user="grace")["data"]["invoices"]["nodes"]
    assert {node["customer"]["id"] for node in graces} == {"2"}

    other = graces[0]["id"]
    query = "query($id: ID!) { invoice(id: $id) { number } }"
    assert system.graphql(query, {"id": other}, as_user="ada") == {"data": {"invoice": None}}
    assert system.graphql(query, {"id": other}, as_user="grace")["data"]["invoice"]
    body = system.graphql('query { invoices(customerId: "2") { nodes { id } } }', as_user="ada")
    assert _codes(body) == ["FORBIDDEN"]
    assert system.graphql('{ customer(id: "2") { name } }', as_user="ada") == {
        "data": {"customer": None}
    }
    mine = system.graphql('{ customer(id: "1") { name invoices { id } } }', as_user="ada")
    assert "errors" not in mine and mine["data"]["customer"]["name"]
    assert _codes(system.graphql("{ customers { totalCount } }", as_user="ada")) == [
        "UNAUTHORIZED_FIELD_OR_TYPE"
    ]

    orders = system.graphql(ORDERS, as_user="ada")
    assert "errors" not in orders, orders
    assert {node["customer"]["id"] for node in orders["data"]["orders"]["nodes"]} <= {"1"}
    all_orders = system.graphql(ORDERS)["data"]["orders"]
    assert orders["data"]["orders"]["totalCount"] == sum(
        1 for node in all_orders["nodes"] if node["customer"]["id"] == "1"
    )

    # The owner header comes from the verified token only: ada's forged header is replaced.
    system.subgraphs["billing"].clear()
    spoofed = system.graphql(INVOICES, as_user="ada", **{"x-trellis-customer-id": "2"})
    assert {node["customer"]["id"] for node in spoofed["data"]["invoices"]["nodes"]} == {"1"}
    headers = system.subgraphs["billing"].recorded_headers()
    assert headers and all(h.get("x-trellis-customer-id") == "1" for h in headers)
    # Staff send none, whatever the client adds.
    system.subgraphs["billing"].clear()
    staff = system.graphql(INVOICES, as_user="clerk", **{"x-trellis-customer-id": "1"})
    assert staff["data"]["invoices"]["totalCount"] == everything["totalCount"]
    assert all(
        "x-trellis-customer-id" not in h for h in system.subgraphs["billing"].recorded_headers()
    )


def test_only_staff_with_billing_write_record_payments(system: System) -> None:
    invoice = _open_invoice_of(system, "1")
    query = "query($id: ID!) { invoice(id: $id) { balanceDue { amount } } }"
    before = system.graphql(query, {"id": invoice["id"]})["data"]["invoice"]["balanceDue"]
    system.subgraphs["billing"].clear()
    refused = system.graphql(PAY, {"id": invoice["id"], "amount": 1}, as_user="ada")
    assert refused["data"] is None
    assert _codes(refused) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    assert "recordPayment" not in _sent_to(system, "billing")
    paid = system.graphql(PAY, {"id": invoice["id"], "amount": 1}, as_user="clerk")
    assert "errors" not in paid, paid
    assert paid["data"]["recordPayment"]["balanceDue"]["amount"] == before["amount"] - 1


def test_only_admins_delete_customers(system: System) -> None:
    create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
    email = f"identity-{uuid.uuid4().hex[:8]}@example.com"
    created = system.graphql(
        create, {"input": {"name": "Identity Test", "email": email}}, as_user="clerk"
    )
    assert "errors" not in created, created
    customer_id = created["data"]["createCustomer"]["id"]
    delete = "mutation($id: ID!) { deleteCustomer(id: $id) }"
    assert _codes(system.graphql(delete, {"id": customer_id}, as_user="clerk")) == [
        "UNAUTHORIZED_FIELD_OR_TYPE"
    ]
    assert _codes(
        system.graphql(create, {"input": {"name": "X", "email": email}}, as_user="ada")
    ) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    deleted = system.graphql(delete, {"id": customer_id}, as_user="admin")
    assert deleted == {"data": {"deleteCustomer": customer_id}}


def _part(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def test_bad_tokens_are_refused(system: System) -> None:
    customers_origin = system.subgraphs["customers"].url.removesuffix("/graphql")
    jwks = httpx.get(f"{customers_origin}/.well-known/jwks.json", timeout=10).json()
    (demo_jwk,) = jwks["keys"]
    ada = system.token("ada")
    claims = _claims(ada)
    header = jwt.get_unverified_header(ada)
    assert header["kid"] == demo_jwk["kid"] and header["alg"] == "ES256"
    now = int(time.time())
    demo_key = DEMO_SIGNING_KEY_PATH.read_bytes()
    expired = jwt.encode(
        {**claims, "iat": now - 1200, "exp": now - 300},
        demo_key,
        algorithm="ES256",
        headers={"kid": demo_jwk["kid"]},
    )
    other_key = ec.generate_private_key(ec.SECP256R1())
    wrong_key = jwt.encode(
        {**claims, "customer_id": "2"},
        other_key,
        algorithm="ES256",
        headers={"kid": demo_jwk["kid"]},
    )
    head, _, signature = ada.split(".")
    tampered = f"{head}.{_part({**claims, 'customer_id': '2'})}.{signature}"
    escalated = (
        f"{head}.{_part({**claims, 'scope': 'billing:write', 'roles': ['clerk']})}.{signature}"
    )
    alg_none = f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part({**claims, 'roles': ['admin']})}."
    wrong_audience = jwt.encode(
        {**claims, "aud": "another-api"},
        demo_key,
        algorithm="ES256",
        headers={"kid": demo_jwk["kid"]},
    )
    system.subgraphs["billing"].clear()
    for label, token in {
        "expired": expired,
        "wrong key": wrong_key,
        "tampered": tampered,
        "escalated": escalated,
        "alg none": alg_none,
        "wrong audience": wrong_audience,
    }.items():
        response = httpx.post(
            f"{system.router_url}/graphql",
            json={"query": INVOICES},
            headers=_bearer(token),
            timeout=30,
        )
        assert response.status_code == 401, label
        assert _codes(response.json()) == ["UNAUTHENTICATED"], label
    assert _sent_to(system, "billing") == "[]"
    # The genuine token still works.
    assert "errors" not in system.graphql(INVOICES, as_user="ada")


def test_refresh_tokens_rotate_and_a_revoked_one_is_refused(system: System) -> None:
    first = system.login("grace")
    rotated = system.graphql(REFRESH, {"token": first["refreshToken"]}, as_user=None)
    assert "errors" not in rotated, rotated
    second = rotated["data"]["refreshToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert "errors" not in system.graphql(INVOICES, authorization=f"Bearer {second['accessToken']}")
    # Reusing the rotated-away token is refused, and revokes the whole login.
    reused = system.graphql(REFRESH, {"token": first["refreshToken"]}, as_user=None)
    assert _codes(reused) == ["UNAUTHENTICATED"]
    after_reuse = system.graphql(REFRESH, {"token": second["refreshToken"]}, as_user=None)
    assert _codes(after_reuse) == ["UNAUTHENTICATED"]
    # Logout revokes too.
    third = system.login("grace")
    logout = "mutation($token: String!) { logout(refreshToken: $token) }"
    assert system.graphql(logout, {"token": third["refreshToken"]}, as_user=None) == {
        "data": {"logout": True}
    }
    after_logout = system.graphql(REFRESH, {"token": third["refreshToken"]}, as_user=None)
    assert _codes(after_logout) == ["UNAUTHENTICATED"]


def test_me_and_change_password_through_the_router(system: System) -> None:
    body = system.graphql("{ me { username roles customer { id } } }", as_user="grace")
    assert body == {
        "data": {"me": {"username": "grace", "roles": ["customer"], "customer": {"id": "2"}}}
    }
    change = """
    mutation($current: String!, $new: String!) {
      changePassword(currentPassword: $current, newPassword: $new)
    }
    """
    new = "a-much-longer-grace-password"
    token = system.login("grace")["accessToken"]
    changed = system.graphql(
        change, {"current": "trellis-grace-demo", "new": new}, authorization=f"Bearer {token}"
    )
    assert changed == {"data": {"changePassword": True}}
    try:
        with pytest.raises(ValueError):
            system.login("grace")
        assert system.login("grace", new)["account"]["username"] == "grace"
    finally:
        token = system.login("grace", new)["accessToken"]
        restored = system.graphql(
            change, {"current": new, "new": "trellis-grace-demo"}, authorization=f"Bearer {token}"
        )
        assert restored == {"data": {"changePassword": True}}
