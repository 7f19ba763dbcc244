"""Access tokens and the JWKS: claims, ``kid``, key rotation, refused tokens, the demo key."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi import FastAPI
from pydantic import SecretStr
from trellis_customers.app import DemoPasswordRefused, create_app
from trellis_customers.seed import DEMO_ACCOUNTS
from trellis_customers.settings import CustomersSettings
from trellis_customers.tokens import (
    DEMO_SIGNING_KEY_PATH,
    DemoKeyRefused,
    SigningKey,
    jwk_thumbprint,
)
from trellis_subgraph.testing import in_process_client

from .accounts import (
    CHANGE_PASSWORD,
    ME,
    call,
    error_code,
    tokens,
)

ADMIN, CLERK, ADA, GRACE = DEMO_ACCOUNTS


def ec_pem(index: int) -> str:
    """A fresh EC P-256 private key (PKCS#8 PEM), one per index."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@cache
def rsa_pem() -> str:
    """A fresh RSA 2048 private key (PKCS#8 PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


async def jwks(client: httpx.AsyncClient) -> list[dict[str, str]]:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys: list[dict[str, str]] = response.json()["keys"]
    return keys


def verify_with_jwks(token: str, keys: list[dict[str, str]]) -> dict[str, Any]:
    """Verify a token the way the router does: pick the JWKS key by ``kid``."""
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in keys if k["kid"] == kid]
    key = jwt.PyJWK.from_dict(jwk)
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=[jwk["alg"]], audience="trellis-router", issuer="trellis"
    )
    return claims


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_login_token_verifies_with_the_jwks(client: httpx.AsyncClient) -> None:
    keys = await jwks(client)
    (jwk,) = keys
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and jwk["alg"] == "ES256"
    assert jwk["use"] == "sig" and {"x", "y", "kid"} <= jwk.keys() and "d" not in jwk
    before = int(time.time())
    payload = await tokens(client, "clerk", CLERK.password)
    token = payload["accessToken"]
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": jwk["kid"], "typ": "JWT"}
    claims = verify_with_jwks(token, keys)
    assert claims["sub"] == payload["account"]["id"]
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 900
    assert claims["scope"].split() == [
        "customers:read",
        "customers:write",
        "billing:read",
        "billing:write",
        "inventory:read",
        "inventory:write",
        "orders:read",
        "orders:write",
    ]
    assert claims["roles"] == ["clerk"]
    assert claims["preferred_username"] == "clerk"
    assert "customer_id" not in claims
    assert len(claims["jti"]) == 32


async def test_admin_and_customer_claims(client: httpx.AsyncClient) -> None:
    keys = await jwks(client)
    admin = verify_with_jwks((await tokens(client, "admin", ADMIN.password))["accessToken"], keys)
    assert "customers:delete" in admin["scope"].split()
    assert len(admin["scope"].split()) == 9
    ada = verify_with_jwks((await tokens(client, "ada", ADA.password))["accessToken"], keys)
    assert ada["scope"] == ""
    assert ada["roles"] == ["customer"]
    assert ada["customer_id"] == "1"


def test_kid_is_the_rfc_7638_thumbprint() -> None:
    # RFC 7638 §3.1: the example RSA key and its thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ"
        "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW"
        "2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vM"
        "QFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    members = {"e": "AQAB", "kty": "RSA", "n": n}
    assert jwk_thumbprint(members) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    key = SigningKey.from_pem(ec_pem(0))
    jwk = key.public_jwk
    assert key.kid == jwk_thumbprint({m: jwk[m] for m in ("crv", "kty", "x", "y")})


async def test_key_rotation_publishes_both_and_verifies_both(
    make_app: Callable[..., FastAPI],
) -> None:
    old, new = ec_pem(1), rsa_pem()
    async with in_process_client(make_app(auth_signing_keys=[old])) as client:
        old_token = (await tokens(client, "admin", ADMIN.password))["accessToken"]
    async with in_process_client(make_app(auth_signing_keys=[new, old])) as client:
        keys = await jwks(client)
        assert [k["alg"] for k in keys] == ["RS256", "ES256"]
        assert keys[0]["kty"] == "RSA" and {"n", "e"} <= keys[0].keys()
        new_token = (await tokens(client, "admin", ADMIN.password))["accessToken"]
        assert jwt.get_unverified_header(new_token)["kid"] == keys[0]["kid"]
        assert jwt.get_unverified_header(old_token)["kid"] == keys[1]["kid"]
        assert verify_with_jwks(new_token, keys)["preferred_username"] == "admin"
        for token in (old_token, new_token):
            me = (await call(client, ME, token=token))["data"]["me"]
            assert me["username"] == "admin"
    # Once the old key is dropped, its tokens are refused.
    async with in_process_client(make_app(auth_signing_keys=[new])) as client:
        assert (await call(client, ME, token=old_token))["data"] == {"me": None}


async def test_me_with_and_without_a_token(client: httpx.AsyncClient) -> None:
    assert await call(client, ME) == {"data": {"me": None}}
    token = (await tokens(client, "ada", ADA.password))["accessToken"]
    me = (await call(client, ME, token=token))["data"]["me"]
    assert me["username"] == "ada"
    assert me["customer"] == {"id": "1", "name": "Ada Lovelace"}


def _demo_key() -> Any:
    return load_pem_private_key(DEMO_SIGNING_KEY_PATH.read_bytes(), password=None)


async def test_bad_access_tokens_are_refused(client: httpx.AsyncClient) -> None:
    token = (await tokens(client, "admin", ADMIN.password))["accessToken"]
    header_b64, payload_b64, signature = token.split(".")
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(time.time())
    tampered = ".".join((header_b64, b64({**claims, "roles": ["admin", "root"]}), signature))
    alg_none = ".".join((b64({"alg": "none", "kid": header["kid"]}), payload_b64, ""))
    expired = jwt.encode(
        {**claims, "iat": now - 1000, "exp": now - 100},
        _demo_key(),
        algorithm="ES256",
        headers={"kid": header["kid"]},
    )
    wrong_key = jwt.encode(
        claims,
        SigningKey.from_pem(ec_pem(2)).private_key,
        algorithm="ES256",
        headers={"kid": header["kid"]},
    )
    wrong_audience = jwt.encode(
        {**claims, "aud": "someone-else"},
        _demo_key(),
        algorithm="ES256",
        headers={"kid": header["kid"]},
    )
    hmac_confusion = jwt.encode(
        claims,
        "secret-that-is-long-enough-for-hs256!",
        algorithm="HS256",
        headers={"kid": header["kid"]},
    )
    refused = {
        "tampered": tampered,
        "alg none": alg_none,
        "expired": expired,
        "wrong key": wrong_key,
        "wrong audience": wrong_audience,
        "HS256": hmac_confusion,
    }
    for name, bad in refused.items():
        assert (await call(client, ME, token=bad))["data"] == {"me": None}, name
        body = await call(
            client, CHANGE_PASSWORD, {"current": ADMIN.password, "new": "fresh-and-long-1"}, bad
        )
        assert error_code(body) == "UNAUTHENTICATED", name
    # The genuine token still works.
    assert (await call(client, ME, token=token))["data"]["me"]["username"] == "admin"


def test_demo_key_is_refused_when_not_allowed(database_url: str) -> None:
    settings = CustomersSettings(
        database_url=database_url, registry_url=None, auth_allow_demo_secrets=False
    )
    with pytest.raises(DemoKeyRefused, match="auth_signing_keys"):
        create_app(settings)
    # A real key makes the same settings acceptable.
    create_app(settings.model_copy(update={"auth_signing_keys": [SecretStr(ec_pem(3))]}))


def test_bad_signing_keys_are_refused() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="P-256"):
        SigningKey.from_pem(p384.decode())
    with pytest.raises(ValueError):
        SigningKey.from_pem("not a pem")


async def test_demo_passwords_stop_the_start_when_demo_secrets_are_refused(
    make_app: Callable[..., FastAPI],
) -> None:
    keys = [SecretStr(ec_pem(4))]
    # First start (demo secrets allowed): the demo accounts are seeded with their passwords.
    async with in_process_client(make_app()) as client:
        admin = await tokens(client, "admin", ADMIN.password)
    production = make_app(auth_allow_demo_secrets=False, auth_signing_keys=keys)
    with pytest.raises(DemoPasswordRefused, match="'admin'"):
        async with in_process_client(production):
            pass
    # Once every demo account has a password of its own, the same settings start.
    for demo in DEMO_ACCOUNTS:
        async with in_process_client(make_app()) as client:
            payload = await tokens(client, demo.username, demo.password)
            body = await call(
                client,
                CHANGE_PASSWORD,
                {"current": demo.password, "new": f"a-password-of-its-own-{len(demo.email)}"},
                token=payload["accessToken"],
            )
            assert body == {"data": {"changePassword": True}}, body
    assert admin["accessToken"]
    async with in_process_client(
        make_app(auth_allow_demo_secrets=False, auth_signing_keys=keys)
    ) as client:
        assert (await jwks(client))[0]["kid"]
