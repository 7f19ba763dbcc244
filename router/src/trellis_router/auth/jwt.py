"""JWT authentication: read the token from a request header and verify it.

Keys come from JWKS URLs (fetched with aiohttp and refreshed every ``poll_interval_seconds``),
key files (a JWKS or a PEM public key, re-read when the file changes) and ``hmac_secret``.
Keys are parsed once; the hot path is one base64 decode, one signature check and the claim
checks, and a token already verified is found in a small cache (its time claims are checked
again on every use). The only network on the hot path is the refresh that a token with an
unknown ``kid`` triggers, at most once per source's poll interval.

Spec: RFC 7519 (JWT; ``exp``, ``nbf``, ``iat``, ``iss``, ``aud`` in section 4.1), RFC 7515
(JWS compact serialization, ``crit``), RFC 7517 (JWK Set), RFC 7518 (algorithms), RFC 8725
(JWT best current practices: no ``none``, no algorithm confusion). Apollo Router "JWT
authentication" (header name and prefix, JWKS sources, issuer per source).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import aiohttp
import orjson

from ..configuration.authentication import JwksSource, JwtSettings
from .errors import AuthenticationError
from .keys import VerificationKey, hmac_key, parse_jwks, parse_key_file

__all__ = ["JwtAuthenticator"]

_log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10.0
"""Total time allowed for one JWKS download, in seconds."""

_CACHE_SIZE = 4096
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(slots=True)
class _Source:
    """One key source and what was last loaded from it."""

    settings: JwksSource
    label: str
    keys: tuple[VerificationKey, ...] = ()
    file_stamp: tuple[int, int, int] | None = None
    last_kid_refresh: float = -math.inf


@dataclass(frozen=True, slots=True)
class _Parts:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes


def _b64decode(part: str) -> bytes:
    if not _BASE64URL.match(part):
        raise AuthenticationError("the token is malformed (not base64url)")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except ValueError:
        raise AuthenticationError("the token is malformed (not base64url)") from None


def _split(token: str) -> _Parts:
    pieces = token.split(".")
    if len(pieces) != 3:
        raise AuthenticationError("the token is malformed (a JWS needs three parts)")
    header_b64, payload_b64, signature_b64 = pieces
    try:
        header = orjson.loads(_b64decode(header_b64))
    except orjson.JSONDecodeError:
        raise AuthenticationError("the token header is not JSON") from None
    if not isinstance(header, dict):
        raise AuthenticationError("the token header is not a JSON object")
    return _Parts(
        header=header,
        payload=_b64decode(payload_b64),
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=_b64decode(signature_b64),
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class JwtAuthenticator:
    """Verifies the JWT a request carries.

    Example:
        >>> authenticator = JwtAuthenticator(settings)  # doctest: +SKIP
        >>> await authenticator.start()  # doctest: +SKIP
        >>> claims = await authenticator.authenticate({"authorization": "Bearer eyJ…"})

    Args:
        settings: the ``authentication.jwt`` settings.
        clock: the current time as Unix seconds (checks of ``exp``, ``nbf``, ``iat``).

    Raises:
        ValueError: ``hmac_secret`` is unusable (empty, or a public key or JWK).
    """

    def __init__(self, settings: JwtSettings, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self._header_name = settings.header_name.lower()
        self._prefix = settings.header_value_prefix.strip()
        self._accepted = frozenset(settings.algorithms)
        self._leeway = settings.clock_skew_seconds
        self._issuers = frozenset(settings.issuers)
        self._audiences = frozenset(settings.audiences)
        secret = settings.hmac_secret
        self._static: tuple[VerificationKey, ...] = (
            (hmac_key(secret.get_secret_value()),) if secret is not None else ()
        )
        self._sources = [_Source(s, s.url or str(s.file)) for s in settings.jwks]
        self._all: tuple[VerificationKey, ...] = ()
        self._by_kid: dict[str, tuple[VerificationKey, ...]] = {}
        self._cache: dict[str, tuple[Mapping[str, Any], VerificationKey]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._refresh_lock = asyncio.Lock()
        self._rebuild()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Load every key source once, then keep them fresh in the background.

        A source that fails to load is logged and retried at its next poll; it does not stop
        the others. JWKS URLs are fetched again every ``poll_interval_seconds``; files are
        checked at that interval and re-read when their modification time, size or inode
        changes.
        """
        await asyncio.gather(*(self._refresh(source, force=True) for source in self._sources))
        for source in self._sources:
            self._tasks.append(asyncio.create_task(self._poll(source)))

    async def close(self) -> None:
        """Stop the background refreshes and close the HTTP session."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- hot path ------------------------------------------------------------------------------

    async def authenticate(self, headers: Mapping[str, str]) -> Mapping[str, Any] | None:
        """Verify the request's token.

        Args:
            headers: the request headers, lower-case names.

        Returns:
            None when the header is absent (an anonymous request); the verified claims
            (read-only) otherwise.

        Raises:
            AuthenticationError: the header is present but its value lacks the prefix, the
                token is malformed, its ``alg`` is ``none``, not accepted or does not fit the
                key, no key has its ``kid`` (after one rate-limited refresh), the signature is
                wrong, it is expired or not valid yet (beyond the clock skew), its ``iss`` or
                ``aud`` is not accepted, or it has no ``exp`` while one is required.

        Spec: RFC 7519 section 7.2 (validating a JWT); RFC 8725 sections 3.1-3.2.
        """
        raw = headers.get(self._header_name)
        if raw is None:
            return None
        token = self._token_in(raw)
        cached = self._cache.get(token)
        if cached is not None:
            claims, key = cached
            self._check_claims(claims, key)
            return claims
        parts = _split(token)
        alg = self._check_header(parts.header)
        kid = parts.header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise AuthenticationError("the token header's kid is not a string")
        key = await self._verify(kid, alg, parts)
        try:
            payload = orjson.loads(parts.payload)
        except orjson.JSONDecodeError:
            raise AuthenticationError("the token payload is not JSON") from None
        if not isinstance(payload, dict):
            raise AuthenticationError("the token payload is not a JSON object")
        claims = MappingProxyType(payload)
        self._check_claims(claims, key)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = (claims, key)
        return claims

    def _token_in(self, raw: str) -> str:
        value = raw.strip()
        if self._prefix:
            scheme, _, rest = value.partition(" ")
            if scheme.lower() != self._prefix.lower() or not rest.strip():
                raise AuthenticationError(
                    f"the {self._header_name} header must be '{self._prefix} <token>'"
                )
            value = rest.strip()
        if not value or any(ch.isspace() for ch in value):
            raise AuthenticationError("the token is malformed")
        return value

    def _check_header(self, header: Mapping[str, Any]) -> str:
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise AuthenticationError("the token header has no alg")
        if alg.lower() == "none":
            raise AuthenticationError("unsigned tokens (alg none) are not accepted")
        if alg not in self._accepted:
            raise AuthenticationError(f"the token algorithm {alg} is not accepted")
        if "crit" in header:
            raise AuthenticationError("the token has critical header parameters (crit)")
        return alg

    async def _verify(self, kid: str | None, alg: str, parts: _Parts) -> VerificationKey:
        if kid is None:
            return self._verify_with(self._fitting(self._all, alg), alg, parts)
        if kid not in self._by_kid:
            unnamed = self._fitting((k for k in self._all if k.kid is None), alg)
            for key in unnamed:
                if key.verify(alg, parts.signing_input, parts.signature):
                    return key
            await self._refresh_for_kid(kid)
            if kid not in self._by_kid:
                if unnamed:
                    raise AuthenticationError("the token signature is invalid")
                raise AuthenticationError("no key matches the token's kid")
        return self._verify_with(self._fitting(self._by_kid[kid], alg), alg, parts)

    @staticmethod
    def _fitting(keys: Any, alg: str) -> tuple[VerificationKey, ...]:
        return tuple(key for key in keys if alg in key.algorithms)

    @staticmethod
    def _verify_with(keys: tuple[VerificationKey, ...], alg: str, parts: _Parts) -> VerificationKey:
        if not keys:
            raise AuthenticationError(f"no key accepts the token algorithm {alg}")
        for key in keys:
            if key.verify(alg, parts.signing_input, parts.signature):
                return key
        raise AuthenticationError("the token signature is invalid")

    def _check_claims(self, claims: Mapping[str, Any], key: VerificationKey) -> None:
        now = self._clock()
        leeway = self._leeway
        exp = claims.get("exp")
        if exp is None:
            if self._settings.require_expiration:
                raise AuthenticationError("the token has no expiration (exp)")
        elif not _number(exp):
            raise AuthenticationError("the token's exp is not a number")
        elif now >= exp + leeway:
            raise AuthenticationError("the token has expired")
        nbf = claims.get("nbf")
        if nbf is not None:
            if not _number(nbf):
                raise AuthenticationError("the token's nbf is not a number")
            if nbf > now + leeway:
                raise AuthenticationError("the token is not valid yet (nbf)")
        iat = claims.get("iat")
        if iat is not None:
            if not _number(iat):
                raise AuthenticationError("the token's iat is not a number")
            if iat > now + leeway:
                raise AuthenticationError("the token is issued in the future (iat)")
        issuer = claims.get("iss")
        if (key.issuer is not None and issuer != key.issuer) or (
            self._issuers and issuer not in self._issuers
        ):
            raise AuthenticationError("the token issuer is not accepted")
        if self._audiences:
            audience = claims.get("aud")
            named = [audience] if isinstance(audience, str) else audience
            if not isinstance(named, list) or not any(
                isinstance(a, str) and a in self._audiences for a in named
            ):
                raise AuthenticationError("the token audience is not accepted")

    # -- key sources ---------------------------------------------------------------------------

    def _rebuild(self) -> None:
        keys = self._static + tuple(key for source in self._sources for key in source.keys)
        by_kid: dict[str, list[VerificationKey]] = {}
        for key in keys:
            if key.kid is not None:
                by_kid.setdefault(key.kid, []).append(key)
        self._all = keys
        self._by_kid = {kid: tuple(found) for kid, found in by_kid.items()}
        self._cache = {}

    async def _refresh_for_kid(self, kid: str) -> None:
        # Every source is refreshed, at most once per unknown_kid_refresh_seconds: a miss
        # inside that window waits for its end (a key rotated in a moment after another is
        # still found), and misses that queued behind a refresh share it instead of starting
        # their own (a flood of made-up kids costs one download per window).
        arrived = time.monotonic()
        async with self._refresh_lock:
            if kid in self._by_kid or not self._sources:
                return
            if any(source.last_kid_refresh >= arrived for source in self._sources):
                return
            wait = (
                max(
                    source.last_kid_refresh + source.settings.unknown_kid_refresh_seconds
                    for source in self._sources
                )
                - time.monotonic()
            )
            if wait > 0:
                await asyncio.sleep(wait)
            await asyncio.gather(*(self._refresh(source, force=False) for source in self._sources))
            done = time.monotonic()
            for source in self._sources:
                source.last_kid_refresh = done

    async def _poll(self, source: _Source) -> None:
        while True:
            await asyncio.sleep(source.settings.poll_interval_seconds)
            await self._refresh(source, force=False)

    async def _refresh(self, source: _Source, *, force: bool) -> None:
        try:
            keys: tuple[VerificationKey, ...] | None
            if source.settings.url is not None:
                keys = await self._fetch(source)
            else:
                keys = self._read_file(source, force=force)
        except (TimeoutError, OSError, ValueError, aiohttp.ClientError) as error:
            _log.warning("JWT key source %s failed to load: %s", source.label, error)
            return
        except Exception:  # a background refresh must survive anything and retry next time
            _log.exception("JWT key source %s failed to load", source.label)
            return
        if keys is not None and keys != source.keys:
            source.keys = keys
            self._rebuild()
            _log.info("JWT key source %s: %d key(s) loaded", source.label, len(keys))

    async def _fetch(self, source: _Source) -> tuple[VerificationKey, ...]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
            )
        url = source.settings.url
        assert url is not None
        async with self._session.get(url, headers={"accept": "application/json"}) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            data = await response.read()
        settings = source.settings
        return parse_jwks(
            data, algorithms=settings.algorithms, issuer=settings.issuer, source=source.label
        )

    @staticmethod
    def _read_file(source: _Source, *, force: bool) -> tuple[VerificationKey, ...] | None:
        path = source.settings.file
        assert path is not None
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if not force and stamp == source.file_stamp:
            return None
        data = path.read_bytes()
        settings = source.settings
        keys = parse_key_file(
            data, algorithms=settings.algorithms, issuer=settings.issuer, source=source.label
        )
        source.file_stamp = stamp
        return keys
