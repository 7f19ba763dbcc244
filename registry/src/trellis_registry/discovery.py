"""Discovery: registrations held by leases that heartbeats renew.

Spec: Eureka's lease model (register, renew, cancel, evict after the lease duration) and
Consul's TTL health checks. An instance whose last heartbeat is older than the TTL has
expired: it is no longer listed, a heartbeat for it answers "not found" (so the instance
registers again), and the next expiry sweep deletes it and increases the index.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from trellis_registry.backend import RegistryBackend
from trellis_registry.clock import Clock, utc_now
from trellis_registry.errors import InstanceNotFoundError
from trellis_registry.instances import Instance, InstanceStatus

__all__ = ["Discovery", "InstanceListing", "Registration"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Registration:
    """What an instance sends to register.

    Attributes:
        service: The service name.
        instance_id: Unique within the service.
        routing_url: Where requests for this instance go.
        health_url: The instance's health endpoint.
        metadata: Free-form string labels.
    """

    service: str
    instance_id: str
    routing_url: str
    health_url: str
    metadata: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class InstanceListing:
    """Live instances with the index they were read at.

    Attributes:
        index: The registry index when the listing was read.
        instances: Live instances, ordered by service then instance id.
    """

    index: int
    instances: tuple[Instance, ...]

    def by_service(self) -> dict[str, list[Instance]]:
        """Groups the instances by service name.

        Returns:
            Service name to its instances, services in name order.
        """
        grouped: dict[str, list[Instance]] = {}
        for instance in self.instances:
            grouped.setdefault(instance.service, []).append(instance)
        return grouped

    def routing_urls(self) -> dict[str, list[str]]:
        """Returns the routing URLs of the UP instances of each service.

        Returns:
            Service name to distinct routing URLs, in instance id order; services without a
            live UP instance are left out.
        """
        urls: dict[str, list[str]] = {}
        for instance in self.instances:
            if instance.status is not InstanceStatus.UP:
                continue
            service_urls = urls.setdefault(instance.service, [])
            if instance.routing_url not in service_urls:
                service_urls.append(instance.routing_url)
        return urls


class Discovery:
    """Registers, renews, cancels, lists and expires instances.

    Args:
        backend: Where instances are stored.
        lease_ttl: How long a lease lasts without a heartbeat.
        clock: The source of the current time.
    """

    def __init__(
        self, backend: RegistryBackend, lease_ttl: timedelta, clock: Clock = utc_now
    ) -> None:
        self._backend = backend
        self._lease_ttl = lease_ttl
        self._clock = clock

    @property
    def lease_ttl(self) -> timedelta:
        """The lease duration."""
        return self._lease_ttl

    def _alive_since(self, now: datetime) -> datetime:
        return now - self._lease_ttl

    async def register(self, registration: Registration) -> Instance:
        """Registers an instance, replacing an earlier registration with the same id.

        Args:
            registration: The instance's details.

        Returns:
            The stored instance (status UP, lease starting now).
        """
        now = self._clock()
        instance = Instance(
            service=registration.service,
            instance_id=registration.instance_id,
            routing_url=registration.routing_url,
            health_url=registration.health_url,
            status=InstanceStatus.UP,
            metadata=dict(registration.metadata),
            registered_at=now,
            last_heartbeat_at=now,
        )
        index = await self._backend.put_instance(instance)
        _log.info(
            "registered %s/%s at %s (index %d)",
            instance.service,
            instance.instance_id,
            instance.routing_url,
            index,
        )
        return instance

    async def heartbeat(self, service: str, instance_id: str) -> Instance:
        """Renews an instance's lease.

        Args:
            service: The service name.
            instance_id: The instance id.

        Returns:
            The instance with its new last-heartbeat time.

        Raises:
            InstanceNotFoundError: The instance is unknown or its lease has expired; the
                instance should register again.
        """
        now = self._clock()
        instance = await self._backend.renew_instance(
            service, instance_id, now, self._alive_since(now)
        )
        if instance is None:
            raise InstanceNotFoundError(service, instance_id)
        return instance

    async def deregister(self, service: str, instance_id: str) -> int:
        """Cancels a registration.

        Args:
            service: The service name.
            instance_id: The instance id.

        Returns:
            The index after the change.

        Raises:
            InstanceNotFoundError: There is no such instance.
        """
        index = await self._backend.delete_instance(service, instance_id)
        if index is None:
            raise InstanceNotFoundError(service, instance_id)
        _log.info("deregistered %s/%s (index %d)", service, instance_id, index)
        return index

    async def instances(self, service: str | None = None) -> InstanceListing:
        """Lists live instances.

        Args:
            service: Only this service's instances, or all when None.

        Returns:
            The live instances and the index they were read at.
        """
        index, instances = await self._backend.list_instances(
            self._alive_since(self._clock()), service
        )
        return InstanceListing(index=index, instances=tuple(instances))

    async def expire(self) -> int:
        """Deletes every instance whose lease has expired.

        Returns:
            How many instances were removed.
        """
        removed, index = await self._backend.delete_expired_instances(
            self._alive_since(self._clock())
        )
        if removed:
            _log.info("expired %d instance(s) (index %d)", removed, index)
        return removed

    async def sweep_forever(self, interval: timedelta) -> None:
        """Runs `expire` every ``interval`` until cancelled.

        A failing sweep is logged and retried at the next interval.

        Args:
            interval: Time between sweeps.
        """
        while True:
            await asyncio.sleep(interval.total_seconds())
            try:
                await self.expire()
            except Exception:
                _log.exception("expiry sweep failed")
