"""Settings of the customers subgraph, its accounts and tokens included."""

from __future__ import annotations

from pydantic import Field, SecretStr
from trellis_subgraph import SubgraphSettings

__all__ = ["CustomersSettings"]


class CustomersSettings(SubgraphSettings):
    """Settings of the customers subgraph (env prefix ``TRELLIS_``)."""

    subgraph_name = "customers"

    port: int = Field(default=4001, ge=0, le=65535, description="TCP port to listen on.")
    auth_signing_keys: list[SecretStr] = Field(
        default_factory=list,
        description=(
            "PEM private keys (PKCS#8 or traditional) that sign access tokens: EC P-256 keys "
            "sign ES256, RSA keys (2048 bits or more) RS256. The first signs, every key is "
            "published in the JWKS; rotate by putting the new key first and dropping the old "
            "one once the access token lifetime has passed. Empty means the demo key committed "
            "in the package (refused unless `auth_allow_demo_secrets`)."
        ),
    )
    auth_allow_demo_secrets: bool = Field(
        default=True,
        description=(
            "Whether demo secrets may be used: the committed demo signing key (when "
            "`auth_signing_keys` is empty) and the demo accounts' documented passwords. False "
            "in production (profile `production`), where the subgraph refuses to start with "
            "either."
        ),
    )
    auth_issuer: str = Field(
        default="trellis", min_length=1, description="The `iss` claim of access tokens."
    )
    auth_audience: str = Field(
        default="trellis-router",
        min_length=1,
        description="The `aud` claim of access tokens (the router checks it).",
    )
    auth_access_token_ttl_seconds: int = Field(
        default=900, ge=1, description="Lifetime of an access token (seconds)."
    )
    auth_refresh_token_ttl_seconds: int = Field(
        default=14 * 24 * 3600,
        ge=1,
        description="Lifetime of a refresh token (seconds); each rotation starts a new one.",
    )
    auth_max_failed_logins: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed logins (or password checks) that lock an account.",
    )
    auth_lockout_seconds: float = Field(
        default=900.0, gt=0, description="How long a locked account refuses logins (seconds)."
    )
