"""Trellis registry: service discovery with leases and the schema registry.

The public surface:

- `create_app` builds the ASGI app (``trellis-registry serve`` runs it under uvicorn);
- `RegistrySettings` configures it (environment prefix ``TRELLIS_REGISTRY_``);
- `RegistryBackend` is the storage seam, `SqlRegistryBackend` the embedded store;
- `Discovery` and `SchemaRegistry` are the two domain services the HTTP API exposes.
"""

from __future__ import annotations

from trellis_registry.backend import RegistryBackend
from trellis_registry.discovery import Discovery, InstanceListing, Registration
from trellis_registry.errors import (
    CompositionFailedError,
    CompositionProblem,
    InstanceNotFoundError,
    InvalidSchemaError,
    RegistryError,
    SubgraphNotFoundError,
    SupergraphNotFoundError,
)
from trellis_registry.http.app import create_app
from trellis_registry.instances import Instance, InstanceStatus
from trellis_registry.schema_registry import SchemaRegistry
from trellis_registry.settings import RegistrySettings
from trellis_registry.sql_backend import SqlRegistryBackend
from trellis_registry.subgraphs import PublishResult, SubgraphVersion, Supergraph, supergraph_id

__all__ = [
    "CompositionFailedError",
    "CompositionProblem",
    "Discovery",
    "Instance",
    "InstanceListing",
    "InstanceNotFoundError",
    "InstanceStatus",
    "InvalidSchemaError",
    "PublishResult",
    "Registration",
    "RegistryBackend",
    "RegistryError",
    "RegistrySettings",
    "SchemaRegistry",
    "SqlRegistryBackend",
    "SubgraphNotFoundError",
    "SubgraphVersion",
    "Supergraph",
    "SupergraphNotFoundError",
    "create_app",
    "supergraph_id",
]
