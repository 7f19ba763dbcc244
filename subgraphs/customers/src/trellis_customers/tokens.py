"""Access tokens (JWT, ES256 or RS256), their signing keys and JWKS, and refresh tokens.

Access token claims: ``iss``, ``aud``, ``sub`` (the account id), ``iat``, ``exp``, ``jti``,
``scope`` (space-separated, from :data:`SCOPES_BY_ROLE`), ``roles``, ``preferred_username``
and, for a customer's login, ``customer_id``. The header's ``kid`` is the RFC 7638 thumbprint
of the signing key's public JWK.

Scopes by role:

========  =====================================================================================
admin     customers:read customers:write customers:delete billing:read billing:write
          inventory:read inventory:write orders:read orders:write
clerk     customers:read customers:write billing:read billing:write inventory:read
          inventory:write orders:read orders:write (everything but deleting customers)
customer  none: a customer reaches its own data through the token's ``customer_id``
========  =====================================================================================

Refresh tokens are opaque: 256 random bits, base64url; only their SHA-256 is stored.

Spec: RFC 7519 (JWT), RFC 7515 (JWS), RFC 7518 §3.3-3.4 (RS256, ES256), RFC 7517 (JWK, JWKS),
RFC 7638 (JWK thumbprint), RFC 9068 (JWT access token claims), RFC 8693 §4.2 (``scope``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from trellis_customers.settings import CustomersSettings

__all__ = [
    "DEMO_SIGNING_KEY_PATH",
    "ROLES",
    "SCOPES_BY_ROLE",
    "AccessClaims",
    "DemoKeyRefused",
    "KeyRing",
    "SigningKey",
    "hash_refresh_token",
    "jwk_thumbprint",
    "key_ring",
    "new_refresh_token",
    "scopes_for",
]

logger = logging.getLogger(__name__)

DEMO_SIGNING_KEY_PATH = Path(__file__).parent / "demo_signing_key.pem"
"""The committed DEMO key (EC P-256): public in the repository, never for production."""

ROLES = ("admin", "clerk", "customer")
"""Role names an account may have."""

_CLERK_SCOPES = (
    "customers:read",
    "customers:write",
    "billing:read",
    "billing:write",
    "inventory:read",
    "inventory:write",
    "orders:read",
    "orders:write",
)

SCOPES_BY_ROLE: Mapping[str, tuple[str, ...]] = {
    "admin": (
        "customers:read",
        "customers:write",
        "customers:delete",
        "billing:read",
        "billing:write",
        "inventory:read",
        "inventory:write",
        "orders:read",
        "orders:write",
    ),
    "clerk": _CLERK_SCOPES,
    "customer": (),
}
"""The scopes each role grants (see the module docstring)."""

Algorithm = Literal["ES256", "RS256"]


class DemoKeyRefused(RuntimeError):
    """Only the committed demo signing key is configured and ``auth_allow_demo_secrets`` is off."""


def scopes_for(roles: Iterable[str]) -> list[str]:
    """The scopes granted by a set of roles.

    Args:
        roles: Role names; unknown names grant nothing.

    Returns:
        The scopes, without duplicates, in :data:`SCOPES_BY_ROLE` order of the first role that
        grants each (admin's order for an admin).
    """
    granted: dict[str, None] = {}
    for role in sorted(roles, key=lambda name: ROLES.index(name) if name in ROLES else 99):
        for scope in SCOPES_BY_ROLE.get(role, ()):
            granted[scope] = None
    return list(granted)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(members: Mapping[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK.

    Spec: RFC 7638 §3 (required members only, sorted, no whitespace, UTF-8, SHA-256).

    Args:
        members: The required members: ``crv``, ``kty``, ``x``, ``y`` (EC) or ``e``, ``kty``,
            ``n`` (RSA).

    Returns:
        The thumbprint, base64url without padding (43 characters).
    """
    canonical = json.dumps(dict(members), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One signing key: the private key, its algorithm, public JWK and ``kid``.

    Attributes:
        private_key: The EC P-256 or RSA private key.
        algorithm: ``ES256`` (EC P-256) or ``RS256`` (RSA).
        kid: RFC 7638 SHA-256 thumbprint of the public JWK (base64url, no padding).
        public_jwk: The public JWK with ``kid``, ``alg`` and ``use: sig``.
    """

    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    algorithm: Algorithm
    kid: str
    public_jwk: dict[str, str]

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        """Load a PEM private key.

        Spec: RFC 7638 §3 (thumbprint over the required members, lexicographic order, no
        whitespace).

        Args:
            pem: A PEM private key (unencrypted): EC on P-256 or RSA of 2048 bits or more.

        Returns:
            The signing key.

        Raises:
            ValueError: If the PEM does not parse or is another kind of key.
        """
        key = load_pem_private_key(pem.encode("ascii"), password=None)
        algorithm: Algorithm
        if isinstance(key, ec.EllipticCurvePrivateKey):
            if not isinstance(key.curve, ec.SECP256R1):
                raise ValueError(f"EC signing keys must be on P-256, not {key.curve.name}")
            algorithm = "ES256"
            jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
        elif isinstance(key, rsa.RSAPrivateKey):
            if key.key_size < 2048:
                raise ValueError(f"RSA signing keys need 2048 bits or more, not {key.key_size}")
            algorithm = "RS256"
            jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            members = {name: jwk[name] for name in ("e", "kty", "n")}
        else:
            raise ValueError(f"signing keys must be EC P-256 or RSA, not {type(key).__name__}")
        kid = jwk_thumbprint(members)
        public_jwk = {**members, "kid": kid, "alg": algorithm, "use": "sig"}
        return cls(private_key=key, algorithm=algorithm, kid=kid, public_jwk=public_jwk)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified claims of an access token.

    Attributes:
        account_id: The ``sub`` claim as an account id.
        jti: The token id.
        claims: Every claim.
    """

    account_id: int
    jti: str
    claims: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The signing keys in use: the first signs, all verify and are published.

    Attributes:
        keys: The keys, the signing one first.
        demo: Whether the keys are the committed demo key.
    """

    keys: tuple[SigningKey, ...]
    demo: bool

    @property
    def signing(self) -> SigningKey:
        """The key that signs new access tokens."""
        return self.keys[0]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set of the public keys.

        Spec: RFC 7517 §5.

        Returns:
            ``{"keys": [jwk, ...]}``, the signing key first.
        """
        return {"keys": [dict(key.public_jwk) for key in self.keys]}

    def issue(
        self,
        settings: CustomersSettings,
        *,
        account_id: int,
        username: str,
        roles: Sequence[str],
        customer_id: int | None,
        now: datetime,
    ) -> str:
        """Sign a new access token.

        Args:
            settings: Issuer, audience and lifetime (``auth_access_token_ttl_seconds``).
            account_id: The account (``sub``).
            username: Its username (``preferred_username``).
            roles: Its roles (``roles``, and ``scope`` through :func:`scopes_for`).
            customer_id: Its customer, for a customer's login (``customer_id``).
            now: The issue time (``iat``).

        Returns:
            The compact JWS.
        """
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": settings.auth_issuer,
            "aud": settings.auth_audience,
            "sub": str(account_id),
            "iat": issued,
            "exp": issued + settings.auth_access_token_ttl_seconds,
            "jti": uuid.uuid4().hex,
            "scope": " ".join(scopes_for(roles)),
            "roles": sorted(roles),
            "preferred_username": username,
        }
        if customer_id is not None:
            claims["customer_id"] = str(customer_id)
        key = self.signing
        return jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid}
        )

    def verify(self, token: str, settings: CustomersSettings) -> AccessClaims | None:
        """Verify an access token signed by one of the keys.

        The header's ``kid`` picks the key and its ``alg`` must be that key's algorithm (so
        ``alg: none`` and algorithm confusion are refused); signature, ``exp`` (no leeway),
        ``iss``, ``aud`` and the presence of ``sub``, ``iat`` and ``jti`` are checked.

        Spec: RFC 8725 §3.1-3.2 (JWT best practices: algorithm verification).

        Args:
            token: The compact JWS.
            settings: Expected issuer and audience.

        Returns:
            The claims, or None when the token is not valid.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        key = next((k for k in self.keys if k.kid == header.get("kid")), None)
        if key is None or header.get("alg") != key.algorithm:
            return None
        try:
            claims = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=[key.algorithm],
                audience=settings.auth_audience,
                issuer=settings.auth_issuer,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.isdigit():
            return None
        return AccessClaims(account_id=int(subject), jti=str(claims["jti"]), claims=claims)


@lru_cache(maxsize=8)
def _load(pems: tuple[str, ...]) -> tuple[SigningKey, ...]:
    return tuple(SigningKey.from_pem(pem) for pem in pems)


def key_ring(settings: CustomersSettings) -> KeyRing:
    """The key ring the settings describe (parsed keys are cached per set of PEMs).

    Args:
        settings: ``auth_signing_keys`` and ``auth_allow_demo_secrets``.

    Returns:
        The configured keys, or the demo key when none is configured (a warning is logged).

    Raises:
        DemoKeyRefused: If no key is configured and ``auth_allow_demo_secrets`` is false.
        ValueError: If a configured key does not load (see :meth:`SigningKey.from_pem`).
    """
    pems = tuple(secret.get_secret_value() for secret in settings.auth_signing_keys)
    if pems:
        return KeyRing(keys=_load(pems), demo=False)
    if not settings.auth_allow_demo_secrets:
        raise DemoKeyRefused(
            "customers: no signing keys are configured (auth_signing_keys) and the demo key "
            "is not allowed (auth_allow_demo_secrets is false): configure "
            "TRELLIS_AUTH_SIGNING_KEYS with a PEM private key (EC P-256 or RSA) to start"
        )
    demo_pem = DEMO_SIGNING_KEY_PATH.read_text(encoding="ascii")
    return KeyRing(keys=_load((demo_pem,)), demo=True)


def new_refresh_token() -> str:
    """A new opaque refresh token: 256 random bits, base64url without padding (43 chars).

    Returns:
        The token (given to the client once, never stored).
    """
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """The stored form of a refresh token.

    Args:
        token: The token as the client holds it.

    Returns:
        Its SHA-256, 64 lower-case hex digits.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
