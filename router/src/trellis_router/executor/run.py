"""Run compiled plan steps for one request: send fetches, merge data, collect errors.

Spec: Apollo Federation query plan execution (Fetch, Flatten, Sequence, Parallel, Condition);
Federation subgraph spec ``_entities``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import orjson

from .client import SubgraphClient, SubgraphFetchError
from .flatten import EntityRequires, ResponsePath, collect_entities, collect_objects
from .levels import merged_body_prefix
from .merge import deep_merge
from .rewrites import apply_rewrites, read_context
from .steps import (
    ConditionStep,
    FetchStep,
    FlattenStep,
    LevelStep,
    MergedEntityFetch,
    ParallelStep,
    SequenceStep,
    Step,
)

__all__ = ["SUBREQUEST_HTTP_ERROR", "PlanRun", "PlanTracer", "SubgraphHeaders"]

SUBREQUEST_HTTP_ERROR = "SUBREQUEST_HTTP_ERROR"

SubgraphHeaders: TypeAlias = Mapping[str, str] | Callable[[str], Mapping[str, str]]
"""Headers for subgraph requests: the same for every subgraph, or a function of the subgraph
name (``join__graph`` name) returning that subgraph's headers."""


class PlanTracer(Protocol):
    """Opens a span around one plan node (``trellis_router.telemetry`` implements it).

    Span names are Apollo Router's: ``sequence``, ``parallel``, ``flatten``, ``fetch``,
    ``condition``.
    """

    def span(self, name: str, attributes: Mapping[str, str]) -> AbstractContextManager[object]:
        """A context manager that makes a new span current for its duration.

        Args:
            name: the span name.
            attributes: the span attributes (e.g. ``subgraph.name``, ``graphql.path``).

        Returns:
            The context manager.
        """
        ...


@dataclass(slots=True)
class PlanRun:
    """The mutable state of one plan execution.

    Attributes:
        client: sends subgraph requests.
        routing_url: gives the routing URL of a subgraph (by name) for the next request.
        variables: the client's coerced variable values.
        headers: headers sent with subgraph requests (see :data:`SubgraphHeaders`).
        data: the response data being built (top-level response keys).
        errors: GraphQL errors collected so far (client paths).
        failed_paths: response paths left null by failed fetches (no error names them).
        abstract_types: names of the supergraph's interfaces and unions (a ``__typename``
            naming one never replaces a concrete one when merging).
        tracer: opens a span per plan node; None (the default) traces nothing and costs one
            attribute check per node.
    """

    client: SubgraphClient
    routing_url: Callable[[str], str]
    variables: Mapping[str, Any]
    headers: SubgraphHeaders = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    failed_paths: list[ResponsePath] = field(default_factory=list)
    abstract_types: frozenset[str] = frozenset()
    tracer: PlanTracer | None = None

    async def run(self, step: Step) -> None:
        """Run one step (and its children), in a span when :attr:`tracer` is set.

        Args:
            step: the compiled plan step.
        """
        tracer = self.tracer
        if tracer is not None:
            await self._traced(step, tracer)
        elif isinstance(step, FetchStep):
            await self._root_fetch(step)
        elif isinstance(step, FlattenStep):
            await self._entity_fetch(step)
        elif isinstance(step, SequenceStep):
            for child in step.steps:
                await self.run(child)
        elif isinstance(step, ParallelStep):
            await asyncio.gather(*(self.run(child) for child in step.steps))
        elif isinstance(step, LevelStep):
            await self._levels(step)
        else:
            await self._condition(step)

    async def _levels(self, step: LevelStep) -> None:
        for level in step.levels:
            if len(level) == 1:
                await self._member(level[0])
            else:
                await asyncio.gather(*(self._member(member) for member in level))

    async def _member(self, member: FetchStep | FlattenStep | MergedEntityFetch) -> None:
        if isinstance(member, FlattenStep):
            await self._entity_fetch(member)
        elif isinstance(member, FetchStep):
            await self._root_fetch(member)
        else:
            await self._merged_fetch(member)

    async def _merged_fetch(self, merged: MergedEntityFetch) -> None:
        """Entity fetches to one subgraph in one request: field ``_<i>`` answers fetch *i*."""
        ready: list[tuple[int, FlattenStep, _Batch]] = []
        for index, step in enumerate(merged.steps):
            batch = self._collect_batch(step)
            if batch.encoded:
                ready.append((index, step, batch))
        if len(ready) < 2:
            for _, step, batch in ready:
                await self._send_batch(step, batch)
            return
        prefix = merged_body_prefix(merged, tuple(index for index, _, _ in ready))
        parts = [
            b'"representations%d":[' % index + b",".join(batch.encoded) + b"]"
            for index, _, batch in ready
        ]
        used: dict[str, Any] = {}
        for _, step, _ in ready:
            used.update(self._used_variables(step.fetch))
        if used:
            parts.append(orjson.dumps(used)[1:-1])
        body = prefix + b"{" + b",".join(parts) + b"}}"
        response = await self._post(merged.service_name, body)
        if response is None:
            for _, step, batch in ready:
                paths = self._paths_of(step.path, batch.targets)
                self.failed_paths.extend(path for group in paths for path in group)
            return
        data = response.get("data")
        errors = _errors_of(response)
        for position, (index, step, batch) in enumerate(ready):
            alias = f"_{index}"
            own: list[dict[str, Any]] = []
            for error in errors:
                path = error.get("path")
                if isinstance(path, list) and path and path[0] == alias:
                    own.append({**error, "path": ["_entities", *path[1:]]})
                elif position == 0 and not (
                    isinstance(path, list) and path and str(path[0]).startswith("_")
                ):
                    own.append(error)
            entities = data.get(alias) if isinstance(data, dict) else None
            single: dict[str, Any] = {"data": {"_entities": entities}}
            if own:
                single["errors"] = own
            self._merge_entities(step, single, batch.targets)

    async def _traced(self, step: Step, tracer: PlanTracer) -> None:
        """:meth:`run` inside the step's span (Apollo Router's names and nesting: ``flatten``
        holds a ``fetch`` span; the traced subgraph client adds ``subgraph`` below it). A
        level schedule runs its plan's tree, so that spans keep the plan's structure."""
        if isinstance(step, LevelStep):
            await self._traced(step.tree, tracer)
        elif isinstance(step, FetchStep):
            with tracer.span("fetch", {"subgraph.name": step.service_name}):
                await self._root_fetch(step)
        elif isinstance(step, FlattenStep):
            with (
                tracer.span("flatten", {"graphql.path": ".".join(step.path)}),
                tracer.span("fetch", {"subgraph.name": step.fetch.service_name}),
            ):
                await self._entity_fetch(step)
        elif isinstance(step, SequenceStep):
            with tracer.span("sequence", {}):
                for child in step.steps:
                    await self.run(child)
        elif isinstance(step, ParallelStep):
            with tracer.span("parallel", {}):
                await asyncio.gather(*(self.run(child) for child in step.steps))
        else:
            with tracer.span("condition", {"graphql.condition": step.condition}):
                await self._condition(step)

    async def _condition(self, step: ConditionStep) -> None:
        chosen = step.if_step if self.variables.get(step.condition) else step.else_step
        if chosen is not None:
            await self.run(chosen)

    def _used_variables(self, fetch: FetchStep) -> dict[str, Any]:
        variables = self.variables
        return {name: variables[name] for name in fetch.variable_usages if name in variables}

    async def _send(self, fetch: FetchStep, variables_json: bytes) -> dict[str, Any] | None:
        return await self._post(fetch.service_name, fetch.body_prefix + variables_json + b"}")

    async def _post(self, name: str, body: bytes) -> dict[str, Any] | None:
        try:
            headers = self.headers
            if callable(headers):
                headers = headers(name)
            return await self.client.fetch(name, self.routing_url(name), body, headers)
        except SubgraphFetchError as error:
            self.errors.append(_http_error(name, error))
            return None

    async def _root_fetch(self, fetch: FetchStep) -> None:
        response = await self._send(fetch, orjson.dumps(self._used_variables(fetch)))
        if response is None:
            self.failed_paths.extend((key,) for key in fetch.root_keys)
            return
        data = response.get("data")
        if isinstance(data, dict):
            if fetch.output_rewrites:
                apply_rewrites(fetch.output_rewrites, data)
            deep_merge(self.data, data, self.abstract_types)
        else:
            self.failed_paths.extend((key,) for key in fetch.root_keys)
        for error in _errors_of(response):
            self.errors.append(_with_service(error, fetch.service_name, error.get("path")))

    async def _entity_fetch(self, step: FlattenStep) -> None:
        fetch = step.fetch
        requires = fetch.requires
        if requires is None:
            raise ValueError("a Flatten node's fetch has no requires")
        if fetch.context_reads:
            await self._contextual_entity_fetch(step, requires)
            return
        batch = self._collect_batch(step)
        if batch.encoded:
            await self._send_batch(step, batch)

    def _collect_batch(self, step: FlattenStep) -> _Batch:
        """The representations of the objects at the step's path (no ``@fromContext``)."""
        # Objects without their paths: a path is only needed for an error, and is then found
        # again by identity (see _paths_of).
        fetch = step.fetch
        requires = fetch.requires
        if requires is None:
            raise ValueError("a Flatten node's fetch has no requires")
        collector = fetch.collector
        if collector is not None:
            batch = _Batch({})
            batch.encoded, batch.targets = collector(collect_entities(self.data, step.path))
            return batch
        rewrites = fetch.input_rewrites
        batch = _Batch({})
        add = batch.add
        dumps = orjson.dumps
        build = requires.representation
        for obj in collect_entities(self.data, step.path):
            representation = build(obj)
            if representation is None:
                continue
            if rewrites:
                apply_rewrites(rewrites, representation)
            add(dumps(representation), obj)
        return batch

    async def _contextual_entity_fetch(self, step: FlattenStep, requires: EntityRequires) -> None:
        """An entity fetch with ``@fromContext`` arguments: one batch per distinct context."""
        fetch = step.fetch
        objects: list[tuple[dict[str, Any], ResponsePath]] = []
        collect_objects(self.data, step.path, objects)
        rewrites = fetch.input_rewrites
        reads = fetch.context_reads
        batches: dict[bytes, _Batch] = {}
        for obj, path in objects:
            representation = requires.representation(obj)
            if representation is None:
                continue
            if rewrites:
                apply_rewrites(rewrites, representation)
            context = read_context(reads, self.data, path)
            context_key = orjson.dumps(context, option=orjson.OPT_SORT_KEYS)
            batch = batches.get(context_key)
            if batch is None:
                batch = batches[context_key] = _Batch(context)
            batch.add(orjson.dumps(representation), obj)
        # Entities whose context values differ: one request per distinct set of values
        # (Apollo Router sends one request with an aliased ``_entities`` per entity instead;
        # the merged data and errors are the same).
        await asyncio.gather(*(self._send_batch(step, b) for b in batches.values()))

    async def _send_batch(self, step: FlattenStep, batch: _Batch) -> None:
        fetch = step.fetch
        used = self._used_variables(fetch)
        if batch.context:
            used.update(batch.context)
        variables_json = b'{"representations":[' + b",".join(batch.encoded) + b"]"
        if used:
            variables_json += b"," + orjson.dumps(used)[1:]
        else:
            variables_json += b"}"
        response = await self._send(fetch, variables_json)
        if response is None:
            paths = self._paths_of(step.path, batch.targets)
            self.failed_paths.extend(path for group in paths for path in group)
            return
        self._merge_entities(step, response, batch.targets)

    def _paths_of(
        self, path: tuple[str, ...], targets: list[list[dict[str, Any]]]
    ) -> list[list[ResponsePath]]:
        """The response paths of each target group's objects (walking the data again).

        An object no longer reachable at ``path`` (its list was replaced meanwhile) has no
        path: an error about it is then reported without one.
        """
        found: dict[int, list[ResponsePath]] = {}
        objects: list[tuple[dict[str, Any], ResponsePath]] = []
        collect_objects(self.data, path, objects)
        for obj, real in objects:
            found.setdefault(id(obj), []).append(real)
        out: list[list[ResponsePath]] = []
        for group in targets:
            paths: list[ResponsePath] = []
            for identity in dict.fromkeys(map(id, group)):
                paths.extend(found.get(identity, []))
            out.append(paths)
        return out

    def _merge_entities(
        self, step: FlattenStep, response: dict[str, Any], targets: list[list[dict[str, Any]]]
    ) -> None:
        fetch = step.fetch
        data = response.get("data")
        entities = data.get("_entities") if isinstance(data, dict) else None
        abstract = self.abstract_types
        rewrites = fetch.output_rewrites
        if isinstance(entities, list):
            for index, entity in enumerate(entities[: len(targets)]):
                if isinstance(entity, dict):
                    if rewrites:
                        apply_rewrites(rewrites, entity)
                    for obj in targets[index]:
                        deep_merge(obj, entity, abstract)
        else:
            paths = self._paths_of(step.path, targets)
            self.failed_paths.extend(path for group in paths for path in group)
        errors = _errors_of(response)
        if not errors:
            return
        service_name = fetch.service_name
        paths = self._paths_of(step.path, targets)
        for error in errors:
            path = error.get("path")
            if (
                isinstance(path, list)
                and len(path) >= 2
                and path[0] == "_entities"
                and isinstance(path[1], int)
                and 0 <= path[1] < len(targets)
            ):
                rest = path[2:]
                for target_path in paths[path[1]]:
                    self.errors.append(_with_service(error, service_name, [*target_path, *rest]))
            else:
                self.errors.append(_with_service(error, service_name, None))


class _Batch:
    """Representations for one ``_entities`` request, deduplicated, with their target objects."""

    __slots__ = ("context", "encoded", "index_of", "targets")

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context
        self.encoded: list[bytes] = []
        self.index_of: dict[bytes, int] = {}
        self.targets: list[list[dict[str, Any]]] = []

    def add(self, key: bytes, obj: dict[str, Any]) -> None:
        index = self.index_of.get(key)
        if index is None:
            index = self.index_of[key] = len(self.encoded)
            self.encoded.append(key)
            self.targets.append([obj])
        else:
            self.targets[index].append(obj)


def _errors_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    errors = response.get("errors")
    if not isinstance(errors, list):
        return []
    return [error for error in errors if isinstance(error, dict)]


def _with_service(error: dict[str, Any], service_name: str, path: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"message": str(error.get("message", "subgraph error"))}
    if isinstance(path, list):
        out["path"] = path
    extensions = error.get("extensions")
    out["extensions"] = {**extensions} if isinstance(extensions, dict) else {}
    out["extensions"]["serviceName"] = service_name
    return out


def _http_error(service_name: str, error: SubgraphFetchError) -> dict[str, Any]:
    extensions: dict[str, Any] = {
        "code": SUBREQUEST_HTTP_ERROR,
        "serviceName": service_name,
        "reason": error.reason,
    }
    if error.status is not None:
        extensions["http"] = {"status": error.status}
    return {
        "message": f"HTTP fetch failed from '{service_name}': {error.reason}",
        "extensions": extensions,
    }
