"""FastAPI dependencies: the registry components the running app holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from trellis_registry.discovery import Discovery
from trellis_registry.operation_log import OperationLog
from trellis_registry.schema_registry import SchemaRegistry

__all__ = ["DiscoveryDep", "OperationLogDep", "SchemaRegistryDep"]


def _discovery(request: Request) -> Discovery:
    discovery: Discovery = request.app.state.discovery
    return discovery


def _schema_registry(request: Request) -> SchemaRegistry:
    schema_registry: SchemaRegistry = request.app.state.schema_registry
    return schema_registry


def _operation_log(request: Request) -> OperationLog:
    operation_log: OperationLog = request.app.state.operation_log
    return operation_log


DiscoveryDep = Annotated[Discovery, Depends(_discovery)]
"""The app's `Discovery`."""

SchemaRegistryDep = Annotated[SchemaRegistry, Depends(_schema_registry)]
"""The app's `SchemaRegistry`."""

OperationLogDep = Annotated[OperationLog, Depends(_operation_log)]
"""The app's `OperationLog`."""
