"""The merged supergraph, as composition builds it and :mod:`.print` prints it."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import StringValueNode, print_ast

from trellis_router.composition.subgraph import TypeKind, TypeRef

__all__ = [
    "DirectiveApp",
    "GraphValue",
    "MergedDirective",
    "MergedEnumValue",
    "MergedField",
    "MergedInputValue",
    "MergedSupergraph",
    "MergedType",
    "gql_string",
]


def gql_string(value: str) -> str:
    """Print ``value`` as a GraphQL string literal, escaped as graphql-js prints it."""
    return print_ast(StringValueNode(value=value))


@dataclass(frozen=True, slots=True)
class DirectiveApp:
    """A directive application ready to print.

    Attributes:
        name: The directive name without ``@``, e.g. ``"join__type"``.
        arguments: ``(argument name, printed GraphQL value)`` pairs, in print order.
    """

    name: str
    arguments: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        if not self.arguments:
            return f"@{self.name}"
        return f"@{self.name}(" + ", ".join(f"{k}: {v}" for k, v in self.arguments) + ")"


@dataclass(slots=True)
class MergedInputValue:
    """A merged argument or input object field."""

    name: str
    type: TypeRef
    default: str | None
    description: str | None
    directives: list[DirectiveApp] = field(default_factory=list)


@dataclass(slots=True)
class MergedField:
    """A merged object or interface field."""

    name: str
    type: TypeRef
    args: list[MergedInputValue]
    description: str | None
    directives: list[DirectiveApp] = field(default_factory=list)


@dataclass(slots=True)
class MergedEnumValue:
    """A merged enum value."""

    name: str
    description: str | None
    directives: list[DirectiveApp] = field(default_factory=list)


@dataclass(slots=True)
class MergedType:
    """A merged named type."""

    name: str
    kind: TypeKind
    description: str | None = None
    directives: list[DirectiveApp] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    fields: list[MergedField] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: list[MergedEnumValue] = field(default_factory=list)
    input_fields: list[MergedInputValue] = field(default_factory=list)


@dataclass(slots=True)
class MergedDirective:
    """A directive definition the supergraph keeps (composed or executable).

    Attributes:
        name: The directive name without ``@``.
        args: Its merged arguments.
        repeatable: Whether it is repeatable.
        locations: Its locations, in print order.
        description: Its description.
    """

    name: str
    args: list[MergedInputValue]
    repeatable: bool
    locations: list[str]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class GraphValue:
    """A ``join__Graph`` enum value: the enum name, subgraph name and routing URL."""

    enum: str
    name: str
    url: str


@dataclass(slots=True)
class MergedSupergraph:
    """The merged supergraph.

    Attributes:
        join_version: ``(0, minor)`` of the join spec written.
        graphs: The ``join__Graph`` values, in subgraph order.
        types: Merged types (order irrelevant: printing sorts them).
        roots: Root kind -> type name, for the kinds present.
        features: The spec features whose directives are applied somewhere and so get a
            ``@link`` and definitions: ``"tag"``, ``"inaccessible"``, ``"authenticated"``,
            ``"requiresScopes"``, ``"policy"``, ``"cost"`` (``@cost`` and ``@listSize``).
        uses_context: Whether ``@context`` or ``@fromContext`` is applied anywhere (adds the
            context spec).
        directives: Custom directive definitions kept: ``@composeDirective``d ones and
            executable directives every subgraph defines.
        links: Extra ``@link`` applications for the ``schema`` (composed features), printed
            after the spec features'.
    """

    join_version: tuple[int, int]
    graphs: list[GraphValue]
    types: dict[str, MergedType]
    roots: dict[str, str]
    features: set[str] = field(default_factory=set)
    uses_context: bool = False
    directives: list[MergedDirective] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
