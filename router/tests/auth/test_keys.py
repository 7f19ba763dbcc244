"""Verification keys parsed from JWK Sets and PEM files: which algorithms each may verify."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from trellis_router.auth import parse_jwks, parse_key_file
from trellis_router.auth.keys import hmac_key


@pytest.fixture(scope="module")
def rsa_private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_jwks_keys_and_their_algorithms(rsa_private: rsa.RSAPrivateKey) -> None:
    public = RSAAlgorithm.to_jwk(rsa_private.public_key(), as_dict=True)
    private = RSAAlgorithm.to_jwk(rsa_private, as_dict=True)
    p384 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP384R1()).public_key(), as_dict=True)
    secret = base64.urlsafe_b64encode(b"s" * 32).rstrip(b"=").decode()
    document = {
        "keys": [
            {**public, "kid": "any"},
            {**public, "kid": "pinned", "alg": "PS256"},
            {**public, "kid": "encryption", "use": "enc"},
            {**private, "kid": "private"},
            {**p384, "kid": "p384"},
            {"kty": "oct", "k": secret, "kid": "oct"},
            {"kty": "unknown", "kid": "odd"},
            "not a key",
        ]
    }
    keys = {key.kid: key for key in parse_jwks(orjson.dumps(document), source="test")}
    assert set(keys) == {"any", "oct", "p384", "pinned", "private"}
    assert keys["any"].algorithms == {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    assert keys["pinned"].algorithms == {"PS256"}
    assert isinstance(keys["private"].key, rsa.RSAPublicKey)
    assert keys["p384"].algorithms == {"ES384"}
    assert keys["oct"].algorithms == {"HS256", "HS384", "HS512"}
    restricted = parse_jwks(orjson.dumps(document), algorithms=["RS256", "HS256"])
    assert {key.kid: key.algorithms for key in restricted} == {
        "any": {"RS256"},
        "private": {"RS256"},
        "oct": {"HS256"},
    }


def test_bad_jwks_documents() -> None:
    with pytest.raises(ValueError, match="not JSON"):
        parse_jwks(b"{", source="x")
    with pytest.raises(ValueError, match="not a JWK Set"):
        parse_jwks(b'{"items": []}', source="x")


def test_pem_public_key_and_certificate(rsa_private: rsa.RSAPrivateKey) -> None:
    pem = rsa_private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    [key] = parse_key_file(pem, issuer="https://idp.test")
    assert key.kid is None and key.family == "RSA" and key.issuer == "https://idp.test"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.test")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa_private.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .sign(rsa_private, hashes.SHA256())
    )
    [from_certificate] = parse_key_file(certificate.public_bytes(Encoding.PEM))
    assert from_certificate.key == key.key
    with pytest.raises(ValueError, match="not a PEM public key"):
        parse_key_file(b"garbage")
    with pytest.raises(ValueError, match="no accepted algorithm"):
        parse_key_file(pem, algorithms=["ES256"])


def test_hmac_secret() -> None:
    assert hmac_key("secret-value").algorithms == {"HS256", "HS384", "HS512"}
    assert hmac_key("secret-value", ["HS256"]).algorithms == {"HS256"}
    with pytest.raises(ValueError, match="hmac_secret"):
        hmac_key("")
