"""Composition errors and hints, with Apollo's codes.

Hierarchy::

    CompositionError        a value: one reason the subgraphs do not compose (never raised)
    CompositionHint         a value: a warning; composition still succeeds
    CompositionConfigError  an exception: a bad Rover ``supergraph.yaml`` (raised)

Spec: Apollo Federation composition error codes
(https://www.apollographql.com/docs/graphos/reference/federation/errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CompositionConfigError",
    "CompositionError",
    "CompositionHint",
    "ErrorCode",
    "HintCode",
]


class ErrorCode(StrEnum):
    """Apollo's composition error codes that Trellis reports."""

    INVALID_GRAPHQL = "INVALID_GRAPHQL"
    INVALID_LINK_IDENTIFIER = "INVALID_LINK_IDENTIFIER"
    UNKNOWN_FEDERATION_LINK_VERSION = "UNKNOWN_FEDERATION_LINK_VERSION"
    INVALID_SUBGRAPH_NAME = "INVALID_SUBGRAPH_NAME"
    TYPE_KIND_MISMATCH = "TYPE_KIND_MISMATCH"
    INVALID_FIELD_SHARING = "INVALID_FIELD_SHARING"
    FIELD_TYPE_MISMATCH = "FIELD_TYPE_MISMATCH"
    FIELD_ARGUMENT_TYPE_MISMATCH = "FIELD_ARGUMENT_TYPE_MISMATCH"
    FIELD_ARGUMENT_DEFAULT_MISMATCH = "FIELD_ARGUMENT_DEFAULT_MISMATCH"
    REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH = "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"
    REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH = "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH"
    INPUT_FIELD_DEFAULT_MISMATCH = "INPUT_FIELD_DEFAULT_MISMATCH"
    EMPTY_MERGED_INPUT_TYPE = "EMPTY_MERGED_INPUT_TYPE"
    ENUM_VALUE_MISMATCH = "ENUM_VALUE_MISMATCH"
    EMPTY_MERGED_ENUM_TYPE = "EMPTY_MERGED_ENUM_TYPE"
    KEY_INVALID_FIELDS = "KEY_INVALID_FIELDS"
    KEY_FIELDS_HAS_ARGS = "KEY_FIELDS_HAS_ARGS"
    KEY_FIELDS_SELECT_INVALID_TYPE = "KEY_FIELDS_SELECT_INVALID_TYPE"
    REQUIRES_INVALID_FIELDS = "REQUIRES_INVALID_FIELDS"
    REQUIRES_FIELDS_MISSING_EXTERNAL = "REQUIRES_FIELDS_MISSING_EXTERNAL"
    PROVIDES_INVALID_FIELDS = "PROVIDES_INVALID_FIELDS"
    PROVIDES_FIELDS_MISSING_EXTERNAL = "PROVIDES_FIELDS_MISSING_EXTERNAL"
    PROVIDES_ON_NON_OBJECT_FIELD = "PROVIDES_ON_NON_OBJECT_FIELD"
    EXTERNAL_MISSING_ON_BASE = "EXTERNAL_MISSING_ON_BASE"
    EXTERNAL_TYPE_MISMATCH = "EXTERNAL_TYPE_MISMATCH"
    OVERRIDE_FROM_SELF_ERROR = "OVERRIDE_FROM_SELF_ERROR"
    OVERRIDE_SOURCE_HAS_OVERRIDE = "OVERRIDE_SOURCE_HAS_OVERRIDE"
    OVERRIDE_LABEL_INVALID = "OVERRIDE_LABEL_INVALID"
    CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS = (
        "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS"
    )
    NO_QUERIES = "NO_QUERIES"


class HintCode(StrEnum):
    """Apollo's composition hint codes that Trellis reports."""

    INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE = "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"
    INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE = "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE"
    INCONSISTENT_ARGUMENT_PRESENCE = "INCONSISTENT_ARGUMENT_PRESENCE"
    INCONSISTENT_INPUT_OBJECT_FIELD = "INCONSISTENT_INPUT_OBJECT_FIELD"
    INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM = "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM"
    INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM = "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM"
    INCONSISTENT_DESCRIPTION = "INCONSISTENT_DESCRIPTION"
    OVERRIDE_DIRECTIVE_CAN_BE_REMOVED = "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED"
    FROM_SUBGRAPH_DOES_NOT_EXIST = "FROM_SUBGRAPH_DOES_NOT_EXIST"
    CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS = (
        "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS"
    )


@dataclass(frozen=True, slots=True)
class CompositionError:
    """One reason the subgraphs do not compose.

    Attributes:
        code: Apollo's composition error code, e.g. ``"INVALID_FIELD_SHARING"``.
        message: Human-readable text naming the subgraph(s) and the schema coordinate.
    """

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class CompositionHint:
    """A composition warning: the subgraphs compose, but something looks inconsistent.

    Attributes:
        code: Apollo's hint code, e.g. ``"INCONSISTENT_ARGUMENT_PRESENCE"``.
        message: Human-readable text naming the subgraph(s) and the schema coordinate.
    """

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class CompositionConfigError(Exception):
    """A Rover ``supergraph.yaml`` that cannot be read, or a subgraph schema it names that
    cannot be loaded (missing file, unreachable ``subgraph_url``, malformed YAML)."""
