"""The ASGI application: wiring, lifespan (store, expiry sweeps, health checks) and error
mapping.

Start-up never fails because the store is unreachable: the lifespan tries to open it once,
and when that fails keeps trying in the background with a growing delay (each failure
logged) while the process already answers: ``/health`` says ``STARTING`` (503) and every
route that needs the store answers 503 with ``Retry-After: 1`` until it is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from trellis_registry.backend import ConcurrentPublishError, RegistryBackend
from trellis_registry.clock import Clock, utc_now
from trellis_registry.discovery import Discovery
from trellis_registry.errors import (
    BreakingChangesError,
    CompositionFailedError,
    InstanceNotFoundError,
    InvalidOperationError,
    InvalidSchemaError,
    RegistryError,
    SubgraphNotFoundError,
    SupergraphNotFoundError,
)
from trellis_registry.health_checks import HealthChecker
from trellis_registry.http import dashboard, operations, services, subgraphs
from trellis_registry.http.bodies import BreakingChangesBody, CompositionErrorsBody, HealthBody
from trellis_registry.operation_log import OperationLog
from trellis_registry.schema_registry import SchemaRegistry
from trellis_registry.settings import RegistrySettings
from trellis_registry.sql_backend import SqlRegistryBackend

__all__ = [
    "OPEN_RETRY_FIRST_SECONDS",
    "OPEN_RETRY_MAX_SECONDS",
    "create_app",
    "end_blocking_queries",
    "store_for",
]

_log = logging.getLogger(__name__)

OPEN_RETRY_FIRST_SECONDS = 0.2
"""The delay before the second attempt to open the store; it doubles per failure."""

OPEN_RETRY_MAX_SECONDS = 5.0
"""The longest delay between two attempts to open the store."""

_STATUS_OF: tuple[tuple[type[RegistryError], int], ...] = (
    (InstanceNotFoundError, 404),
    (SubgraphNotFoundError, 404),
    (SupergraphNotFoundError, 404),
    (InvalidSchemaError, 400),
    (InvalidOperationError, 400),
)

_COMPONENTS = ("discovery", "schema_registry", "operation_log")


async def _registry_error(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, CompositionFailedError):
        body = CompositionErrorsBody.of(error.problems)
        return JSONResponse(body.model_dump(), status_code=409)
    if isinstance(error, BreakingChangesError):
        refused = BreakingChangesBody.of_changes(error.changes)
        return JSONResponse(refused.model_dump(), status_code=409)
    status = next((code for kind, code in _STATUS_OF if isinstance(error, kind)), 400)
    return JSONResponse({"detail": str(error)}, status_code=status)


async def _concurrent_publish(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": f"the publish kept losing races with other registry replicas: {error}"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def store_for(settings: RegistrySettings, clock: Clock = utc_now) -> RegistryBackend:
    """Builds the store the settings name: etcd when ``etcd_endpoints`` is set, else SQL.

    The etcd backend is imported only when it is asked for.

    Args:
        settings: The settings.
        clock: The source of the current time.

    Returns:
        The store, not yet open.

    Raises:
        RuntimeError: ``etcd_endpoints`` is set but ``trellis_registry.etcd_backend`` cannot
            be imported.
    """
    if not settings.etcd_endpoints:
        return SqlRegistryBackend(settings.database_url, clock)
    try:
        module = importlib.import_module("trellis_registry.etcd_backend")
    except ImportError as error:
        raise RuntimeError(
            f"etcd_endpoints is set but the etcd backend cannot be imported: {error}"
        ) from error
    store: RegistryBackend = module.EtcdRegistryBackend(
        list(settings.etcd_endpoints), prefix=settings.etcd_prefix
    )
    return store


def end_blocking_queries(app: FastAPI) -> None:
    """Makes every blocking query in flight answer now (and later ones not wait): called when
    the server begins to shut down, so a graceful shutdown does not wait for long polls.

    Args:
        app: An app `create_app` built.
    """
    draining: asyncio.Event = app.state.draining
    draining.set()


def create_app(
    settings: RegistrySettings | None = None,
    *,
    backend: RegistryBackend | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Builds the registry's ASGI app.

    The store is opened and the expiry sweeps (and, when enabled, health checks) start in the
    app's lifespan, so the app must run under a server (or a test harness) that sends
    lifespan events.

    Args:
        settings: The settings; read from the environment when None.
        backend: The store; `store_for` the settings when None (SQLite on
            ``settings.database_url``, or etcd on ``settings.etcd_endpoints``).
        clock: The source of the current time.

    Returns:
        The FastAPI app.

    Raises:
        RuntimeError: The settings name etcd but its backend cannot be imported.

    Example:
        >>> import uvicorn
        >>> uvicorn.run(create_app(RegistrySettings(port=8761)), port=8761)  # doctest: +SKIP
    """
    settings = settings if settings is not None else RegistrySettings()
    store = backend if backend is not None else store_for(settings, clock)

    def start(app: FastAPI, tasks: list[asyncio.Task[None]]) -> None:
        lease_ttl = timedelta(seconds=settings.lease_ttl_seconds)
        discovery = Discovery(store, lease_ttl, clock)
        app.state.schema_registry = SchemaRegistry(
            store, clock, refuse_breaking_changes=settings.refuse_breaking_changes
        )
        app.state.operation_log = OperationLog(store, clock)
        app.state.discovery = discovery
        interval = timedelta(seconds=settings.expiry_sweep_interval_seconds)
        tasks.append(
            asyncio.create_task(discovery.sweep_forever(interval), name="trellis-registry-expiry")
        )
        if settings.health_checks:
            checker = HealthChecker(
                store,
                lease_ttl,
                clock,
                timeout_seconds=settings.health_check_timeout_seconds,
                failures=settings.health_check_failures,
            )
            every = timedelta(seconds=settings.health_check_interval_seconds)
            tasks.append(
                asyncio.create_task(checker.run_forever(every), name="trellis-registry-health")
            )

    async def keep_opening(app: FastAPI, tasks: list[asyncio.Task[None]]) -> None:
        delay, attempt = OPEN_RETRY_FIRST_SECONDS, 1
        while True:
            await asyncio.sleep(delay)
            attempt += 1
            try:
                await store.open()
            except Exception as error:
                delay = min(delay * 2, OPEN_RETRY_MAX_SECONDS)
                _log.warning(
                    "the registry store is still unreachable (attempt %d): %s; next try in %.1f s",
                    attempt,
                    error,
                    delay,
                )
            else:
                _log.info("the registry store is open (attempt %d)", attempt)
                start(app, tasks)
                return

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.draining.clear()
        tasks: list[asyncio.Task[None]] = []
        try:
            await store.open()
        except Exception as error:
            _log.warning("the registry store is unreachable: %s; retrying in the background", error)
            tasks.append(
                asyncio.create_task(keep_opening(app, tasks), name="trellis-registry-open")
            )
        else:
            start(app, tasks)
        try:
            yield
        finally:
            end_blocking_queries(app)
            opened = app.state.discovery is not None
            for name in _COMPONENTS:
                setattr(app.state, name, None)
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if opened:
                await store.close()

    app = FastAPI(
        title="Trellis registry",
        summary="Service discovery with leases and the schema registry.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.draining = asyncio.Event()
    for name in _COMPONENTS:
        setattr(app.state, name, None)
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(ConcurrentPublishError, _concurrent_publish)
    app.include_router(dashboard.router)
    app.include_router(services.router)
    app.include_router(subgraphs.router)
    app.include_router(operations.router)

    @app.get("/health", tags=["health"], responses={503: {"model": HealthBody}})
    async def health() -> JSONResponse:
        """Liveness: ``UP`` (200) once the store is open, ``STARTING`` (503) before."""
        if app.state.discovery is None:
            return JSONResponse(HealthBody(status="STARTING").model_dump(), status_code=503)
        return JSONResponse(HealthBody(status="UP").model_dump())

    return app
