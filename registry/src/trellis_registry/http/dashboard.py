"""The dashboard page at ``/``: services and their instances, subgraphs, the supergraph.

Server-rendered HTML (jinja2, autoescaped; the template is ``templates/dashboard.html`` in
the package), no script and nothing loaded from elsewhere; it refreshes itself every 5 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jinja2
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from trellis_registry.clock import Clock
from trellis_registry.discovery import Discovery
from trellis_registry.http.dependencies import DiscoveryDep, SchemaRegistryDep
from trellis_registry.instances import Instance
from trellis_registry.schema_registry import SchemaRegistry

__all__ = ["ago", "iso_utc", "render_dashboard", "router"]

router = APIRouter(tags=["dashboard"])

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("trellis_registry", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def iso_utc(moment: datetime) -> str:
    """Formats a time as ISO 8601 UTC to the second, e.g. ``2025-01-01T12:00:00Z``.

    Args:
        moment: A timezone-aware time.

    Returns:
        The text.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(now: datetime, then: datetime) -> str:
    """Says how long ago ``then`` was, coarsely: ``3 s ago``, ``4 min ago``, ``2 h ago``.

    Args:
        now: The current time.
        then: An earlier time (a later one counts as ``0 s ago``).

    Returns:
        The text.
    """
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@dataclass(frozen=True, slots=True)
class _InstanceRow:
    instance_id: str
    routing_url: str
    status: str
    status_override: str | None
    health: str
    effective_status: str
    last_heartbeat_ago: str
    last_heartbeat_at: str
    lease_expires_at: str


@dataclass(frozen=True, slots=True)
class _SubgraphRow:
    name: str
    version: int
    versions: int
    routing_url: str
    published_by: str
    published_at: str


@dataclass(frozen=True, slots=True)
class _SupergraphRow:
    revision: int
    id: str
    id_prefix: str
    composed_at: str


def _instance_row(discovery: Discovery, instance: Instance, now: datetime) -> _InstanceRow:
    override = instance.status_override
    return _InstanceRow(
        instance_id=instance.instance_id,
        routing_url=instance.routing_url,
        status=instance.status.value,
        status_override=None if override is None else override.value,
        health=instance.health.value,
        effective_status=instance.effective_status.value,
        last_heartbeat_ago=ago(now, instance.last_heartbeat_at),
        last_heartbeat_at=iso_utc(instance.last_heartbeat_at),
        lease_expires_at=iso_utc(discovery.lease_expires_at(instance)),
    )


async def render_dashboard(
    discovery: Discovery, schema_registry: SchemaRegistry, now: datetime
) -> str:
    """Renders the dashboard page.

    Args:
        discovery: Where the live instances come from.
        schema_registry: Where subgraph versions and the supergraph come from.
        now: The current time (for "3 s ago").

    Returns:
        The HTML document.
    """
    listing = await discovery.instances()
    services = [
        (service, [_instance_row(discovery, instance, now) for instance in instances])
        for service, instances in listing.by_service().items()
    ]
    subgraphs = [
        _SubgraphRow(
            name=subgraph.name,
            version=subgraph.version,
            versions=len(await schema_registry.versions(subgraph.name)),
            routing_url=subgraph.routing_url,
            published_by=subgraph.published_by,
            published_at=iso_utc(subgraph.published_at),
        )
        for subgraph in await schema_registry.subgraphs()
    ]
    history = await schema_registry.history(1)
    supergraph = (
        _SupergraphRow(
            revision=history[0].revision,
            id=history[0].id,
            id_prefix=history[0].id[:12],
            composed_at=iso_utc(history[0].composed_at),
        )
        if history
        else None
    )
    return _templates.get_template("dashboard.html").render(
        index=listing.index,
        now=iso_utc(now),
        services=services,
        subgraphs=subgraphs,
        supergraph=supergraph,
    )


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(discovery: DiscoveryDep, schema_registry: SchemaRegistryDep) -> HTMLResponse:
    """The dashboard page."""
    clock: Clock = discovery.clock
    return HTMLResponse(await render_dashboard(discovery, schema_registry, clock()))
