"""FastAPI dependencies: the registry components the running app holds.

The components exist once the store is open (see `trellis_registry.http.app`); until then
every route that needs one answers 503 with ``Retry-After: 1``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from trellis_registry.discovery import Discovery
from trellis_registry.operation_log import OperationLog
from trellis_registry.schema_registry import SchemaRegistry

__all__ = ["STARTING_DETAIL", "DiscoveryDep", "OperationLogDep", "SchemaRegistryDep"]

STARTING_DETAIL = "the registry is starting: its store is not open yet"
"""The 503 answer's ``detail`` while the store is not open."""


def _component(request: Request, name: str) -> Any:
    component = getattr(request.app.state, name, None)
    if component is None:
        raise HTTPException(503, STARTING_DETAIL, headers={"Retry-After": "1"})
    return component


def _discovery(request: Request) -> Discovery:
    discovery: Discovery = _component(request, "discovery")
    return discovery


def _schema_registry(request: Request) -> SchemaRegistry:
    schema_registry: SchemaRegistry = _component(request, "schema_registry")
    return schema_registry


def _operation_log(request: Request) -> OperationLog:
    operation_log: OperationLog = _component(request, "operation_log")
    return operation_log


DiscoveryDep = Annotated[Discovery, Depends(_discovery)]
"""The app's `Discovery`."""

SchemaRegistryDep = Annotated[SchemaRegistry, Depends(_schema_registry)]
"""The app's `SchemaRegistry`."""

OperationLogDep = Annotated[OperationLog, Depends(_operation_log)]
"""The app's `OperationLog`."""
