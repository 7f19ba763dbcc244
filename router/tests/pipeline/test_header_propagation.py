"""Header propagation rules: propagate, rename, default, insert (fixed and from a claim),
remove, per-subgraph order, and headers that are never propagated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError
from trellis_router.configuration.headers import HeadersSettings
from trellis_router.pipeline.headers import HeaderPropagation

CLIENT = {
    "authorization": "Bearer abc",
    "x-tenant": "acme",
    "x-trace-a": "1",
    "x-trace-b": "2",
    "cookie": "session=1",
    "host": "router.example",
    "content-length": "99",
    "connection": "keep-alive",
}


def _headers(
    config: dict[str, Any], subgraph: str, claims: Mapping[str, Any] | None = None
) -> Mapping[str, str]:
    propagation = HeaderPropagation(HeadersSettings.model_validate(config))
    result = propagation.for_request(CLIENT, claims)
    return result(subgraph) if callable(result) else result


def test_no_rules_sends_no_client_header() -> None:
    propagation = HeaderPropagation(HeadersSettings())
    assert propagation.empty
    assert propagation.for_request(CLIENT, {"sub": "u1"}) == {}


def test_propagate_named_rename_and_default() -> None:
    config = {
        "all": {
            "request": [
                {"propagate": {"named": "authorization"}},
                {"propagate": {"named": "X-Tenant", "rename": "x-account"}},
                {"propagate": {"named": "x-region", "default": "eu"}},
            ]
        }
    }
    assert _headers(config, "billing") == {
        "authorization": "Bearer abc",
        "x-account": "acme",
        "x-region": "eu",
    }


def test_propagate_matching_skips_reserved_headers() -> None:
    config = {"all": {"request": [{"propagate": {"matching": ".*"}}]}}
    sent = _headers(config, "billing")
    assert "host" not in sent
    assert "content-length" not in sent
    assert "connection" not in sent
    assert sent["cookie"] == "session=1"
    named = {"all": {"request": [{"propagate": {"named": "host"}}]}}
    assert _headers(named, "billing") == {}


def test_insert_from_claims_and_fixed_values() -> None:
    config = {
        "all": {
            "request": [
                {"insert": {"name": "x-user-id", "from_claim": "sub"}},
                {"insert": {"name": "x-roles", "from_claim": "roles"}},
                {"insert": {"name": "x-router", "value": "trellis"}},
            ]
        }
    }
    sent = _headers(config, "orders", {"sub": "u-42", "roles": ["clerk", "admin"]})
    assert sent == {"x-user-id": "u-42", "x-roles": '["clerk","admin"]', "x-router": "trellis"}
    anonymous = _headers(config, "orders", None)
    assert anonymous == {"x-router": "trellis"}


def test_a_client_cannot_forge_a_claim_header() -> None:
    # The client sends x-user-id itself; the claim rule replaces it, and anonymous callers
    # get none at all.
    config = {
        "all": {
            "request": [
                {"propagate": {"matching": "^x-"}},
                {"insert": {"name": "x-user-id", "from_claim": "sub"}},
            ]
        }
    }
    forged = {**CLIENT, "x-user-id": "admin"}
    propagation = HeaderPropagation(HeadersSettings.model_validate(config))
    result = propagation.for_request(forged, None)
    assert callable(result)
    assert "x-user-id" not in result("billing")
    result = propagation.for_request(forged, {"sub": "u-7"})
    assert callable(result)
    assert result("billing")["x-user-id"] == "u-7"


def test_subgraph_rules_follow_all_rules() -> None:
    config = {
        "all": {"request": [{"propagate": {"matching": "^x-trace-"}}]},
        "subgraphs": {
            "billing": {
                "request": [
                    {"remove": {"named": "x-trace-b"}},
                    {"propagate": {"named": "x-tenant"}},
                ]
            },
            "inventory": {"request": [{"remove": {"matching": "^x-trace"}}]},
        },
    }
    assert _headers(config, "billing") == {"x-trace-a": "1", "x-tenant": "acme"}
    assert _headers(config, "inventory") == {}
    assert _headers(config, "orders") == {"x-trace-a": "1", "x-trace-b": "2"}


@pytest.mark.parametrize(
    "rule",
    [
        {"propagate": {}},
        {"propagate": {"named": "a", "matching": "b"}},
        {"propagate": {"matching": "x", "rename": "y"}},
        {"insert": {"name": "a"}},
        {"insert": {"name": "a", "value": "1", "from_claim": "sub"}},
        {"remove": {}},
        {"propagate": {"named": "a"}, "remove": {"named": "a"}},
        {"propagate": {"named": "a", "typo": 1}},
    ],
)
def test_invalid_rules_are_refused(rule: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        HeadersSettings.model_validate({"all": {"request": [rule]}})
