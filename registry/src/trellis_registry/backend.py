"""The storage seam: `RegistryBackend`.

Discovery and the schema registry keep all their state behind this protocol, so that the
embedded SQL backend (`trellis_registry.sql_backend`, one registry process) and the etcd
backend (`trellis_registry.etcd_backend`, several registry replicas sharing one etcd cluster)
are interchangeable.

The *index* (Consul's ``X-Consul-Index``): a monotonic integer owned by the backend. Every
change a watcher cares about increases it by at least one, atomically with the change:
register, deregister, expiry, a change of reported status, of status override or of health
check outcome, and a publish. Heartbeats that change nothing else and recorded operations
may leave it unchanged (the SQL backend) or increase it (etcd's revision increases with every
write), so watchers must compare what they read rather than trust that a new index means
new data (Consul's rule too). The index never decreases, also across restarts.

Leases: the backend decides liveness. The SQL backend compares ``last_heartbeat_at`` with
``alive_since``; the etcd backend attaches each instance key to an etcd lease of the TTL it
was registered with, so etcd itself deletes expired instances and ``alive_since`` is only a
hint it may ignore.

Errors::

    ConcurrentPublishError   save_publication lost a race with another publish (retry)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from trellis_registry.instances import HealthCheck, Instance, InstanceStatus
from trellis_registry.operations import OperationReport, RecordedOperation
from trellis_registry.subgraphs import SubgraphVersion, Supergraph

__all__ = ["ConcurrentPublishError", "RegistryBackend"]


class ConcurrentPublishError(Exception):
    """`RegistryBackend.save_publication` refused: the stored supergraph revision is no longer
    the one the publication was composed against (another registry replica published first).
    Nothing was stored; the caller recomposes against the new current state and retries."""


class RegistryBackend(Protocol):
    """Persistent storage of instances, subgraph versions, supergraphs and recorded operations."""

    async def open(self) -> None:
        """Connects and creates the storage schema if it is missing.

        Raises:
            OSError | ConnectionError: The store cannot be reached (the caller retries).
        """
        ...

    async def close(self) -> None:
        """Releases connections and wakes every `wait_for_index` caller; the backend cannot
        be used afterwards."""
        ...

    async def current_index(self) -> int:
        """Returns the current index (0 on a fresh store)."""
        ...

    async def wait_for_index(self, after: int, timeout_seconds: float) -> int:
        """Blocks until the index is greater than ``after``, or the timeout passes.

        Spec: Consul's blocking queries (``?index=N&wait=30s``): returns at once when the
        index is already greater than ``after``.

        Args:
            after: The index the caller has seen.
            timeout_seconds: The longest wait, in seconds.

        Returns:
            The current index (equal to or less than ``after`` only on timeout).
        """
        ...

    async def put_instance(self, instance: Instance, ttl: timedelta) -> int:
        """Stores an instance, replacing one with the same service and instance id.

        A replaced instance's ``status_override`` is kept (the operator's override survives a
        re-registration); the new instance's own ``status_override`` is ignored.

        Args:
            instance: The instance to store; its lease starts at ``last_heartbeat_at``.
            ttl: The lease duration.

        Returns:
            The index after the change.
        """
        ...

    async def renew_instance(
        self,
        service: str,
        instance_id: str,
        now: datetime,
        alive_since: datetime,
        status: InstanceStatus | None = None,
    ) -> tuple[Instance, int] | None:
        """Renews an instance's lease if it has not expired.

        Args:
            service: The service name.
            instance_id: The instance id.
            now: The new last-heartbeat time, UTC.
            alive_since: Leases whose last heartbeat is older than this have expired.
            status: A newly reported status (UP or DOWN), or None to keep the reported one.
                A change of reported status increases the index.

        Returns:
            ``(instance, index)``: the renewed instance and the index afterwards, or None when
            the instance is unknown or its lease has expired.
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

        Backends whose store expires leases itself (etcd) delete nothing here.

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

    async def set_status_override(
        self, service: str, instance_id: str, override: InstanceStatus | None
    ) -> tuple[Instance, int] | None:
        """Sets or removes an operator's status override.

        Spec: Eureka's ``PUT /eureka/apps/{app}/{id}/status?value=OUT_OF_SERVICE`` and
        ``DELETE …/status``.

        Args:
            service: The service name.
            instance_id: The instance id.
            override: The override, or None to remove it.

        Returns:
            ``(instance, index)`` after the change, or None when there is no live instance.
        """
        ...

    async def set_health(
        self, service: str, instance_id: str, health: HealthCheck
    ) -> tuple[Instance, int] | None:
        """Records the outcome of an active health check.

        The index increases only when the outcome differs from the stored one.

        Args:
            service: The service name.
            instance_id: The instance id.
            health: The outcome.

        Returns:
            ``(instance, index)`` after the change, or None when there is no live instance.
        """
        ...

    async def current_subgraphs(self) -> list[SubgraphVersion]:
        """Returns the newest version of every published subgraph, ordered by name."""
        ...

    async def subgraph_versions(self, name: str) -> list[SubgraphVersion]:
        """Returns every version of one subgraph, newest first (empty when never published)."""
        ...

    async def current_supergraph(self) -> Supergraph | None:
        """Returns the most recently stored supergraph, or None before the first publish."""
        ...

    async def supergraph_history(self, limit: int) -> list[Supergraph]:
        """Returns the most recent supergraphs, newest first.

        Args:
            limit: The most to return.
        """
        ...

    async def save_publication(self, version: SubgraphVersion, supergraph: Supergraph) -> int:
        """Stores a new subgraph version and the supergraph composed with it, atomically.

        Args:
            version: The new version; its number is one more than the current one (1 first).
            supergraph: The supergraph composed from it and the other current subgraphs; its
                ``revision`` is one more than the current supergraph's (1 first).

        Returns:
            The index after the change.

        Raises:
            ConcurrentPublishError: The current supergraph revision is not ``revision - 1``,
                or the subgraph's current version is not ``version - 1``; nothing stored.
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
