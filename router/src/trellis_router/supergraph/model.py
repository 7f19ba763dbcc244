"""The supergraph model: what the ``join`` directives say about each type and field.

Subgraphs are named by their ``join__graph(name:)`` everywhere (not by enum value).

Spec: Apollo "join" v0.2-v0.5 directive semantics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import GraphQLSchema, SelectionSetNode

__all__ = [
    "EntityKey",
    "FieldInGraph",
    "FieldMetadata",
    "SubgraphInfo",
    "Supergraph",
    "TypeInGraph",
    "TypeKind",
    "TypeMetadata",
]

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]


@dataclass(frozen=True, slots=True)
class SubgraphInfo:
    """One subgraph of the supergraph (a ``join__Graph`` enum value).

    Attributes:
        name: subgraph name (``join__graph(name:)``), used as FetchNode ``serviceName``.
        enum_value: the ``join__Graph`` enum value, e.g. ``INVENTORY``.
        url: the routing URL from ``join__graph(url:)`` (may be empty).
    """

    name: str
    enum_value: str
    url: str


@dataclass(frozen=True, slots=True)
class EntityKey:
    """One ``@key`` of a type in one subgraph (``@join__type(key:)``).

    Attributes:
        graph: subgraph name.
        fields: the field set text, e.g. ``"id"`` or ``"id owner { id }"``.
        selection: the parsed field set.
        resolvable: False for ``resolvable: false``: no key jump *into* this subgraph.
    """

    graph: str
    fields: str
    selection: SelectionSetNode
    resolvable: bool


@dataclass(frozen=True, slots=True)
class TypeInGraph:
    """A type's presence in one subgraph (one or more ``@join__type`` for that graph)."""

    graph: str
    keys: tuple[EntityKey, ...]
    extension: bool
    is_interface_object: bool


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """One ``@join__field`` application: the field as one subgraph defines it."""

    graph: str
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False


@dataclass(frozen=True, slots=True)
class FieldMetadata:
    """Where a field can be resolved.

    Attributes:
        parent: parent type name.
        name: field name.
        join_fields: the ``@join__field`` applications by subgraph (empty: none were written).
        resolvable_in: subgraphs that resolve the field (not ``external``, not overridden).
    """

    parent: str
    name: str
    join_fields: dict[str, FieldInGraph]
    resolvable_in: frozenset[str]


@dataclass(slots=True)
class TypeMetadata:
    """A named type and the subgraphs that define it.

    Attributes:
        name: the type name.
        kind: its kind.
        graphs: per subgraph name, its ``@join__type`` data (keys etc.).
        fields: per field name, where it resolves (objects and interfaces only).
        implements: per subgraph, the interfaces the type implements there.
        union_members: per subgraph, the union's members there.
    """

    name: str
    kind: TypeKind
    graphs: dict[str, TypeInGraph] = field(default_factory=dict)
    fields: dict[str, FieldMetadata] = field(default_factory=dict)
    implements: dict[str, frozenset[str]] = field(default_factory=dict)
    union_members: dict[str, frozenset[str]] = field(default_factory=dict)

    def resolvable_keys(self, graph: str) -> tuple[EntityKey, ...]:
        """Keys through which an entity of this type can be fetched from ``graph``."""
        in_graph = self.graphs.get(graph)
        if in_graph is None:
            return ()
        return tuple(key for key in in_graph.keys if key.resolvable)


@dataclass(frozen=True, slots=True)
class Supergraph:
    """A loaded supergraph: its schema, API schema and join metadata.

    Attributes:
        sdl: the supergraph SDL as given.
        schema_hash: sha256 hex of the SDL (plan-cache key part).
        schema: the full supergraph schema (types as composed; join machinery present).
        api_schema: the API schema clients see (machinery and ``@inaccessible`` removed).
        subgraphs: subgraphs by name, in ``join__Graph`` order.
        types: join metadata by type name.
        root_types: operation kind (``query``/``mutation``/``subscription``) to root type name.
        join_version: the linked join spec version, e.g. ``(0, 5)``.
    """

    sdl: str
    schema_hash: str
    schema: GraphQLSchema
    api_schema: GraphQLSchema
    subgraphs: dict[str, SubgraphInfo]
    types: dict[str, TypeMetadata]
    root_types: dict[str, str]
    join_version: tuple[int, int]

    def type_in_graph(self, type_name: str, graph: str) -> bool:
        """True when subgraph ``graph`` defines type ``type_name``."""
        meta = self.types.get(type_name)
        return meta is not None and graph in meta.graphs

    def field_resolvable_in(self, type_name: str, field_name: str) -> frozenset[str]:
        """Subgraphs that resolve ``type_name.field_name`` (empty for unknown fields)."""
        meta = self.types.get(type_name)
        if meta is None:
            return frozenset()
        field_meta = meta.fields.get(field_name)
        return field_meta.resolvable_in if field_meta is not None else frozenset()
