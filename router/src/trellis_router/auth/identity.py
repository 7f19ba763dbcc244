"""Who the caller is: the verified JWT claims (or nobody) and the scopes they carry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ANONYMOUS", "Identity"]


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller of one request.

    Attributes:
        claims: the verified JWT claims; None for an anonymous caller.
        scopes: the scopes the claims grant (from the scope claim).

    Example:
        >>> Identity.from_claims({"sub": "u1", "scope": "read:a write:a"}).scopes == {
        ...     "read:a", "write:a"}
        True
    """

    claims: Mapping[str, Any] | None
    scopes: frozenset[str]

    @property
    def authenticated(self) -> bool:
        """True when the request carried a valid token."""
        return self.claims is not None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any] | None, scope_claim: str = "scope") -> Identity:
        """Build an identity from verified claims.

        Args:
            claims: the claims :meth:`JwtAuthenticator.authenticate` returned, or None.
            scope_claim: the claim holding the scopes: a space-separated string (OAuth 2.0
                ``scope``) or a list of strings; anything else grants no scope.

        Returns:
            The identity (:data:`ANONYMOUS` when ``claims`` is None).

        Spec: RFC 8693 section 4.2 (``scope`` claim, space-delimited); Apollo Router reads
        scopes from the ``scope`` claim for ``@requiresScopes``.
        """
        if claims is None:
            return ANONYMOUS
        value = claims.get(scope_claim)
        if isinstance(value, str):
            scopes = frozenset(value.split())
        elif isinstance(value, list | tuple):
            scopes = frozenset(item for item in value if isinstance(item, str) and item)
        else:
            scopes = frozenset()
        return cls(claims=claims, scopes=scopes)


ANONYMOUS = Identity(claims=None, scopes=frozenset())
"""The caller without a token."""
