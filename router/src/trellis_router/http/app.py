"""The router's ASGI application (plain Starlette; served by uvicorn with uvloop/httptools)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from ..configuration import RouterRuntime, RouterSettings
from ..executor import (
    AiohttpSubgraphClient,
    BalancingSubgraphClient,
    DedupingSubgraphClient,
    LoadBalancer,
    SubgraphClient,
)
from ..executor.traffic import TrafficSubgraphClient, max_timeout_seconds
from ..pipeline import Planner, default_planner
from ..sources import SupergraphSource, follow_source
from ..state import StateHolder
from ..usage import OperationRecorder, report_operations
from .cors import CorsMiddleware
from .graphql import GraphQLEndpoint
from .health import health, readiness
from .playground import playground_assets
from .services import RouterServices

__all__ = ["SettingsFeed", "create_app"]

_log = logging.getLogger(__name__)


class SettingsFeed(Protocol):
    """Settings followed from a config server (``trellis_config.client.LiveSettings``)."""

    def subscribe(
        self,
        callback: Callable[
            [RouterSettings, RouterSettings, frozenset[str]], Awaitable[None] | None
        ],
    ) -> None:
        """Call ``callback(old, new, changed_keys)`` after each change."""
        ...

    def run(self) -> Coroutine[Any, Any, None]:
        """Follow the config server forever (long polls)."""
        ...


def create_app(
    settings: RouterSettings | RouterRuntime,
    holder: StateHolder | None = None,
    *,
    source: SupergraphSource | None = None,
    client: SubgraphClient | None = None,
    planner: Planner = default_planner,
    live: SettingsFeed | None = None,
) -> Starlette:
    """Build the router's ASGI app.

    Subgraph calls are load-balanced over each subgraph's routing URLs (round robin, passive
    ejection, retries on another instance; see :mod:`trellis_router.executor.balancer`) through
    a :class:`BalancingSubgraphClient` wrapped around ``client``.

    Args:
        settings: the router settings, or a :class:`RouterRuntime` holding them (a new one
            when settings are given); ``app.state.runtime`` is that runtime.
        holder: the state holder (a new, empty one when None).
        source: followed during the app's lifespan (updates swap the state).
        client: the subgraph client; when None an :class:`AiohttpSubgraphClient` is created on
            startup and closed on shutdown (behind a :class:`DedupingSubgraphClient` while
            ``traffic_shaping_deduplicate_query`` is on).
        planner: the query planner.
        live: settings followed from a config server: during the lifespan each change is
            applied to the runtime (live keys at once, others logged as needing a restart).

    When ``settings.registry_url`` is set and ``settings.report_operations`` is on, executed
    operations are reported to the registry every ``report_interval_seconds``.

    Returns:
        The app: ``/graphql`` (GET, POST), ``/health``, ``/ready``, and ``/assets/*`` (the
        playground's files) when ``playground_dir`` is set; CORS as configured.
    """
    runtime = settings if isinstance(settings, RouterRuntime) else RouterRuntime(settings)
    start = runtime.settings
    holder = holder if holder is not None else StateHolder()
    services = RouterServices(start)
    balancer = LoadBalancer(settings=start)
    clients = _Clients(balancer, client, services, start)
    runtime.on_change(clients.apply)
    runtime.on_change(services.apply)
    metrics = services.metrics
    if metrics is not None:
        holder.on_swap(lambda _state: metrics.supergraph_reload(True))
    if live is not None:
        live.subscribe(lambda _old, new, _changed: _apply_quietly(runtime, new))
    recorder = OperationRecorder() if start.report_operations and start.registry_url else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = clients.open(runtime.settings) if client is None else None
        await services.start()
        tasks = []
        if source is not None:
            follow = _follower(source, holder, runtime)
            tasks.append(asyncio.create_task(_guard(follow)))
        if recorder is not None and start.registry_url:
            report = report_operations(recorder, start.registry_url, start.report_interval_seconds)
            tasks.append(asyncio.create_task(report))
        if live is not None:
            tasks.append(asyncio.create_task(_guard(live.run)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if owned is not None:
                await clients.close()
            await services.close()

    endpoint = GraphQLEndpoint(holder, runtime, clients.current, planner, recorder, services)
    routes = [
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", readiness(holder), methods=["GET"]),
    ]
    if metrics is not None:
        routes.append(Route(start.telemetry.metrics.path, metrics.endpoint, methods=["GET"]))
    if start.playground_dir is not None:
        assets = playground_assets(start.playground_dir / "assets")
        routes.append(Route("/assets/{path:path}", assets, methods=["GET"]))
    app = Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(CorsMiddleware, runtime=runtime)]
    )
    app.state.holder = holder
    app.state.endpoint = endpoint
    app.state.runtime = runtime
    app.state.balancer = balancer
    app.state.services = services
    return app


class _Clients:
    """The subgraph client in use and the settings applied to it (one per app).

    From the outside in: load balancing (instances, circuit breakers, retries) > metrics >
    tracing (a span and a traceparent per attempt) > query deduplication > traffic shaping
    (per-subgraph timeout, concurrency cap, compression) > aiohttp. Tracing sits outside
    deduplication: its per-request traceparent would otherwise keep identical fetches apart.
    """

    def __init__(
        self,
        balancer: LoadBalancer,
        given: SubgraphClient | None,
        services: RouterServices,
        settings: RouterSettings,
    ) -> None:
        self.balancer = balancer
        self.services = services
        self.traffic: TrafficSubgraphClient | None = None
        self.owned = given if isinstance(given, AiohttpSubgraphClient) else None
        self._close: AiohttpSubgraphClient | None = None
        self.balancing: BalancingSubgraphClient | None = None
        if given is not None:
            self.traffic = TrafficSubgraphClient(given, settings)
            self.balancing = BalancingSubgraphClient(self._outer(self.traffic, settings), balancer)

    def current(self) -> SubgraphClient:
        """The client requests use (created in the lifespan unless one was given)."""
        if self.balancing is None:
            raise RuntimeError("the router app's lifespan has not started")
        return self.balancing

    def open(self, settings: RouterSettings) -> AiohttpSubgraphClient:
        """Create the aiohttp client (closed by :meth:`close`)."""
        owned = AiohttpSubgraphClient(
            timeout_seconds=max_timeout_seconds(settings),
            pool_size=settings.subgraph_pool_size,
            connect_timeout_seconds=settings.subgraph_connect_timeout_seconds,
        )
        self.owned = self._close = owned
        self.traffic = TrafficSubgraphClient(owned, settings)
        self.balancing = BalancingSubgraphClient(self._outer(self.traffic, settings), self.balancer)
        return owned

    def _outer(self, traffic: SubgraphClient, settings: RouterSettings) -> SubgraphClient:
        inner = (
            DedupingSubgraphClient(traffic)
            if settings.traffic_shaping_deduplicate_query
            else traffic
        )
        services = self.services
        inner = services.tracing.subgraph_client(inner)
        if services.metrics is not None:
            inner = services.metrics.subgraph_client(inner)
        return inner

    async def close(self) -> None:
        """Close the client :meth:`open` created."""
        if self._close is not None:
            await self._close.close()
        self.owned = self._close = None
        self.balancing = None
        self.traffic = None

    def apply(self, settings: RouterSettings, changed: frozenset[str]) -> None:
        """Apply changed settings (a :class:`RouterRuntime` listener)."""
        self.balancer.apply(settings)
        if self.traffic is not None:
            self.traffic.apply(settings)
        owned = self.owned
        if owned is not None and changed & _TIMEOUTS:
            owned.set_timeouts(
                max_timeout_seconds(settings), settings.subgraph_connect_timeout_seconds
            )
        dedupe = "traffic_shaping_deduplicate_query" in changed
        if dedupe and self.balancing is not None and self.traffic is not None:
            self.balancing.inner = self._outer(self.traffic, settings)


_TIMEOUTS = frozenset(
    {"subgraph_timeout_seconds", "subgraph_connect_timeout_seconds", "traffic_shaping"}
)


def _follower(
    source: SupergraphSource, holder: StateHolder, runtime: RouterRuntime
) -> Callable[[], Coroutine[Any, Any, None]]:
    """Follows ``source``; new states get caches of the ``plan_cache_size`` then in effect."""
    return lambda: follow_source(source, holder, lambda: runtime.settings.plan_cache_size)


def _apply_quietly(runtime: RouterRuntime, new: RouterSettings) -> None:
    try:
        runtime.apply(new)
    except Exception:
        _log.exception("applying new settings failed")


async def _guard(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    try:
        await work()
    except asyncio.CancelledError:
        raise
    except Exception:
        _log.exception("a background task of the router failed")
