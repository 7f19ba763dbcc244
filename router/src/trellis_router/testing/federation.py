"""What a mock subgraph reads from its subgraph SDL: federation directive names and metadata.

A Federation 2 subgraph names its federation directives through
``@link(url: "https://specs.apollo.dev/federation/v2.x", import: [...])``: an imported directive
keeps its name (or the ``as:`` alias), any other is ``@federation__<name>`` (or
``@<link as>__<name>``). A Federation 1 subgraph (no ``@link``) uses the plain names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    parse,
    value_from_ast_untyped,
)

__all__ = [
    "FEDERATION_DIRECTIVES",
    "FieldSetTree",
    "SubgraphMetadata",
    "federation_names",
    "parse_field_set",
    "read_metadata",
]

FieldSetTree: TypeAlias = Mapping[str, "FieldSetTree"]
"""A field set as a tree: field name -> sub-selection (empty for a leaf); fragments merged."""

FEDERATION_URL_PREFIX = "https://specs.apollo.dev/federation/"

FEDERATION_DIRECTIVES: dict[str, str] = {
    "key": "(fields: {FieldSet}!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE",
    "requires": "(fields: {FieldSet}!) on FIELD_DEFINITION",
    "provides": "(fields: {FieldSet}!) on FIELD_DEFINITION",
    "external": "(reason: String) on OBJECT | FIELD_DEFINITION",
    "extends": " on OBJECT | INTERFACE",
    "shareable": " repeatable on OBJECT | FIELD_DEFINITION",
    "inaccessible": (
        " on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR"
        " | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
    ),
    "tag": (
        "(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
        " | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT"
        " | INPUT_FIELD_DEFINITION | SCHEMA"
    ),
    "override": "(from: String!, label: String) on FIELD_DEFINITION",
    "interfaceObject": " on OBJECT",
    "composeDirective": "(name: String!) repeatable on SCHEMA",
    "authenticated": " on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "requiresScopes": (
        "(scopes: [[{Scope}!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
    ),
    "policy": (
        "(policies: [[{Policy}!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
    ),
    "cost": (
        "(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
        " | OBJECT | SCALAR"
    ),
    "listSize": (
        "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],"
        " requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"
    ),
    "context": "(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "(field: {ContextFieldValue}) on ARGUMENT_DEFINITION",
}
"""Federation 2 directive definitions by spec name; ``{X}`` is a federation scalar's local name."""

_SCALARS = ("FieldSet", "Scope", "Policy", "ContextFieldValue")


@dataclass(frozen=True, slots=True)
class SubgraphMetadata:
    """The federation facts a mock subgraph needs, read from the subgraph SDL.

    Attributes:
        names: local directive name by federation directive name (``{"key": "key", ...}``).
        keys: ``@key`` field sets by type name, as ``(tree, resolvable)`` pairs in SDL order.
        requires: ``@requires`` field set by ``(type name, field name)``.
        provides: ``@provides`` field set by ``(type name, field name)``.
        external: ``(type name, field name)`` pairs marked ``@external`` (field or type).
        interface_objects: names of ``@interfaceObject`` types.
    """

    names: Mapping[str, str]
    keys: Mapping[str, tuple[tuple[FieldSetTree, bool], ...]] = field(default_factory=dict)
    requires: Mapping[tuple[str, str], FieldSetTree] = field(default_factory=dict)
    provides: Mapping[tuple[str, str], FieldSetTree] = field(default_factory=dict)
    external: frozenset[tuple[str, str]] = frozenset()
    interface_objects: frozenset[str] = frozenset()


def federation_names(document: DocumentNode) -> tuple[dict[str, str], bool]:
    """Local names of the federation directives and scalars of a subgraph.

    Args:
        document: the parsed subgraph SDL.

    Returns:
        ``(names, is_federation_2)``: ``names`` maps each spec name (``"key"``, ``"FieldSet"``,
        ...) to its local name in this subgraph.

    Spec: Apollo Federation 2, "Importing federation directives" (``@link``).
    """
    for node in document.definitions:
        if not isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in node.directives or ():
            if directive.name.value != "link":
                continue
            args = _arguments(directive)
            url = str(args.get("url", ""))
            if not url.startswith(FEDERATION_URL_PREFIX):
                continue
            prefix = str(args.get("as") or "federation")
            names = {name: f"{prefix}__{name}" for name in (*FEDERATION_DIRECTIVES, *_SCALARS)}
            for item in args.get("import") or ():
                original, alias = (
                    (item, item) if isinstance(item, str) else (item["name"], item.get("as"))
                )
                alias = alias or original
                names[original.lstrip("@")] = alias.lstrip("@")
            return names, True
    names = {name: name for name in (*FEDERATION_DIRECTIVES, *_SCALARS)}
    names["FieldSet"] = "_FieldSet"
    return names, False


def parse_field_set(fields: str) -> FieldSetTree:
    """Parse a field set (``"id owner { id }"``) into a :data:`FieldSetTree`.

    Raises:
        graphql.GraphQLError: the field set does not parse.

    Spec: Apollo Federation, "FieldSet" scalar.
    """
    operation = parse("{" + fields + "}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return _tree(operation.selection_set)


def _tree(selection_set: SelectionSetNode | None) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            sub = _tree(selection.selection_set)
            merged = tree.setdefault(selection.name.value, {})
            merged.update(sub)
        elif isinstance(selection, InlineFragmentNode):
            for name, sub in _tree(selection.selection_set).items():
                tree.setdefault(name, {}).update(sub)
    return tree


def _arguments(directive: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in directive.arguments or ()}


def _directives(nodes: Iterable[Any], name: str) -> list[dict[str, Any]]:
    return [
        _arguments(directive)
        for node in nodes
        for directive in node.directives or ()
        if directive.name.value == name
    ]


def read_metadata(document: DocumentNode) -> SubgraphMetadata:
    """Read keys, requires, provides, external fields and interface objects from a subgraph.

    Type extensions count like definitions (Federation 1 ``extend type``).

    Args:
        document: the parsed subgraph SDL.

    Returns:
        The subgraph's federation metadata.
    """
    names, _ = federation_names(document)
    by_type: dict[str, list[Any]] = {}
    for node in document.definitions:
        if isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            by_type.setdefault(node.name.value, []).append(node)
    keys: dict[str, tuple[tuple[FieldSetTree, bool], ...]] = {}
    requires: dict[tuple[str, str], FieldSetTree] = {}
    provides: dict[tuple[str, str], FieldSetTree] = {}
    external: set[tuple[str, str]] = set()
    interface_objects: set[str] = set()
    for type_name, nodes in by_type.items():
        found = _directives(nodes, names["key"])
        if found:
            keys[type_name] = tuple(
                (parse_field_set(str(key["fields"])), key.get("resolvable", True) is not False)
                for key in found
            )
        if _directives(nodes, names["interfaceObject"]):
            interface_objects.add(type_name)
        for node in nodes:
            type_external = any(d.name.value == names["external"] for d in node.directives or ())
            for field_node in getattr(node, "fields", None) or ():
                coordinate = (type_name, field_node.name.value)
                if type_external or _directives([field_node], names["external"]):
                    external.add(coordinate)
                for args in _directives([field_node], names["requires"]):
                    requires[coordinate] = parse_field_set(str(args["fields"]))
                for args in _directives([field_node], names["provides"]):
                    provides[coordinate] = parse_field_set(str(args["fields"]))
    return SubgraphMetadata(
        names=names,
        keys=keys,
        requires=requires,
        provides=provides,
        external=frozenset(external),
        interface_objects=frozenset(interface_objects),
    )
