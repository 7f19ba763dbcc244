"""``authorization``: the ``@authenticated``, ``@requiresScopes`` and ``@policy`` directives.

Apollo Router: ``authorization.require_authentication``, ``authorization.directives``.
Spec: Apollo Federation authorization directives (authenticated v0.1, requiresScopes v0.1,
policy v0.1).
"""

from __future__ import annotations

from pydantic import Field

from .section import Section

__all__ = ["AuthorizationSettings", "PolicyRule"]


class PolicyRule(Section):
    """A policy granted when the request is authenticated and every condition holds.

    Example (``router.yaml``)::

        authorization:
          policies:
            staff: {claims: {role: [admin, clerk]}}
            billing_clerk: {claims: {role: clerk}, scopes: ["billing:write"]}
            owner: {claims: {roles: customer}, claims_present: [customer_id]}
    """

    claims: dict[str, str | list[str]] = Field(
        default={},
        description=(
            "Claim name -> accepted value or values; the claim (a string, or a list of strings "
            "that must contain one of them) must match."
        ),
    )
    claims_present: list[str] = Field(
        default=[],
        description=(
            "Claims that must be present with a value (any value but null, an empty string or "
            "a boolean), e.g. the claim a header rule forwards with from_claim."
        ),
    )
    scopes: list[str] = Field(
        default=[],
        description="Scopes the token must all carry (read from scope_claim).",
    )


class AuthorizationSettings(Section):
    """What an authenticated (or anonymous) caller may select."""

    require_authentication: bool = Field(
        default=False,
        description="Refuse every anonymous request with UNAUTHENTICATED (HTTP 401).",
    )
    directives_enabled: bool = Field(
        default=True,
        description=(
            "Enforce @authenticated, @requiresScopes and @policy from the supergraph: "
            "unauthorized fields are removed before planning and answered with null and an "
            "UNAUTHORIZED_FIELD_OR_TYPE error."
        ),
    )
    reject_unauthorized: bool = Field(
        default=False,
        description="Refuse the whole request (HTTP 403) when any field is unauthorized.",
    )
    scope_claim: str = Field(
        default="scope",
        description="Claim holding the scopes: a space-separated string (OAuth 2.0) or a list.",
    )
    policies: dict[str, PolicyRule] = Field(
        default={},
        description="The @policy rule table: policy name -> rule. Unlisted policies are denied.",
    )
    policy_hook: str | None = Field(
        default=None,
        description=(
            "A Python callable 'package.module:function' deciding policies: called with "
            "(policies: frozenset[str], claims: Mapping | None) and returning the granted "
            "subset. Consulted for policies the rule table does not list."
        ),
    )
