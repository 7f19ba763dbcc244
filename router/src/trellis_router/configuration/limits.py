"""``limits``: operation size limits, checked on the operation as executed (fragments expanded).

Apollo Router: ``limits.max_depth``, ``max_height``, ``max_root_fields``, ``max_aliases``,
``parser_max_tokens``, ``http_max_request_bytes``.
"""

from __future__ import annotations

from pydantic import Field

from .section import Section

__all__ = ["LimitsSettings"]


class LimitsSettings(Section):
    """Limits on one operation (unset: no limit). Exceeding one refuses the request with HTTP
    400 and a ``MAX_*_LIMIT`` code before planning."""

    max_depth: int | None = Field(
        default=64,
        ge=1,
        description="Deepest field nesting (a root field is depth 1), fragments expanded.",
    )
    max_height: int | None = Field(
        default=None,
        ge=1,
        description="Most distinct fields selected in the operation, fragments expanded.",
    )
    max_aliases: int | None = Field(
        default=256,
        ge=0,
        description="Most aliased fields, fragments expanded (each spread counted).",
    )
    max_root_fields: int | None = Field(
        default=64,
        ge=1,
        description="Most root fields selected, fragments expanded.",
    )
    parser_max_tokens: int | None = Field(
        default=15_000,
        ge=1,
        description="Most lexical tokens in the document (GRAPHQL_PARSE_FAILED beyond).",
    )
    max_document_bytes: int | None = Field(
        default=1_000_000,
        ge=1,
        description="Longest query document, in bytes (UTF-8).",
    )
