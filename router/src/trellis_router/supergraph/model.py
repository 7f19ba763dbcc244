"""The supergraph model: what the ``join`` directives say about each type and field.

Subgraphs are named by their ``join__graph(name:)`` everywhere (not by enum value).

Spec: Apollo "join" v0.2-v0.5 directive semantics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import GraphQLSchema, SelectionSetNode

from .field_set import parse_field_set

__all__ = [
    "ContextArgument",
    "EntityKey",
    "FieldInGraph",
    "FieldMetadata",
    "JoinDirective",
    "OverrideCondition",
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
class ContextArgument:
    """One ``@fromContext`` argument, as ``@join__field(contextArguments:)`` carries it.

    The argument is not part of the supergraph field: the planner adds it to the subgraph
    fetch, filled from the nearest ancestor whose type carries ``context``.

    Attributes:
        name: the argument name in the subgraph, e.g. ``"currency"``.
        type: the argument type in the subgraph's SDL form, e.g. ``"String"`` or ``"[ID!]"``.
        context: the qualified context name, ``<subgraph name>__<context>`` (matches
            :attr:`TypeMetadata.contexts`).
        selection: the selection to read on the context type, as written, e.g.
            ``" { currency }"`` or ``"... on User { id } ... on Admin { id }"``.

    Spec: Apollo "join" v0.5, ``join__ContextArgument``; "context" v0.1.
    """

    name: str
    type: str
    context: str
    selection: str

    @property
    def selection_set(self) -> SelectionSetNode:
        """The parsed :attr:`selection` (braces added when the text has none)."""
        text = self.selection.strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        return parse_field_set(text)


@dataclass(frozen=True, slots=True)
class JoinDirective:
    """One ``@join__directive`` application: a directive some subgraphs apply to an element.

    Kept as metadata; the router does not act on it.

    Attributes:
        name: the directive name as the subgraphs wrote it (without ``@``).
        graphs: subgraph names the application belongs to.
        args: the directive arguments (``join__DirectiveArguments``), as plain Python values.

    Spec: Apollo "join" v0.4+, ``@join__directive(graphs:, name:, args:)``.
    """

    name: str
    graphs: tuple[str, ...]
    args: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OverrideCondition:
    """When a progressively overridden field copy is live.

    Attributes:
        label: the ``overrideLabel``, e.g. ``"percent(25)"`` or ``"new-billing"``.
        active: the copy is live when the label's state equals this: True on the overriding
            side (``override:`` set), False on the overridden side.

    Spec: Apollo "join" v0.4, ``overrideLabel``; Federation ``@override(label:)``.
    """

    label: str
    active: bool


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """One ``@join__field`` application: the field as one subgraph defines it.

    Attributes:
        graph: subgraph name.
        external: ``external: true``: declared there, resolvable only through ``@provides``.
        requires: the ``@requires`` field set, if any.
        provides: the ``@provides`` field set, if any.
        type: the field type in that subgraph when it differs from the supergraph's.
        override: the subgraph this copy overrides (``@override(from:)``).
        override_label: the progressive override label (on both the overriding and the
            overridden copy).
        used_overridden: the overridden copy is kept because keys/requires/provides use it.
        context_arguments: the ``@fromContext`` arguments of this copy.
    """

    graph: str
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: tuple[ContextArgument, ...] = ()

    @property
    def override_condition(self) -> OverrideCondition | None:
        """The label condition under which this copy is live (None: unconditional)."""
        if self.override_label is None:
            return None
        return OverrideCondition(label=self.override_label, active=self.override is not None)


@dataclass(frozen=True, slots=True)
class FieldMetadata:
    """Where a field can be resolved.

    Attributes:
        parent: parent type name.
        name: field name.
        join_fields: the ``@join__field`` applications by subgraph (empty: none were written).
        resolvable_in: subgraphs that resolve the field with no override label active (not
            ``external``, not overridden; for a field added to an implementation by an
            ``@interfaceObject`` graph, that graph).
        override_conditions: per subgraph, the label condition under which that copy is live
            (only labelled, progressive overrides appear here).
        via_interface_object: subgraphs that resolve the field only through an interface they
            model as ``@interfaceObject`` (a ``@join__field`` without ``graph``).
        directives_by_graph: ``@join__directive`` applications on the field, per subgraph.
    """

    parent: str
    name: str
    join_fields: dict[str, FieldInGraph]
    resolvable_in: frozenset[str]
    override_conditions: Mapping[str, OverrideCondition] = field(default_factory=dict)
    via_interface_object: frozenset[str] = frozenset()
    directives_by_graph: Mapping[str, tuple[JoinDirective, ...]] = field(default_factory=dict)

    def resolvable_in_with(self, active_labels: frozenset[str]) -> frozenset[str]:
        """Subgraphs that resolve the field when the given override labels are active.

        Args:
            active_labels: the override labels active for this request.

        Returns:
            :attr:`resolvable_in` with each labelled copy kept or dropped by its label: the
            overriding copy is live when its label is active, the overridden one otherwise.

        Spec: Apollo "join" v0.4 ``overrideLabel``; Apollo's planner treats every label not
        given as inactive.
        """
        if not self.override_conditions:
            return self.resolvable_in
        live = {
            graph
            for graph, condition in self.override_conditions.items()
            if (condition.label in active_labels) == condition.active
        }
        return frozenset((self.resolvable_in - self.override_conditions.keys()) | live)


@dataclass(slots=True)
class TypeMetadata:
    """A named type and the subgraphs that define it.

    Attributes:
        name: the type name.
        kind: its kind.
        graphs: per subgraph name, its ``@join__type`` data (keys etc.).
        fields: per field name, where it resolves (objects and interfaces only).
        implements: per subgraph, the interfaces the type implements there.
        union_members: per subgraph, the union's members there (from ``@join__unionMember``;
            for join v0.2, inferred from the subgraphs that define each member).
        interface_object_graphs: subgraphs where this interface is an ``@interfaceObject``.
        contexts: the ``@context`` names set on the type, qualified as
            ``<subgraph name>__<context>``.
        directives_by_graph: ``@join__directive`` applications on the type, per subgraph.
    """

    name: str
    kind: TypeKind
    graphs: dict[str, TypeInGraph] = field(default_factory=dict)
    fields: dict[str, FieldMetadata] = field(default_factory=dict)
    implements: dict[str, frozenset[str]] = field(default_factory=dict)
    union_members: dict[str, frozenset[str]] = field(default_factory=dict)
    interface_object_graphs: frozenset[str] = frozenset()
    contexts: tuple[str, ...] = ()
    directives_by_graph: dict[str, tuple[JoinDirective, ...]] = field(default_factory=dict)

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
        possible_types: per abstract type, per subgraph, the object types that subgraph
            knows as its runtime types (empty in a graph modelling it as ``@interfaceObject``).
        override_labels: every ``overrideLabel`` written in the supergraph.
        directives_by_graph: schema-level ``@join__directive`` applications, per subgraph.
        features: identity URL (without version) to the linked ``(major, minor)`` version.
    """

    sdl: str
    schema_hash: str
    schema: GraphQLSchema
    api_schema: GraphQLSchema
    subgraphs: dict[str, SubgraphInfo]
    types: dict[str, TypeMetadata]
    root_types: dict[str, str]
    join_version: tuple[int, int]
    possible_types: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    override_labels: frozenset[str] = frozenset()
    directives_by_graph: Mapping[str, tuple[JoinDirective, ...]] = field(default_factory=dict)
    features: Mapping[str, tuple[int, int]] = field(default_factory=dict)

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

    def field_resolvable_in_with(
        self, type_name: str, field_name: str, active_labels: frozenset[str]
    ) -> frozenset[str]:
        """Like :meth:`field_resolvable_in`, with the given override labels active.

        Args:
            type_name: parent type name.
            field_name: field name.
            active_labels: override labels active for this request.

        Returns:
            Subgraph names (empty for unknown fields).
        """
        meta = self.types.get(type_name)
        field_meta = meta.fields.get(field_name) if meta is not None else None
        if field_meta is None:
            return frozenset()
        return field_meta.resolvable_in_with(active_labels)

    def field_resolvable_in_for(
        self,
        type_name: str,
        field_name: str,
        active_labels: frozenset[str] = frozenset(),
    ) -> frozenset[str]:
        """Subgraphs that resolve ``field_name`` for objects of type ``type_name``.

        For an object type this adds, to the field's own graphs, every graph that models one of
        its interfaces as an ``@interfaceObject`` and resolves the interface's field there:
        such a graph answers the field for any implementation, through the interface.

        Args:
            type_name: an object or interface type name.
            field_name: the field name.
            active_labels: override labels active for this request.

        Returns:
            Subgraph names (empty for unknown fields).

        Spec: Apollo Federation ``@interfaceObject`` (Federation 2.3); "join" v0.3
        ``@join__field`` without ``graph``.
        """
        meta = self.types.get(type_name)
        if meta is None:
            return frozenset()
        field_meta = meta.fields.get(field_name)
        graphs = (
            field_meta.resolvable_in_with(active_labels) if field_meta is not None else frozenset()
        )
        if meta.kind != "object":
            return graphs
        extra: set[str] = set()
        for interface in self._interfaces_of(type_name):
            interface_meta = self.types.get(interface)
            if interface_meta is None or not interface_meta.interface_object_graphs:
                continue
            interface_field = interface_meta.fields.get(field_name)
            if interface_field is None:
                continue
            live = interface_field.resolvable_in_with(active_labels)
            extra.update(live & interface_meta.interface_object_graphs)
        return graphs | extra

    def possible_types_in_graph(self, abstract_type: str, graph: str) -> frozenset[str]:
        """Object types subgraph ``graph`` knows as runtime types of ``abstract_type``.

        Args:
            abstract_type: an interface or union name.
            graph: a subgraph name.

        Returns:
            Object type names; empty when the graph does not define the type, models it as an
            ``@interfaceObject``, or the name is not abstract.

        Spec: Apollo "join" ``@join__implements`` (v0.2+) and ``@join__unionMember`` (v0.3+);
        without ``@join__unionMember``, a union's members in a graph are the members that graph
        defines (what Apollo's subgraph extraction does).
        """
        by_graph = self.possible_types.get(abstract_type)
        if by_graph is None:
            return frozenset()
        return by_graph.get(graph, frozenset())

    def implements_in_graph(self, object_type: str, interface: str, graph: str) -> bool:
        """True when ``object_type`` implements ``interface`` in subgraph ``graph``.

        Args:
            object_type: an object (or interface) type name.
            interface: an interface name.
            graph: a subgraph name.

        Returns:
            Whether ``@join__implements(graph:, interface:)`` is written on the type.

        Spec: Apollo "join" v0.2+ ``@join__implements``.
        """
        meta = self.types.get(object_type)
        return meta is not None and interface in meta.implements.get(graph, frozenset())

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        """True when subgraph ``graph`` models interface ``type_name`` as ``@interfaceObject``."""
        meta = self.types.get(type_name)
        return meta is not None and graph in meta.interface_object_graphs

    def _interfaces_of(self, type_name: str) -> tuple[str, ...]:
        named = self.schema.get_type(type_name)
        interfaces = getattr(named, "interfaces", None) or ()
        return tuple(interface.name for interface in interfaces)
