"""``compose``: subgraph SDLs -> a Federation 2 supergraph SDL.

Stages: parse each subgraph (:mod:`.subgraph`; also validated as a GraphQL schema by
:mod:`.graphql_validation`), validate its federation directives
(:mod:`.validate`), upgrade Federation 1 subgraphs (:mod:`.upgrade`), merge (:mod:`.merge`),
print (:mod:`.print`), check satisfiability (:mod:`.satisfiability`). Bad input is reported as
:class:`CompositionError` values, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trellis_router.composition.definitions import CompositionResult, SubgraphDefinition
from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.merge import merge_subgraphs
from trellis_router.composition.print import print_supergraph
from trellis_router.composition.satisfiability import check_satisfiability
from trellis_router.composition.subgraph import Subgraph, parse_subgraph
from trellis_router.composition.upgrade import upgrade_fed1_subgraph
from trellis_router.composition.validate import SubgraphMetadata, validate_subgraph

__all__ = ["compose"]

_RESERVED_NAMES = frozenset({"_"})


def compose(subgraphs: Sequence[SubgraphDefinition]) -> CompositionResult:
    """Compose subgraphs into a supergraph, as ``@apollo/composition`` 2.x does.

    Subgraphs are ordered by name (as Apollo's ``Subgraphs`` collection orders them), which
    fixes the ``join__Graph`` order and the order of merged fields.

    Args:
        subgraphs: The subgraphs: name, routing URL and SDL each.

    Returns:
        The supergraph SDL (no trailing newline) or the errors, with hints either way.

    Spec: Apollo Federation composition; join spec v0.3-v0.5.
    """
    errors: list[CompositionError] = []
    parsed: list[Subgraph] = []
    metadata: list[SubgraphMetadata] = []
    seen: set[str] = set()
    for definition in sorted(subgraphs, key=lambda s: s.name):
        if definition.name in _RESERVED_NAMES or not re.fullmatch(r".+", definition.name):
            errors.append(
                CompositionError(
                    ErrorCode.INVALID_SUBGRAPH_NAME.value,
                    f'[{definition.name}] Invalid name "{definition.name}" for a subgraph.',
                )
            )
            continue
        if definition.name in seen:
            errors.append(
                CompositionError(
                    ErrorCode.INVALID_SUBGRAPH_NAME.value,
                    f'A subgraph named "{definition.name}" already exists.',
                )
            )
            continue
        seen.add(definition.name)
        subgraph, parse_errors = parse_subgraph(definition)
        errors.extend(parse_errors)
        if subgraph is None:
            continue
        meta, validation_errors = validate_subgraph(subgraph)
        errors.extend(validation_errors)
        parsed.append(subgraph)
        metadata.append(meta)
    if errors:
        return CompositionResult(None, tuple(errors), ())
    if not parsed:
        return CompositionResult(
            None, (CompositionError(ErrorCode.NO_QUERIES.value, "No subgraphs to compose."),), ()
        )
    for subgraph, meta in zip(parsed, metadata, strict=True):
        errors.extend(upgrade_fed1_subgraph(subgraph, parsed, meta.used))
    if errors:
        return CompositionResult(None, tuple(errors), ())
    supergraph, merge_errors, hints = merge_subgraphs(parsed, metadata)
    if merge_errors:
        return CompositionResult(None, tuple(merge_errors), tuple(hints))
    supergraph_sdl = print_supergraph(supergraph)
    unsatisfiable = check_satisfiability(supergraph_sdl)
    if unsatisfiable:
        return CompositionResult(None, tuple(unsatisfiable), tuple(hints))
    return CompositionResult(supergraph_sdl, (), tuple(hints))
