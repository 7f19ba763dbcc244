"""The storage seam: `RegistryBackend`.

Discovery and the schema registry keep all their state behind this protocol so that the
embedded SQL backend (`trellis_registry.sql_backend`) can be swapped for etcd later. A backend
owns the registry's monotonic *index*: every change to the registered instances or to the
published schemas (register, deregister, expiry, publish) increases it by at least one, in the
same transaction as the change. Heartbeats and recorded operations do not change the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from trellis_registry.instances import Instance
from trellis_registry.operations import OperationReport, RecordedOperation
from trellis_registry.subgraphs import SubgraphVersion, Supergraph

__all__ = ["RegistryBackend"]


class RegistryBackend(Protocol):
    """Persistent storage of instances, subgraph versions, supergraphs and recorded operations."""

    async def open(self) -> None:
        """Connects and creates the storage schema if it is missing."""
        ...

    async def close(self) -> None:
        """Releases connections; the backend cannot be used afterwards."""
        ...

    async def current_index(self) -> int:
        """Returns the current index (0 on a fresh store)."""
        ...

    async def put_instance(self, instance: Instance) -> int:
        """Stores an instance, replacing one with the same service and instance id.

        Args:
            instance: The instance to store.

        Returns:
            The index after the change.
        """
        ...

    async def renew_instance(
        self, service: str, instance_id: str, now: datetime, alive_since: datetime
    ) -> Instance | None:
        """Renews an instance's lease if it has not expired.

        Args:
            service: The service name.
            instance_id: The instance id.
            now: The new last-heartbeat time, UTC.
            alive_since: Leases whose last heartbeat is older than this have expired.

        Returns:
            The renewed instance, or None when it is unknown or its lease has expired.
        """
        ...

    async def delete_instance(self, service: str, instance_id: str) -> int | None:
        """Deletes an instance.

        Args:
            service: The service name.
            instance_id: The instance id.

        Returns:
            The index after the change, or None when there was no such instance.
        """
        ...

    async def delete_expired_instances(self, alive_since: datetime) -> tuple[int, int]:
        """Deletes every instance whose last heartbeat is older than ``alive_since``.

        Args:
            alive_since: The expiry threshold, UTC.

        Returns:
            ``(removed, index)``: how many instances were deleted and the index afterwards.
        """
        ...

    async def list_instances(
        self, alive_since: datetime, service: str | None = None
    ) -> tuple[int, list[Instance]]:
        """Lists live instances, ordered by service then instance id.

        Args:
            alive_since: Instances whose last heartbeat is older than this are left out.
            service: Only this service's instances, or every service's when None.

        Returns:
            ``(index, instances)``, read consistently.
        """
        ...

    async def current_subgraphs(self) -> list[SubgraphVersion]:
        """Returns the newest version of every published subgraph, ordered by name."""
        ...

    async def current_supergraph(self) -> Supergraph | None:
        """Returns the most recently composed supergraph, or None before the first publish."""
        ...

    async def save_publication(self, version: SubgraphVersion, supergraph: Supergraph) -> int:
        """Stores a new subgraph version and the supergraph composed with it, atomically.

        Args:
            version: The new version; its number must be one more than the current one.
            supergraph: The supergraph composed from it and the other current subgraphs.

        Returns:
            The index after the change.
        """
        ...

    async def record_operations(self, reports: Sequence[OperationReport], now: datetime) -> None:
        """Adds reported operations, atomically: a new document is stored with its count and
        ``now`` as first and last seen; a known one (same `operation_hash`) has its count
        increased, its name replaced and its last-seen time set to ``now``.

        Args:
            reports: The reports (the same document may appear more than once).
            now: The time of the report, UTC.
        """
        ...

    async def recorded_operations(self) -> list[RecordedOperation]:
        """Returns every recorded document, ordered by hash."""
        ...
