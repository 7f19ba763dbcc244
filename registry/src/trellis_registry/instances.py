"""Service instances: what discovery stores about one running copy of a service.

Spec: lease semantics follow Eureka (register, renew, cancel, evict) and Consul's TTL checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["HealthCheck", "Instance", "InstanceStatus"]


class InstanceStatus(StrEnum):
    """An instance's status (Eureka's names).

    ``UP`` and ``DOWN`` are reported by the instance itself (on register or heartbeat);
    ``OUT_OF_SERVICE`` is set by an operator as an override that survives heartbeats.
    """

    UP = "UP"
    DOWN = "DOWN"
    OUT_OF_SERVICE = "OUT_OF_SERVICE"


class HealthCheck(StrEnum):
    """The outcome of the registry's last active check of an instance's health URL.

    Spec: Consul's check states; ``UNKNOWN`` until the first check (or with checks off).
    """

    UNKNOWN = "UNKNOWN"
    PASSING = "PASSING"
    CRITICAL = "CRITICAL"


@dataclass(frozen=True, slots=True)
class Instance:
    """One registered instance of a service.

    Attributes:
        service: The service name; for a subgraph, the subgraph name.
        instance_id: Unique within the service (e.g. ``customers-host-4001``).
        routing_url: Where requests for this instance go (for a subgraph, its GraphQL endpoint).
        health_url: The instance's health endpoint.
        status: The status the instance reported (UP or DOWN).
        registered_at: When the instance (re-)registered, UTC.
        last_heartbeat_at: When the lease was last renewed (registration counts), UTC.
        metadata: Free-form string labels.
        status_override: An operator's override (``OUT_OF_SERVICE``, or ``UP``/``DOWN``), kept
            across heartbeats and re-registrations until removed; None when not overridden.
        health: The last active health check's outcome.
    """

    service: str
    instance_id: str
    routing_url: str
    health_url: str
    status: InstanceStatus
    registered_at: datetime
    last_heartbeat_at: datetime
    metadata: Mapping[str, str] = field(default_factory=dict)
    status_override: InstanceStatus | None = None
    health: HealthCheck = HealthCheck.UNKNOWN

    @property
    def effective_status(self) -> InstanceStatus:
        """The status routing uses: the override if any, else DOWN when the last health check
        failed, else the reported status.

        Spec: Eureka's overridden status takes precedence over the instance's own status.
        """
        if self.status_override is not None:
            return self.status_override
        if self.health is HealthCheck.CRITICAL:
            return InstanceStatus.DOWN
        return self.status

    def is_live(self, now: datetime, ttl: timedelta) -> bool:
        """Tells whether the lease is still valid.

        Args:
            now: The current time, UTC.
            ttl: The lease duration.

        Returns:
            True when the last heartbeat is no older than ``ttl``.
        """
        return now - self.last_heartbeat_at <= ttl
