"""Request errors: the request cannot be executed at all (no ``data`` in the response).

Hierarchy::

    RequestError               a request error with a client error code and an HTTP status
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_PLANNING_FAILED",
    "SERVICE_UNAVAILABLE",
    "UNAUTHENTICATED",
    "UNAUTHORIZED_FIELD_OR_TYPE",
    "RequestError",
]

GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"
QUERY_PLANNING_FAILED = "QUERY_PLANNING_FAILED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
UNAUTHENTICATED = "UNAUTHENTICATED"
"""The request's credentials are invalid (or required and missing): HTTP 401."""
UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"
"""A field or type the caller may not see (Apollo Router authorization directives)."""


class RequestError(Exception):
    """The request fails before execution.

    Args:
        code: the client error code (``extensions.code``).
        errors: the GraphQL errors to return (``message``, maybe ``locations``).
        status: the HTTP status for ``application/graphql-response+json`` (and for errors that
            are not GraphQL errors at all, such as a bad HTTP method).

    Spec: GraphQL-over-HTTP, "Request errors" (status codes by media type).
    """

    def __init__(self, code: str, errors: list[dict[str, Any]], status: int = 400) -> None:
        super().__init__(errors[0]["message"] if errors else code)
        self.code = code
        self.status = status
        self.errors = [
            {**error, "extensions": {**error.get("extensions", {}), "code": code}}
            for error in errors
        ]

    @classmethod
    def single(cls, code: str, message: str, status: int = 400) -> RequestError:
        """A request error with one message."""
        return cls(code, [{"message": message}], status)
