"""Domain errors that reach clients as GraphQL errors with ``extensions.code``.

Raise one of these from a resolver; graphql-core copies the exception's ``extensions`` into the
GraphQL error (``located_error`` keeps an original error's ``extensions``), and the router passes
subgraph errors through with ``extensions.serviceName`` added.

Errors::

    SubgraphError                  base; ``code`` and ``extensions``
    ├── NotFound                   NOT_FOUND: the named entity does not exist
    ├── BadUserInput               BAD_USER_INPUT: invalid arguments, ``extensions.fields`` lists
    │                              ``{field, message}`` per invalid input field
    ├── OutOfStock                 OUT_OF_STOCK: ``extensions.items`` lists ``{productId,
    │                              requested, available}``
    ├── Conflict                   CONFLICT: the request contradicts the current state
    │                              (uniqueness, lifecycle transition, refused deletion)
    ├── Forbidden                  FORBIDDEN: the caller may not touch this data (another
    │                              customer's, or a malformed owner header)
    ├── UpstreamUnavailable        UPSTREAM_UNAVAILABLE: a peer subgraph could not be reached;
    │                              ``extensions.service`` names it
    └── PeerError                  a peer answered with a GraphQL error; its code is kept
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "BadUserInput",
    "Conflict",
    "FieldError",
    "Forbidden",
    "NotFound",
    "OutOfStock",
    "PeerError",
    "StockShortage",
    "SubgraphError",
    "UpstreamUnavailable",
]


class SubgraphError(Exception):
    """A domain error with a GraphQL ``extensions.code``.

    Args:
        message: The human-readable message (GraphQL ``errors[].message``).
        details: Extra ``extensions`` entries (JSON values).
    """

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    @property
    def extensions(self) -> dict[str, Any]:
        """The GraphQL error extensions: ``{"code": ..., **details}``."""
        return {"code": self.code, **self.details}


class NotFound(SubgraphError):
    """The entity named by an argument does not exist (``NOT_FOUND``).

    Args:
        typename: The GraphQL type, e.g. ``Customer``.
        id: The id that was asked for.
    """

    code: ClassVar[str] = "NOT_FOUND"

    def __init__(self, typename: str, id: object) -> None:
        super().__init__(f"{typename} {id} does not exist", {"typename": typename, "id": str(id)})


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input field.

    Attributes:
        field: Dotted path of the input field, e.g. ``input.email`` or ``items.0.quantity``.
        message: What is wrong with it.
    """

    field: str
    message: str


class BadUserInput(SubgraphError):
    """Invalid arguments (``BAD_USER_INPUT``); ``extensions.fields`` lists each invalid field.

    Args:
        message: The summary message.
        fields: The invalid fields (may be empty for a whole-request problem).
    """

    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str, fields: Sequence[FieldError] = ()) -> None:
        super().__init__(
            message, {"fields": [{"field": f.field, "message": f.message} for f in fields]}
        )
        self.fields = tuple(fields)

    @classmethod
    def field(cls, field: str, message: str) -> BadUserInput:
        """One invalid field, its message also the summary.

        Args:
            field: Dotted path of the input field.
            message: What is wrong with it.

        Returns:
            The error.
        """
        return cls(f"{field}: {message}", [FieldError(field, message)])


@dataclass(frozen=True, slots=True)
class StockShortage:
    """One item that cannot be reserved: units asked for and units available."""

    product_id: str
    requested: int
    available: int


class OutOfStock(SubgraphError):
    """Not enough available stock for at least one item (``OUT_OF_STOCK``).

    Args:
        shortages: The items short of stock.
    """

    code: ClassVar[str] = "OUT_OF_STOCK"

    def __init__(self, shortages: Sequence[StockShortage]) -> None:
        names = ", ".join(
            f"product {s.product_id} ({s.available} available, {s.requested} requested)"
            for s in shortages
        )
        super().__init__(
            f"Not enough stock: {names}",
            {
                "items": [
                    {"productId": s.product_id, "requested": s.requested, "available": s.available}
                    for s in shortages
                ]
            },
        )
        self.shortages = tuple(shortages)


class Conflict(SubgraphError):
    """The request contradicts the current state (``CONFLICT``).

    Examples: a duplicate email or sku, a lifecycle transition that is not allowed, deleting a
    customer who has invoices.
    """

    code: ClassVar[str] = "CONFLICT"


class Forbidden(SubgraphError):
    """The caller may not act on this data (``FORBIDDEN``).

    Example: a customer's request (``x-trellis-customer-id``) naming another customer.
    """

    code: ClassVar[str] = "FORBIDDEN"


class UpstreamUnavailable(SubgraphError):
    """A peer subgraph could not be reached, timed out or failed (``UPSTREAM_UNAVAILABLE``).

    Args:
        service: The peer's service name, e.g. ``inventory``.
        reason: What went wrong, e.g. ``connection refused``.
    """

    code: ClassVar[str] = "UPSTREAM_UNAVAILABLE"

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"The {service} service is unavailable: {reason}", {"service": service})
        self.service = service
        self.reason = reason


class PeerError(SubgraphError):
    """A peer subgraph answered with a GraphQL error; the error's code and details are kept.

    Lets a domain error cross a service boundary unchanged: inventory's ``OUT_OF_STOCK`` raised
    inside an orders resolver reaches the client as ``OUT_OF_STOCK``.

    Args:
        service: The peer's service name.
        error: The first GraphQL error of the peer's response.
    """

    def __init__(self, service: str, error: Mapping[str, Any]) -> None:
        extensions = error.get("extensions")
        details = dict(extensions) if isinstance(extensions, Mapping) else {}
        code = details.pop("code", None)
        details.setdefault("service", service)
        super().__init__(str(error.get("message", "peer error")), details)
        self.service = service
        self.peer_code = code if isinstance(code, str) else "INTERNAL_SERVER_ERROR"

    @property
    def extensions(self) -> dict[str, Any]:
        """The peer's extensions, code first, with ``service`` added."""
        return {"code": self.peer_code, **self.details}
