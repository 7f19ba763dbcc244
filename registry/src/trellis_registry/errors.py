"""Errors raised by the registry's domain layer.

The hierarchy::

    RegistryError
    ├── InstanceNotFoundError       heartbeat/deregister of an instance that is unknown or expired
    ├── SubgraphNotFoundError       no version of the subgraph has been published
    ├── SupergraphNotFoundError     nothing has been published yet
    ├── InvalidSchemaError          the published SDL does not parse (bad input, HTTP 400)
    └── CompositionFailedError      the candidate does not compose with the other subgraphs

The HTTP layer maps each to a status code; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CompositionFailedError",
    "CompositionProblem",
    "InstanceNotFoundError",
    "InvalidSchemaError",
    "RegistryError",
    "SubgraphNotFoundError",
    "SupergraphNotFoundError",
]


class RegistryError(Exception):
    """Base class of every error the registry raises on purpose."""


class InstanceNotFoundError(RegistryError):
    """An instance is not registered, or its lease has expired.

    Args:
        service: The service name.
        instance_id: The instance id within the service.
    """

    def __init__(self, service: str, instance_id: str) -> None:
        super().__init__(f"instance {instance_id!r} of service {service!r} is not registered")
        self.service = service
        self.instance_id = instance_id


class SubgraphNotFoundError(RegistryError):
    """No version of a subgraph has been published.

    Args:
        name: The subgraph name.
    """

    def __init__(self, name: str) -> None:
        super().__init__(f"subgraph {name!r} has not been published")
        self.name = name


class SupergraphNotFoundError(RegistryError):
    """No supergraph exists yet because no subgraph has been published."""

    def __init__(self) -> None:
        super().__init__("no supergraph has been composed yet: publish a subgraph first")


class InvalidSchemaError(RegistryError):
    """A published subgraph SDL is not syntactically valid GraphQL.

    Args:
        name: The subgraph name.
        message: The parser's message, with its location.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"the SDL of subgraph {name!r} does not parse: {message}")
        self.name = name


@dataclass(frozen=True, slots=True)
class CompositionProblem:
    """One composition error, as reported to the publisher.

    Attributes:
        code: Apollo's composition error code, e.g. ``INVALID_FIELD_SHARING``.
        message: A human-readable explanation.
    """

    code: str
    message: str


class CompositionFailedError(RegistryError):
    """Publishing a subgraph was refused because composition failed; nothing was stored.

    Args:
        name: The subgraph whose publish was refused.
        problems: The composition errors, in the composer's order.
    """

    def __init__(self, name: str, problems: Sequence[CompositionProblem]) -> None:
        super().__init__(
            f"publishing subgraph {name!r} breaks composition ({len(problems)} error(s))"
        )
        self.name = name
        self.problems = tuple(problems)
