"""Progressive @override: labels rolled per request, custom labels from settings, plan per label set."""

from __future__ import annotations

from graphql import parse
from trellis_router.pipeline.override import active_override_labels
from trellis_router.planner import plan_operation
from trellis_router.supergraph import load_supergraph

LABELS = frozenset({"percent(25)", "new-billing"})


def test_percent_label_active_when_the_roll_is_below_the_percentage():
    assert active_override_labels(LABELS, frozenset(), roll=lambda: 0.10) == {"percent(25)"}
    assert active_override_labels(LABELS, frozenset(), roll=lambda: 0.25) == frozenset()


def test_custom_label_active_only_when_configured():
    active = active_override_labels(LABELS, frozenset({"new-billing"}), roll=lambda: 0.99)
    assert active == {"new-billing"}


SUPERGRAPH = """
schema @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION) { query: Query }
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION
scalar join__DirectiveArguments
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
  B @join__graph(name: "b", url: "http://b")
}
type Product @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  price: Int @join__field(graph: A, overrideLabel: "percent(25)") @join__field(graph: B, override: "a", overrideLabel: "percent(25)")
}
type Query @join__type(graph: A) @join__type(graph: B) {
  products: [Product] @join__field(graph: A)
}
"""


def test_the_label_decides_which_subgraph_resolves_the_field():
    supergraph = load_supergraph(SUPERGRAPH)
    document = parse("{ products { price } }")
    off = plan_operation(supergraph, document, None)
    on = plan_operation(supergraph, document, None, frozenset({"percent(25)"}))
    assert [f.service_name for f in off.fetch_nodes()] == ["a"]
    assert [f.service_name for f in on.fetch_nodes()] == ["a", "b"]
