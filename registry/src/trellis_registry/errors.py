"""Errors raised by the registry's domain layer.

The hierarchy::

    RegistryError
    ├── InstanceNotFoundError       heartbeat/deregister of an instance that is unknown or expired
    ├── SubgraphNotFoundError       no version of the subgraph has been published
    │   └── SubgraphVersionNotFoundError   the subgraph has no such version
    ├── SupergraphNotFoundError     nothing has been published yet
    ├── InvalidSchemaError          the published SDL does not parse (bad input, HTTP 400)
    ├── InvalidOperationError       a reported operation does not parse (bad input, HTTP 400)
    ├── CompositionFailedError      the candidate does not compose with the other subgraphs
    └── BreakingChangesError        the candidate breaks operations clients send (refused
                                    only when ``refuse_breaking_changes`` is set)

The HTTP layer maps each to a status code; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BreakingChange",
    "BreakingChangesError",
    "CompositionFailedError",
    "CompositionProblem",
    "InstanceNotFoundError",
    "InvalidOperationError",
    "InvalidSchemaError",
    "RegistryError",
    "SubgraphNotFoundError",
    "SubgraphVersionNotFoundError",
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


class SubgraphVersionNotFoundError(SubgraphNotFoundError):
    """A subgraph has no version with the requested number.

    Args:
        name: The subgraph name.
        version: The version asked for.
    """

    def __init__(self, name: str, version: int) -> None:
        RegistryError.__init__(self, f"subgraph {name!r} has no version {version}")
        self.name = name
        self.version = version


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


class InvalidOperationError(RegistryError):
    """A reported operation is not a GraphQL document holding an operation.

    Args:
        message: The parser's message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"a reported operation does not parse: {message}")


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


@dataclass(frozen=True, slots=True)
class BreakingChange:
    """A breaking change, as reported to a publisher whose publish was refused.

    Attributes:
        kind: The change kind, e.g. ``FIELD_REMOVED``.
        coordinate: The schema coordinate, e.g. ``Customer.email``.
        message: A human-readable explanation.
        operations: The recorded operations that use it (names, or ``registry:<hash>:<line>``
            when anonymous).
    """

    kind: str
    coordinate: str
    message: str
    operations: tuple[str, ...]


class BreakingChangesError(RegistryError):
    """Publishing a subgraph was refused because it breaks recorded operations.

    Args:
        name: The subgraph whose publish was refused.
        changes: The breaking changes that recorded operations use.
    """

    def __init__(self, name: str, changes: Sequence[BreakingChange]) -> None:
        super().__init__(
            f"publishing subgraph {name!r} breaks operations clients send "
            f"({len(changes)} breaking change(s))"
        )
        self.name = name
        self.changes = tuple(changes)
