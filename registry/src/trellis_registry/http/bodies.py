"""Request and response bodies of the HTTP API (the wire contract)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from trellis_registry.errors import BreakingChange, CompositionProblem
from trellis_registry.instances import HealthCheck, Instance, InstanceStatus
from trellis_registry.operations import OperationReport, RecordedOperation, operation_hash
from trellis_registry.subgraphs import SubgraphVersion, Supergraph

__all__ = [
    "BreakingChangeBody",
    "BreakingChangesBody",
    "CompositionErrorBody",
    "CompositionErrorsBody",
    "HealthBody",
    "InstanceBody",
    "InstanceListBody",
    "OperationReportBody",
    "OperationsRecordedBody",
    "PublishBody",
    "PublishResultBody",
    "RecordedOperationBody",
    "RecordedOperationsBody",
    "RegistrationBody",
    "RollbackBody",
    "RoutingUrlsBody",
    "ServicesBody",
    "StatusOverrideBody",
    "SubgraphBody",
    "SubgraphListBody",
    "SubgraphSchemaBody",
    "SubgraphVersionBody",
    "SubgraphVersionSchemaBody",
    "SubgraphVersionsBody",
    "SupergraphHistoryBody",
    "SupergraphRevisionBody",
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
    """One instance, as every discovery endpoint returns it (times in ISO 8601 UTC).

    ``status`` is what the instance reported; ``effective_status`` is what routing uses
    (the operator's ``status_override`` if any, else DOWN when ``health`` is CRITICAL, else
    ``status``).
    """

    service: str
    instance_id: str
    routing_url: str
    health_url: str
    status: InstanceStatus
    status_override: InstanceStatus | None
    health: HealthCheck
    effective_status: InstanceStatus
    metadata: dict[str, str]
    registered_at: datetime
    last_heartbeat_at: datetime
    lease_expires_at: datetime

    @classmethod
    def of(cls, instance: Instance, lease_expires_at: datetime) -> InstanceBody:
        """Builds the body of an instance.

        Args:
            instance: The instance.
            lease_expires_at: When its lease lapses without a heartbeat, UTC.

        Returns:
            Its wire form.
        """
        return cls(
            service=instance.service,
            instance_id=instance.instance_id,
            routing_url=instance.routing_url,
            health_url=instance.health_url,
            status=instance.status,
            status_override=instance.status_override,
            health=instance.health,
            effective_status=instance.effective_status,
            metadata=dict(instance.metadata),
            registered_at=instance.registered_at,
            last_heartbeat_at=instance.last_heartbeat_at,
            lease_expires_at=lease_expires_at,
        )


class StatusOverrideBody(_Body):
    """``PUT /v1/services/{service}/instances/{instance_id}/status``."""

    status: InstanceStatus = Field(
        description="The override: OUT_OF_SERVICE takes the instance out of routing; UP or "
        "DOWN force that status. It survives heartbeats until DELETE …/status."
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
    """``GET /v1/routing-urls``: routing URLs of the live instances of each service whose
    effective status is UP."""

    index: int
    subgraphs: dict[str, list[str]]


class PublishBody(_Body):
    """``POST /v1/subgraphs/{name}``."""

    sdl: str = Field(min_length=1, description="The subgraph schema (Federation 2 SDL).")
    routing_url: HttpUrl = Field(description="Routing URL written into the supergraph.")
    published_by: str = Field(
        default="unknown",
        min_length=1,
        max_length=200,
        description="Who publishes, e.g. ci@build-812 or an instance id.",
    )


class RollbackBody(_Body):
    """``POST /v1/subgraphs/{name}/rollback``."""

    version: int = Field(ge=1, description="The earlier version to publish again.")
    published_by: str = Field(
        default="unknown", min_length=1, max_length=200, description="Who rolls back."
    )


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


class BreakingChangeBody(BaseModel):
    """One breaking change that recorded operations use."""

    severity: str = "breaking"
    kind: str
    coordinate: str
    message: str
    operations: list[str]


class BreakingChangesBody(CompositionErrorsBody):
    """HTTP 409: the publish was refused because it breaks recorded operations.

    ``errors`` has the shape of a composition refusal (code = the change kind) so that
    publishers print both alike; ``changes`` has the details.
    """

    changes: list[BreakingChangeBody]

    @classmethod
    def of_changes(cls, changes: tuple[BreakingChange, ...]) -> BreakingChangesBody:
        """Builds the body from the breaking changes.

        Args:
            changes: The breaking changes recorded operations use.

        Returns:
            Their wire form.
        """
        return cls(
            errors=[
                CompositionErrorBody(
                    code=change.kind,
                    message=f"{change.message} Used by: {', '.join(change.operations)}.",
                )
                for change in changes
            ],
            changes=[
                BreakingChangeBody(
                    kind=change.kind,
                    coordinate=change.coordinate,
                    message=change.message,
                    operations=list(change.operations),
                )
                for change in changes
            ],
        )


class OperationReportBody(_Body):
    """One item of ``POST /v1/operations`` (a JSON list of them)."""

    name: str | None = Field(default=None, description="The operation name executed.")
    document: str = Field(min_length=1, description="The GraphQL document text, as executed.")
    hash: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="Optional sha256 hex of the document; refused when it does not match.",
    )
    count: int = Field(default=1, ge=1, description="Executions this report stands for.")

    @model_validator(mode="after")
    def _hash_matches(self) -> OperationReportBody:
        if self.hash is not None and self.hash != operation_hash(self.document):
            raise ValueError("hash is not the sha256 of the document")
        return self

    def to_report(self) -> OperationReport:
        """The domain value."""
        return OperationReport(name=self.name, document=self.document, count=self.count)


class OperationsRecordedBody(BaseModel):
    """``POST /v1/operations``: how many distinct documents the batch held."""

    recorded: int


class RecordedOperationBody(BaseModel):
    """One recorded document (times in ISO 8601 UTC)."""

    hash: str
    name: str | None
    document: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, operation: RecordedOperation) -> RecordedOperationBody:
        """Builds the body of a recorded operation.

        Args:
            operation: The recorded operation.

        Returns:
            Its wire form.
        """
        return cls(
            hash=operation.hash,
            name=operation.name,
            document=operation.document,
            count=operation.count,
            first_seen_at=operation.first_seen_at,
            last_seen_at=operation.last_seen_at,
        )


class RecordedOperationsBody(BaseModel):
    """``GET /v1/operations``."""

    operations: list[RecordedOperationBody]


class SubgraphBody(BaseModel):
    """One subgraph's current version, without its SDL."""

    name: str
    routing_url: str
    version: int
    published_at: datetime
    published_by: str

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
            published_by=subgraph.published_by,
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
        return cls(**SubgraphBody.of(subgraph).model_dump(), sdl=subgraph.sdl)


class SubgraphListBody(BaseModel):
    """``GET /v1/subgraphs``."""

    subgraphs: list[SubgraphBody]


class SubgraphVersionBody(BaseModel):
    """One version in ``GET /v1/subgraphs/{name}/versions``."""

    version: int
    routing_url: str
    published_at: datetime
    published_by: str
    sdl_sha256: str = Field(description="The sha256 hex digest of the UTF-8 encoded SDL.")

    @classmethod
    def of(cls, version: SubgraphVersion) -> SubgraphVersionBody:
        """Builds the body of a version.

        Args:
            version: The version.

        Returns:
            Its wire form.
        """
        return cls(
            version=version.version,
            routing_url=version.routing_url,
            published_at=version.published_at,
            published_by=version.published_by,
            sdl_sha256=hashlib.sha256(version.sdl.encode("utf-8")).hexdigest(),
        )


class SubgraphVersionsBody(BaseModel):
    """``GET /v1/subgraphs/{name}/versions``: every version, newest first."""

    subgraph: str
    versions: list[SubgraphVersionBody]


class SubgraphVersionSchemaBody(SubgraphVersionBody):
    """``GET /v1/subgraphs/{name}/versions/{version}``: one version with its SDL."""

    name: str
    sdl: str

    @classmethod
    def of(cls, version: SubgraphVersion) -> SubgraphVersionSchemaBody:
        """Builds the body of a version, SDL included.

        Args:
            version: The version.

        Returns:
            Its wire form.
        """
        return cls(
            **SubgraphVersionBody.of(version).model_dump(), name=version.name, sdl=version.sdl
        )


class SupergraphRevisionBody(BaseModel):
    """One supergraph in ``GET /v1/supergraph/history`` (without its SDL)."""

    revision: int
    id: str
    composed_at: datetime
    subgraph_versions: dict[str, int]

    @classmethod
    def of(cls, supergraph: Supergraph) -> SupergraphRevisionBody:
        """Builds the body of a stored supergraph.

        Args:
            supergraph: The supergraph.

        Returns:
            Its wire form.
        """
        return cls(
            revision=supergraph.revision,
            id=supergraph.id,
            composed_at=supergraph.composed_at,
            subgraph_versions=dict(supergraph.subgraph_versions),
        )


class SupergraphHistoryBody(BaseModel):
    """``GET /v1/supergraph/history``: the most recent supergraphs, newest first."""

    index: int
    supergraphs: list[SupergraphRevisionBody]


class HealthBody(BaseModel):
    """``GET /health``: ``UP``, or ``STARTING`` (HTTP 503) until the store is open."""

    status: str
