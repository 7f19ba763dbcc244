"""The router's ASGI application (plain Starlette; served by uvicorn with uvloop/httptools)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Route

from ..configuration import RouterSettings
from ..executor import AiohttpSubgraphClient, DedupingSubgraphClient, SubgraphClient
from ..pipeline import Planner, default_planner
from ..sources import SupergraphSource, follow_source
from ..state import StateHolder
from ..usage import OperationRecorder, report_operations
from .graphql import GraphQLEndpoint
from .health import health, readiness

__all__ = ["create_app"]

_log = logging.getLogger(__name__)


def create_app(
    settings: RouterSettings,
    holder: StateHolder | None = None,
    *,
    source: SupergraphSource | None = None,
    client: SubgraphClient | None = None,
    planner: Planner = default_planner,
) -> Starlette:
    """Build the router's ASGI app.

    Args:
        settings: the router settings.
        holder: the state holder (a new, empty one when None).
        source: followed during the app's lifespan (updates swap the state).
        client: the subgraph client; when None an :class:`AiohttpSubgraphClient` is created on
            startup and closed on shutdown (wrapped in a :class:`DedupingSubgraphClient` when
            ``traffic_shaping_deduplicate_query`` is on).
        planner: the query planner.

    When ``settings.registry_url`` is set and ``settings.report_operations`` is on, executed
    operations are reported to the registry every ``report_interval_seconds``.

    Returns:
        The app: ``/graphql`` (GET, POST), ``/health``, ``/ready``.
    """
    holder = holder if holder is not None else StateHolder()
    current: list[SubgraphClient] = [client] if client is not None else []
    recorder = OperationRecorder() if settings.report_operations and settings.registry_url else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = None
        if not current:
            owned = AiohttpSubgraphClient(
                timeout_seconds=settings.subgraph_timeout_seconds,
                pool_size=settings.subgraph_pool_size,
            )
            dedupe = settings.traffic_shaping_deduplicate_query
            current.append(DedupingSubgraphClient(owned) if dedupe else owned)
        tasks = []
        if source is not None:
            tasks.append(asyncio.create_task(_follow(source, holder, settings.plan_cache_size)))
        if recorder is not None and settings.registry_url:
            report = report_operations(
                recorder, settings.registry_url, settings.report_interval_seconds
            )
            tasks.append(asyncio.create_task(report))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if owned is not None:
                await owned.close()
                current.clear()

    endpoint = GraphQLEndpoint(holder, settings, lambda: current[0], planner, recorder)
    routes = [
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", readiness(holder), methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.holder = holder
    return app


async def _follow(source: SupergraphSource, holder: StateHolder, cache_size: int) -> None:
    try:
        await follow_source(source, holder, cache_size)
    except asyncio.CancelledError:
        raise
    except Exception:
        _log.exception("the supergraph source failed")
