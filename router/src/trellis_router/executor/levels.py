"""Level scheduling of a query plan, with the entity fetches of one level merged per subgraph.

A query plan's tree (Sequence, Parallel) orders fetches by their data dependencies. Executed
level by level instead — level 0 the fetches that depend on nothing, level *n* those whose
predecessors are all on lower levels — the same dependencies hold, and the entity fetches of a
level that go to the same subgraph can travel in one HTTP request: one operation with one
aliased ``_entities`` field per fetch, each with its own representations variable. On the
gateway benchmark's query this sends 7 subgraph requests instead of 13 (Hive Gateway sends 7,
Apollo Gateway 16), and every request saved is one round trip and one decode less for the
router and one request less for the subgraph.

Only query plans without ``Condition`` nodes are scheduled this way, and only entity fetches
without ``@fromContext`` arguments are merged. A plan with nothing to merge keeps its tree.

Spec: Apollo Federation query plans (``Sequence``/``Parallel`` semantics); Federation subgraph
spec ``_entities(representations:)``; GraphQL §5.2.3 (aliases make the fields distinct).
"""

from __future__ import annotations

import orjson

from .dedupe import is_query
from .steps import (
    REPRESENTATIONS,
    FetchStep,
    FlattenStep,
    LevelStep,
    MergedEntityFetch,
    MergeParts,
    ParallelStep,
    SequenceStep,
    Step,
)

__all__ = ["merged_body_prefix", "schedule_levels"]


def schedule_levels(tree: Step) -> LevelStep | None:
    """Schedule a compiled plan by levels, merging same-subgraph entity fetches of a level.

    Args:
        tree: the compiled plan.

    Returns:
        The level schedule, or None when the tree should run as it is (a mutation, a
        ``Condition`` node, or nothing to merge).
    """
    levels: list[list[FetchStep | FlattenStep]] = []
    try:
        _assign(tree, 0, levels)
    except _Unschedulable:
        return None
    scheduled: list[tuple[FetchStep | FlattenStep | MergedEntityFetch, ...]] = []
    merged_any = False
    for level in levels:
        members: list[FetchStep | FlattenStep | MergedEntityFetch] = []
        groups: dict[str, list[tuple[FlattenStep, MergeParts]]] = {}
        for step in level:
            parts = _parts_of(step)
            if parts is None:
                members.append(step)
                continue
            assert isinstance(step, FlattenStep)
            groups.setdefault(step.fetch.service_name, []).append((step, parts))
        for service_name, group in groups.items():
            mergeable = _consistent(group)
            if len(mergeable) < 2:
                members.extend(step for step, _ in group)
                continue
            merged_any = True
            members.append(
                MergedEntityFetch(
                    service_name=service_name,
                    steps=tuple(step for step, _ in mergeable),
                    parts=tuple(parts for _, parts in mergeable),
                    operation_name=_merged_name(mergeable[0][0].fetch.operation_name),
                )
            )
            chosen = {id(step) for step, _ in mergeable}
            members.extend(step for step, _ in group if id(step) not in chosen)
        scheduled.append(tuple(members))
    if not merged_any:
        return None
    return LevelStep(levels=tuple(scheduled), tree=tree)


class _Unschedulable(Exception):
    pass


def _assign(step: Step, start: int, levels: list[list[FetchStep | FlattenStep]]) -> int:
    """Put each fetch on the lowest level after its predecessors; returns the level after
    ``step``."""
    if isinstance(step, FetchStep | FlattenStep):
        fetch = step if isinstance(step, FetchStep) else step.fetch
        if not is_query(fetch.body_prefix):
            raise _Unschedulable
        while len(levels) <= start:
            levels.append([])
        levels[start].append(step)
        return start + 1
    if isinstance(step, SequenceStep):
        for child in step.steps:
            start = _assign(child, start, levels)
        return start
    if isinstance(step, ParallelStep):
        return max((_assign(child, start, levels) for child in step.steps), default=start)
    raise _Unschedulable  # a Condition (variables decide what runs), or already scheduled


def _parts_of(step: FetchStep | FlattenStep) -> MergeParts | None:
    if not isinstance(step, FlattenStep) or step.fetch.context_reads:
        return None
    return step.fetch.merge_parts


def _consistent(
    group: list[tuple[FlattenStep, MergeParts]],
) -> list[tuple[FlattenStep, MergeParts]]:
    """The fetches of a group whose client variable definitions agree (same text per name)."""
    seen: dict[str, str] = {}
    out: list[tuple[FlattenStep, MergeParts]] = []
    for step, parts in group:
        if all(seen.get(name, text) == text for name, text in parts.variable_definitions):
            seen.update(parts.variable_definitions)
            out.append((step, parts))
    return out


def _merged_name(first: str | None) -> str:
    return f"{first}__merged" if first else "merged"


def merged_body_prefix(merged: MergedEntityFetch, indexes: tuple[int, ...]) -> bytes:
    """``{"query":…,"operationName":…,"variables":`` for the fetches at ``indexes``.

    Field ``_<i>`` answers fetch *i* with representations ``$representations<i>``.

    Args:
        merged: the merged fetch.
        indexes: positions in ``merged.steps`` of the fetches that have representations.

    Returns:
        The encoded body prefix (cached on ``merged``).
    """
    cached = merged.bodies.get(indexes)
    if cached is not None:
        return cached
    definitions = [f"${REPRESENTATIONS}{i}:[_Any!]!" for i in indexes]
    seen: set[str] = set()
    for i in indexes:
        for name, text in merged.parts[i].variable_definitions:
            if name not in seen:
                seen.add(name)
                definitions.append(text)
    fields = " ".join(
        f"_{i}:_entities({REPRESENTATIONS}:${REPRESENTATIONS}{i}){merged.parts[i].selection}"
        for i in indexes
    )
    operation = f"query {merged.operation_name}({','.join(definitions)}){{{fields}}}"
    prefix = (
        b'{"query":'
        + orjson.dumps(operation)
        + b',"operationName":'
        + orjson.dumps(merged.operation_name)
        + b',"variables":'
    )
    merged.bodies[indexes] = prefix
    return prefix
