"""Operation limits: document size, parser tokens, depth, height, aliases and root fields.

Measured on the operation as executed: fragment spreads are expanded (each spread counted, so a
fragment spread twice counts its aliases twice) and inline fragments are walked. Fragment
summaries are computed once per fragment name, so the measure is linear in the document even
when spreads multiply, and a fragment cycle (a validation error already) never loops.

Apollo Router: ``limits.max_depth``, ``max_height``, ``max_aliases``, ``max_root_fields``,
``parser_max_tokens``; error codes ``MAX_DEPTH_LIMIT``, ``MAX_HEIGHT_LIMIT``,
``MAX_ALIASES_LIMIT``, ``MAX_ROOT_FIELDS_LIMIT`` with HTTP 400.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    parse,
)

from ..configuration.limits import LimitsSettings
from .errors import GRAPHQL_PARSE_FAILED, RequestError

__all__ = [
    "MAX_ALIASES_LIMIT",
    "MAX_DEPTH_LIMIT",
    "MAX_HEIGHT_LIMIT",
    "MAX_ROOT_FIELDS_LIMIT",
    "OperationLimitsError",
    "OperationMeasure",
    "check_limits",
    "exceeded_limits",
    "operation_measure",
    "parse_limited",
]

MAX_DEPTH_LIMIT = "MAX_DEPTH_LIMIT"
MAX_HEIGHT_LIMIT = "MAX_HEIGHT_LIMIT"
MAX_ALIASES_LIMIT = "MAX_ALIASES_LIMIT"
MAX_ROOT_FIELDS_LIMIT = "MAX_ROOT_FIELDS_LIMIT"

_MESSAGES = {
    MAX_DEPTH_LIMIT: "Maximum depth limit exceeded in this operation",
    MAX_HEIGHT_LIMIT: "Maximum height (field count) limit exceeded in this operation",
    MAX_ALIASES_LIMIT: "Maximum aliases limit exceeded in this operation",
    MAX_ROOT_FIELDS_LIMIT: "Maximum root fields limit exceeded in this operation",
}


@dataclass(frozen=True, slots=True)
class OperationMeasure:
    """The size of one operation, fragments expanded.

    Attributes:
        depth: the deepest field nesting (a root field is depth 1; 0 for no field).
        height: fields counted once per response name within one selection set (same-named
            fields there are merged, their sub-selections measured together); each inline
            fragment and each distinct fragment spread of a selection set counts on its own.
        aliases: aliased fields; a fragment spread N times counts its aliases N times.
        root_fields: fields of the root selection set, through inline fragments and spreads
            (each spread counted).
    """

    depth: int
    height: int
    aliases: int
    root_fields: int


_ZERO = OperationMeasure(0, 0, 0, 0)


class OperationLimitsError(RequestError):
    """An operation over one or more limits (HTTP 400), one GraphQL error per exceeded limit,
    each with its own ``extensions.code``; ``code`` is the first one's.

    Args:
        codes: the exceeded limits' codes (``MAX_*_LIMIT``), in a stable order.
    """

    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(codes[0], [{"message": _MESSAGES[code]} for code in codes], 400)
        self.codes = tuple(codes)
        self.errors = [{"message": _MESSAGES[code], "extensions": {"code": code}} for code in codes]


# --- parsing ---------------------------------------------------------------------------------


@lru_cache(maxsize=1000)
def _parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


def parse_limited(query: str, limits: LimitsSettings) -> DocumentNode:
    """Parse a client query under the document size and token limits (LRU-cached by text).

    Args:
        query: the GraphQL document text.
        limits: ``max_document_bytes`` (UTF-8 bytes) and ``parser_max_tokens`` (lexical
            tokens, comments included) are applied; None disables either.

    Returns:
        The document (shared between requests: never mutate it).

    Raises:
        RequestError: ``GRAPHQL_PARSE_FAILED`` (HTTP 400) for a document over
            ``max_document_bytes``, over ``parser_max_tokens``, nested too deeply to parse,
            or with a syntax error.

    Spec: GraphQL §2 Language; Apollo Router ``limits.parser_max_tokens``.
    """
    max_bytes = limits.max_document_bytes
    if max_bytes is not None and _utf8_length_over(query, max_bytes):
        size = len(query.encode("utf-8", "surrogatepass"))
        raise RequestError.single(
            GRAPHQL_PARSE_FAILED,
            f"The query document is {size} bytes, over the limit of {max_bytes} bytes.",
        )
    try:
        return _parse(query, limits.parser_max_tokens)
    except GraphQLError as error:
        raise RequestError(GRAPHQL_PARSE_FAILED, [_format(error)]) from error
    except RecursionError as error:
        raise RequestError.single(
            GRAPHQL_PARSE_FAILED, "The query document is nested too deeply to parse."
        ) from error


def _utf8_length_over(text: str, max_bytes: int) -> bool:
    # A code point is 1 to 4 bytes in UTF-8: decide from the length when that is enough.
    if len(text) > max_bytes:
        return True
    if len(text) * 4 <= max_bytes:
        return False
    return len(text.encode("utf-8", "surrogatepass")) > max_bytes


def _format(error: GraphQLError) -> dict[str, object]:
    out: dict[str, object] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


# --- measuring -------------------------------------------------------------------------------


def operation_measure(
    document: DocumentNode, operation: OperationDefinitionNode
) -> OperationMeasure:
    """Measure an operation with its fragments expanded (cache the result per query text).

    Args:
        document: the parsed document (its fragment definitions are used).
        operation: the operation to measure (one of ``document``'s).

    Returns:
        The operation's depth, height, alias count and root field count. Unknown fragments
        count as empty; a fragment that spreads itself (directly or not) counts as empty
        where it recurs.
    """
    definitions = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    summaries = _fragment_summaries(operation, definitions)
    return _measure(operation.selection_set.selections, summaries)


def _fragment_summaries(
    operation: OperationDefinitionNode, definitions: Mapping[str, FragmentDefinitionNode]
) -> dict[str, OperationMeasure]:
    """Summaries of every fragment the operation reaches, dependencies first.

    An explicit stack (not recursion) orders them, so a long chain of fragments spreading
    one another cannot exhaust the interpreter's stack.
    """
    summaries: dict[str, OperationMeasure] = {}
    in_progress: set[str] = set()
    stack: list[tuple[str, bool]] = [
        (name, False) for name in _spread_names(operation.selection_set.selections)
    ]
    while stack:
        name, expanded = stack.pop()
        if name in summaries:
            continue
        definition = definitions.get(name)
        if definition is None:
            summaries[name] = _ZERO
            continue
        if expanded:
            in_progress.discard(name)
            summaries[name] = _measure(definition.selection_set.selections, summaries)
            continue
        if name in in_progress:
            continue  # a cycle: where it recurs the spread counts as empty
        in_progress.add(name)
        stack.append((name, True))
        for child in _spread_names(definition.selection_set.selections):
            if child not in summaries and child not in in_progress:
                stack.append((child, False))
    return summaries


def _spread_names(selections: Iterable[SelectionNode]) -> list[str]:
    """Names of the fragments spread anywhere in these selections (not through spreads)."""
    names: list[str] = []
    pending = list(selections)
    while pending:
        selection = pending.pop()
        if isinstance(selection, FragmentSpreadNode):
            names.append(selection.name.value)
        elif (
            isinstance(selection, FieldNode | InlineFragmentNode)
            and selection.selection_set is not None
        ):
            pending.extend(selection.selection_set.selections)
    return names


def _measure(
    selections: Sequence[SelectionNode], summaries: Mapping[str, OperationMeasure]
) -> OperationMeasure:
    """Measure one selection set (same-named fields merged), fragments from ``summaries``."""
    depth = height = aliases = fields = 0
    groups: dict[str, list[SelectionNode]] = defaultdict(list)
    spread: set[str] = set()
    for selection in selections:
        if isinstance(selection, FieldNode):
            fields += 1
            if selection.alias is not None:
                aliases += 1
            key = (selection.alias or selection.name).value
            group = groups[key]
            if selection.selection_set is not None:
                group.extend(selection.selection_set.selections)
            continue
        if isinstance(selection, InlineFragmentNode):
            part = _measure(selection.selection_set.selections, summaries)
            height += part.height
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            part = summaries.get(name, _ZERO)
            if name not in spread:
                spread.add(name)
                height += part.height
        else:  # pragma: no cover - no other selection kinds exist
            continue
        depth = max(depth, part.depth)
        aliases += part.aliases
        fields += part.root_fields
    for sub_selections in groups.values():
        sub = _measure(sub_selections, summaries) if sub_selections else _ZERO
        depth = max(depth, 1 + sub.depth)
        height += 1 + sub.height
        aliases += sub.aliases
    return OperationMeasure(depth=depth, height=height, aliases=aliases, root_fields=fields)


# --- checking --------------------------------------------------------------------------------


def exceeded_limits(measure: OperationMeasure, limits: LimitsSettings) -> list[str]:
    """The codes of the limits ``measure`` exceeds (empty when within every limit).

    Args:
        measure: an operation's measure (see :func:`operation_measure`).
        limits: the limits; None disables one.

    Returns:
        ``MAX_DEPTH_LIMIT``, ``MAX_HEIGHT_LIMIT``, ``MAX_ROOT_FIELDS_LIMIT``,
        ``MAX_ALIASES_LIMIT``, in that order, for each one exceeded.
    """
    checks: list[tuple[str, int, int | None]] = [
        (MAX_DEPTH_LIMIT, measure.depth, limits.max_depth),
        (MAX_HEIGHT_LIMIT, measure.height, limits.max_height),
        (MAX_ROOT_FIELDS_LIMIT, measure.root_fields, limits.max_root_fields),
        (MAX_ALIASES_LIMIT, measure.aliases, limits.max_aliases),
    ]
    return [code for code, value, limit in checks if limit is not None and value > limit]


def check_limits(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    limits: LimitsSettings,
    measure: OperationMeasure | None = None,
) -> None:
    """Refuse an operation over any operation limit.

    Args:
        document: the parsed document.
        operation: the operation to run.
        limits: the limits (None disables one).
        measure: the operation's measure when already known (cached per query text);
            computed otherwise.

    Raises:
        OperationLimitsError: a ``RequestError`` (HTTP 400) with one error per exceeded limit
            (``MAX_DEPTH_LIMIT``, ``MAX_HEIGHT_LIMIT``, ``MAX_ROOT_FIELDS_LIMIT``,
            ``MAX_ALIASES_LIMIT``).

    Spec: Apollo Router "Operation limits".
    """
    if (
        limits.max_depth is None
        and limits.max_height is None
        and limits.max_aliases is None
        and limits.max_root_fields is None
    ):
        return
    if measure is None:
        measure = operation_measure(document, operation)
    codes = exceeded_limits(measure, limits)
    if codes:
        raise OperationLimitsError(codes)
