"""Discovery: registrations held by leases that heartbeats renew.

Spec: Eureka's lease model (register, renew, cancel, evict after the lease duration) and
Consul's TTL health checks. An instance whose last heartbeat is older than the TTL has
expired: it is no longer listed, a heartbeat for it answers "not found" (so the instance
registers again), and the next expiry sweep deletes it and increases the index.

Status: an instance reports UP or DOWN (on a heartbeat); an operator may override it (Eureka's
``OUT_OF_SERVICE``), and the override survives heartbeats and re-registrations until removed;
active health checks (`trellis_registry.health_checks`) may mark it CRITICAL. Routing uses
`Instance.effective_status`.
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
        """Returns the routing URLs of the instances of each service whose effective status
        is UP (reported UP, not overridden otherwise, health check not CRITICAL).

        Returns:
            Service name to distinct routing URLs, in instance id order; services without a
            live UP instance are left out.
        """
        urls: dict[str, list[str]] = {}
        for instance in self.instances:
            if instance.effective_status is not InstanceStatus.UP:
                continue
            service_urls = urls.setdefault(instance.service, [])
            if instance.routing_url not in service_urls:
                service_urls.append(instance.routing_url)
        return urls


class Discovery:
    """Registers, renews, cancels, overrides, lists and expires instances.

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

    @property
    def clock(self) -> Clock:
        """The source of the current time."""
        return self._clock

    def lease_expires_at(self, instance: Instance) -> datetime:
        """When an instance's lease lapses unless it heartbeats first.

        Args:
            instance: The instance.

        Returns:
            ``last_heartbeat_at`` plus the lease duration, UTC.
        """
        return instance.last_heartbeat_at + self._lease_ttl

    def _alive_since(self, now: datetime) -> datetime:
        return now - self._lease_ttl

    async def register(self, registration: Registration) -> tuple[Instance, int]:
        """Registers an instance, replacing an earlier registration with the same id.

        An operator's status override of the earlier registration is kept.

        Args:
            registration: The instance's details.

        Returns:
            ``(instance, index)``: the stored instance (reported status UP, health UNKNOWN,
            lease starting now) and the index after the change.
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
        index = await self._backend.put_instance(instance, self._lease_ttl)
        stored = await self._live_instance(instance.service, instance.instance_id)
        _log.info(
            "registered %s/%s at %s (index %d)",
            instance.service,
            instance.instance_id,
            instance.routing_url,
            index,
        )
        return (instance if stored is None else stored), index

    async def heartbeat(
        self, service: str, instance_id: str, status: InstanceStatus | None = None
    ) -> tuple[Instance, int]:
        """Renews an instance's lease, optionally reporting a new status.

        Spec: Eureka's renew (``PUT /eureka/apps/{app}/{id}?status=…``); a change of the
        reported status increases the index, a plain renewal does not.

        Args:
            service: The service name.
            instance_id: The instance id.
            status: The status the instance reports now (UP or DOWN), or None to keep it.

        Returns:
            ``(instance, index)``: the instance with its new last-heartbeat time, and the
            index afterwards.

        Raises:
            ValueError: ``status`` is OUT_OF_SERVICE (only an operator sets that).
            InstanceNotFoundError: The instance is unknown or its lease has expired; the
                instance should register again.
        """
        if status is InstanceStatus.OUT_OF_SERVICE:
            raise ValueError("an instance reports UP or DOWN; OUT_OF_SERVICE is an override")
        now = self._clock()
        renewed = await self._backend.renew_instance(
            service, instance_id, now, self._alive_since(now), status
        )
        if renewed is None:
            raise InstanceNotFoundError(service, instance_id)
        return renewed

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

    async def set_status_override(
        self, service: str, instance_id: str, status: InstanceStatus
    ) -> tuple[Instance, int]:
        """Overrides a live instance's status until `clear_status_override`.

        Spec: Eureka's ``PUT /eureka/apps/{app}/{id}/status?value=OUT_OF_SERVICE``.

        Args:
            service: The service name.
            instance_id: The instance id.
            status: The override (usually OUT_OF_SERVICE; UP or DOWN force that status).

        Returns:
            ``(instance, index)`` after the change.

        Raises:
            InstanceNotFoundError: The instance is unknown or its lease has expired.
        """
        return await self._override(service, instance_id, status)

    async def clear_status_override(self, service: str, instance_id: str) -> tuple[Instance, int]:
        """Removes an operator's status override (a no-op when there is none).

        Spec: Eureka's ``DELETE /eureka/apps/{app}/{id}/status``.

        Args:
            service: The service name.
            instance_id: The instance id.

        Returns:
            ``(instance, index)`` after the change.

        Raises:
            InstanceNotFoundError: The instance is unknown or its lease has expired.
        """
        return await self._override(service, instance_id, None)

    async def _override(
        self, service: str, instance_id: str, status: InstanceStatus | None
    ) -> tuple[Instance, int]:
        if await self._live_instance(service, instance_id) is None:
            raise InstanceNotFoundError(service, instance_id)
        changed = await self._backend.set_status_override(service, instance_id, status)
        if changed is None:
            raise InstanceNotFoundError(service, instance_id)
        _log.info(
            "status override of %s/%s: %s (index %d)",
            service,
            instance_id,
            "removed" if status is None else status.value,
            changed[1],
        )
        return changed

    async def _live_instance(self, service: str, instance_id: str) -> Instance | None:
        listing = await self.instances(service)
        return next((i for i in listing.instances if i.instance_id == instance_id), None)

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
