"""The router in production, on the commerce graph: JWT authentication, authorization
directives, header propagation, limits and metrics, through a real ``trellis-router serve``.

The subgraphs run as the ``system`` fixture starts them (each behind a recording proxy). A
second router serves a supergraph composed from the committed subgraph schemas (whose roles
include ``@policy`` "staff" or "owner" on ``customer`` and ``billing:write`` on
``recordPayment``) with one role more: ``Customer.email`` needs a ``customers:contact`` scope.
Tokens are RS256, made here and verified against a JWKS file (tests/test_identity.py uses the
customers subgraph's own tokens).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from trellis_router.composition import SubgraphDefinition, compose

from .conftest import BIN, ROOT, Processes, System, free_port, wait_until

ISSUER = "https://id.trellis.test"
AUDIENCE = "trellis"
KID = "commerce-1"
INVOICE_QUERY = "query Invoice($id: ID!) { invoice(id: $id) { id status balanceDue { amount } } }"
PAY = """
mutation Pay($id: ID!, $amount: Int!) {
  recordPayment(invoiceId: $id, amount: $amount, method: CARD) { id balanceDue { amount } }
}
"""


def _secured_subgraph_sdl(name: str) -> str:
    """The committed SDL of ``name`` (its own @requiresScopes and @policy included) with one
    role more: ``Customer.email`` needs the ``customers:contact`` scope."""
    sdl = (ROOT / "schema" / "subgraphs" / f"{name}.graphql").read_text()
    if name == "customers":
        assert '"@requiresScopes"' in sdl
        sdl = re.sub(
            r'(type Customer @key\(fields: "id"\) \{.*?email: String!)',
            r'\1 @requiresScopes(scopes: [["customers:contact"]])',
            sdl,
            count=1,
            flags=re.S,
        )
    return sdl


@dataclass
class SecuredRouter:
    """The second router and the key that signs its tokens."""

    url: str
    key: rsa.RSAPrivateKey
    system: System

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": KID})

    def post(self, body: Any, token: str | None = None, **headers: str) -> httpx.Response:
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        return httpx.post(f"{self.url}/graphql", json=body, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def secured(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredRouter]:
    workdir = tmp_path_factory.mktemp("secured-router")
    definitions = [
        SubgraphDefinition(name, system.subgraphs[name].proxy_url, _secured_subgraph_sdl(name))
        for name in sorted(system.subgraphs)
    ]
    result = compose(definitions)
    assert result.ok and result.supergraph_sdl is not None, result.errors
    supergraph = workdir / "supergraph.graphql"
    supergraph.write_text(result.supergraph_sdl)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    jwks = workdir / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    config = workdir / "router.yaml"
    config.write_text(
        json.dumps(
            {
                "authentication": {
                    "jwt": {
                        "jwks": [{"file": str(jwks)}],
                        "issuers": [ISSUER],
                        "audiences": [AUDIENCE],
                    }
                },
                "authorization": {"policies": {"staff": {"claims": {"roles": ["clerk"]}}}},
                "headers": {
                    "all": {"request": [{"insert": {"name": "x-user-id", "from_claim": "sub"}}]}
                },
                "limits": {"max_depth": 6},
            }
        )
    )
    processes = Processes(workdir)
    port = free_port()
    processes.start(
        "secured-router",
        [
            str(BIN / "trellis-router"),
            "serve",
            "--supergraph",
            str(supergraph),
            "--listen",
            f"127.0.0.1:{port}",
            "--config",
            str(config),
        ],
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/ready").status_code == 200, "secured router", processes)
    try:
        yield SecuredRouter(url, key, system)
    finally:
        processes.stop_all()


def _first_invoice(system: System) -> dict[str, Any]:
    query = "{ invoices(first: 20, status: OPEN) { nodes { id customer { id } } } }"
    nodes = system.graphql(query)["data"]["invoices"]["nodes"]
    assert nodes, "the demo data has open invoices"
    return nodes[0]  # type: ignore[no-any-return]


def _sent_to(system: System, subgraph: str) -> str:
    return json.dumps(system.subgraphs[subgraph].recorded())


def test_anonymous_callers_do_not_see_protected_fields(secured: SecuredRouter) -> None:
    system = secured.system
    customer_id = _first_invoice(system)["customer"]["id"]
    system.subgraphs["customers"].clear()
    query = "query C($id: ID!) { customer(id: $id) { name email } }"
    response = secured.post({"query": query, "variables": {"id": customer_id}})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"customer": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert error["path"] == ["customer"]
    assert _sent_to(system, "customers") == "[]"
    # Staff (the "staff" policy) may read the customer, but not the field their token lacks a
    # scope for, even behind a fragment and an alias: it is null (a non-null field, so the
    # customer is null too) and never asked of the subgraph.
    staff = secured.token(sub="user-1", roles=["clerk"])
    body = secured.post({"query": query, "variables": {"id": customer_id}}, staff).json()
    assert body["data"] == {"customer": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert error["path"] == ["customer", "email"]
    sneaky = (
        "query C($id: ID!) { customer(id: $id) { ...F } } "
        "fragment F on Customer { name contact: email }"
    )
    body = secured.post({"query": sneaky, "variables": {"id": customer_id}}, staff).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert body["errors"][0]["path"] == ["customer", "contact"]
    assert "name" in _sent_to(system, "customers")
    assert "email" not in _sent_to(system, "customers")
    token = secured.token(sub="user-1", roles=["clerk"], scope="customers:contact")
    body = secured.post({"query": query, "variables": {"id": customer_id}}, token).json()
    assert "errors" not in body, body
    assert "@" in body["data"]["customer"]["email"]


def test_only_billing_write_records_payments(secured: SecuredRouter) -> None:
    system = secured.system
    invoice_id = _first_invoice(system)["id"]
    before = system.graphql(INVOICE_QUERY, {"id": invoice_id})["data"]["invoice"]
    system.subgraphs["billing"].clear()
    variables = {"id": invoice_id, "amount": 1}
    clerk_without_scope = secured.token(sub="clerk-1", scope="billing:read inventory:write")
    body = secured.post({"query": PAY, "variables": variables}, clerk_without_scope).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert body["errors"][0]["path"] == ["recordPayment"]
    assert "recordPayment" not in _sent_to(system, "billing")
    after = system.graphql(INVOICE_QUERY, {"id": invoice_id})["data"]["invoice"]
    assert after == before
    clerk = secured.token(sub="clerk-1", scope="billing:read billing:write")
    body = secured.post({"query": PAY, "variables": variables}, clerk).json()
    assert "errors" not in body, body
    paid = body["data"]["recordPayment"]["balanceDue"]["amount"]
    assert paid == before["balanceDue"]["amount"] - 1
    # The caller's identity reached billing through the header rule.
    assert any(
        h.get("x-user-id") == "clerk-1" for h in system.subgraphs["billing"].recorded_headers()
    )


def _forged_none_token() -> str:
    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "admin",
        "exp": now + 300,
        "scope": "billing:write",
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_bad_tokens_are_refused_before_anything_runs(secured: SecuredRouter) -> None:
    system = secured.system
    invoice_id = _first_invoice(system)["id"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    good = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "scope": "billing:write"}
    expired = secured.token(sub="x", scope="billing:write", iat=now - 900, exp=now - 600)
    tampered_parts = secured.token(sub="x", scope="billing:read").split(".")
    tampered_claims = {**good, "exp": now + 300}
    tampered_parts[1] = (
        base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).rstrip(b"=").decode()
    )
    tokens = {
        "alg none": _forged_none_token(),
        "expired": expired,
        "wrong key": jwt.encode(
            {**good, "exp": now + 300}, other_key, "RS256", headers={"kid": KID}
        ),
        "tampered": ".".join(tampered_parts),
        "wrong audience": secured.token(sub="x", aud="someone-else"),
        "garbage": "not-a-jwt",
    }
    system.subgraphs["billing"].clear()
    for label, token in tokens.items():
        response = secured.post({"query": PAY, "variables": {"id": invoice_id, "amount": 1}}, token)
        assert response.status_code == 401, label
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", label
        assert "data" not in body, label
        assert token not in response.text, label
    # Replaying the expired token later is refused the same way.
    response = secured.post({"query": INVOICE_QUERY, "variables": {"id": invoice_id}}, expired)
    assert response.status_code == 401
    assert _sent_to(system, "billing") == "[]"


def test_limits_and_metrics(secured: SecuredRouter) -> None:
    deep = "{ invoices(first: 1) { nodes { customer { invoices { customer { invoices { id } } } } } } }"
    response = secured.post({"query": deep}, accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "MAX_DEPTH_LIMIT"
    oversized = {"query": "{ __typename }", "variables": {"pad": "x" * 2_100_000}}
    assert secured.post(oversized).status_code == 413
    metrics = httpx.get(f"{secured.url}/metrics", timeout=10).text
    assert "trellis_router_requests_total" in metrics
    assert "trellis_router_subgraph_request_duration_seconds" in metrics or "subgraph" in metrics


def test_simple_requests_need_a_preflight_header(secured: SecuredRouter) -> None:
    query = "{ __typename }"
    plain = httpx.post(
        f"{secured.url}/graphql",
        content=json.dumps({"query": query}),
        headers={"content-type": "text/plain"},
        timeout=10,
    )
    assert plain.status_code == 400
    get = httpx.get(f"{secured.url}/graphql", params={"query": query}, timeout=10)
    assert get.status_code == 400
    allowed = httpx.get(
        f"{secured.url}/graphql",
        params={"query": query},
        headers={"apollo-require-preflight": "true"},
        timeout=10,
    )
    assert allowed.status_code == 200
    assert allowed.json() == {"data": {"__typename": "Query"}}
