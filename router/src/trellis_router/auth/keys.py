"""Verification keys: parsed once from a JWKS document, a PEM file or the HMAC secret.

A key knows which algorithms it may verify: its source's ``algorithms`` (or the JWK's own
``alg``) intersected with the algorithms its type supports, so an RSA public key can never serve
as an HMAC secret (the "algorithm confusion" attack) and an ES256 token is never checked against
a P-384 key.

Spec: RFC 7517 (JWK, JWK Set; ``kty``, ``kid``, ``use``, ``alg``), RFC 7518 section 3.1 (the
``alg`` values and the key type each needs), RFC 8037 (``OKP`` keys, ``EdDSA``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import (
    Algorithm,
    ECAlgorithm,
    HMACAlgorithm,
    OKPAlgorithm,
    RSAAlgorithm,
    get_default_algorithms,
)
from jwt.exceptions import InvalidKeyError

__all__ = [
    "KeyFamily",
    "VerificationKey",
    "family_algorithms",
    "hmac_key",
    "parse_jwks",
    "parse_key_file",
]

KeyFamily = Literal["RSA", "EC", "OKP", "oct"]
"""The JWK ``kty`` of a key."""

_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_OKP_ALGORITHMS = frozenset({"EdDSA"})

_ALGORITHMS: dict[str, Algorithm] = get_default_algorithms()


def family_algorithms(family: KeyFamily, curve: str | None = None) -> frozenset[str]:
    """The ``alg`` values a key of this type (and curve) can verify.

    Args:
        family: the key type (JWK ``kty``).
        curve: for EC keys, the curve name as cryptography spells it (``secp256r1``, …).

    Returns:
        The algorithm names; empty for an EC curve without a JWS algorithm.

    Spec: RFC 7518 section 3.1 and 3.4 (ES256 uses P-256, ES384 P-384, ES512 P-521).
    """
    if family == "RSA":
        return _RSA_ALGORITHMS
    if family == "oct":
        return _HMAC_ALGORITHMS
    if family == "OKP":
        return _OKP_ALGORITHMS
    alg = _EC_ALGORITHMS.get(curve or "")
    return frozenset({alg}) if alg is not None else frozenset()


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """One key, ready to verify signatures.

    Attributes:
        kid: the key id (JWK ``kid``); None for PEM keys and the HMAC secret.
        family: the key type.
        key: the prepared key: a cryptography public key, or the secret bytes for ``oct``.
        algorithms: the ``alg`` values this key may verify.
        issuer: the ``iss`` tokens verified with this key must carry (None: any).
        source: where the key came from (a URL, a file path or ``hmac_secret``), for logs.
    """

    kid: str | None
    family: KeyFamily
    key: Any
    algorithms: frozenset[str]
    issuer: str | None
    source: str

    def verify(self, alg: str, signing_input: bytes, signature: bytes) -> bool:
        """Check a JWS signature with this key.

        Args:
            alg: the token's ``alg``; must be one of :attr:`algorithms` (else False).
            signing_input: ``BASE64URL(header) || '.' || BASE64URL(payload)`` as bytes.
            signature: the decoded signature bytes.

        Returns:
            True when the signature is valid for this key and algorithm.

        Spec: RFC 7515 section 5.2 (JWS validation).
        """
        if alg not in self.algorithms:
            return False
        algorithm = _ALGORITHMS.get(alg)
        if algorithm is None:
            return False
        return bool(algorithm.verify(signing_input, self.key, signature))


def _allowed(
    family: KeyFamily,
    curve: str | None,
    own_alg: str | None,
    source_algorithms: Sequence[str] | None,
) -> frozenset[str]:
    allowed = family_algorithms(family, curve)
    if own_alg is not None:
        allowed &= {own_alg}
    if source_algorithms is not None:
        allowed &= frozenset(source_algorithms)
    return allowed


def _public(key: Any) -> Any:
    if isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        return key.public_key()
    return key


def _from_public_key(
    key: Any,
    *,
    kid: str | None,
    own_alg: str | None,
    algorithms: Sequence[str] | None,
    issuer: str | None,
    source: str,
) -> VerificationKey | None:
    key = _public(key)
    family: KeyFamily
    curve: str | None = None
    if isinstance(key, rsa.RSAPublicKey):
        family = "RSA"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        family, curve = "EC", key.curve.name
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        family = "OKP"
    else:
        return None
    allowed = _allowed(family, curve, own_alg, algorithms)
    if not allowed:
        return None
    return VerificationKey(kid, family, key, allowed, issuer, source)


def _from_jwk(
    jwk: Any, *, algorithms: Sequence[str] | None, issuer: str | None, source: str
) -> VerificationKey | None:
    if not isinstance(jwk, dict):
        return None
    if jwk.get("use") not in (None, "sig"):
        return None
    kid = jwk.get("kid") if isinstance(jwk.get("kid"), str) else None
    own_alg = jwk.get("alg") if isinstance(jwk.get("alg"), str) else None
    kty = jwk.get("kty")
    try:
        if kty == "oct":
            secret = HMACAlgorithm.from_jwk(jwk)
            allowed = _allowed("oct", None, own_alg, algorithms)
            if not secret or not allowed:
                return None
            return VerificationKey(kid, "oct", secret, allowed, issuer, source)
        if kty == "RSA":
            key: Any = RSAAlgorithm.from_jwk(jwk)
        elif kty == "EC":
            key = ECAlgorithm.from_jwk(jwk)
        elif kty == "OKP":
            key = OKPAlgorithm.from_jwk(jwk)
        else:
            return None
    except (InvalidKeyError, UnsupportedAlgorithm, ValueError, TypeError, KeyError):
        return None
    return _from_public_key(
        key, kid=kid, own_alg=own_alg, algorithms=algorithms, issuer=issuer, source=source
    )


def parse_jwks(
    data: bytes,
    *,
    algorithms: Sequence[str] | None = None,
    issuer: str | None = None,
    source: str = "",
) -> tuple[VerificationKey, ...]:
    """Parse a JWK Set document (or a single JWK).

    Keys that are not for signatures (``use`` other than ``sig``), of an unknown type, invalid,
    or allowed no algorithm are skipped; private keys are reduced to their public part.

    Args:
        data: the JSON document, bytes.
        algorithms: the source's accepted algorithms (None: each key's ``alg``, else every
            algorithm of its type).
        issuer: the ``iss`` the source's tokens must carry, or None.
        source: a label for logs (URL or path).

    Returns:
        The usable keys, in document order.

    Raises:
        ValueError: the document is not JSON, or neither a JWK Set nor a JWK.

    Spec: RFC 7517 section 5 (JWK Set: ``{"keys": [...]}``) and 4.2 (``use``).
    """
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"{source or 'JWKS'} is not JSON: {error}") from None
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        entries: Iterable[Any] = document["keys"]
    elif isinstance(document, dict) and "kty" in document:
        entries = [document]
    else:
        raise ValueError(f"{source or 'JWKS'} is not a JWK Set (no 'keys' list)")
    keys = (_from_jwk(e, algorithms=algorithms, issuer=issuer, source=source) for e in entries)
    return tuple(key for key in keys if key is not None)


def parse_key_file(
    data: bytes,
    *,
    algorithms: Sequence[str] | None = None,
    issuer: str | None = None,
    source: str = "",
) -> tuple[VerificationKey, ...]:
    """Parse a key file: a JWK Set (JSON), a PEM public key or a PEM certificate.

    Args:
        data: the file content, bytes.
        algorithms: the source's accepted algorithms (None: every algorithm of the key type).
        issuer: the ``iss`` the source's tokens must carry, or None.
        source: a label for logs (the path).

    Returns:
        The usable keys (a PEM file gives one key without ``kid``).

    Raises:
        ValueError: the content is neither JSON nor a PEM public key or certificate, or the
            PEM key is of a type no JWS algorithm uses.
    """
    if data.lstrip().startswith(b"{"):
        return parse_jwks(data, algorithms=algorithms, issuer=issuer, source=source)
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as error:
        raise ValueError(f"{source or 'key file'} is not a PEM public key: {error}") from None
    parsed = _from_public_key(
        key, kid=None, own_alg=None, algorithms=algorithms, issuer=issuer, source=source
    )
    if parsed is None:
        raise ValueError(f"{source or 'key file'} holds a key no accepted algorithm can use")
    return (parsed,)


def hmac_key(secret: str, algorithms: Sequence[str] | None = None) -> VerificationKey:
    """The key for ``hmac_secret``.

    Args:
        secret: the shared secret (UTF-8 encoded).
        algorithms: accepted algorithms (None: HS256, HS384 and HS512).

    Returns:
        An ``oct`` key without ``kid``.

    Raises:
        ValueError: the secret is empty, or looks like a PEM/SSH public key or a JWK (using a
            public key as an HMAC secret is the algorithm-confusion mistake).

    Spec: RFC 7518 section 3.2 (HMAC with SHA-2).
    """
    try:
        prepared = HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(secret)
    except InvalidKeyError as error:
        raise ValueError(f"hmac_secret is not usable: {error}") from None
    allowed = _allowed("oct", None, None, algorithms)
    return VerificationKey(None, "oct", prepared, allowed, None, "hmac_secret")
