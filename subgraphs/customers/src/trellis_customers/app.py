"""The customers subgraph app: GraphQL, and the JWKS of its access token signing keys."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from trellis_subgraph import SubgraphDefinition, SubgraphServices, SubgraphSettings
from trellis_subgraph import create_app as create_subgraph_app

from trellis_customers import repository
from trellis_customers.passwords import verify_password
from trellis_customers.schema import schema
from trellis_customers.seed import DEMO_ACCOUNTS, seed
from trellis_customers.settings import CustomersSettings
from trellis_customers.tokens import key_ring

__all__ = [
    "DEFINITION",
    "JWKS_CACHE_SECONDS",
    "JWKS_PATH",
    "DemoPasswordRefused",
    "add_jwks_route",
    "create_app",
    "refuse_demo_passwords",
]

logger = logging.getLogger(__name__)

JWKS_PATH = "/.well-known/jwks.json"
"""Where the public signing keys are served (the router's JWT authentication reads it)."""

JWKS_CACHE_SECONDS = 300
"""``Cache-Control: max-age`` of the JWKS (seconds)."""


def _current_settings(request: Request) -> CustomersSettings:
    services = request.app.state.services
    settings = services.settings if services is not None else request.app.state.settings
    if not isinstance(settings, CustomersSettings):
        raise TypeError("the customers subgraph runs with CustomersSettings")
    return settings


def add_jwks_route(app: FastAPI, settings: SubgraphSettings) -> None:
    """Check the signing keys and serve their JWKS at :data:`JWKS_PATH`.

    Spec: RFC 7517 §5 (JWK Set), RFC 8414 §2 ``jwks_uri``; RFC 9111 §5.2.2.1 (``max-age``).

    Args:
        app: The customers app.
        settings: Its settings (``auth_signing_keys``, ``auth_allow_demo_secrets``).

    Raises:
        TypeError: If the settings are not :class:`CustomersSettings`.
        DemoKeyRefused: If only the demo key is available and ``auth_allow_demo_secrets`` is false.
        ValueError: If a configured key does not load.
    """
    if not isinstance(settings, CustomersSettings):
        raise TypeError("the customers subgraph runs with CustomersSettings")
    if key_ring(settings).demo:
        logger.warning(
            "customers: signing access tokens with the committed DEMO key; configure "
            "auth_signing_keys (and set auth_allow_demo_secrets to false) in production"
        )

    @app.get(JWKS_PATH, include_in_schema=False)
    async def jwks(request: Request) -> JSONResponse:
        document = key_ring(_current_settings(request)).jwks()
        return JSONResponse(
            document, headers={"Cache-Control": f"public, max-age={JWKS_CACHE_SECONDS}"}
        )


class DemoPasswordRefused(RuntimeError):
    """A demo account still has its documented password and demo secrets are not allowed."""


async def refuse_demo_passwords(services: SubgraphServices) -> None:
    """Refuse to start when demo secrets are not allowed but a demo account keeps its password.

    With ``auth_allow_demo_secrets`` false (in production: the config server's
    ``customers-production.yml``), every account named like a demo account
    (:data:`~trellis_customers.seed.DEMO_ACCOUNTS`) is checked against its documented password
    (argon2id, about 50 ms each).

    Args:
        services: The started subgraph's services (database and settings).

    Raises:
        DemoPasswordRefused: If one of them still logs in with its documented password.
    """
    settings = services.settings
    if not isinstance(settings, CustomersSettings) or settings.auth_allow_demo_secrets:
        return
    async with services.database.sessions() as session:
        for demo in DEMO_ACCOUNTS:
            record = await repository.account_by_username(session, demo.username)
            if record is not None and verify_password(record.password_hash, demo.password):
                raise DemoPasswordRefused(
                    f"customers: account {demo.username!r} still has its documented demo "
                    "password and auth_allow_demo_secrets is false: change it (changePassword) "
                    "or remove the account before starting in production"
                )


DEFINITION = SubgraphDefinition(
    name="customers",
    schema=schema,
    migrations=Path(__file__).parent / "alembic",
    seed=seed,
    settings_type=CustomersSettings,
    distribution="trellis-customers",
    configure_app=add_jwks_route,
    startup_check=refuse_demo_passwords,
)
"""The customers subgraph, as the kit runs it."""


def create_app(settings: SubgraphSettings | None = None) -> FastAPI:
    """Build the customers subgraph app.

    Args:
        settings: Settings; read from the environment when omitted.

    Returns:
        The ASGI app.

    Raises:
        DemoKeyRefused: If only the demo signing key is available and
            ``auth_allow_demo_secrets`` is false.
    """
    return create_subgraph_app(DEFINITION, settings)
