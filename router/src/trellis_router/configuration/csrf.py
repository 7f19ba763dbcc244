"""``csrf``: refuse requests a browser may send cross-site without a CORS preflight.

A request passes when its Content-Type is not a CORS-safelisted one (``application/json``,
``application/graphql-response+json``, …) or when it carries one of ``required_headers``.
GET requests have no body and so need a header. Apollo Router: ``csrf.unsafe_disabled``,
``csrf.required_headers``. Spec: Fetch standard, CORS-safelisted request headers.
"""

from __future__ import annotations

from pydantic import Field

from .section import Section

__all__ = ["CsrfSettings"]


class CsrfSettings(Section):
    """CSRF prevention (on by default, as in Apollo Router)."""

    enabled: bool = Field(
        default=True,
        description="Refuse simple requests (HTTP 400) without a required header.",
    )
    required_headers: list[str] = Field(
        default=["x-apollo-operation-name", "apollo-require-preflight"],
        description="Any one of these headers makes a simple request acceptable.",
    )
