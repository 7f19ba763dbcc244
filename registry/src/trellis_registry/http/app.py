"""The ASGI application: wiring, lifespan (store and expiry sweeps) and error mapping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from trellis_registry.backend import RegistryBackend
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
from trellis_registry.http import operations, services, subgraphs
from trellis_registry.http.bodies import BreakingChangesBody, CompositionErrorsBody, HealthBody
from trellis_registry.operation_log import OperationLog
from trellis_registry.schema_registry import SchemaRegistry
from trellis_registry.settings import RegistrySettings
from trellis_registry.sql_backend import SqlRegistryBackend

__all__ = ["create_app"]

_STATUS_OF: tuple[tuple[type[RegistryError], int], ...] = (
    (InstanceNotFoundError, 404),
    (SubgraphNotFoundError, 404),
    (SupergraphNotFoundError, 404),
    (InvalidSchemaError, 400),
    (InvalidOperationError, 400),
)


async def _registry_error(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, CompositionFailedError):
        body = CompositionErrorsBody.of(error.problems)
        return JSONResponse(body.model_dump(), status_code=409)
    if isinstance(error, BreakingChangesError):
        refused = BreakingChangesBody.of_changes(error.changes)
        return JSONResponse(refused.model_dump(), status_code=409)
    status = next((code for kind, code in _STATUS_OF if isinstance(error, kind)), 400)
    return JSONResponse({"detail": str(error)}, status_code=status)


def create_app(
    settings: RegistrySettings | None = None,
    *,
    backend: RegistryBackend | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Builds the registry's ASGI app.

    The store is opened and the expiry sweeps start in the app's lifespan, so the app must
    run under a server (or a test harness) that sends lifespan events.

    Args:
        settings: The settings; read from the environment when None.
        backend: The store; a `SqlRegistryBackend` on ``settings.database_url`` when None.
        clock: The source of the current time.

    Returns:
        The FastAPI app.

    Example:
        >>> import uvicorn
        >>> uvicorn.run(create_app(RegistrySettings(port=8761)), port=8761)  # doctest: +SKIP
    """
    settings = settings if settings is not None else RegistrySettings()
    store = backend if backend is not None else SqlRegistryBackend(settings.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        discovery = Discovery(store, timedelta(seconds=settings.lease_ttl_seconds), clock)
        app.state.discovery = discovery
        app.state.schema_registry = SchemaRegistry(
            store, clock, refuse_breaking_changes=settings.refuse_breaking_changes
        )
        app.state.operation_log = OperationLog(store, clock)
        sweeps = asyncio.create_task(
            discovery.sweep_forever(timedelta(seconds=settings.expiry_sweep_interval_seconds)),
            name="trellis-registry-expiry",
        )
        try:
            yield
        finally:
            sweeps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeps
            await store.close()

    app = FastAPI(
        title="Trellis registry",
        summary="Service discovery with leases and the schema registry.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_exception_handler(RegistryError, _registry_error)
    app.include_router(services.router)
    app.include_router(subgraphs.router)
    app.include_router(operations.router)

    @app.get("/health", tags=["health"])
    async def health() -> HealthBody:
        """Liveness: the process answers."""
        return HealthBody(status="UP")

    return app
