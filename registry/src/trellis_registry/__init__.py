"""Trellis registry: service discovery with leases and the schema registry.

The public surface:

- `create_app` builds the ASGI app (``trellis-registry serve`` runs it under uvicorn);
- `RegistrySettings` configures it (environment prefix ``TRELLIS_REGISTRY_``);
- `RegistryBackend` is the storage seam, `SqlRegistryBackend` the embedded store (the etcd
  store, `trellis_registry.etcd_backend`, is imported only when configured);
- `Discovery`, `HealthChecker`, `SchemaRegistry` and `OperationLog` are the domain services
  the HTTP API exposes; `RegistryServer` is the uvicorn server ``serve`` runs;
- `trellis_registry.checks` holds schema checks (``trellis-registry subgraph check``).
"""

from __future__ import annotations

from trellis_registry.backend import ConcurrentPublishError, RegistryBackend
from trellis_registry.discovery import Discovery, InstanceListing, Registration
from trellis_registry.errors import (
    BreakingChange,
    BreakingChangesError,
    CompositionFailedError,
    CompositionProblem,
    InstanceNotFoundError,
    InvalidOperationError,
    InvalidSchemaError,
    RegistryError,
    SubgraphNotFoundError,
    SubgraphVersionNotFoundError,
    SupergraphNotFoundError,
)
from trellis_registry.health_checks import HealthChecker
from trellis_registry.http.app import create_app
from trellis_registry.instances import HealthCheck, Instance, InstanceStatus
from trellis_registry.operation_log import OperationLog
from trellis_registry.operations import OperationReport, RecordedOperation, operation_hash
from trellis_registry.schema_registry import SchemaRegistry
from trellis_registry.server import RegistryServer
from trellis_registry.settings import RegistrySettings
from trellis_registry.sql_backend import SqlRegistryBackend
from trellis_registry.subgraphs import PublishResult, SubgraphVersion, Supergraph, supergraph_id

__all__ = [
    "BreakingChange",
    "BreakingChangesError",
    "CompositionFailedError",
    "CompositionProblem",
    "ConcurrentPublishError",
    "Discovery",
    "HealthCheck",
    "HealthChecker",
    "Instance",
    "InstanceListing",
    "InstanceNotFoundError",
    "InstanceStatus",
    "InvalidOperationError",
    "InvalidSchemaError",
    "OperationLog",
    "OperationReport",
    "PublishResult",
    "RecordedOperation",
    "Registration",
    "RegistryBackend",
    "RegistryError",
    "RegistryServer",
    "RegistrySettings",
    "SchemaRegistry",
    "SqlRegistryBackend",
    "SubgraphNotFoundError",
    "SubgraphVersion",
    "SubgraphVersionNotFoundError",
    "Supergraph",
    "SupergraphNotFoundError",
    "create_app",
    "operation_hash",
    "supergraph_id",
]
