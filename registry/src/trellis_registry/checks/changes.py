"""Schema change values: `SchemaChange`, its `ChangeKind` and `Severity`.

A change names the element it is about with a schema coordinate (``Type``, ``Type.field``,
``Type.field(arg:)``, ``Enum.VALUE``, ``Input.field``, ``@directive``, ``@directive(arg:)``)
and says which coordinates an operation must use to be affected by it (``affects``): the
operation-aware step matches those against what each operation uses.

Spec: GraphQL schema coordinates (RFC "Schema Coordinates", graphql-spec #794).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["EVERY_OPERATION", "ChangeKind", "SchemaChange", "Severity", "type_condition_key"]

EVERY_OPERATION = "*"
"""An ``affects`` entry that matches every operation (used when the element is unknown)."""


def type_condition_key(parent: str, condition: str) -> str:
    """The usage key of a type condition ``condition`` spread where ``parent`` is expected.

    Args:
        parent: The enclosing selection set's type, e.g. a union ``SearchResult``.
        condition: The fragment's type condition, e.g. ``Product``.

    Returns:
        ``"<parent> ... on <condition>"``; such a spread becomes invalid when the two types
        stop overlapping (a union member or an interface implementation is removed).
    """
    return f"{parent} ... on {condition}"


class Severity(StrEnum):
    """How a change affects existing clients."""

    BREAKING = "breaking"
    """Operations that use the element stop validating or lose data or access."""
    DANGEROUS = "dangerous"
    """Operations keep validating but may behave differently (new enum value, deprecation)."""
    SAFE = "safe"
    """No existing operation can notice (additions, descriptions)."""


class ChangeKind(StrEnum):
    """What changed. The names follow graphql-core's change types where one exists."""

    TYPE_REMOVED = "TYPE_REMOVED"
    TYPE_KIND_CHANGED = "TYPE_KIND_CHANGED"
    TYPE_ADDED = "TYPE_ADDED"
    FIELD_REMOVED = "FIELD_REMOVED"
    FIELD_TYPE_CHANGED = "FIELD_TYPE_CHANGED"
    FIELD_TYPE_CHANGED_SAFELY = "FIELD_TYPE_CHANGED_SAFELY"
    FIELD_ADDED = "FIELD_ADDED"
    FIELD_DEPRECATED = "FIELD_DEPRECATED"
    FIELD_UNDEPRECATED = "FIELD_UNDEPRECATED"
    ARG_REMOVED = "ARG_REMOVED"
    ARG_TYPE_CHANGED = "ARG_TYPE_CHANGED"
    ARG_TYPE_CHANGED_SAFELY = "ARG_TYPE_CHANGED_SAFELY"
    ARG_ADDED_REQUIRED = "ARG_ADDED_REQUIRED"
    ARG_ADDED = "ARG_ADDED"
    ARG_DEFAULT_CHANGED = "ARG_DEFAULT_CHANGED"
    ARG_DEFAULT_ADDED = "ARG_DEFAULT_ADDED"
    ARG_DEPRECATED = "ARG_DEPRECATED"
    ARG_UNDEPRECATED = "ARG_UNDEPRECATED"
    INPUT_FIELD_REMOVED = "INPUT_FIELD_REMOVED"
    INPUT_FIELD_TYPE_CHANGED = "INPUT_FIELD_TYPE_CHANGED"
    INPUT_FIELD_TYPE_CHANGED_SAFELY = "INPUT_FIELD_TYPE_CHANGED_SAFELY"
    INPUT_FIELD_ADDED_REQUIRED = "INPUT_FIELD_ADDED_REQUIRED"
    INPUT_FIELD_ADDED = "INPUT_FIELD_ADDED"
    INPUT_FIELD_DEFAULT_CHANGED = "INPUT_FIELD_DEFAULT_CHANGED"
    INPUT_FIELD_DEFAULT_ADDED = "INPUT_FIELD_DEFAULT_ADDED"
    INPUT_FIELD_DEPRECATED = "INPUT_FIELD_DEPRECATED"
    INPUT_FIELD_UNDEPRECATED = "INPUT_FIELD_UNDEPRECATED"
    ENUM_VALUE_REMOVED = "ENUM_VALUE_REMOVED"
    ENUM_VALUE_ADDED = "ENUM_VALUE_ADDED"
    ENUM_VALUE_DEPRECATED = "ENUM_VALUE_DEPRECATED"
    ENUM_VALUE_UNDEPRECATED = "ENUM_VALUE_UNDEPRECATED"
    UNION_MEMBER_REMOVED = "UNION_MEMBER_REMOVED"
    UNION_MEMBER_ADDED = "UNION_MEMBER_ADDED"
    INTERFACE_IMPLEMENTATION_REMOVED = "INTERFACE_IMPLEMENTATION_REMOVED"
    INTERFACE_IMPLEMENTATION_ADDED = "INTERFACE_IMPLEMENTATION_ADDED"
    DIRECTIVE_REMOVED = "DIRECTIVE_REMOVED"
    DIRECTIVE_ADDED = "DIRECTIVE_ADDED"
    DIRECTIVE_ARG_REMOVED = "DIRECTIVE_ARG_REMOVED"
    DIRECTIVE_ARG_TYPE_CHANGED = "DIRECTIVE_ARG_TYPE_CHANGED"
    DIRECTIVE_ARG_TYPE_CHANGED_SAFELY = "DIRECTIVE_ARG_TYPE_CHANGED_SAFELY"
    DIRECTIVE_ARG_ADDED_REQUIRED = "DIRECTIVE_ARG_ADDED_REQUIRED"
    DIRECTIVE_ARG_ADDED = "DIRECTIVE_ARG_ADDED"
    DIRECTIVE_ARG_DEFAULT_CHANGED = "DIRECTIVE_ARG_DEFAULT_CHANGED"
    DIRECTIVE_ARG_DEFAULT_ADDED = "DIRECTIVE_ARG_DEFAULT_ADDED"
    DIRECTIVE_REPEATABLE_REMOVED = "DIRECTIVE_REPEATABLE_REMOVED"
    DIRECTIVE_REPEATABLE_ADDED = "DIRECTIVE_REPEATABLE_ADDED"
    DIRECTIVE_LOCATION_REMOVED = "DIRECTIVE_LOCATION_REMOVED"
    DIRECTIVE_LOCATION_ADDED = "DIRECTIVE_LOCATION_ADDED"
    DEPRECATION_REASON_CHANGED = "DEPRECATION_REASON_CHANGED"
    DESCRIPTION_CHANGED = "DESCRIPTION_CHANGED"
    ROOT_TYPE_REMOVED = "ROOT_TYPE_REMOVED"
    ROOT_TYPE_CHANGED = "ROOT_TYPE_CHANGED"
    ROOT_TYPE_ADDED = "ROOT_TYPE_ADDED"
    AUTH_REQUIREMENT_ADDED = "AUTH_REQUIREMENT_ADDED"
    AUTH_REQUIREMENT_TIGHTENED = "AUTH_REQUIREMENT_TIGHTENED"
    AUTH_REQUIREMENT_RELAXED = "AUTH_REQUIREMENT_RELAXED"
    AUTH_REQUIREMENT_REMOVED = "AUTH_REQUIREMENT_REMOVED"
    OTHER_BREAKING = "OTHER_BREAKING"
    """A breaking change graphql-core reports that this version does not map to a kind."""
    OTHER_DANGEROUS = "OTHER_DANGEROUS"
    """A dangerous change graphql-core reports that this version does not map to a kind."""
    OTHER_SAFE = "OTHER_SAFE"
    """A safe change graphql-core reports that this version does not map to a kind."""

    @property
    def severity(self) -> Severity:
        """The severity every change of this kind has."""
        if self in _BREAKING:
            return Severity.BREAKING
        if self in _DANGEROUS:
            return Severity.DANGEROUS
        return Severity.SAFE


_BREAKING = frozenset(
    {
        ChangeKind.TYPE_REMOVED,
        ChangeKind.TYPE_KIND_CHANGED,
        ChangeKind.FIELD_REMOVED,
        ChangeKind.FIELD_TYPE_CHANGED,
        ChangeKind.ARG_REMOVED,
        ChangeKind.ARG_TYPE_CHANGED,
        ChangeKind.ARG_ADDED_REQUIRED,
        ChangeKind.INPUT_FIELD_REMOVED,
        ChangeKind.INPUT_FIELD_TYPE_CHANGED,
        ChangeKind.INPUT_FIELD_ADDED_REQUIRED,
        ChangeKind.ENUM_VALUE_REMOVED,
        ChangeKind.UNION_MEMBER_REMOVED,
        ChangeKind.INTERFACE_IMPLEMENTATION_REMOVED,
        ChangeKind.DIRECTIVE_REMOVED,
        ChangeKind.DIRECTIVE_ARG_REMOVED,
        ChangeKind.DIRECTIVE_ARG_TYPE_CHANGED,
        ChangeKind.DIRECTIVE_ARG_ADDED_REQUIRED,
        ChangeKind.DIRECTIVE_REPEATABLE_REMOVED,
        ChangeKind.DIRECTIVE_LOCATION_REMOVED,
        ChangeKind.ROOT_TYPE_REMOVED,
        ChangeKind.ROOT_TYPE_CHANGED,
        ChangeKind.AUTH_REQUIREMENT_ADDED,
        ChangeKind.AUTH_REQUIREMENT_TIGHTENED,
        ChangeKind.OTHER_BREAKING,
    }
)

_DANGEROUS = frozenset(
    {
        ChangeKind.ENUM_VALUE_ADDED,
        ChangeKind.UNION_MEMBER_ADDED,
        ChangeKind.INTERFACE_IMPLEMENTATION_ADDED,
        ChangeKind.ARG_DEFAULT_CHANGED,
        ChangeKind.INPUT_FIELD_DEFAULT_CHANGED,
        ChangeKind.DIRECTIVE_ARG_DEFAULT_CHANGED,
        ChangeKind.FIELD_DEPRECATED,
        ChangeKind.ARG_DEPRECATED,
        ChangeKind.INPUT_FIELD_DEPRECATED,
        ChangeKind.ENUM_VALUE_DEPRECATED,
        ChangeKind.OTHER_DANGEROUS,
    }
)


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One difference between an old and a new API schema.

    Attributes:
        kind: What changed.
        coordinate: The schema coordinate of the element, e.g. ``Query.customer(id:)``.
        message: A sentence for people, e.g. ``Field Customer.email was removed.``.
        affects: Usage keys (coordinates, or `type_condition_key` values) an operation must
            use to be affected; `EVERY_OPERATION` matches all; empty for safe changes.
    """

    kind: ChangeKind
    coordinate: str
    message: str
    affects: tuple[str, ...] = ()

    @property
    def severity(self) -> Severity:
        """The change's severity (from its kind)."""
        return self.kind.severity
