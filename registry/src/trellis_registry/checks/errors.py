"""Errors of schema checks.

The hierarchy::

    CheckInputError        bad input: a file that cannot be read, SDL or an operation that does
                           not parse, a schema folder without supergraph.yaml, a registry that
                           cannot be reached (``subgraph check`` exits 2)

Composition errors and breaking changes are results, not errors: they are in the report.
"""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLError

__all__ = ["CheckInputError", "syntax_error"]


class CheckInputError(Exception):
    """The check cannot run because of its input; the message is one line for people."""


def syntax_error(source: str | Path, error: GraphQLError) -> CheckInputError:
    """Turns a GraphQL parse error into a one-line `CheckInputError`.

    Args:
        source: The file (or other source name) that was parsed.
        error: The parser's error.

    Returns:
        An error whose message reads ``FILE:LINE:COL: message``.
    """
    location = error.locations[0] if error.locations else None
    where = f"{source}:{location.line}:{location.column}" if location else f"{source}"
    return CheckInputError(f"{where}: {error.message}")
