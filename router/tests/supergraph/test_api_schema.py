"""The API schema: ``@inaccessible`` elements and feature machinery removed.

Spec: Apollo ``toAPISchema`` (``removeInaccessibleElements``, ``removeAllCoreFeatures``).
"""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    graphql_sync,
    introspection_from_schema,
    print_schema,
)
from trellis_router.supergraph import load_supergraph

from .conftest import load_fixture, minimal_supergraph


@pytest.fixture(scope="module")
def api() -> GraphQLSchema:
    return load_fixture("api_schema").api_schema


def _object(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    named = schema.get_type(name)
    assert isinstance(named, GraphQLObjectType)
    return named


def test_inaccessible_types_are_removed(api: GraphQLSchema) -> None:
    assert api.get_type("Hidden") is None
    assert api.get_type("Gadget") is None
    assert api.get_type("Secret") is None


def test_inaccessible_fields_are_removed(api: GraphQLSchema) -> None:
    assert "hidden" not in _object(api, "Query").fields
    assert "internal" not in _object(api, "Product").fields
    assert "name" in _object(api, "Product").fields


def test_inaccessible_arguments_are_removed(api: GraphQLSchema) -> None:
    assert list(_object(api, "Query").fields["products"].args) == ["first", "filter"]


def test_inaccessible_enum_values_are_removed(api: GraphQLSchema) -> None:
    status = api.get_type("Status")
    assert isinstance(status, GraphQLEnumType)
    assert list(status.values) == ["ACTIVE", "LEGACY"]


def test_inaccessible_input_fields_are_removed(api: GraphQLSchema) -> None:
    filter_type = api.get_type("Filter")
    assert isinstance(filter_type, GraphQLInputObjectType)
    assert list(filter_type.fields) == ["name"]


def test_inaccessible_interfaces_leave_implements_lists(api: GraphQLSchema) -> None:
    assert [i.name for i in _object(api, "Widget").interfaces] == ["Node"]


def test_inaccessible_union_members_leave_unions(api: GraphQLSchema) -> None:
    kind = api.get_type("Kind")
    assert isinstance(kind, GraphQLUnionType)
    assert [t.name for t in kind.types] == ["Widget"]


def test_descriptions_are_kept(api: GraphQLSchema) -> None:
    assert _object(api, "Query").description == "Root."
    assert _object(api, "Product").description == "A product."
    assert _object(api, "Query").fields["products"].description == "Find products."
    status = api.get_type("Status")
    assert isinstance(status, GraphQLEnumType)
    assert status.description == "Status values."


def test_deprecated_and_specified_by_are_kept(api: GraphQLSchema) -> None:
    assert _object(api, "Query").fields["old"].deprecation_reason == "use products"
    status = api.get_type("Status")
    assert isinstance(status, GraphQLEnumType)
    assert status.values["LEGACY"].deprecation_reason == "gone"
    date = api.get_type("Date")
    assert date is not None
    assert date.specified_by_url == "https://example.com/date"  # type: ignore[attr-defined]


def test_feature_directives_and_types_are_removed(api: GraphQLSchema) -> None:
    directive_names = {d.name for d in api.directives}
    assert directive_names == {"include", "skip", "deprecated", "specifiedBy", "oneOf"}
    type_names = {name for name in api.type_map if not name.startswith("__")}
    assert type_names == {
        "Query", "Product", "Status", "Filter", "Node", "Widget", "Kind", "Date", "Pick",
        "Int", "String", "ID", "Boolean",
    }  # fmt: skip
    printed = print_schema(api)
    for machinery in ("join__", "link__", "policy__", "requiresScopes__", "@tag", "@cost"):
        assert machinery not in printed


def test_auth_and_cost_fields_stay_visible(api: GraphQLSchema) -> None:
    assert {"me", "admin", "policy"} <= set(_object(api, "Query").fields)


def test_api_schema_introspects_and_round_trips(api: GraphQLSchema) -> None:
    rebuilt = build_client_schema(introspection_from_schema(api))
    assert print_schema(rebuilt) == print_schema(api)
    result = graphql_sync(api, '{ __type(name: "Status") { enumValues { name } } }')
    assert result.errors is None
    assert result.data == {"__type": {"enumValues": [{"name": "ACTIVE"}]}}


ONE_OF = """
input Pick @join__type(graph: A) @oneOf { id: ID name: String }
directive @oneOf on INPUT_OBJECT
directive @stream(initialCount: Int = 0) on FIELD
directive @trace(level: Int) on FIELD | QUERY
type Thing @join__type(graph: A) { x(by: Pick): Int }
"""


def test_one_of_is_kept_and_custom_stream_dropped() -> None:
    api = load_supergraph(minimal_supergraph(body=ONE_OF)).api_schema
    pick = api.get_type("Pick")
    assert isinstance(pick, GraphQLInputObjectType)
    assert pick.is_one_of
    assert api.get_directive("stream") is None
    trace = api.get_directive("trace")
    assert trace is not None
    assert [loc.name for loc in trace.locations] == ["FIELD", "QUERY"]


def test_inaccessible_under_an_imported_name() -> None:
    sdl = minimal_supergraph(
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) '
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", '
        'import: [{name: "@inaccessible", as: "@hidden"}], for: SECURITY)',
        """
directive @hidden on FIELD_DEFINITION | OBJECT
type Thing @join__type(graph: A) { x: Int y: Int @hidden }
type Gone @join__type(graph: A) @hidden { x: Int }
""",
    )
    api = load_supergraph(sdl).api_schema
    assert list(_object(api, "Thing").fields) == ["x"]
    assert api.get_type("Gone") is None
    assert api.get_directive("hidden") is None


def test_supergraph_schema_keeps_everything() -> None:
    supergraph = load_fixture("api_schema")
    assert "internal" in _object(supergraph.schema, "Product").fields
    assert supergraph.schema.get_type("Hidden") is not None
    assert "internal" in supergraph.types["Product"].fields
