"""Authentication (JWT) and authorization (``@authenticated``, ``@requiresScopes``, ``@policy``).

- :class:`JwtAuthenticator`: the request header's token -> verified claims (or None), with keys
  from JWKS URLs, key files and an HMAC secret; :class:`AuthenticationError` when invalid.
- :class:`Identity`: the caller (claims and scopes); :data:`ANONYMOUS`.
- :class:`AuthorizationRules`: the supergraph's directives, read once per supergraph.
- :class:`PolicyEvaluator`: which ``@policy`` names a caller is granted.
- :func:`authorize_operation`: the operation without what the caller may not select, and the
  ``UNAUTHORIZED_FIELD_OR_TYPE`` errors.

Example:
    >>> claims = await authenticator.authenticate(headers)  # doctest: +SKIP
    >>> identity = Identity.from_claims(claims, settings.scope_claim)  # doctest: +SKIP
    >>> policies = evaluator.granted(rules.policies_in(document, operation), identity)
    >>> result = authorize_operation(rules, api_schema, document, name, identity, policies)

Spec: RFC 7519 / 7517 / 7518; Apollo Federation authenticated v0.1, requiresScopes v0.1,
policy v0.1; Apollo Router "JWT authentication" and "Authorization".
"""

from __future__ import annotations

from .authorize import (
    UNAUTHORIZED_CODE,
    UNAUTHORIZED_MESSAGE,
    AuthorizationResult,
    authorize_operation,
)
from .directives import AuthorizationRules, DirectiveNames, Requirement, Requirements
from .errors import AuthenticationError, PolicyHookError
from .identity import ANONYMOUS, Identity
from .jwt import JwtAuthenticator
from .keys import VerificationKey, parse_jwks, parse_key_file
from .policies import PolicyEvaluator, PolicyHook, load_policy_hook

__all__ = [
    "ANONYMOUS",
    "UNAUTHORIZED_CODE",
    "UNAUTHORIZED_MESSAGE",
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
    "VerificationKey",
    "authorize_operation",
    "load_policy_hook",
    "parse_jwks",
    "parse_key_file",
]
