"""The auth package's public names, and the identity a request carries."""

from __future__ import annotations

import trellis_router.auth as package
from trellis_router.auth import ANONYMOUS, Identity


def test_all_is_curated() -> None:
    assert sorted(package.__all__) == [
        "ANONYMOUS",
        "AuthenticationError",
        "AuthorizationResult",
        "AuthorizationRules",
        "DirectiveNames",
        "Identity",
        "JwtAuthenticator",
        "PolicyEvaluator",
        "PolicyHook",
        "PolicyHookError",
        "Requirement",
        "Requirements",
        "UNAUTHORIZED_CODE",
        "UNAUTHORIZED_MESSAGE",
        "VerificationKey",
        "authorize_operation",
        "load_policy_hook",
        "parse_jwks",
        "parse_key_file",
    ]
    for name in package.__all__:
        assert getattr(package, name) is not None


def test_identity_scopes() -> None:
    assert Identity.from_claims(None) is ANONYMOUS
    assert not ANONYMOUS.authenticated
    spaced = Identity.from_claims({"scope": " read:a  write:a "})
    assert spaced.authenticated
    assert spaced.scopes == {"read:a", "write:a"}
    listed = Identity.from_claims({"scp": ["a", 3, "", "b"]}, scope_claim="scp")
    assert listed.scopes == {"a", "b"}
    assert Identity.from_claims({"scope": 7}).scopes == frozenset()
    assert Identity.from_claims({}).authenticated
