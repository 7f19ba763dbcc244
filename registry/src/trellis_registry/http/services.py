"""Discovery endpoints: ``/v1/services`` and ``/v1/routing-urls``.

Every answer carries the registry index in ``X-Registry-Index``; the reads are blocking
queries (`trellis_registry.http.blocking`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from trellis_registry.discovery import Discovery, Registration
from trellis_registry.http.blocking import INDEX_HEADER, BlockingQueryDep, wait_for_change
from trellis_registry.http.bodies import (
    INSTANCE_ID_PATTERN,
    NAME_PATTERN,
    InstanceBody,
    InstanceListBody,
    RegistrationBody,
    RoutingUrlsBody,
    ServicesBody,
    StatusOverrideBody,
)
from trellis_registry.http.dependencies import DiscoveryDep
from trellis_registry.instances import Instance, InstanceStatus

__all__ = ["router"]

router = APIRouter(tags=["discovery"])

ServiceName = Annotated[str, Path(pattern=NAME_PATTERN, description="The service name.")]
InstanceId = Annotated[str, Path(pattern=INSTANCE_ID_PATTERN, description="The instance id.")]
ReportedStatus = Annotated[
    Literal["UP", "DOWN"] | None,
    Query(description="The status the instance reports now; omitted: unchanged."),
]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "The instance is unknown or its lease has expired."}
}


def _body(discovery: Discovery, instance: Instance) -> InstanceBody:
    return InstanceBody.of(instance, discovery.lease_expires_at(instance))


def _indexed(response: Response, index: int) -> None:
    response.headers[INDEX_HEADER] = str(index)


@router.post("/v1/services/{service}/instances")
async def register(
    service: ServiceName, body: RegistrationBody, discovery: DiscoveryDep, response: Response
) -> InstanceBody:
    """Registers an instance (re-registering replaces the earlier registration but keeps an
    operator's status override)."""
    instance, index = await discovery.register(
        Registration(
            service=service,
            instance_id=body.instance_id,
            routing_url=body.routing_url,
            health_url=body.health_url,
            metadata=body.metadata,
        )
    )
    _indexed(response, index)
    return _body(discovery, instance)


@router.put("/v1/services/{service}/instances/{instance_id}/heartbeat", responses=_NOT_FOUND)
async def heartbeat(
    service: ServiceName,
    instance_id: InstanceId,
    discovery: DiscoveryDep,
    response: Response,
    status: ReportedStatus = None,
) -> InstanceBody:
    """Renews an instance's lease, optionally with a newly reported status
    (``?status=DOWN``); 404 when unknown or expired (register again)."""
    reported = None if status is None else InstanceStatus(status)
    instance, index = await discovery.heartbeat(service, instance_id, reported)
    _indexed(response, index)
    return _body(discovery, instance)


@router.delete(
    "/v1/services/{service}/instances/{instance_id}", status_code=204, responses=_NOT_FOUND
)
async def deregister(
    service: ServiceName, instance_id: InstanceId, discovery: DiscoveryDep
) -> Response:
    """Cancels a registration; 404 when unknown."""
    index = await discovery.deregister(service, instance_id)
    return Response(status_code=204, headers={INDEX_HEADER: str(index)})


@router.put("/v1/services/{service}/instances/{instance_id}/status", responses=_NOT_FOUND)
async def set_status_override(
    service: ServiceName,
    instance_id: InstanceId,
    body: StatusOverrideBody,
    discovery: DiscoveryDep,
    response: Response,
) -> InstanceBody:
    """Sets an operator's status override (Eureka's OUT_OF_SERVICE); it survives heartbeats
    and re-registrations until removed."""
    instance, index = await discovery.set_status_override(service, instance_id, body.status)
    _indexed(response, index)
    return _body(discovery, instance)


@router.delete("/v1/services/{service}/instances/{instance_id}/status", responses=_NOT_FOUND)
async def clear_status_override(
    service: ServiceName, instance_id: InstanceId, discovery: DiscoveryDep, response: Response
) -> InstanceBody:
    """Removes an operator's status override (200 also when there was none)."""
    instance, index = await discovery.clear_status_override(service, instance_id)
    _indexed(response, index)
    return _body(discovery, instance)


@router.get("/v1/services", responses={400: {"description": "Bad index or wait."}})
async def list_services(
    request: Request, blocking: BlockingQueryDep, discovery: DiscoveryDep, response: Response
) -> ServicesBody:
    """Lists the live instances of every service, with the registry index (a blocking query
    with ``?index=N&wait=30s``)."""
    await wait_for_change(request, blocking)
    listing = await discovery.instances()
    services = {
        service: [_body(discovery, instance) for instance in instances]
        for service, instances in listing.by_service().items()
    }
    _indexed(response, listing.index)
    return ServicesBody(index=listing.index, services=services)


@router.get("/v1/services/{service}", responses={400: {"description": "Bad index or wait."}})
async def list_instances(
    service: ServiceName,
    request: Request,
    blocking: BlockingQueryDep,
    discovery: DiscoveryDep,
    response: Response,
) -> InstanceListBody:
    """Lists the live instances of one service (empty when none), with the registry index
    (a blocking query with ``?index=N&wait=30s``)."""
    await wait_for_change(request, blocking)
    listing = await discovery.instances(service)
    _indexed(response, listing.index)
    return InstanceListBody(
        index=listing.index,
        instances=[_body(discovery, instance) for instance in listing.instances],
    )


@router.get("/v1/routing-urls", responses={400: {"description": "Bad index or wait."}})
async def routing_urls(
    request: Request, blocking: BlockingQueryDep, discovery: DiscoveryDep, response: Response
) -> RoutingUrlsBody:
    """Returns the routing URLs of the live instances of each service whose effective status
    is UP, for the router (a blocking query with ``?index=N&wait=30s``)."""
    await wait_for_change(request, blocking)
    listing = await discovery.instances()
    _indexed(response, listing.index)
    return RoutingUrlsBody(index=listing.index, subgraphs=listing.routing_urls())
