"""``authentication``: JWT validation of the caller's token.

Apollo Router: ``authentication.router.jwt`` (header name and prefix, JWKS list with issuer and
algorithms per source). Spec: RFC 7519 (JWT), RFC 7517 (JWK / JWKS), RFC 7518 (algorithms).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, SecretStr, model_validator

from .section import Section

__all__ = ["JWT_ALGORITHMS", "AuthenticationSettings", "JwksSource", "JwtSettings"]

JwtAlgorithm = Literal[
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
JWT_ALGORITHMS: tuple[str, ...] = get_args(JwtAlgorithm)
"""Every accepted ``alg`` (``none`` never is)."""


class JwksSource(Section):
    """One source of verification keys: a JWKS URL (fetched and refreshed) or a file (re-read
    when it changes). A file may hold a JWKS (JSON) or one PEM public key."""

    url: str | None = Field(
        default=None,
        description="URL of a JWKS document (e.g. https://idp.example.com/.well-known/jwks.json).",
    )
    file: Path | None = Field(
        default=None,
        description="A JWKS JSON file or a PEM public key file (re-read when it changes).",
    )
    poll_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between two refreshes of this source.",
    )
    unknown_kid_refresh_seconds: float = Field(
        default=1.0,
        gt=0,
        description=(
            "A token with an unknown kid refreshes the key sources, at most once per this many "
            "seconds: a miss inside the interval waits for its end, and misses waiting "
            "meanwhile share that refresh (made-up kids cost one download per interval)."
        ),
    )
    issuer: str | None = Field(
        default=None,
        description="When set, tokens verified with these keys must carry this iss.",
    )
    algorithms: list[JwtAlgorithm] | None = Field(
        default=None,
        description=(
            "Algorithms accepted with these keys (unset: the key's own alg, or every algorithm "
            "matching the key type)."
        ),
    )

    @model_validator(mode="after")
    def _one_location(self) -> JwksSource:
        if (self.url is None) == (self.file is None):
            raise ValueError("a JWKS source needs exactly one of url or file")
        return self


class JwtSettings(Section):
    """JWT validation. A request without the header is anonymous; a header with an invalid
    token is refused with ``UNAUTHENTICATED`` (HTTP 401)."""

    header_name: str = Field(
        default="authorization",
        description="Request header carrying the token.",
    )
    header_value_prefix: str = Field(
        default="Bearer",
        description="Prefix before the token in the header value (empty: the whole value).",
    )
    jwks: list[JwksSource] = Field(
        default=[],
        description="Key sources (JWKS URLs or files), tried in order by kid and algorithm.",
    )
    hmac_secret: SecretStr | None = Field(
        default=None,
        description=(
            "A shared secret for HS256/HS384/HS512 tokens (use a {cipher} value on the config "
            "server). Prefer asymmetric keys from a JWKS."
        ),
    )
    algorithms: list[JwtAlgorithm] = Field(
        default=["RS256", "ES256"],
        description="Algorithms accepted at all; a token with any other alg is refused.",
    )
    issuers: list[str] = Field(
        default=[],
        description="Accepted iss values (empty: any issuer, unless a JWKS source sets one).",
    )
    audiences: list[str] = Field(
        default=[],
        description="Accepted aud values; a token must name one of them (empty: aud not checked).",
    )
    clock_skew_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Leeway for exp, nbf and iat, in seconds.",
    )
    require_expiration: bool = Field(
        default=True,
        description="Refuse tokens without an exp claim.",
    )

    @model_validator(mode="after")
    def _keys(self) -> JwtSettings:
        if not self.jwks and self.hmac_secret is None:
            raise ValueError("jwt needs at least one jwks source or an hmac_secret")
        return self


class AuthenticationSettings(Section):
    """Who the caller is."""

    jwt: JwtSettings | None = Field(
        default=None,
        description="JWT validation (unset: every request is anonymous).",
    )
