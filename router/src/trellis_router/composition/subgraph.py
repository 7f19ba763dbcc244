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
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from graphql import (
    DirectiveDefinitionNode,
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
from graphql.pyutils import suggestion_list

from trellis_router.composition.definitions import SubgraphDefinition
from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.graphql_validation import graphql_schema_errors

__all__ = [
    "BUILT_IN_SCALARS",
    "FEDERATION_DIRECTIVES",
    "Applied",
    "DirectiveSpec",
    "Field",
    "InputValue",
    "LinkedFeature",
    "Subgraph",
    "SubgraphType",
    "TypeKind",
    "TypeRef",
    "federation_directive_spec",
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
#: Directive definitions a subgraph may carry that are federation or link machinery.
_MACHINERY_DIRECTIVES = frozenset({*FEDERATION_DIRECTIVES, "link"})
#: The highest federation version this composer knows.
MAX_FEDERATION_VERSION = (2, 14)


@dataclass(frozen=True, slots=True)
class DirectiveSpec:
    """What a federation directive's definition looks like (to check redefinitions).

    Attributes:
        args: Argument names.
        required: Arguments with a non-null type and no default.
        repeatable: Whether the directive is repeatable.
        locations: Its locations.
    """

    args: tuple[str, ...]
    required: tuple[str, ...] = ()
    repeatable: bool = False
    locations: tuple[str, ...] = ()


_FIELD = ("FIELD_DEFINITION",)
_TAG_LOCATIONS = (
    "FIELD_DEFINITION",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ARGUMENT_DEFINITION",
    "SCALAR",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
    "SCHEMA",
)
_AUTH_LOCATIONS = ("FIELD_DEFINITION", "OBJECT", "INTERFACE", "SCALAR", "ENUM")
_COST_LOCATIONS = (
    "ARGUMENT_DEFINITION",
    "ENUM",
    "FIELD_DEFINITION",
    "INPUT_FIELD_DEFINITION",
    "OBJECT",
    "SCALAR",
)
#: Federation directive definitions (locations in the spec's order, as Apollo prints them).
_FEDERATION_DIRECTIVE_SPECS: dict[str, DirectiveSpec] = {
    "key": DirectiveSpec(("fields", "resolvable"), ("fields",), True, ("OBJECT", "INTERFACE")),
    "requires": DirectiveSpec(("fields",), ("fields",), False, _FIELD),
    "provides": DirectiveSpec(("fields",), ("fields",), False, _FIELD),
    "external": DirectiveSpec(("reason",), (), False, ("OBJECT", "FIELD_DEFINITION")),
    "extends": DirectiveSpec((), (), False, ("OBJECT", "INTERFACE")),
    "shareable": DirectiveSpec((), (), True, ("OBJECT", "FIELD_DEFINITION")),
    "tag": DirectiveSpec(("name",), ("name",), True, _TAG_LOCATIONS),
    "inaccessible": DirectiveSpec((), (), False, _TAG_LOCATIONS),
    "override": DirectiveSpec(("from", "label"), ("from",), False, _FIELD),
    "composeDirective": DirectiveSpec(("name",), (), True, ("SCHEMA",)),
    "interfaceObject": DirectiveSpec((), (), False, ("OBJECT",)),
    "authenticated": DirectiveSpec((), (), False, _AUTH_LOCATIONS),
    "requiresScopes": DirectiveSpec(("scopes",), ("scopes",), False, _AUTH_LOCATIONS),
    "policy": DirectiveSpec(("policies",), ("policies",), False, _AUTH_LOCATIONS),
    "context": DirectiveSpec(("name",), ("name",), True, ("INTERFACE", "OBJECT", "UNION")),
    "fromContext": DirectiveSpec(("field",), (), False, ("ARGUMENT_DEFINITION",)),
    "cost": DirectiveSpec(("weight",), ("weight",), False, _COST_LOCATIONS),
    "listSize": DirectiveSpec(
        ("assumedSize", "slicingArguments", "sizedFields", "requireOneSlicingArgument"),
        (),
        False,
        _FIELD,
    ),
    "cacheTag": DirectiveSpec(("format",), ("format",), True, ("OBJECT", "FIELD_DEFINITION")),
}
#: Federation types one may import, with the version that introduced each.
_FEDERATION_TYPES: dict[str, tuple[int, int]] = {
    "FieldSet": (2, 0),
    "Scope": (2, 5),
    "Policy": (2, 6),
    "ContextFieldValue": (2, 8),
}
#: Directives every schema knows, with their argument names.
_BUILT_IN_DIRECTIVES: dict[str, tuple[str, ...] | None] = {
    "deprecated": ("reason",),
    "specifiedBy": ("url",),
    "include": ("if",),
    "skip": ("if",),
    "oneOf": (),
    "defer": None,
    "stream": None,
    "link": ("url", "as", "for", "import"),
}
_KNOWN_LINK_VERSIONS = frozenset({(1, 0)})


def federation_directive_spec(name: str, version: tuple[int, int]) -> DirectiveSpec:
    """The definition federation ``version`` gives directive ``name`` (a spec name).

    Args:
        name: The federation directive's spec name, e.g. ``"override"``.
        version: The linked federation version.

    Returns:
        Its expected definition: ``@shareable`` is repeatable from 2.2, ``@override`` takes
        ``label`` from 2.7.
    """
    spec = _FEDERATION_DIRECTIVE_SPECS[name]
    if name == "shareable" and version < (2, 2):
        return DirectiveSpec((), (), False, spec.locations)
    if name == "override" and version < (2, 7):
        return DirectiveSpec(("from",), ("from",), False, spec.locations)
    return spec


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
        blocks: The applications of each definition or extension block, in SDL order.
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
    blocks: list[list[Applied]] = field(default_factory=list)

    def applied(self, directive: str) -> list[Applied]:
        """Applications of federation directive ``directive`` on the type."""
        return [d for d, _ in self.directives if d.federation and d.name == directive]


@dataclass(frozen=True, slots=True)
class LinkedFeature:
    """A feature a subgraph ``@link``s, other than the link and federation specs.

    Attributes:
        identity: The feature URL without its version, e.g. ``"https://example.com/custom"``.
        version: ``(major, minor)`` from the URL's ``vX.Y`` segment.
        alias: The ``as`` argument, else the feature name (the identity's last segment):
            the prefix of its namespaced elements (``custom__x``).
        imports: Imported directives: name in the feature -> name in the subgraph, both
            without ``@`` (``{"custom": "mine"}`` for ``{name: "@custom", as: "@mine"}``).
    """

    identity: str
    version: tuple[int, int]
    alias: str
    imports: dict[str, str]

    @property
    def name(self) -> str:
        """The feature name: the identity's last path segment (``"custom"``)."""
        return self.identity.rsplit("/", 1)[-1]

    @property
    def url(self) -> str:
        """The feature URL as Apollo prints it: ``<identity>/v<major>.<minor>``."""
        return f"{self.identity}/v{self.version[0]}.{self.version[1]}"


@dataclass(slots=True)
class Subgraph:
    """A parsed subgraph, ready for validation and merging.

    Attributes:
        name: The subgraph name.
        url: Its routing URL.
        federation_version: ``(major, minor)``; ``(1, 0)`` for a Fed 1 subgraph (no link).
        types: Types by name, in SDL order (federation machinery removed).
        roots: Root kinds present (``"query"``, ``"mutation"``, ``"subscription"``) -> type name.
        directive_names: Local name -> federation spec name of every federation directive
            this subgraph can use (``{"key": "key", "federation__key": "key", ...}``).
        directive_definitions: Directive definitions written in the SDL, by name.
        schema_directives: Applications on the ``schema`` definition and extensions (each
            ``@link``, ``@composeDirective``, ...), in SDL order.
        directive_arguments: The arguments of each directive definition written in the SDL,
            by directive name, then argument name.
        features: The other features the subgraph ``@link``s, in SDL order.
    """

    name: str
    url: str
    federation_version: tuple[int, int]
    types: dict[str, SubgraphType]
    roots: dict[str, str]
    directive_names: dict[str, str] = field(default_factory=dict)
    directive_definitions: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    schema_directives: list[Applied] = field(default_factory=list)
    directive_arguments: dict[str, dict[str, InputValue]] = field(default_factory=dict)
    features: list[LinkedFeature] = field(default_factory=list)

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
        The subgraph model (``None`` when it cannot be built, or is not a valid GraphQL schema:
        :func:`~.graphql_validation.graphql_schema_errors`) and the errors found.

    Spec: Federation subgraph spec, "Enabling Federation 2" (``@link`` of
    ``https://specs.apollo.dev/federation/v2.x``).
    """
    try:
        document = parse(definition.sdl, no_location=False)
    except GraphQLError as error:
        message = f"[{definition.name}] {error.message}"
        where = error.locations[0] if error.locations else None
        location = (where.line, where.column) if where is not None else None
        return None, [
            CompositionError(ErrorCode.INVALID_GRAPHQL.value, message, definition.name, location)
        ]
    try:
        subgraph = _build(definition, document.definitions)
    except _SubgraphInvalid as invalid:
        return None, [replace(error, subgraph=definition.name) for error in invalid.errors]
    schema_errors = graphql_schema_errors(definition.name, document, _MACHINERY_DIRECTIVES)
    if schema_errors:
        return None, schema_errors
    return subgraph, []


def _build(definition: SubgraphDefinition, nodes: Sequence[Any]) -> Subgraph:
    schema_nodes = [n for n in nodes if isinstance(n, SchemaDefinitionNode | SchemaExtensionNode)]
    version, names, namespaces, other_links = _resolve_links(definition.name, schema_nodes)
    renames: dict[str, str] = {}
    errors: list[CompositionError] = []
    defined = {n.name.value for n in nodes if type(n) in _TYPE_DEFS and not _is_extension(n)}
    for node in schema_nodes:
        for op in node.operation_types or ():
            actual, default = op.type.name.value, _ROOT_NAMES[op.operation]
            renames[actual] = default
            if actual != default and default in defined:
                op_kind = op.operation.value
                errors.append(
                    CompositionError(
                        f"ROOT_{op_kind.upper()}_USED",
                        f'[{definition.name}] The schema has a type named "{default}" but it '
                        f'is not set as the {op_kind} root type ("{actual}" is instead): this is '
                        "not supported by federation. If a root type does not use its default "
                        "name, there should be no other type with that default name.",
                    )
                )
    if errors:
        raise _SubgraphInvalid(errors)
    directive_definitions = {
        n.name.value: n for n in nodes if isinstance(n, DirectiveDefinitionNode)
    }
    builder = _Builder(
        definition.name, version, names, namespaces, renames, other_links, directive_definitions
    )
    schema_directives: list[Applied] = []
    for schema_node in schema_nodes:
        schema_directives.extend(builder.applied(schema_node.directives))
    for directive_node in directive_definitions.values():
        builder.check_directive_definition(directive_node)
    for node in nodes:
        kind = _TYPE_DEFS.get(type(node))
        if kind is not None:
            builder.add_type(node, kind[0], kind[1])
    if builder.errors:
        raise _SubgraphInvalid(builder.errors)
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
    subgraph = Subgraph(
        definition.name,
        definition.url,
        version,
        types,
        roots,
        {local: spec for local, spec in names.items() if local in builder.known},
        directive_definitions,
        schema_directives,
        builder.directive_arguments,
        list(other_links.features),
    )
    _check_references(subgraph)
    return subgraph


def _is_extension(node: Any) -> bool:
    return _TYPE_DEFS[type(node)][1]


def _invalid(code: ErrorCode, message: str) -> _SubgraphInvalid:
    return _SubgraphInvalid([CompositionError(code.value, message)])


def _value_to_string(value: object) -> str:
    """A value as Apollo's ``valueToString`` prints it (``{name: "@key"}``, ``["a"]``)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_to_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value_to_string(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    suggestions = suggestion_list(name, list(options))[:5]
    if not suggestions:
        return ""
    quoted = [f'"{s}"' for s in suggestions]
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"


@dataclass(slots=True)
class _Links:
    """Directive names the subgraph's ``@link``s bring in, beyond federation's."""

    imported: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    features: list[LinkedFeature] = field(default_factory=list)

    def knows(self, name: str) -> bool:
        return name in self.imported or name.startswith(tuple(self.prefixes))


def _link_arguments(directive: DirectiveNode) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def _parse_version(subgraph: str, url: str) -> tuple[str, tuple[int, int]] | None:
    """``(identity, version)`` of a feature URL; ``None`` when it is not one (then ignored).

    Raises:
        _SubgraphInvalid: INVALID_LINK_IDENTIFIER, the last path segment is not ``vX.Y``.
    """
    match = re.fullmatch(r"(https?://[^/]+(?:/[^/?#]+)*)/([^/?#]+)/?", url)
    if match is None:
        return None
    identity, version_text = match.group(1), match.group(2)
    version = _VERSION_RE.match(version_text)
    if version is None:
        raise _invalid(
            ErrorCode.INVALID_LINK_IDENTIFIER,
            f"[{subgraph}] Expected a version string (of the form v1.2), got {version_text}",
        )
    return identity, (int(version.group(1)), int(version.group(2)))


def _resolve_links(
    subgraph: str, schema_nodes: Iterable[SchemaDefinitionNode | SchemaExtensionNode]
) -> tuple[tuple[int, int], dict[str, str], tuple[str, ...], _Links]:
    """Find the federation ``@link``: its version and the local name -> spec name map.

    Returns:
        ``(version, names, namespaces, links)``: ``names`` maps a local directive name to the
        federation spec name; ``namespaces`` are the prefixes of machinery definitions;
        ``links`` the directive names other linked features bring.

    Raises:
        _SubgraphInvalid: INVALID_LINK_IDENTIFIER, UNKNOWN_LINK_VERSION,
            UNKNOWN_FEDERATION_LINK_VERSION, INVALID_LINK_DIRECTIVE_USAGE.

    Spec: link spec v1.0 (``@link(url:, as:, import:)``); Apollo ``extractCoreFeatureImports``.
    """
    federation: tuple[tuple[int, int], dict[str, str], tuple[str, ...]] | None = None
    links = _Links()
    seen: set[str] = set()
    for node in schema_nodes:
        for directive in node.directives or ():
            if directive.name.value != "link":
                continue
            try:
                federation = _resolve_link(subgraph, directive, seen, links) or federation
            except _SubgraphInvalid as invalid:
                location = _location(directive)
                invalid.errors[:] = [replace(e, location=location) for e in invalid.errors]
                raise
    if federation is None:
        return (1, 0), {name: name for name in _FED1_DIRECTIVES}, ("federation__", "link__"), links
    return (*federation, links)


def _location(node: Any) -> tuple[int, int] | None:
    """``(line, column)`` (1-based) where ``node`` starts in its SDL, when parsed with locations."""
    loc = getattr(node, "loc", None)
    if loc is None:
        return None
    return (loc.start_token.line, loc.start_token.column)


def _resolve_link(
    subgraph: str, directive: DirectiveNode, seen: set[str], links: _Links
) -> tuple[tuple[int, int], dict[str, str], tuple[str, ...]] | None:
    """Check one ``@link``; the federation link's resolution, ``None`` for other links.

    Raises:
        _SubgraphInvalid: as :func:`_resolve_links`.
    """
    args = _link_arguments(directive)
    url = args.get("url")
    parsed = _parse_version(subgraph, url) if isinstance(url, str) else None
    if parsed is None:
        return None
    identity, version = parsed
    if identity in seen:
        raise _invalid(
            ErrorCode.INVALID_LINK_DIRECTIVE_USAGE,
            f'[{subgraph}] Cannot link feature "{identity}" since it has already been '
            "linked in the schema.",
        )
    seen.add(identity)
    if identity == LINK_IDENTITY:
        if version not in _KNOWN_LINK_VERSIONS:
            raise _invalid(
                ErrorCode.UNKNOWN_LINK_VERSION,
                f"[{subgraph}] Schema uses unknown version v{version[0]}.{version[1]} "
                "of the link spec",
            )
        return None
    if identity != FEDERATION_IDENTITY:
        _add_other_link(links, identity, version, args)
        return None
    if version[0] != 2 or version > MAX_FEDERATION_VERSION:
        raise _invalid(
            ErrorCode.UNKNOWN_FEDERATION_LINK_VERSION,
            f"[{subgraph}] Invalid version v{version[0]}.{version[1]} for the "
            "federation feature in @link directive on schema",
        )
    return _federation_link(subgraph, version, args)


def _add_other_link(
    links: _Links, identity: str, version: tuple[int, int], args: dict[str, Any]
) -> None:
    name = identity.rstrip("/").rsplit("/", 1)[-1]
    alias = args.get("as")
    prefix = alias if isinstance(alias, str) else name
    links.prefixes.add(f"{prefix}__")
    links.imported.add(prefix)
    imports: dict[str, str] = {}
    for item in args.get("import") or ():
        imported: object
        local: object
        if isinstance(item, str):
            imported, local = item, item
        elif isinstance(item, dict):
            imported, local = item.get("name"), item.get("as") or item.get("name")
        else:
            continue
        if isinstance(local, str):
            links.imported.add(local.lstrip("@"))
        if isinstance(imported, str) and isinstance(local, str) and imported.startswith("@"):
            imports[imported[1:]] = local.lstrip("@")
    links.features.append(LinkedFeature(identity.rstrip("/"), version, prefix, imports))


def _federation_link(
    subgraph: str, version: tuple[int, int], args: dict[str, Any]
) -> tuple[tuple[int, int], dict[str, str], tuple[str, ...]]:
    """Resolve the federation ``@link``'s ``as`` and ``import``.

    Raises:
        _SubgraphInvalid: INVALID_LINK_DIRECTIVE_USAGE for a malformed or unknown import.
    """
    prefix = args.get("as") or "federation"
    names = {f"{prefix}__{name}": name for name in FEDERATION_DIRECTIVES}
    known = [f"@{n}" for n, v in FEDERATION_DIRECTIVES.items() if v <= version]
    known += [n for n, v in _FEDERATION_TYPES.items() if v <= version]
    errors: list[CompositionError] = []

    def fail(message: str) -> None:
        errors.append(
            CompositionError(
                ErrorCode.INVALID_LINK_DIRECTIVE_USAGE.value, f"[{subgraph}] {message}"
            )
        )

    for item in args.get("import") or ():
        imported: object
        local: object
        if isinstance(item, str):
            imported, local = item, item
        elif isinstance(item, dict):
            unknown = [k for k in item if k not in ("name", "as")]
            if unknown:
                fail(
                    f'Unknown field "{unknown[0]}" for sub-value {_value_to_string(item)} of '
                    "@link(import:) argument."
                )
                continue
            imported, local = item.get("name"), item.get("as") or item.get("name")
            if not isinstance(imported, str):
                fail(
                    f"Invalid sub-value {_value_to_string(item)} for @link(import:) argument: "
                    'missing mandatory "name" field.'
                )
                continue
        else:
            fail(
                f"Invalid sub-value {_value_to_string(item)} for @link(import:) argument: "
                "values should be either strings or input object values of the form "
                '{ name: "<importedElement>", as: "<alias>" }.'
            )
            continue
        if imported not in known:
            details = (
                f' Did you mean directive "@{imported}"?'
                if f"@{imported}" in known
                else _did_you_mean(imported, known)
            )
            fail(f'Cannot import unknown element "{imported}".{details}')
            continue
        if imported.startswith("@") and isinstance(local, str):
            names[local.lstrip("@")] = imported[1:]
    if errors:
        raise _SubgraphInvalid(errors)
    return version, names, (f"{prefix}__", "link__")


_APOLLO_KINDS: dict[TypeKind, str] = {
    "OBJECT": "ObjectType",
    "INTERFACE": "InterfaceType",
    "UNION": "UnionType",
    "ENUM": "EnumType",
    "INPUT_OBJECT": "InputObjectType",
    "SCALAR": "ScalarType",
}


class _Builder:
    """Folds type definitions and extensions into :class:`SubgraphType` values, collecting
    the GraphQL-level errors (unknown directives or arguments, reserved names, invalid
    redefinitions of federation types and directives)."""

    def __init__(
        self,
        subgraph: str,
        version: tuple[int, int],
        names: dict[str, str],
        namespaces: tuple[str, ...],
        renames: dict[str, str],
        links: _Links,
        definitions: dict[str, DirectiveDefinitionNode],
    ) -> None:
        self.subgraph = subgraph
        self.version = version
        self.names = names
        self.namespaces = namespaces
        self.renames = renames
        self.links = links
        self.types: dict[str, SubgraphType] = {}
        self.directive_arguments: dict[str, dict[str, InputValue]] = {}
        self.errors: list[CompositionError] = []
        self.known: dict[str, tuple[str, ...] | None] = dict(_BUILT_IN_DIRECTIVES)
        for local, spec_name in names.items():
            if version[0] < 2:
                self.known[local] = None
            elif FEDERATION_DIRECTIVES[spec_name] <= version:
                self.known[local] = federation_directive_spec(spec_name, version).args
        for name, node in definitions.items():
            if name not in self.known or version[0] < 2:
                self.known[name] = tuple(a.name.value for a in node.arguments or ())

    def error(self, code: ErrorCode, message: str, node: Any = None) -> None:
        """Record an error; ``node`` (an AST node) gives its location in the SDL."""
        error = CompositionError(
            code.value, f"[{self.subgraph}] {message}", self.subgraph, _location(node)
        )
        self.errors.append(error)

    def _is_machinery(self, name: str) -> bool:
        return name in _MACHINERY_TYPES or name.startswith(self.namespaces)

    def check_name(self, name: str) -> None:
        """GraphQL ``assertValidName``: names starting with ``__`` are reserved."""
        if name.startswith("__"):
            self.error(
                ErrorCode.INVALID_GRAPHQL,
                f'Name "{name}" must not begin with "__", which is reserved by GraphQL '
                "introspection.",
            )

    def check_applications(self, nodes: Iterable[DirectiveNode] | None) -> None:
        """Every applied directive is defined, and takes the arguments given.

        Spec: GraphQL ``KnownDirectivesRule``, ``KnownArgumentNamesOnDirectivesRule``; Apollo
        ``onUnknownDirectiveValidationError`` (the federation hint).
        """
        for node in nodes or ():
            local = node.name.value
            if local not in self.known and not self.links.knows(local):
                self.error(ErrorCode.INVALID_GRAPHQL, self._unknown_directive(local), node)
                continue
            allowed = self.known.get(local)
            if allowed is None:
                continue
            for argument in node.arguments or ():
                if argument.name.value not in allowed:
                    self.error(
                        ErrorCode.INVALID_GRAPHQL,
                        f'Unknown argument "{argument.name.value}" on directive "@{local}".'
                        + _did_you_mean(argument.name.value, allowed),
                        argument,
                    )

    def _unknown_directive(self, local: str) -> str:
        message = f'Unknown directive "@{local}".'
        if local not in FEDERATION_DIRECTIVES:
            return message
        if self.version[0] < 2:
            return (
                f'{message} If you meant the "@{local}" federation 2 directive, note that this '
                "schema is a federation 1 schema. To be a federation 2 schema, it needs to @link "
                "to the federation specifcation v2."
            )
        in_schema = next(
            (n for n, spec in self.names.items() if spec == local and "__" not in n), None
        )
        if in_schema is not None:
            return (
                f'{message} If you meant the "@{local}" federation directive, you should use '
                f'"@{in_schema}" as it is imported under that name in the @link to the '
                "federation specification of this schema."
            )
        return (
            f'{message} If you meant the "@{local}" federation directive, you should use '
            f'fully-qualified name "@{self.namespaces[0]}{local}" or add "@{local}" to the '
            "`import` argument of the @link to the federation specification."
        )

    def check_directive_definition(self, node: DirectiveDefinitionNode) -> None:
        """A federation directive the subgraph (re)defines must match the spec's definition.

        Spec: Apollo ``ensureSameDirectiveStructure`` (DIRECTIVE_DEFINITION_INVALID).
        """
        name = node.name.value
        self.check_name(name)
        self.directive_arguments[name] = {
            argument.name.value: self.input_value(argument) for argument in node.arguments or ()
        }
        spec_name = self.names.get(name)
        if (
            self.version[0] < 2
            or spec_name is None
            or FEDERATION_DIRECTIVES[spec_name] > self.version
        ):
            return
        spec = federation_directive_spec(spec_name, self.version)
        what = f'directive "@{name}"'
        present = {a.name.value for a in node.arguments or ()}
        for required in spec.required:
            if required not in present:
                self.error(
                    ErrorCode.DIRECTIVE_DEFINITION_INVALID,
                    f'Invalid definition for {what}: missing required argument "{required}"',
                )
        for argument in node.arguments or ():
            if argument.name.value not in spec.args:
                self.error(
                    ErrorCode.DIRECTIVE_DEFINITION_INVALID,
                    f"Invalid definition for {what}: unknown/unsupported argument "
                    f'"{argument.name.value}"',
                )
        if node.repeatable and not spec.repeatable:
            self.error(
                ErrorCode.DIRECTIVE_DEFINITION_INVALID,
                f"Invalid definition for {what}: {what[10:]} should not be repeatable",
            )
        locations = [loc.value for loc in node.locations]
        if not all(loc in spec.locations for loc in locations):
            self.error(
                ErrorCode.DIRECTIVE_DEFINITION_INVALID,
                f"Invalid definition for {what}: {what[10:]} should have locations "
                f"{', '.join(spec.locations)}, but found (non-subset) "
                f"{', '.join(locations)}",
            )

    def _expected_kind(self, name: str) -> TypeKind | None:
        """The kind federation gives a machinery type it defines itself."""
        prefix = self.namespaces[0]
        expected: dict[str, TypeKind] = {
            f"{prefix}FieldSet": "SCALAR",
            f"{prefix}ContextFieldValue": "SCALAR",
            f"{prefix}Scope": "SCALAR",
            f"{prefix}Policy": "SCALAR",
            "link__Import": "SCALAR",
            "link__Purpose": "ENUM",
            "_Any": "SCALAR",
            "_Service": "OBJECT",
            "_Entity": "UNION",
        }
        if self.version[0] < 2:
            expected["_FieldSet"] = "SCALAR"
        return expected.get(name)

    def applied(self, nodes: Iterable[DirectiveNode] | None) -> list[Applied]:
        self.check_applications(nodes)
        result = []
        for node in nodes or ():
            local = node.name.value
            spec_name = self.names.get(local)
            args = {a.name.value: value_from_ast_untyped(a.value) for a in node.arguments or ()}
            result.append(Applied(spec_name or local, spec_name is not None, args, node))
        return result

    def input_value(self, node: InputValueDefinitionNode) -> InputValue:
        self.check_name(node.name.value)
        return InputValue(
            node.name.value,
            TypeRef.from_ast(node.type, self.renames),
            node.default_value,
            node.description.value if node.description else None,
            self.applied(node.directives),
        )

    def add_type(self, node: Any, kind: TypeKind, extension: bool) -> None:
        raw_name: str = node.name.value
        expected = self._expected_kind(raw_name)
        if expected is not None and expected != kind:
            self.error(
                ErrorCode.TYPE_DEFINITION_INVALID,
                f"Invalid definition for type {raw_name}: {raw_name} should be a "
                f"{_APOLLO_KINDS[expected]} but is defined as a {_APOLLO_KINDS[kind]}",
            )
            return
        if self._is_machinery(raw_name):
            return
        self.check_name(raw_name)
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
                    f'[{self.subgraph}] There can be only one type named "{name}"',
                )
            current.has_definition = True
            if node.description is not None:
                current.description = node.description.value
        directives = self.applied(node.directives)
        current.directives.extend((d, extension) for d in directives)
        current.blocks.append(directives)
        block_shareable = any(d.federation and d.name == "shareable" for d in directives)
        is_extends = any(d.federation and d.name == "extends" for d in directives)
        for interface in getattr(node, "interfaces", None) or ():
            current.interfaces.append(interface.name.value)
        for member in getattr(node, "types", None) or ():
            current.members.append(self.renames.get(member.name.value, member.name.value))
        for value in getattr(node, "values", None) or ():
            self.check_name(value.name.value)
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
                self.check_name(field_name)
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
                    f"[{subgraph.name}] Unknown type {name}",
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
