"""The subgraph app factory: FastAPI + Strawberry's GraphQLRouter + a start-up lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema
from trellis_config.client import LiveSettings

from trellis_subgraph.context import SubgraphServices, context_getter
from trellis_subgraph.database import Database
from trellis_subgraph.demo_data import DemoCatalogue, demo_catalogue
from trellis_subgraph.migrations import upgrade
from trellis_subgraph.peers import (
    PeerDirectory,
    PeerPolicy,
    Peers,
    RegistryPeerDirectory,
    StaticPeerDirectory,
)
from trellis_subgraph.registry import InstanceRegistration, RegistryAgent, RegistryClient
from trellis_subgraph.sdl import subgraph_sdl
from trellis_subgraph.settings import SubgraphSettings

__all__ = [
    "RESTART_ONLY_SETTINGS",
    "AppConfigurer",
    "BackgroundTask",
    "Seeder",
    "StartupCheck",
    "SubgraphDefinition",
    "create_app",
    "create_peers",
    "follow_live_settings",
    "peer_policy",
]

RESTART_ONLY_SETTINGS = frozenset(
    {"host", "port", "data_dir", "database_url", "registry_url", "routing_url", "peer_urls"}
)
"""Settings a running subgraph cannot change: a new value is logged and applied at restart."""

logger = logging.getLogger(__name__)

Seeder = Callable[[AsyncSession, DemoCatalogue], Awaitable[bool]]
"""``async seed(session, catalogue) -> inserted``: insert demo rows when the tables are empty."""

BackgroundTask = Callable[[SubgraphServices], Coroutine[Any, Any, None]]
"""``async run(services)``: a loop that runs while the subgraph serves; cancelled on shutdown."""

StartupCheck = Callable[[SubgraphServices], Awaitable[None]]
"""``async check(services)``: run once the database is migrated and seeded, before the subgraph
registers; raising stops the start (e.g. demo secrets in production)."""

AppConfigurer = Callable[[FastAPI, SubgraphSettings], None]
"""``configure(app, settings)``: adds a subgraph's own routes to its app (called once, when the
app is built); raising refuses to build the app (e.g. on unsafe settings)."""


@dataclass(frozen=True, slots=True)
class SubgraphDefinition:
    """Everything the kit needs to know to run one subgraph.

    Attributes:
        name: Subgraph name (service name in the registry), e.g. ``customers``.
        schema: The Strawberry federation schema.
        migrations: The subgraph's ``alembic/`` directory.
        seed: Inserts the demo rows into an empty database; returns whether it inserted.
        settings_type: The subgraph's settings class.
        distribution: Distribution name, reported to the registry as ``version`` metadata.
        background: Loops to run while serving (e.g. delivering an outbox, saga recovery).
        configure_app: Adds the subgraph's own routes (e.g. a JWKS document) to the app;
            None when the subgraph serves only ``/graphql`` and ``/health``.
        startup_check: Refuses to start on unsafe data (see :data:`StartupCheck`); None
            when there is nothing to check.
    """

    name: str
    schema: Schema
    migrations: Path
    seed: Seeder
    settings_type: type[SubgraphSettings]
    distribution: str
    background: tuple[BackgroundTask, ...] = field(default=())
    configure_app: AppConfigurer | None = None
    startup_check: StartupCheck | None = None


def create_peers(settings: SubgraphSettings) -> Peers:
    """Build the peer clients a subgraph's settings describe.

    Peers are found through the registry (``registry_url``), with ``peer_urls`` taking
    precedence; without a registry only ``peer_urls`` are known.

    Args:
        settings: The subgraph's settings.

    Returns:
        The :class:`Peers`; close it with ``aclose()``.
    """
    policy = peer_policy(settings)
    http = httpx.AsyncClient()
    directory: PeerDirectory
    if settings.registry_url is None:
        directory = StaticPeerDirectory(settings.peer_urls)
    else:
        directory = RegistryPeerDirectory(
            settings.registry_url,
            http,
            cache_seconds=settings.peer_cache_seconds,
            static=settings.peer_urls,
        )
    return Peers(directory, policy, http)


def peer_policy(settings: SubgraphSettings) -> PeerPolicy:
    """The peer-call policy the settings describe.

    Args:
        settings: The subgraph's settings (``peer_timeout_seconds``, ``peer_attempts``,
            ``peer_backoff_seconds``).

    Returns:
        The :class:`PeerPolicy`.
    """
    return PeerPolicy(
        timeout_seconds=settings.peer_timeout_seconds,
        attempts=settings.peer_attempts,
        backoff_seconds=settings.peer_backoff_seconds,
    )


def follow_live_settings(
    services: SubgraphServices, name: str
) -> Callable[[Any, Any, frozenset[str]], None]:
    """The `LiveSettings` subscriber that applies new settings to a running subgraph.

    It replaces ``services.settings`` (background loops and resolvers read it at the point of
    use), sets the root log level, and gives the peer clients the new timeouts and retries.
    Keys in `RESTART_ONLY_SETTINGS` keep their old value and are logged.

    Args:
        services: The running subgraph's services.
        name: The subgraph name, for the logs.

    Returns:
        ``apply(old, new, changed_field_names)``.
    """

    def apply(old: SubgraphSettings, new: SubgraphSettings, changed: frozenset[str]) -> None:
        later = changed & RESTART_ONLY_SETTINGS
        if later:
            logger.warning("%s: changed %s apply at the next restart", name, sorted(later))
            new = new.model_copy(update={key: getattr(old, key) for key in later})
        services.settings = new
        if "log_level" in changed:
            logging.getLogger().setLevel(new.log_level)
        if any(key.startswith("peer_") for key in changed):
            services.peers.set_policy(peer_policy(new))
        applied = sorted(changed - later)
        if applied:
            logger.info("%s: applied changed settings %s", name, applied)

    return apply


def create_app(
    definition: SubgraphDefinition,
    settings: SubgraphSettings | None = None,
    *,
    live: LiveSettings[Any] | None = None,
) -> FastAPI:
    """Build the subgraph's ASGI app.

    Routes: ``POST/GET /graphql`` (the federation schema), ``GET /health`` and whatever the
    definition's ``configure_app`` adds. The lifespan runs
    the Alembic migrations, seeds demo data into empty tables, starts the definition's
    background loops and registry registration (in the background; serving never waits for
    the registry).

    Args:
        definition: The subgraph.
        settings: Its settings; read from the environment when omitted (or from ``live``).
        live: Settings followed from the config server: each change replaces
            ``services.settings`` (and the peer policy) while serving; keys in
            `RESTART_ONLY_SETTINGS` are logged and wait for a restart.

    Raises:
        Exception: Whatever the definition's ``configure_app`` raises to refuse its settings.

    Returns:
        The FastAPI app; ``app.state.database``, ``app.state.services`` (once started) and
        ``app.state.registry_agent`` (None when registration is disabled or before start) are
        available to tests and tools.
    """
    if settings is None:
        settings = live.current if live is not None else definition.settings_type()
    database = Database.connect(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade(database, definition.migrations)
        if settings.seed_demo_data:
            async with database.sessions.begin() as session:
                if await definition.seed(session, demo_catalogue(settings.seed_scale)):
                    logger.info("seeded %s demo data", definition.name)
        peers = create_peers(settings)
        services = SubgraphServices(database=database, peers=peers, settings=settings)
        app.state.services = services
        if definition.startup_check is not None:
            try:
                await definition.startup_check(services)
            except BaseException:
                await peers.aclose()
                await database.dispose()
                raise
        tasks: list[asyncio.Task[None]] = [
            asyncio.create_task(run(services), name=f"{definition.name}:{run.__name__}")
            for run in definition.background
        ]
        if live is not None:
            live.subscribe(follow_live_settings(services, definition.name))
            tasks.append(asyncio.create_task(live.run(), name=f"{definition.name}:settings"))
        agent = _registry_agent(definition, settings)
        app.state.registry_agent = agent
        if agent is not None:
            agent.start()
        try:
            yield
        finally:
            if agent is not None:
                await agent.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await peers.aclose()
            await database.dispose()

    app = FastAPI(title=f"Trellis {definition.name} subgraph", lifespan=lifespan)
    app.state.database = database
    app.state.registry_agent = None
    app.state.settings = settings
    app.state.services = None

    def running_services() -> SubgraphServices:
        services: SubgraphServices | None = app.state.services
        if services is None:
            raise RuntimeError(f"the {definition.name} subgraph has not started")
        return services

    graphql = GraphQLRouter(
        definition.schema, context_getter=context_getter(running_services), graphql_ide=None
    )
    app.include_router(graphql, prefix="/graphql")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "UP"}

    if definition.configure_app is not None:
        definition.configure_app(app, settings)
    return app


def _registry_agent(
    definition: SubgraphDefinition, settings: SubgraphSettings
) -> RegistryAgent | None:
    if settings.registry_url is None:
        return None
    registration = InstanceRegistration(
        service=definition.name,
        instance_id=settings.instance_id,
        routing_url=settings.routing_url,
        health_url=settings.health_url,
        metadata={"subgraph": definition.name, "version": _version(definition.distribution)},
    )
    return RegistryAgent(
        RegistryClient(settings.registry_url),
        registration,
        subgraph_sdl(definition.schema),
        heartbeat_interval_seconds=settings.heartbeat_interval_seconds,
        retry_seconds=settings.registration_retry_seconds,
    )


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"
