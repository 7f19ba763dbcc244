"""JWT authentication against real keys, a real JWKS server on a free port and real key files."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt
import orjson
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from trellis_router.auth import AuthenticationError, Identity, JwtAuthenticator
from trellis_router.configuration.authentication import JwksSource, JwtSettings

NOW = 1_800_000_000.0
SECRET = "a-shared-secret-that-is-long-enough-for-hs256"


class Clock:
    """A settable clock (Unix seconds)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class JwksServer:
    """Serves a JWKS at /jwks.json on a free port; the document can be swapped at any time."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.hits = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def jwks(request: web.Request) -> web.Response:
            self.hits += 1
            return web.Response(body=orjson.dumps(self.document), content_type="application/json")

        app = web.Application()
        app.router.add_get("/jwks.json", jwks)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/jwks.json"
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private: Any, kid: str) -> dict[str, Any]:
    public = private.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        data: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
    else:
        data = ECAlgorithm.to_jwk(public, as_dict=True)
    return {**data, "kid": kid, "use": "sig"}


def pem(private: Any) -> bytes:
    data: bytes = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return data


def claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "u1", "iat": int(NOW), "exp": int(NOW) + 300, **extra}


def sign(key: Any, alg: str, kid: str | None = None, **extra: Any) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims(**extra), key, algorithm=alg, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def rsa_a() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture(scope="module")
def rsa_b() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture(scope="module")
def ec_a() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
async def server() -> AsyncIterator[JwksServer]:
    jwks = JwksServer()
    await jwks.start()
    yield jwks
    await jwks.stop()


Make = Callable[..., Awaitable[JwtAuthenticator]]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    started: list[JwtAuthenticator] = []

    async def build(clock: Clock | None = None, **settings: Any) -> JwtAuthenticator:
        authenticator = JwtAuthenticator(JwtSettings(**settings), clock=clock or Clock())
        await authenticator.start()
        started.append(authenticator)
        return authenticator

    yield build
    for authenticator in started:
        await authenticator.close()


async def refused(authenticator: JwtAuthenticator, token: str, reason: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        await authenticator.authenticate(bearer(token))
    assert reason in info.value.message
    assert token not in info.value.message and token not in str(info.value)


async def until(condition: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- valid tokens ----------------------------------------------------------------------------


async def test_hs256_with_the_shared_secret(make: Make) -> None:
    authenticator = await make(hmac_secret=SECRET, algorithms=["HS256"])
    token = sign(SECRET.encode(), "HS256", scope="read:a write:a")
    found = await authenticator.authenticate(bearer(token))
    assert found is not None and found["sub"] == "u1"
    assert Identity.from_claims(found).scopes == {"read:a", "write:a"}
    assert await authenticator.authenticate({}) is None
    assert await authenticator.authenticate({"authorization": f"bearer  {token} "}) == found


async def test_rs256_from_a_jwks_url(
    make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey
) -> None:
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(jwks=[JwksSource(url=server.url)], algorithms=["RS256"])
    assert server.hits == 1
    found = await authenticator.authenticate(bearer(sign(rsa_a, "RS256", "k1")))
    assert found is not None and found["sub"] == "u1"
    # A token without kid is tried against every key that fits its algorithm.
    assert await authenticator.authenticate(bearer(sign(rsa_a, "RS256")))
    assert server.hits == 1


async def test_es256_from_a_jwks_file(
    make: Make, tmp_path: Path, ec_a: ec.EllipticCurvePrivateKey
) -> None:
    path = tmp_path / "jwks.json"
    path.write_bytes(orjson.dumps({"keys": [jwk(ec_a, "ec1")]}))
    authenticator = await make(jwks=[JwksSource(file=path)], algorithms=["ES256"])
    assert await authenticator.authenticate(bearer(sign(ec_a, "ES256", "ec1")))


async def test_eddsa_from_a_pem_file(make: Make, tmp_path: Path) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "key.pem"
    path.write_bytes(pem(private))
    authenticator = await make(jwks=[JwksSource(file=path)], algorithms=["EdDSA"])
    assert await authenticator.authenticate(bearer(sign(private, "EdDSA")))


# -- time claims ------------------------------------------------------------------------------


async def test_expired_and_replayed_expired(make: Make) -> None:
    clock = Clock()
    authenticator = await make(clock, hmac_secret=SECRET, algorithms=["HS256"])
    expired = sign(SECRET.encode(), "HS256", exp=int(NOW) - 61)
    await refused(authenticator, expired, "expired")
    await refused(authenticator, expired, "expired")
    token = sign(SECRET.encode(), "HS256", exp=int(NOW) + 10)
    assert await authenticator.authenticate(bearer(token))
    clock.now = NOW + 10 + 60  # exp plus the 60 s skew: expired now, even though cached
    await refused(authenticator, token, "expired")
    clock.now = NOW
    assert await authenticator.authenticate(bearer(token))


async def test_not_before(make: Make) -> None:
    clock = Clock()
    authenticator = await make(clock, hmac_secret=SECRET, algorithms=["HS256"])
    later = sign(SECRET.encode(), "HS256", nbf=int(NOW) + 120)
    await refused(authenticator, later, "not valid yet")
    clock.now = NOW + 61
    assert await authenticator.authenticate(bearer(later))
    future_iat = sign(SECRET.encode(), "HS256", iat=int(NOW) + 600, exp=int(NOW) + 900)
    clock.now = NOW
    await refused(authenticator, future_iat, "issued in the future")


async def test_clock_skew(make: Make) -> None:
    lenient = await make(hmac_secret=SECRET, algorithms=["HS256"], clock_skew_seconds=60)
    strict = await make(hmac_secret=SECRET, algorithms=["HS256"], clock_skew_seconds=0)
    token = sign(SECRET.encode(), "HS256", exp=int(NOW) - 30, nbf=int(NOW) - 100)
    assert await lenient.authenticate(bearer(token))
    await refused(strict, token, "expired")
    early = sign(SECRET.encode(), "HS256", nbf=int(NOW) + 30)
    assert await lenient.authenticate(bearer(early))
    await refused(strict, early, "not valid yet")


async def test_expiration_required(make: Make) -> None:
    token = jwt.encode({"sub": "u1"}, SECRET, algorithm="HS256")
    required = await make(hmac_secret=SECRET, algorithms=["HS256"])
    await refused(required, token, "no expiration")
    optional = await make(hmac_secret=SECRET, algorithms=["HS256"], require_expiration=False)
    assert await optional.authenticate(bearer(token)) == {"sub": "u1"}
    bad = jwt.encode({"sub": "u1", "exp": "tomorrow"}, SECRET, algorithm="HS256")
    await refused(optional, bad, "exp is not a number")


# -- issuer and audience ---------------------------------------------------------------------


async def test_issuer_and_audience(make: Make) -> None:
    authenticator = await make(
        hmac_secret=SECRET,
        algorithms=["HS256"],
        issuers=["https://idp.test"],
        audiences=["shop", "admin"],
    )
    key = SECRET.encode()
    good = sign(key, "HS256", iss="https://idp.test", aud=["other", "shop"])
    assert await authenticator.authenticate(bearer(good))
    await refused(authenticator, sign(key, "HS256", iss="https://evil.test", aud="shop"), "issuer")
    await refused(authenticator, sign(key, "HS256", aud="shop"), "issuer")
    await refused(authenticator, sign(key, "HS256", iss="https://idp.test", aud="x"), "audience")
    await refused(authenticator, sign(key, "HS256", iss="https://idp.test"), "audience")


async def test_issuer_per_source(make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey) -> None:
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(
        jwks=[JwksSource(url=server.url, issuer="https://idp.test")], algorithms=["RS256"]
    )
    assert await authenticator.authenticate(
        bearer(sign(rsa_a, "RS256", "k1", iss="https://idp.test"))
    )
    await refused(authenticator, sign(rsa_a, "RS256", "k1", iss="https://x.test"), "issuer")


# -- forged and broken tokens ----------------------------------------------------------------


async def test_alg_none_is_refused(make: Make) -> None:
    authenticator = await make(hmac_secret=SECRET, algorithms=["HS256"], require_expiration=False)
    header = b64(b'{"alg":"none"}')
    payload = b64(orjson.dumps(claims(admin=True)))
    await refused(authenticator, f"{header}.{payload}.", "alg none")
    upper = b64(b'{"alg":"NONE","typ":"JWT"}')
    await refused(authenticator, f"{upper}.{payload}.", "alg none")


async def test_algorithm_confusion_rsa_public_key_as_hmac_secret(
    make: Make, tmp_path: Path, server: JwksServer, rsa_a: rsa.RSAPrivateKey
) -> None:
    path = tmp_path / "rsa.pem"
    path.write_bytes(pem(rsa_a))
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(
        jwks=[JwksSource(file=path), JwksSource(url=server.url)],
        algorithms=["RS256", "HS256"],
    )
    assert await authenticator.authenticate(bearer(sign(rsa_a, "RS256")))

    def forge(kid: str | None) -> str:
        header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
        signing_input = f"{b64(orjson.dumps(header))}.{b64(orjson.dumps(claims()))}"
        mac = hmac.new(pem(rsa_a), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"

    await refused(authenticator, forge(None), "no key accepts the token algorithm HS256")
    await refused(authenticator, forge("k1"), "no key accepts the token algorithm HS256")


def test_public_key_as_hmac_secret_is_refused(rsa_a: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="hmac_secret"):
        JwtAuthenticator(JwtSettings(hmac_secret=pem(rsa_a).decode(), algorithms=["HS256"]))


async def test_tampered_payload(make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey) -> None:
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(jwks=[JwksSource(url=server.url)], algorithms=["RS256"])
    header, _, signature = sign(rsa_a, "RS256", "k1").split(".")
    payload = b64(orjson.dumps(claims(sub="admin")))
    await refused(authenticator, f"{header}.{payload}.{signature}", "signature is invalid")


async def test_wrong_key(
    make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey, rsa_b: rsa.RSAPrivateKey
) -> None:
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(
        jwks=[JwksSource(url=server.url)], algorithms=["RS256", "ES256"], hmac_secret=SECRET
    )
    await refused(authenticator, sign(rsa_b, "RS256", "k1"), "signature is invalid")
    await refused(authenticator, sign(rsa_b, "RS256"), "signature is invalid")
    await refused(authenticator, sign(b"another-secret-of-decent-length!", "HS256"), "algorithm")
    wrong_type = ec.generate_private_key(ec.SECP256R1())
    await refused(authenticator, sign(wrong_type, "ES256", "k1"), "no key accepts")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Token abc.def.ghi", "must be 'Bearer <token>'"),
        ("Bearer", "must be 'Bearer <token>'"),
        ("Bearer abc.def", "three parts"),
        ("Bearer a b", "malformed"),
        ("Bearer !!!.e30.", "base64url"),
        (f"Bearer {b64(b'not json')}.e30.", "not JSON"),
        (f"Bearer {b64(b'[1]')}.e30.", "not a JSON object"),
        (f"Bearer {b64(b'{}')}.e30.", "no alg"),
        ("Bearer " + b64(b'{"alg":"HS512"}') + ".e30.", "HS512 is not accepted"),
        ("Bearer " + b64(b'{"alg":"HS256","crit":["x"]}') + ".e30.", "crit"),
    ],
)
async def test_malformed_header_values(make: Make, value: str, reason: str) -> None:
    authenticator = await make(hmac_secret=SECRET, algorithms=["HS256"])
    with pytest.raises(AuthenticationError, match=reason):
        await authenticator.authenticate({"authorization": value})


async def test_custom_header_without_prefix(make: Make) -> None:
    authenticator = await make(
        hmac_secret=SECRET, algorithms=["HS256"], header_name="X-Token", header_value_prefix=""
    )
    token = sign(SECRET.encode(), "HS256")
    assert await authenticator.authenticate({"x-token": token})
    assert await authenticator.authenticate(bearer(token)) is None


# -- key rotation ----------------------------------------------------------------------------


async def test_unknown_kid_refreshes_once_per_interval(
    make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey, rsa_b: rsa.RSAPrivateKey
) -> None:
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(
        jwks=[
            JwksSource(url=server.url, poll_interval_seconds=30, unknown_kid_refresh_seconds=0.2)
        ],
        algorithms=["RS256"],
    )
    assert server.hits == 1
    server.document = {"keys": [jwk(rsa_a, "k1"), jwk(rsa_b, "k2")]}  # the IdP rotates
    rotated = sign(rsa_b, "RS256", "k2")
    results = await asyncio.gather(*(authenticator.authenticate(bearer(rotated)) for _ in range(5)))
    assert all(result is not None for result in results)
    assert server.hits == 2
    # Unknown kids within the interval wait for its end and share one download.
    made_up = [sign(rsa_b, "RS256", f"k{i}") for i in range(3, 8)]
    outcomes = await asyncio.gather(
        *(authenticator.authenticate(bearer(token)) for token in made_up), return_exceptions=True
    )
    assert all(isinstance(outcome, AuthenticationError) for outcome in outcomes)
    assert server.hits == 3


async def test_a_key_rotated_in_soon_after_another_is_accepted(
    make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey, rsa_b: rsa.RSAPrivateKey
) -> None:
    """Unknown-kid refreshes have their own, short limit: two rotations a moment apart are
    both picked up although the poll interval is long."""
    server.document = {"keys": []}
    authenticator = await make(
        jwks=[
            JwksSource(url=server.url, poll_interval_seconds=300, unknown_kid_refresh_seconds=0.5)
        ],
        algorithms=["RS256"],
    )
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    assert await authenticator.authenticate(bearer(sign(rsa_a, "RS256", "k1"))) is not None
    server.document = {"keys": [jwk(rsa_b, "k2"), jwk(rsa_a, "k1")]}
    assert await authenticator.authenticate(bearer(sign(rsa_b, "RS256", "k2"))) is not None
    assert server.hits == 3


async def test_jwks_url_is_polled(
    make: Make, server: JwksServer, rsa_a: rsa.RSAPrivateKey, rsa_b: rsa.RSAPrivateKey
) -> None:
    server.document = {"keys": [jwk(rsa_a, "k1")]}
    authenticator = await make(
        jwks=[JwksSource(url=server.url, poll_interval_seconds=0.05)], algorithms=["RS256"]
    )
    old = sign(rsa_a, "RS256", "k1")
    assert await authenticator.authenticate(bearer(old))
    server.document = {"keys": [jwk(rsa_b, "k2")]}  # k1 retired

    async def old_refused() -> bool:
        try:
            await authenticator.authenticate(bearer(old))
        except AuthenticationError:
            return True
        return False

    await until(old_refused)
    assert await authenticator.authenticate(bearer(sign(rsa_b, "RS256", "k2")))


async def test_key_file_is_read_again_when_it_changes(
    make: Make, tmp_path: Path, rsa_a: rsa.RSAPrivateKey, rsa_b: rsa.RSAPrivateKey
) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(pem(rsa_a))
    authenticator = await make(
        jwks=[JwksSource(file=path, poll_interval_seconds=0.05)], algorithms=["RS256"]
    )
    assert await authenticator.authenticate(bearer(sign(rsa_a, "RS256")))
    await refused(authenticator, sign(rsa_b, "RS256"), "signature is invalid")
    replacement = tmp_path / "key.pem.new"
    replacement.write_bytes(pem(rsa_b))
    os.replace(replacement, path)

    async def new_key_accepted() -> bool:
        try:
            return await authenticator.authenticate(bearer(sign(rsa_b, "RS256"))) is not None
        except AuthenticationError:
            return False

    await until(new_key_accepted)
    await refused(authenticator, sign(rsa_a, "RS256"), "signature is invalid")


async def test_failing_source_is_not_fatal(
    make: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{sock.getsockname()[1]}/jwks.json"
    sock.close()
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    authenticator = await make(
        jwks=[JwksSource(url=closed), JwksSource(file=broken), JwksSource(file=tmp_path / "no")],
        hmac_secret=SECRET,
        algorithms=["HS256", "RS256"],
    )
    assert await authenticator.authenticate(bearer(sign(SECRET.encode(), "HS256")))
    assert caplog.text.count("failed to load") == 3
