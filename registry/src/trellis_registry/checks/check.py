"""The check itself: compose, diff the API schemas, classify against operations.

Stages, each a function of explicit inputs:

1. `compose` the candidate with the other subgraphs (errors end the check);
2. `diff_supergraphs` of the baseline's composition and the candidate's;
3. `classify_changes`: walk every operation against the baseline API schema and list, for
   each breaking or dangerous change, the operations that use what it affects.

Spec: Rover's ``subgraph check`` (composition, then operation checks against the schema).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graphql import GraphQLSchema
from trellis_router.composition import CompositionResult, SubgraphDefinition, compose
from trellis_router.supergraph import Supergraph, SupergraphError, load_supergraph

from trellis_registry.checks.changes import SchemaChange, Severity
from trellis_registry.checks.diff import diff_api_schemas, diff_supergraphs
from trellis_registry.checks.errors import CheckInputError
from trellis_registry.checks.operations import Operation
from trellis_registry.checks.report import (
    CheckedChange,
    CheckReport,
    CompositionOutcome,
    Problem,
    sort_changes,
)
from trellis_registry.checks.usage import affected_operations, usages_of

__all__ = [
    "INVALID_SUPERGRAPH",
    "Baseline",
    "check_subgraph",
    "classify_changes",
    "compare_supergraphs",
    "placeholder_routing_url",
]

INVALID_SUPERGRAPH = "INVALID_SUPERGRAPH"
"""Code reported when composition succeeded but the router cannot load the supergraph."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a candidate subgraph schema is checked against.

    Attributes:
        description: For reports: the schema folder or the registry URL.
        subgraphs: The current subgraphs (name, routing URL, SDL).
        operations: Operations recorded by the registry (empty for a schema folder).
    """

    description: str
    subgraphs: tuple[SubgraphDefinition, ...]
    operations: tuple[Operation, ...] = ()


def placeholder_routing_url(name: str) -> str:
    """The routing URL used for a subgraph the baseline does not have yet.

    Args:
        name: The subgraph name.

    Returns:
        ``http://<name>.invalid/graphql`` (a reserved domain: never routed to).
    """
    return f"http://{name}.invalid/graphql"


def _outcome(result: CompositionResult) -> CompositionOutcome:
    return CompositionOutcome(
        ok=result.ok,
        errors=tuple(Problem(error.code, error.message) for error in result.errors),
        hints=tuple(Problem(hint.code, hint.message) for hint in result.hints),
    )


def _candidate_set(
    name: str, sdl: str, current: Sequence[SubgraphDefinition]
) -> list[SubgraphDefinition]:
    previous = next((subgraph for subgraph in current if subgraph.name == name), None)
    url = previous.url if previous is not None else placeholder_routing_url(name)
    candidate = SubgraphDefinition(name=name, url=url, sdl=sdl)
    if previous is None:
        return [*current, candidate]
    return [candidate if subgraph.name == name else subgraph for subgraph in current]


def _baseline_supergraph(baseline: Baseline) -> Supergraph | None:
    if not baseline.subgraphs:
        return None
    result = compose(list(baseline.subgraphs))
    if not result.ok or result.supergraph_sdl is None:
        shown = "; ".join(f"{error.code}: {error.message}" for error in result.errors)
        raise CheckInputError(
            f"{baseline.description}: the current subgraphs do not compose: {shown}"
        )
    try:
        return load_supergraph(result.supergraph_sdl)
    except SupergraphError as error:
        raise CheckInputError(f"{baseline.description}: {error}") from error


def classify_changes(
    changes: Sequence[SchemaChange],
    operations: Sequence[Operation],
    schema: GraphQLSchema,
) -> tuple[CheckedChange, ...]:
    """Lists the operations each breaking or dangerous change affects.

    Args:
        changes: The changes.
        operations: The operations to check (from files and the registry).
        schema: The API schema the operations are written against (the baseline's).

    Returns:
        The changes with their operations, breaking first (`sort_changes`).
    """
    usages = usages_of(operations, schema)
    return sort_changes(
        [
            CheckedChange(
                change,
                tuple(affected_operations(change, usages))
                if change.severity is not Severity.SAFE
                else (),
                bool(operations),
            )
            for change in changes
        ]
    )


def compare_supergraphs(
    old_sdl: str, new_sdl: str, operations: Sequence[Operation]
) -> tuple[CheckedChange, ...]:
    """Diffs two supergraphs and classifies the changes against operations.

    Args:
        old_sdl: The current supergraph SDL.
        new_sdl: The candidate supergraph SDL.
        operations: The operations clients send.

    Returns:
        The classified changes (see `classify_changes`).

    Raises:
        SupergraphError: Either SDL is not a supergraph the router can load.
    """
    old = load_supergraph(old_sdl)
    new = load_supergraph(new_sdl)
    return classify_changes(diff_supergraphs(old, new), operations, old.api_schema)


def check_subgraph(
    name: str, sdl: str, baseline: Baseline, operations: Sequence[Operation] = ()
) -> CheckReport:
    """Checks a candidate schema of one subgraph.

    Args:
        name: The subgraph name (replaced in, or added to, the baseline's subgraphs).
        sdl: The candidate subgraph SDL (already known to parse).
        baseline: The current subgraphs and recorded operations.
        operations: Operations from files, checked with the baseline's recorded ones.

    Returns:
        The report; its ``exit_code`` says whether the check passed.

    Raises:
        CheckInputError: The baseline's own subgraphs do not compose or load.
    """
    old = _baseline_supergraph(baseline)
    result = compose(_candidate_set(name, sdl, baseline.subgraphs))
    composition = _outcome(result)
    all_operations = [*operations, *baseline.operations]
    if not result.ok or result.supergraph_sdl is None:
        return CheckReport(name, baseline.description, composition, (), len(all_operations))
    try:
        new = load_supergraph(result.supergraph_sdl)
    except SupergraphError as error:
        failed = CompositionOutcome(
            ok=False, errors=(Problem(INVALID_SUPERGRAPH, str(error)),), hints=composition.hints
        )
        return CheckReport(name, baseline.description, failed, (), len(all_operations))
    if old is None:
        old_api_schema = GraphQLSchema()
        changes = diff_api_schemas(old_api_schema, new.api_schema)
    else:
        changes = diff_supergraphs(old, new)
        old_api_schema = old.api_schema
    checked = classify_changes(changes, all_operations, old_api_schema)
    return CheckReport(name, baseline.description, composition, checked, len(all_operations))
