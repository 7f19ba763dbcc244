"""Discovery endpoints: ``/v1/services`` and ``/v1/routing-urls``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from trellis_registry.discovery import Registration
from trellis_registry.http.bodies import (
    INSTANCE_ID_PATTERN,
    NAME_PATTERN,
    InstanceBody,
    InstanceListBody,
    RegistrationBody,
    RoutingUrlsBody,
    ServicesBody,
)
from trellis_registry.http.dependencies import DiscoveryDep

__all__ = ["router"]

router = APIRouter(tags=["discovery"])

ServiceName = Annotated[str, Path(pattern=NAME_PATTERN, description="The service name.")]
InstanceId = Annotated[str, Path(pattern=INSTANCE_ID_PATTERN, description="The instance id.")]


@router.post("/v1/services/{service}/instances")
async def register(
    service: ServiceName, body: RegistrationBody, discovery: DiscoveryDep
) -> InstanceBody:
    """Registers an instance (re-registering replaces the earlier registration)."""
    instance = await discovery.register(
        Registration(
            service=service,
            instance_id=body.instance_id,
            routing_url=body.routing_url,
            health_url=body.health_url,
            metadata=body.metadata,
        )
    )
    return InstanceBody.of(instance)


@router.put("/v1/services/{service}/instances/{instance_id}/heartbeat")
async def heartbeat(
    service: ServiceName, instance_id: InstanceId, discovery: DiscoveryDep
) -> InstanceBody:
    """Renews an instance's lease; 404 when unknown or expired (register again)."""
    return InstanceBody.of(await discovery.heartbeat(service, instance_id))


@router.delete("/v1/services/{service}/instances/{instance_id}", status_code=204)
async def deregister(
    service: ServiceName, instance_id: InstanceId, discovery: DiscoveryDep
) -> Response:
    """Cancels a registration; 404 when unknown."""
    await discovery.deregister(service, instance_id)
    return Response(status_code=204)


@router.get("/v1/services")
async def list_services(discovery: DiscoveryDep) -> ServicesBody:
    """Lists the live instances of every service, with the registry index."""
    listing = await discovery.instances()
    services = {
        service: [InstanceBody.of(instance) for instance in instances]
        for service, instances in listing.by_service().items()
    }
    return ServicesBody(index=listing.index, services=services)


@router.get("/v1/services/{service}")
async def list_instances(service: ServiceName, discovery: DiscoveryDep) -> InstanceListBody:
    """Lists the live instances of one service (empty when none), with the registry index."""
    listing = await discovery.instances(service)
    return InstanceListBody(
        index=listing.index,
        instances=[InstanceBody.of(instance) for instance in listing.instances],
    )


@router.get("/v1/routing-urls")
async def routing_urls(discovery: DiscoveryDep) -> RoutingUrlsBody:
    """Returns the routing URLs of the live UP instances of each service, for the router."""
    listing = await discovery.instances()
    return RoutingUrlsBody(index=listing.index, subgraphs=listing.routing_urls())
