"""The schema registry: versions of each subgraph's SDL and the supergraph they compose to.

A publish composes the candidate subgraph with the current version of every other subgraph.
Spec: Rover's ``subgraph publish`` semantics; composition is Federation 2's
(`trellis_router.composition.compose`). A publish that fails composition stores nothing; a
publish equal to the current version (same SDL and routing URL) is a no-op. Every stored
publication adds a subgraph version (who and when) and a supergraph revision (the history);
a rollback republishes an earlier version's SDL as a new version.

With ``refuse_breaking_changes``, a publish whose API schema changes break operations the
router recorded is refused too (`BreakingChangesError`) and stores nothing; breaking changes
no recorded operation uses are accepted (see `trellis_registry.checks`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from graphql import GraphQLError, parse
from trellis_router.composition import CompositionResult, SubgraphDefinition, compose

from trellis_registry.backend import ConcurrentPublishError, RegistryBackend
from trellis_registry.checks.changes import Severity
from trellis_registry.checks.check import compare_supergraphs
from trellis_registry.checks.operations import Operation, parse_recorded_operation
from trellis_registry.clock import Clock, utc_now
from trellis_registry.errors import (
    BreakingChange,
    BreakingChangesError,
    CompositionFailedError,
    CompositionProblem,
    InvalidSchemaError,
    SubgraphNotFoundError,
    SubgraphVersionNotFoundError,
    SupergraphNotFoundError,
)
from trellis_registry.subgraphs import PublishResult, SubgraphVersion, Supergraph, supergraph_id

__all__ = ["SchemaRegistry"]

_log = logging.getLogger(__name__)

PUBLISH_ATTEMPTS = 5
"""How many times a publish composes before giving up on races with other replicas."""

INTERNAL_COMPOSITION_ERROR = "INTERNAL_COMPOSITION_ERROR"
"""Code reported when the composer itself raised instead of returning errors."""


def _used_breaking_changes(
    old_sdl: str, new_sdl: str, operations: Sequence[Operation]
) -> list[BreakingChange]:
    return [
        BreakingChange(
            kind=checked.change.kind.value,
            coordinate=checked.change.coordinate,
            message=checked.change.message,
            operations=checked.operations,
        )
        for checked in compare_supergraphs(old_sdl, new_sdl, operations)
        if checked.change.severity is Severity.BREAKING and checked.operations
    ]


def _compose(subgraphs: Sequence[SubgraphVersion]) -> CompositionResult:
    definitions = [
        SubgraphDefinition(name=subgraph.name, url=subgraph.routing_url, sdl=subgraph.sdl)
        for subgraph in subgraphs
    ]
    return compose(definitions)


class SchemaRegistry:
    """Publishes subgraph schemas and serves the composed supergraph.

    Publishes are serialised by one lock, so two concurrent publishes never both compose
    against the same (soon stale) set of subgraphs. Composition runs in a worker thread.

    Args:
        backend: Where versions, supergraphs and recorded operations are stored.
        clock: The source of the current time.
        refuse_breaking_changes: Refuse publishes that break recorded operations.
    """

    def __init__(
        self,
        backend: RegistryBackend,
        clock: Clock = utc_now,
        *,
        refuse_breaking_changes: bool = False,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._refuse_breaking_changes = refuse_breaking_changes
        self._publish_lock = asyncio.Lock()

    async def publish(
        self, name: str, sdl: str, routing_url: str, published_by: str = "unknown"
    ) -> PublishResult:
        """Publishes a new version of a subgraph's schema.

        When another registry replica stores a publication between this one's read and its
        write (`ConcurrentPublishError`), the publish composes again against the new current
        state, up to `PUBLISH_ATTEMPTS` times in all.

        Args:
            name: The subgraph name.
            sdl: The subgraph schema (Federation 2 SDL).
            routing_url: The subgraph's routing URL, written into the supergraph.
            published_by: Who publishes (free text, e.g. ``ci@build-812``).

        Returns:
            The version now current, whether anything changed, and the supergraph id.

        Raises:
            InvalidSchemaError: ``sdl`` is not syntactically valid GraphQL.
            CompositionFailedError: The candidate does not compose with the other subgraphs;
                nothing was stored.
            BreakingChangesError: ``refuse_breaking_changes`` is set and the candidate makes
                breaking changes that recorded operations use; nothing was stored.
            ConcurrentPublishError: Every attempt lost a race with another replica.
        """
        try:
            parse(sdl, no_location=True)
        except GraphQLError as error:
            raise InvalidSchemaError(name, error.message) from error
        async with self._publish_lock:
            for attempt in range(1, PUBLISH_ATTEMPTS + 1):
                try:
                    return await self._publish_once(name, sdl, routing_url, published_by)
                except ConcurrentPublishError:
                    if attempt == PUBLISH_ATTEMPTS:
                        raise
                    _log.info(
                        "publish of subgraph %s lost a race (attempt %d); composing again",
                        name,
                        attempt,
                    )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _publish_once(
        self, name: str, sdl: str, routing_url: str, published_by: str
    ) -> PublishResult:
        # The supergraph first: a publication stored between the two reads then makes this
        # one's revision stale, so saving it fails and it composes again (never the other
        # way round, which would store a supergraph missing that publication).
        supergraph = await self._backend.current_supergraph()
        current = {subgraph.name: subgraph for subgraph in await self._backend.current_subgraphs()}
        previous = current.get(name)
        if (
            previous is not None
            and supergraph is not None
            and previous.sdl == sdl
            and previous.routing_url == routing_url
        ):
            return PublishResult(name, previous.version, False, supergraph.id)
        now = self._clock()
        candidate = SubgraphVersion(
            name=name,
            version=1 if previous is None else previous.version + 1,
            routing_url=routing_url,
            sdl=sdl,
            published_at=now,
            published_by=published_by,
        )
        current[name] = candidate
        subgraphs = [current[key] for key in sorted(current)]
        supergraph_sdl = await self._compose(name, subgraphs)
        if self._refuse_breaking_changes and supergraph is not None:
            await self._refuse_if_breaking(name, supergraph.sdl, supergraph_sdl)
        composed = Supergraph(
            id=supergraph_id(supergraph_sdl),
            sdl=supergraph_sdl,
            composed_at=now,
            revision=(0 if supergraph is None else supergraph.revision) + 1,
            subgraph_versions={subgraph.name: subgraph.version for subgraph in subgraphs},
        )
        index = await self._backend.save_publication(candidate, composed)
        _log.info(
            "published subgraph %s version %d by %s; supergraph %s revision %d (index %d)",
            name,
            candidate.version,
            published_by,
            composed.id,
            composed.revision,
            index,
        )
        return PublishResult(name, candidate.version, True, composed.id)

    async def rollback(
        self, name: str, version: int, published_by: str = "unknown"
    ) -> PublishResult:
        """Publishes an earlier version's SDL and routing URL again, as a new version.

        The history stays linear: the rollback goes through the same composition and
        breaking-change checks as any publish, and is a no-op when that SDL and routing URL
        are already current.

        Args:
            name: The subgraph name.
            version: The earlier version to bring back.
            published_by: Who rolls back.

        Returns:
            The outcome, as for `publish`.

        Raises:
            SubgraphNotFoundError: The subgraph has never been published.
            SubgraphVersionNotFoundError: It has no such version.
            CompositionFailedError: The old version no longer composes with the others.
            BreakingChangesError: As for `publish`.
        """
        target = await self.version(name, version)
        _log.info("rolling subgraph %s back to version %d (by %s)", name, version, published_by)
        return await self.publish(name, target.sdl, target.routing_url, published_by)

    async def _compose(self, name: str, subgraphs: Sequence[SubgraphVersion]) -> str:
        try:
            result = await asyncio.to_thread(_compose, subgraphs)
        except Exception as error:
            _log.exception("composition raised while publishing subgraph %s", name)
            problem = CompositionProblem(INTERNAL_COMPOSITION_ERROR, f"composition failed: {error}")
            raise CompositionFailedError(name, [problem]) from error
        if not result.ok or result.supergraph_sdl is None:
            problems = [CompositionProblem(error.code, error.message) for error in result.errors]
            if not problems:
                problems = [
                    CompositionProblem(INTERNAL_COMPOSITION_ERROR, "composition produced nothing")
                ]
            raise CompositionFailedError(name, problems)
        return result.supergraph_sdl

    async def _refuse_if_breaking(self, name: str, old_sdl: str, new_sdl: str) -> None:
        operations = [
            operation
            for recorded in await self._backend.recorded_operations()
            for operation in parse_recorded_operation(recorded.document, recorded.hash)
        ]
        if not operations:
            return
        try:
            used = await asyncio.to_thread(_used_breaking_changes, old_sdl, new_sdl, operations)
        except Exception:
            # The check could not run (e.g. a stored supergraph an older composer wrote that
            # no longer loads): composition passed, so the publish goes ahead.
            _log.exception("the breaking-change check raised while publishing subgraph %s", name)
            return
        if used:
            raise BreakingChangesError(name, used)

    async def subgraphs(self) -> list[SubgraphVersion]:
        """Returns the current version of every published subgraph, ordered by name."""
        return await self._backend.current_subgraphs()

    async def subgraph(self, name: str) -> SubgraphVersion:
        """Returns the current version of one subgraph.

        Args:
            name: The subgraph name.

        Raises:
            SubgraphNotFoundError: The subgraph has never been published.
        """
        for subgraph in await self._backend.current_subgraphs():
            if subgraph.name == name:
                return subgraph
        raise SubgraphNotFoundError(name)

    async def versions(self, name: str) -> list[SubgraphVersion]:
        """Returns every version of one subgraph, newest first.

        Args:
            name: The subgraph name.

        Raises:
            SubgraphNotFoundError: The subgraph has never been published.
        """
        versions = await self._backend.subgraph_versions(name)
        if not versions:
            raise SubgraphNotFoundError(name)
        return versions

    async def version(self, name: str, version: int) -> SubgraphVersion:
        """Returns one version of a subgraph.

        Args:
            name: The subgraph name.
            version: The version number.

        Raises:
            SubgraphNotFoundError: The subgraph has never been published.
            SubgraphVersionNotFoundError: It has no such version.
        """
        for stored in await self.versions(name):
            if stored.version == version:
                return stored
        raise SubgraphVersionNotFoundError(name, version)

    async def history(self, limit: int) -> list[Supergraph]:
        """Returns the most recent supergraphs, newest first (empty before any publish).

        Args:
            limit: The most to return.
        """
        return await self._backend.supergraph_history(limit)

    async def index(self) -> int:
        """Returns the registry's current index (read it before the data it goes with)."""
        return await self._backend.current_index()

    async def supergraph(self) -> Supergraph:
        """Returns the current supergraph.

        Raises:
            SupergraphNotFoundError: Nothing has been published yet.
        """
        supergraph = await self._backend.current_supergraph()
        if supergraph is None:
            raise SupergraphNotFoundError()
        return supergraph
