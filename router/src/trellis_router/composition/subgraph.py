"""Subgraph SDL -> a :class:`Subgraph` model, with ``@link`` imports resolved.

The model keeps what composition needs: types by name (definitions and extensions folded
together), each directive application tagged with its *canonical* federation name however the
subgraph imported it (``@key``, ``@federation__key`` or a renamed ``@myKey``), and the federation
machinery (``_service``, ``_entities``, ``_Any``, ``_Entity``, ``_Service``, ``federation__*``,
``link__*``) stripped.

Spec: Apollo Federation 2 subgraph spec, "@link" and "Importing directives"
(https://specs.apollo.dev/link/v1.0/, https://www.apollographql.com/docs/federation/subgraph-spec).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    DirectiveNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
    parse,
    print_ast,
    value_from_ast_untyped,
)

from trellis_router.composition.definitions import SubgraphDefinition
from trellis_router.composition.errors import CompositionError, ErrorCode

__all__ = [
    "BUILT_IN_SCALARS",
    "FEDERATION_DIRECTIVES",
    "Applied",
    "Field",
    "InputValue",
    "Subgraph",
    "SubgraphType",
    "TypeKind",
    "TypeRef",
    "parse_subgraph",
]

TypeKind = Literal["OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "SCALAR"]

BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})

FEDERATION_IDENTITY = "https://specs.apollo.dev/federation"
LINK_IDENTITY = "https://specs.apollo.dev/link"

#: Federation directives and the federation version that introduced each (major, minor).
FEDERATION_DIRECTIVES: dict[str, tuple[int, int]] = {
    "key": (2, 0),
    "requires": (2, 0),
    "provides": (2, 0),
    "external": (2, 0),
    "shareable": (2, 0),
    "tag": (2, 0),
    "inaccessible": (2, 0),
    "override": (2, 0),
    "extends": (2, 0),
    "composeDirective": (2, 1),
    "interfaceObject": (2, 3),
    "authenticated": (2, 5),
    "requiresScopes": (2, 5),
    "policy": (2, 6),
    "context": (2, 8),
    "fromContext": (2, 8),
    "cost": (2, 9),
    "listSize": (2, 9),
    "cacheTag": (2, 12),
}
#: The highest federation version this composer knows.
MAX_FEDERATION_VERSION = (2, 12)

_FED1_DIRECTIVES = ("key", "requires", "provides", "external", "extends", "tag", "inaccessible")
_MACHINERY_TYPES = frozenset({"_Service", "_Any", "_Entity", "_FieldSet", "FieldSet"})
_MACHINERY_ROOT_FIELDS = frozenset({"_service", "_entities"})
_VERSION_RE = re.compile(r"^v(\d+)\.(\d+)$")
_ROOT_NAMES = {
    OperationType.QUERY: "Query",
    OperationType.MUTATION: "Mutation",
    OperationType.SUBSCRIPTION: "Subscription",
}


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type reference: a named type, a list of a type, or a non-null type.

    Attributes:
        kind: ``"named"``, ``"list"`` or ``"non_null"``.
        name: The named type's name (``kind == "named"`` only).
        of_type: The wrapped type (``"list"`` and ``"non_null"`` only).
    """

    kind: Literal["named", "list", "non_null"]
    name: str = ""
    of_type: TypeRef | None = None

    def __str__(self) -> str:
        if self.kind == "named":
            return self.name
        assert self.of_type is not None
        return f"[{self.of_type}]" if self.kind == "list" else f"{self.of_type}!"

    @property
    def named(self) -> str:
        """The innermost named type's name."""
        ref = self
        while ref.of_type is not None:
            ref = ref.of_type
        return ref.name

    @property
    def inner(self) -> TypeRef:
        """The wrapped type (raises ``AssertionError`` on a named type)."""
        assert self.of_type is not None
        return self.of_type

    @staticmethod
    def from_ast(node: TypeNode, renames: dict[str, str]) -> TypeRef:
        """Build from a graphql-core type node, applying root type renames.

        Args:
            node: The type AST node.
            renames: Type renames (subgraph root type name -> ``Query``/``Mutation``/...).

        Returns:
            The type reference.
        """
        if isinstance(node, NonNullTypeNode):
            return TypeRef("non_null", of_type=TypeRef.from_ast(node.type, renames))
        if isinstance(node, ListTypeNode):
            return TypeRef("list", of_type=TypeRef.from_ast(node.type, renames))
        assert isinstance(node, NamedTypeNode)
        name = node.name.value
        return TypeRef("named", name=renames.get(name, name))


@dataclass(frozen=True, slots=True)
class Applied:
    """A directive application.

    Attributes:
        name: The canonical name: a federation directive's spec name (``"key"``) when
            ``federation`` is true, else the name as written (``"deprecated"``).
        federation: Whether this is a federation directive.
        arguments: Argument values as Python values (strings, bools, lists, dicts).
        node: The AST node, to print non-federation directives as written.
    """

    name: str
    federation: bool
    arguments: dict[str, Any]
    node: DirectiveNode


@dataclass(slots=True)
class InputValue:
    """An argument or an input object field."""

    name: str
    type: TypeRef
    default: ValueNode | None
    description: str | None
    directives: list[Applied]


@dataclass(slots=True)
class Field:
    """An object or interface field in one subgraph.

    Attributes:
        block_shareable: Whether the definition or extension block holding the field carries
            ``@shareable``.
        block_extension: Whether the block holding the field is an ``extend type``.
    """

    name: str
    type: TypeRef
    args: dict[str, InputValue]
    description: str | None
    directives: list[Applied]
    block_shareable: bool = False
    block_extension: bool = False

    def has(self, directive: str) -> bool:
        """Whether the federation directive ``directive`` is applied to this field."""
        return any(d.federation and d.name == directive for d in self.directives)

    def first(self, directive: str) -> Applied | None:
        """The first application of federation directive ``directive``, if any."""
        for d in self.directives:
            if d.federation and d.name == directive:
                return d
        return None


@dataclass(slots=True)
class EnumValue:
    """An enum value in one subgraph."""

    name: str
    description: str | None
    directives: list[Applied]


@dataclass(slots=True)
class SubgraphType:
    """A named type in one subgraph, its definition and extensions folded together.

    Attributes:
        directives: Applications on the type, each with whether it sits on an extension.
    """

    name: str
    kind: TypeKind
    description: str | None = None
    directives: list[tuple[Applied, bool]] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    input_fields: dict[str, InputValue] = field(default_factory=dict)
    has_definition: bool = False

    def applied(self, directive: str) -> list[Applied]:
        """Applications of federation directive ``directive`` on the type."""
        return [d for d, _ in self.directives if d.federation and d.name == directive]


@dataclass(slots=True)
class Subgraph:
    """A parsed subgraph, ready for validation and merging.

    Attributes:
        name: The subgraph name.
        url: Its routing URL.
        federation_version: ``(major, minor)``; ``(1, 0)`` for a Fed 1 subgraph (no link).
        types: Types by name, in SDL order (federation machinery removed).
        roots: Root kinds present (``"query"``, ``"mutation"``, ``"subscription"``) -> type name.
    """

    name: str
    url: str
    federation_version: tuple[int, int]
    types: dict[str, SubgraphType]
    roots: dict[str, str]

    @property
    def is_fed1(self) -> bool:
        """Whether the subgraph has no federation ``@link`` (Federation 1)."""
        return self.federation_version[0] < 2


_TYPE_DEFS: dict[type, tuple[TypeKind, bool]] = {
    ObjectTypeDefinitionNode: ("OBJECT", False),
    ObjectTypeExtensionNode: ("OBJECT", True),
    InterfaceTypeDefinitionNode: ("INTERFACE", False),
    InterfaceTypeExtensionNode: ("INTERFACE", True),
    UnionTypeDefinitionNode: ("UNION", False),
    UnionTypeExtensionNode: ("UNION", True),
    EnumTypeDefinitionNode: ("ENUM", False),
    EnumTypeExtensionNode: ("ENUM", True),
    InputObjectTypeDefinitionNode: ("INPUT_OBJECT", False),
    InputObjectTypeExtensionNode: ("INPUT_OBJECT", True),
    ScalarTypeDefinitionNode: ("SCALAR", False),
    ScalarTypeExtensionNode: ("SCALAR", True),
}


class _SubgraphInvalid(Exception):
    """Internal: carries the errors that stop a subgraph from being parsed."""

    def __init__(self, errors: list[CompositionError]) -> None:
        super().__init__(errors)
        self.errors = errors


def parse_subgraph(
    definition: SubgraphDefinition,
) -> tuple[Subgraph | None, list[CompositionError]]:
    """Parse a subgraph's SDL and resolve its federation ``@link``.

    Args:
        definition: The subgraph name, routing URL and SDL.

    Returns:
        The subgraph model (``None`` when it cannot be built) and the errors found.

    Spec: Federation subgraph spec, "Enabling Federation 2" (``@link`` of
    ``https://specs.apollo.dev/federation/v2.x``).
    """
    try:
        document = parse(definition.sdl, no_location=False)
    except GraphQLError as error:
        message = f"[{definition.name}] {error.message}"
        return None, [CompositionError(ErrorCode.INVALID_GRAPHQL.value, message)]
    try:
        return _build(definition, document.definitions), []
    except _SubgraphInvalid as invalid:
        return None, invalid.errors


def _build(definition: SubgraphDefinition, nodes: Sequence[Any]) -> Subgraph:
    schema_nodes = [n for n in nodes if isinstance(n, SchemaDefinitionNode | SchemaExtensionNode)]
    version, names, namespaces = _resolve_links(definition.name, schema_nodes)
    renames: dict[str, str] = {}
    for node in schema_nodes:
        for op in node.operation_types or ():
            renames[op.type.name.value] = _ROOT_NAMES[op.operation]
    builder = _Builder(definition.name, names, namespaces, renames)
    for node in nodes:
        kind = _TYPE_DEFS.get(type(node))
        if kind is not None:
            builder.add_type(node, kind[0], kind[1])
    types = builder.types
    roots = {
        kind: name
        for kind, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        )
        if name in types
    }
    # Federation adds `_service` (and `_entities`) to Query in every subgraph: Query exists
    # everywhere, possibly with no field of its own.
    if "Query" not in types:
        types["Query"] = SubgraphType("Query", "OBJECT", has_definition=True)
    roots["query"] = "Query"
    subgraph = Subgraph(definition.name, definition.url, version, types, roots)
    _check_references(subgraph)
    return subgraph


def _invalid(code: ErrorCode, message: str) -> _SubgraphInvalid:
    return _SubgraphInvalid([CompositionError(code.value, message)])


def _resolve_links(
    subgraph: str, schema_nodes: Iterable[SchemaDefinitionNode | SchemaExtensionNode]
) -> tuple[tuple[int, int], dict[str, str], tuple[str, ...]]:
    """Find the federation ``@link``: its version and the local name -> spec name map.

    Returns:
        ``(version, names, namespaces)``: ``names`` maps a local directive name to the
        federation spec name; ``namespaces`` are the prefixes of machinery definitions.
    """
    for node in schema_nodes:
        for directive in node.directives or ():
            if directive.name.value != "link":
                continue
            args = {
                a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()
            }
            url = args.get("url")
            if not isinstance(url, str) or not url.startswith(FEDERATION_IDENTITY + "/"):
                continue
            version_text = url.rstrip("/").rsplit("/", 1)[-1]
            match = _VERSION_RE.match(version_text)
            if match is None:
                raise _invalid(
                    ErrorCode.INVALID_LINK_IDENTIFIER,
                    f'[{subgraph}] Invalid link URL "{url}": cannot parse the version.',
                )
            version = (int(match.group(1)), int(match.group(2)))
            if version[0] != 2 or version > MAX_FEDERATION_VERSION:
                raise _invalid(
                    ErrorCode.UNKNOWN_FEDERATION_LINK_VERSION,
                    f"[{subgraph}] Invalid version {version_text} for the federation feature "
                    f"in @link direction on schema",
                )
            prefix = args.get("as") or "federation"
            names = {f"{prefix}__{name}": name for name in FEDERATION_DIRECTIVES}
            for item in args.get("import") or ():
                imported, local = (
                    (item, item)
                    if isinstance(item, str)
                    else (item.get("name"), item.get("as") or item.get("name"))
                )
                if isinstance(imported, str) and imported.startswith("@"):
                    spec_name = imported[1:]
                    if spec_name in FEDERATION_DIRECTIVES and isinstance(local, str):
                        names[local.lstrip("@")] = spec_name
            return version, names, (f"{prefix}__", "link__")
    return (1, 0), {name: name for name in _FED1_DIRECTIVES}, ("federation__", "link__")


class _Builder:
    """Folds type definitions and extensions into :class:`SubgraphType` values."""

    def __init__(
        self,
        subgraph: str,
        names: dict[str, str],
        namespaces: tuple[str, ...],
        renames: dict[str, str],
    ) -> None:
        self.subgraph = subgraph
        self.names = names
        self.namespaces = namespaces
        self.renames = renames
        self.types: dict[str, SubgraphType] = {}

    def _is_machinery(self, name: str) -> bool:
        return name in _MACHINERY_TYPES or name.startswith(self.namespaces)

    def applied(self, nodes: Iterable[DirectiveNode] | None) -> list[Applied]:
        result = []
        for node in nodes or ():
            local = node.name.value
            spec_name = self.names.get(local)
            args = {a.name.value: value_from_ast_untyped(a.value) for a in node.arguments or ()}
            result.append(Applied(spec_name or local, spec_name is not None, args, node))
        return result

    def input_value(self, node: InputValueDefinitionNode) -> InputValue:
        return InputValue(
            node.name.value,
            TypeRef.from_ast(node.type, self.renames),
            node.default_value,
            node.description.value if node.description else None,
            self.applied(node.directives),
        )

    def add_type(self, node: Any, kind: TypeKind, extension: bool) -> None:
        raw_name: str = node.name.value
        if self._is_machinery(raw_name):
            return
        name = self.renames.get(raw_name, raw_name)
        current = self.types.get(name)
        if current is None:
            current = self.types[name] = SubgraphType(name, kind)
        elif current.kind != kind:
            raise _invalid(
                ErrorCode.INVALID_GRAPHQL,
                f'[{self.subgraph}] Type "{name}" is defined with different kinds.',
            )
        if not extension:
            if current.has_definition:
                raise _invalid(
                    ErrorCode.INVALID_GRAPHQL,
                    f'[{self.subgraph}] There can be only one type named "{name}".',
                )
            current.has_definition = True
            if node.description is not None:
                current.description = node.description.value
        directives = self.applied(node.directives)
        current.directives.extend((d, extension) for d in directives)
        block_shareable = any(d.federation and d.name == "shareable" for d in directives)
        is_extends = any(d.federation and d.name == "extends" for d in directives)
        for interface in getattr(node, "interfaces", None) or ():
            current.interfaces.append(interface.name.value)
        for member in getattr(node, "types", None) or ():
            current.members.append(self.renames.get(member.name.value, member.name.value))
        for value in getattr(node, "values", None) or ():
            current.values[value.name.value] = EnumValue(
                value.name.value,
                value.description.value if value.description else None,
                self.applied(value.directives),
            )
        if kind == "INPUT_OBJECT":
            for input_node in node.fields or ():
                current.input_fields[input_node.name.value] = self.input_value(input_node)
        elif kind in ("OBJECT", "INTERFACE"):
            for field_node in node.fields or ():
                field_name = field_node.name.value
                if name == "Query" and field_name in _MACHINERY_ROOT_FIELDS:
                    continue
                if field_name in current.fields:
                    raise _invalid(
                        ErrorCode.INVALID_GRAPHQL,
                        f'[{self.subgraph}] Field "{name}.{field_name}" can only be defined once.',
                    )
                current.fields[field_name] = Field(
                    field_name,
                    TypeRef.from_ast(field_node.type, self.renames),
                    {a.name.value: self.input_value(a) for a in field_node.arguments or ()},
                    field_node.description.value if field_node.description else None,
                    self.applied(field_node.directives),
                    block_shareable=block_shareable,
                    block_extension=extension or is_extends,
                )


def _check_references(subgraph: Subgraph) -> None:
    """Every named type a field, argument, member or interface refers to must exist."""
    errors: list[CompositionError] = []
    known = subgraph.types

    def check(name: str, where: str) -> None:
        if name not in known and name not in BUILT_IN_SCALARS:
            errors.append(
                CompositionError(
                    ErrorCode.INVALID_GRAPHQL.value,
                    f'[{subgraph.name}] Unknown type "{name}" (referenced by "{where}").',
                )
            )

    for t in known.values():
        for f in t.fields.values():
            check(f.type.named, f"{t.name}.{f.name}")
            for a in f.args.values():
                check(a.type.named, f"{t.name}.{f.name}({a.name}:)")
        for i in t.input_fields.values():
            check(i.type.named, f"{t.name}.{i.name}")
        for name in (*t.interfaces, *t.members):
            check(name, t.name)
    if errors:
        raise _SubgraphInvalid(errors)


def print_value(node: ValueNode) -> str:
    """Print a value node as GraphQL (``5``, ``"x"``, ``[A, B]``)."""
    return print_ast(node)
