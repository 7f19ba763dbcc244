"""Service instances: what discovery stores about one running copy of a service.

Spec: lease semantics follow Eureka (register, renew, cancel, evict) and Consul's TTL checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["Instance", "InstanceStatus"]


class InstanceStatus(StrEnum):
    """The status an instance reports for itself (Eureka's names)."""

    UP = "UP"
    DOWN = "DOWN"
    OUT_OF_SERVICE = "OUT_OF_SERVICE"


@dataclass(frozen=True, slots=True)
class Instance:
    """One registered instance of a service.

    Attributes:
        service: The service name; for a subgraph, the subgraph name.
        instance_id: Unique within the service (e.g. ``customers-host-4001``).
        routing_url: Where requests for this instance go (for a subgraph, its GraphQL endpoint).
        health_url: The instance's health endpoint.
        status: The status the instance reported.
        metadata: Free-form string labels.
        registered_at: When the instance (re-)registered, UTC.
        last_heartbeat_at: When the lease was last renewed (registration counts), UTC.
    """

    service: str
    instance_id: str
    routing_url: str
    health_url: str
    status: InstanceStatus
    registered_at: datetime
    last_heartbeat_at: datetime
    metadata: Mapping[str, str] = field(default_factory=dict)

    def is_live(self, now: datetime, ttl: timedelta) -> bool:
        """Tells whether the lease is still valid.

        Args:
            now: The current time, UTC.
            ttl: The lease duration.

        Returns:
            True when the last heartbeat is no older than ``ttl``.
        """
        return now - self.last_heartbeat_at <= ttl
