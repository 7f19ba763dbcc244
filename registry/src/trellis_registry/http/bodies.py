"""Request and response bodies of the HTTP API (the wire contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from trellis_registry.errors import CompositionProblem
from trellis_registry.instances import Instance, InstanceStatus
from trellis_registry.subgraphs import SubgraphVersion

__all__ = [
    "CompositionErrorBody",
    "CompositionErrorsBody",
    "HealthBody",
    "InstanceBody",
    "InstanceListBody",
    "PublishBody",
    "PublishResultBody",
    "RegistrationBody",
    "RoutingUrlsBody",
    "ServicesBody",
    "SubgraphBody",
    "SubgraphListBody",
    "SubgraphSchemaBody",
]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
"""Service and subgraph names: a letter or underscore, then letters, digits, ``_`` or ``-``."""

INSTANCE_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,127}$"
"""Instance ids: one URL path segment of letters, digits and ``_ . : @ -``."""


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


HttpUrl = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_http_url)]
"""An absolute http(s) URL, kept exactly as sent (no normalisation)."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegistrationBody(_Body):
    """``POST /v1/services/{service}/instances``."""

    instance_id: str = Field(pattern=INSTANCE_ID_PATTERN, description="Unique within the service.")
    routing_url: HttpUrl = Field(description="Where requests for this instance go.")
    health_url: HttpUrl = Field(description="The instance's health endpoint.")
    metadata: dict[str, str] = Field(default_factory=dict, description="Free-form labels.")


class InstanceBody(BaseModel):
    """One instance, as every discovery endpoint returns it (times in ISO 8601 UTC)."""

    service: str
    instance_id: str
    routing_url: str
    health_url: str
    status: InstanceStatus
    metadata: dict[str, str]
    registered_at: datetime
    last_heartbeat_at: datetime

    @classmethod
    def of(cls, instance: Instance) -> InstanceBody:
        """Builds the body of an instance.

        Args:
            instance: The instance.

        Returns:
            Its wire form.
        """
        return cls(
            service=instance.service,
            instance_id=instance.instance_id,
            routing_url=instance.routing_url,
            health_url=instance.health_url,
            status=instance.status,
            metadata=dict(instance.metadata),
            registered_at=instance.registered_at,
            last_heartbeat_at=instance.last_heartbeat_at,
        )


class ServicesBody(BaseModel):
    """``GET /v1/services``: live instances of every service."""

    index: int
    services: dict[str, list[InstanceBody]]


class InstanceListBody(BaseModel):
    """``GET /v1/services/{service}``: live instances of one service."""

    index: int
    instances: list[InstanceBody]


class RoutingUrlsBody(BaseModel):
    """``GET /v1/routing-urls``: routing URLs of the live UP instances of each service."""

    index: int
    subgraphs: dict[str, list[str]]


class PublishBody(_Body):
    """``POST /v1/subgraphs/{name}``."""

    sdl: str = Field(min_length=1, description="The subgraph schema (Federation 2 SDL).")
    routing_url: HttpUrl = Field(description="Routing URL written into the supergraph.")


class PublishResultBody(BaseModel):
    """A successful publish."""

    subgraph: str
    version: int
    changed: bool
    supergraph_id: str


class CompositionErrorBody(BaseModel):
    """One composition error (Apollo's code and message)."""

    code: str
    message: str


class CompositionErrorsBody(BaseModel):
    """HTTP 409: the publish was refused because composition failed."""

    errors: list[CompositionErrorBody]

    @classmethod
    def of(cls, problems: tuple[CompositionProblem, ...]) -> CompositionErrorsBody:
        """Builds the body from composition problems.

        Args:
            problems: The composition errors.

        Returns:
            Their wire form.
        """
        return cls(errors=[CompositionErrorBody(code=p.code, message=p.message) for p in problems])


class SubgraphBody(BaseModel):
    """One subgraph's current version, without its SDL."""

    name: str
    routing_url: str
    version: int
    published_at: datetime

    @classmethod
    def of(cls, subgraph: SubgraphVersion) -> SubgraphBody:
        """Builds the body of a subgraph version.

        Args:
            subgraph: The version.

        Returns:
            Its wire form.
        """
        return cls(
            name=subgraph.name,
            routing_url=subgraph.routing_url,
            version=subgraph.version,
            published_at=subgraph.published_at,
        )


class SubgraphSchemaBody(SubgraphBody):
    """``GET /v1/subgraphs/{name}``: the current version with its SDL."""

    sdl: str

    @classmethod
    def of(cls, subgraph: SubgraphVersion) -> SubgraphSchemaBody:
        """Builds the body of a subgraph version, SDL included.

        Args:
            subgraph: The version.

        Returns:
            Its wire form.
        """
        return cls(
            name=subgraph.name,
            routing_url=subgraph.routing_url,
            version=subgraph.version,
            published_at=subgraph.published_at,
            sdl=subgraph.sdl,
        )


class SubgraphListBody(BaseModel):
    """``GET /v1/subgraphs``."""

    subgraphs: list[SubgraphBody]


class HealthBody(BaseModel):
    """``GET /health``."""

    status: str
