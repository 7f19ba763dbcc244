"""Composition rules: inline subgraph SDL -> supergraph pieces or Apollo error codes."""

from __future__ import annotations

import pytest
from trellis_router.composition import CompositionResult, SubgraphDefinition, compose


def fed2(sdl: str, *imports: str, version: str = "2.3") -> str:
    names = ", ".join(f'"{name}"' for name in imports)
    return (
        f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", '
        f"import: [{names}])\n{sdl}"
    )


def compose_sdl(**subgraphs: str) -> CompositionResult:
    return compose([SubgraphDefinition(n, f"http://{n}", sdl) for n, sdl in subgraphs.items()])


def codes(result: CompositionResult) -> list[str]:
    return [e.code for e in result.errors]


def block(sdl: str, header: str) -> str:
    """The printed definition starting with ``header`` (up to the next blank line)."""
    start = sdl.index(header + "\n") if header + "\n" in sdl else sdl.index(header + " ")
    end = sdl.find("\n\n", start)
    return sdl[start:] if end < 0 else sdl[start:end]


STRAWBERRY_CUSTOMERS = """\
schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"]) {
  query: Query
}

type Customer @key(fields: "id") {
  id: ID!
  name: String!
  email: String!
}

type Query {
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
  customers: [Customer!]!
  customer(id: ID!): Customer
}

scalar _Any

union _Entity = Customer

type _Service {
  sdl: String!
}
"""

STRAWBERRY_BILLING = '''\
schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key", "@shareable"]) {
  query: Query
}

type Customer @key(fields: "id") {
  id: ID!
  invoices: [Invoice!]!
}

"""Date with time (isoformat)"""
scalar DateTime

type Invoice @key(fields: "id") {
  id: ID!
  issuedAt: DateTime!
  total: Money!
  product: Product @deprecated(reason: "use items")
}

type Money @shareable {
  amount: Int!
  currency: String!
}

type Product @key(fields: "id", resolvable: false) {
  id: ID!
}

type Query {
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
  invoices: [Invoice!]!
}

scalar _Any

union _Entity = Customer | Invoice | Product

type _Service {
  sdl: String!
}
'''

STRAWBERRY_INVENTORY = """\
schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key", "@shareable"]) {
  query: Query
}

type Money @shareable {
  amount: Int!
  currency: String!
}

type Product @key(fields: "id") {
  id: ID!
  sku: String!
  price: Money!
}

type Query {
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
  products: [Product!]!
}

scalar _Any

union _Entity = Product

type _Service {
  sdl: String!
}
"""


def test_strawberry_subgraphs_compose_with_join_v05_and_machinery_stripped() -> None:
    result = compose_sdl(
        customers=STRAWBERRY_CUSTOMERS,
        billing=STRAWBERRY_BILLING,
        inventory=STRAWBERRY_INVENTORY,
    )
    assert result.ok, result.errors
    sdl = result.supergraph_sdl
    assert sdl is not None
    assert sdl.startswith(
        "schema\n"
        '  @link(url: "https://specs.apollo.dev/link/v1.0")\n'
        '  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)\n'
        "{\n  query: Query\n}\n\n"
        "directive @join__directive("
    )
    for machinery in ("_service", "_entities", "_Any", "_Entity", "_Service", "federation__"):
        assert machinery not in sdl
    assert block(sdl, "enum join__Graph") == (
        "enum join__Graph {\n"
        '  BILLING @join__graph(name: "billing", url: "http://billing")\n'
        '  CUSTOMERS @join__graph(name: "customers", url: "http://customers")\n'
        '  INVENTORY @join__graph(name: "inventory", url: "http://inventory")\n'
        "}"
    )
    assert block(sdl, "type Customer") == (
        "type Customer\n"
        '  @join__type(graph: BILLING, key: "id")\n'
        '  @join__type(graph: CUSTOMERS, key: "id")\n'
        "{\n"
        "  id: ID!\n"
        "  invoices: [Invoice!]! @join__field(graph: BILLING)\n"
        "  name: String! @join__field(graph: CUSTOMERS)\n"
        "  email: String! @join__field(graph: CUSTOMERS)\n"
        "}"
    )
    assert block(sdl, "type Product") == (
        "type Product\n"
        '  @join__type(graph: BILLING, key: "id", resolvable: false)\n'
        '  @join__type(graph: INVENTORY, key: "id")\n'
        "{\n"
        "  id: ID!\n"
        "  sku: String! @join__field(graph: INVENTORY)\n"
        "  price: Money! @join__field(graph: INVENTORY)\n"
        "}"
    )
    assert block(sdl, "type Money") == (
        "type Money\n"
        "  @join__type(graph: BILLING)\n"
        "  @join__type(graph: INVENTORY)\n"
        "{\n  amount: Int!\n  currency: String!\n}"
    )
    assert block(sdl, '"""Date with time (isoformat)"""') == (
        '"""Date with time (isoformat)"""\nscalar DateTime\n  @join__type(graph: BILLING)'
    )
    assert (
        '  product: Product @join__field(graph: BILLING) @deprecated(reason: "use items")'
        not in sdl
    )  # Invoice is only in billing: no join__field at all
    assert '  product: Product @deprecated(reason: "use items")' in sdl
    assert block(sdl, "type Query") == (
        "type Query\n"
        "  @join__type(graph: BILLING)\n"
        "  @join__type(graph: CUSTOMERS)\n"
        "  @join__type(graph: INVENTORY)\n"
        "{\n"
        "  invoices: [Invoice!]! @join__field(graph: BILLING)\n"
        "  customers: [Customer!]! @join__field(graph: CUSTOMERS)\n"
        "  customer(id: ID!): Customer @join__field(graph: CUSTOMERS)\n"
        "  products: [Product!]! @join__field(graph: INVENTORY)\n"
        "}"
    )


@pytest.mark.parametrize(
    ("version", "join"), [("2.3", "v0.3"), ("2.6", "v0.3"), ("2.7", "v0.4"), ("2.8", "v0.5")]
)
def test_join_version_follows_highest_federation_version(version: str, join: str) -> None:
    result = compose_sdl(
        a=fed2("type Query { a: Int }", version=version), b=fed2("type Query { b: Int }")
    )
    assert result.supergraph_sdl is not None
    assert f'@link(url: "https://specs.apollo.dev/join/{join}", for: EXECUTION)' in (
        result.supergraph_sdl
    )
    assert ("contextArguments" in result.supergraph_sdl) == (join == "v0.5")
    assert ("overrideLabel" in result.supergraph_sdl) == (join != "v0.3")


def test_renamed_and_namespaced_federation_directives_are_recognised() -> None:
    a = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", as: "fed", '
        'import: [{name: "@key", as: "@primaryKey"}])\n'
        'type Query { t: T }\ntype T @primaryKey(fields: "id") { id: ID! x: Int @fed__shareable }'
    )
    b = fed2('type T @key(fields: "id") { id: ID! x: Int @shareable }', "@key", "@shareable")
    result = compose_sdl(a=a, b=b)
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert block(result.supergraph_sdl, "type T") == (
        'type T\n  @join__type(graph: A, key: "id")\n  @join__type(graph: B, key: "id")\n'
        "{\n  id: ID!\n  x: Int\n}"
    )


def test_non_shareable_field_in_two_subgraphs_is_invalid_field_sharing() -> None:
    result = compose_sdl(
        a=fed2('type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }', "@key"),
        b=fed2('type T @key(fields: "id") { id: ID! x: Int }', "@key"),
    )
    assert codes(result) == ["INVALID_FIELD_SHARING"]
    assert result.supergraph_sdl is None
    assert '"T.x"' in result.errors[0].message
    assert 'subgraphs "a" and "b"' in result.errors[0].message


def test_shareable_root_field_is_fine_but_plain_duplicate_root_field_is_not() -> None:
    good = compose_sdl(
        a=fed2("type Query { v: Int @shareable }", "@shareable"),
        b=fed2("type Query { v: Int @shareable }", "@shareable"),
    )
    assert good.ok
    bad = compose_sdl(a=fed2("type Query { v: Int }"), b=fed2("type Query { v: Int }"))
    assert codes(bad) == ["INVALID_FIELD_SHARING"]


def test_type_kind_mismatch() -> None:
    result = compose_sdl(
        a=fed2("type Query { t: T }\ntype T { id: ID }"),
        b=fed2("interface T { id: ID }"),
    )
    assert codes(result) == ["TYPE_KIND_MISMATCH"]
    assert "Object Type" in result.errors[0].message
    assert "Interface Type" in result.errors[0].message


def test_incompatible_field_types_are_field_type_mismatch() -> None:
    result = compose_sdl(
        a=fed2(
            'type Query { t: T }\ntype T @key(fields: "id") { id: ID! f: String @shareable }',
            "@key",
            "@shareable",
        ),
        b=fed2('type T @key(fields: "id") { id: ID! f: Int @shareable }', "@key", "@shareable"),
    )
    assert codes(result) == ["FIELD_TYPE_MISMATCH"]
    assert '"T.f"' in result.errors[0].message


def test_compatible_field_types_merge_to_most_general_with_type_in_join_field() -> None:
    result = compose_sdl(
        a=fed2(
            'type Query { t: T }\ntype T @key(fields: "id") { id: ID! f: String! @shareable }',
            "@key",
            "@shareable",
        ),
        b=fed2('type T @key(fields: "id") { id: ID! f: String @shareable }', "@key", "@shareable"),
    )
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert (
        '  f: String @join__field(graph: A, type: "String!") '
        '@join__field(graph: B, type: "String")' in result.supergraph_sdl
    )
    assert [h.code for h in result.hints] == ["INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"]


def test_key_on_unknown_field_is_key_invalid_fields() -> None:
    result = compose_sdl(
        a=fed2('type Query { t: T }\ntype T @key(fields: "nope") { id: ID! }', "@key")
    )
    assert codes(result) == ["KEY_INVALID_FIELDS"]
    assert '[a] On type "T", for @key(fields: "nope")' in result.errors[0].message


def test_key_with_bad_syntax_is_key_invalid_fields() -> None:
    result = compose_sdl(
        a=fed2('type Query { t: T }\ntype T @key(fields: "id {") { id: ID! }', "@key")
    )
    assert codes(result) == ["KEY_INVALID_FIELDS"]


def test_key_selecting_interface_field_is_key_fields_select_invalid_type() -> None:
    sdl = (
        "type Query { t: T }\ninterface I { id: ID! }\ntype Impl implements I { id: ID! }\n"
        'type T @key(fields: "i { id }") { i: I! }'
    )
    result = compose_sdl(a=fed2(sdl, "@key"))
    assert codes(result) == ["KEY_FIELDS_SELECT_INVALID_TYPE"]


def test_key_on_field_with_arguments_is_key_fields_has_args() -> None:
    result = compose_sdl(
        a=fed2('type Query { t: T }\ntype T @key(fields: "id") { id(x: Int): ID! }', "@key")
    )
    assert codes(result) == ["KEY_FIELDS_HAS_ARGS"]


def test_external_everywhere_is_external_missing_on_base() -> None:
    result = compose_sdl(
        a=fed2(
            'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int @external '
            'y: Int @requires(fields: "x") }',
            "@key",
            "@external",
            "@requires",
        ),
    )
    assert codes(result) == ["EXTERNAL_MISSING_ON_BASE"]
    assert '"T.x"' in result.errors[0].message


def test_requires_on_non_external_field_is_an_error() -> None:
    result = compose_sdl(
        a=fed2(
            'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int '
            'y: Int @requires(fields: "x") }',
            "@key",
            "@requires",
        ),
    )
    assert codes(result) == ["REQUIRES_FIELDS_MISSING_EXTERNAL"]


def test_provides_on_scalar_field_is_provides_on_non_object_field() -> None:
    result = compose_sdl(a=fed2('type Query { n: Int @provides(fields: "x") }', "@provides"))
    assert codes(result) == ["PROVIDES_ON_NON_OBJECT_FIELD"]


def test_parse_error_is_invalid_graphql_naming_the_subgraph() -> None:
    result = compose_sdl(a="type Query { a: Int", b=fed2("type Query { b: Int }"))
    assert codes(result) == ["INVALID_GRAPHQL"]
    assert result.errors[0].message.startswith("[a] ")


def test_unknown_type_reference_is_invalid_graphql() -> None:
    result = compose_sdl(a=fed2("type Query { a: Missing }"))
    assert codes(result) == ["INVALID_GRAPHQL"]


def test_unknown_federation_version_is_reported() -> None:
    result = compose_sdl(a=fed2("type Query { a: Int }", version="2.99"))
    assert codes(result) == ["UNKNOWN_FEDERATION_LINK_VERSION"]


def test_override_marks_source_and_drops_unused_overridden_copy() -> None:
    result = compose_sdl(
        a=fed2('type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }', "@key"),
        b=fed2(
            'type T @key(fields: "id") { id: ID! x: Int @override(from: "a") }', "@key", "@override"
        ),
    )
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert '  x: Int @join__field(graph: B, override: "a")' in result.supergraph_sdl


def test_override_from_self_is_an_error() -> None:
    result = compose_sdl(
        a=fed2(
            'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int '
            '@override(from: "a") }',
            "@key",
            "@override",
        )
    )
    assert codes(result) == ["OVERRIDE_FROM_SELF_ERROR"]


def test_interfaces_unions_and_enums_carry_join_metadata() -> None:
    a = fed2(
        "type Query { s: [S] e: E }\ninterface Node { id: ID! }\n"
        "type Book implements Node { id: ID! }\nunion S = Book\nenum E { A B }"
    )
    b = fed2(
        "type Query { s2: [S] }\ninterface Node { id: ID! }\n"
        "type Film implements Node { id: ID! }\nunion S = Film\nenum E { B C }"
    )
    result = compose_sdl(a=a, b=b)
    assert result.ok, result.errors
    sdl = result.supergraph_sdl
    assert sdl is not None
    assert block(sdl, "type Book implements Node") == (
        "type Book implements Node\n"
        '  @join__implements(graph: A, interface: "Node")\n'
        "  @join__type(graph: A)\n"
        "{\n  id: ID!\n}"
    )
    assert block(sdl, "union S") == (
        "union S\n  @join__type(graph: A)\n  @join__type(graph: B)\n"
        '  @join__unionMember(graph: A, member: "Book")\n'
        '  @join__unionMember(graph: B, member: "Film")\n'
        " = Book | Film"
    )
    assert block(sdl, "enum E") == (
        "enum E\n  @join__type(graph: A)\n  @join__type(graph: B)\n{\n"
        "  A @join__enumValue(graph: A)\n"
        "  B @join__enumValue(graph: A) @join__enumValue(graph: B)\n"
        "  C @join__enumValue(graph: B)\n}"
    )
    assert "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM" in [h.code for h in result.hints]


def test_enum_used_as_input_and_output_must_match() -> None:
    result = compose_sdl(
        a=fed2("type Query { e(x: E): E }\nenum E { A B }"),
        b=fed2("type Query { f: E }\nenum E { A }"),
    )
    assert codes(result) == ["ENUM_VALUE_MISMATCH"]


def test_arguments_intersect_and_required_missing_is_an_error() -> None:
    ok = compose_sdl(
        a=fed2("type Query { f(x: Int, y: Int): Int @shareable }", "@shareable"),
        b=fed2("type Query { f(x: Int!): Int @shareable }", "@shareable"),
    )
    assert ok.supergraph_sdl is not None
    assert "  f(x: Int!): Int\n" in ok.supergraph_sdl
    assert sorted(h.code for h in ok.hints) == [
        "INCONSISTENT_ARGUMENT_PRESENCE",
        "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE",
    ]
    bad = compose_sdl(
        a=fed2("type Query { f(x: Int, y: Int!): Int @shareable }", "@shareable"),
        b=fed2("type Query { f(x: Int): Int @shareable }", "@shareable"),
    )
    assert codes(bad) == ["REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"]


def test_input_objects_intersect_fields() -> None:
    result = compose_sdl(
        a=fed2("type Query { f(i: In): Int }\ninput In { a: Int b: Int = 3 }"),
        b=fed2("type Query { g(i: In): Int }\ninput In { b: Int = 3 }"),
    )
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert block(result.supergraph_sdl, "input In") == (
        "input In\n  @join__type(graph: A)\n  @join__type(graph: B)\n{\n  b: Int = 3\n}"
    )


def test_tag_and_inaccessible_add_their_specs() -> None:
    result = compose_sdl(
        a=fed2(
            'type Query { a: Int @tag(name: "public") b: Int @inaccessible }',
            "@tag",
            "@inaccessible",
        )
    )
    assert result.ok, result.errors
    sdl = result.supergraph_sdl
    assert sdl is not None
    assert '@link(url: "https://specs.apollo.dev/tag/v0.3")' in sdl
    assert '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)' in sdl
    assert '  a: Int @tag(name: "public")' in sdl
    assert "  b: Int @inaccessible" in sdl
    assert "directive @tag(name: String!) repeatable on" in sdl


def test_descriptions_are_kept_in_apollo_block_form() -> None:
    result = compose_sdl(
        a=fed2(
            '"Root"\ntype Query {\n  "first"\n  a(\n    "the x"\n    x: Int\n  ): Int\n'
            '  "second"\n  b: Int\n}'
        )
    )
    assert result.supergraph_sdl is not None
    assert (
        '"""Root"""\ntype Query\n  @join__type(graph: A)\n{\n'
        '  """first"""\n  a(\n    """the x"""\n    x: Int\n  ): Int\n'
        '\n  """second"""\n  b: Int\n}'
    ) in result.supergraph_sdl


def test_subgraph_names_are_sanitised_into_graph_enum_values() -> None:
    result = compose(
        [
            SubgraphDefinition("my-service", "http://x", fed2("type Query { a: Int }")),
            SubgraphDefinition("v_2", "http://y", fed2("type Query { b: Int }")),
        ]
    )
    assert result.supergraph_sdl is not None
    assert '  MY_SERVICE @join__graph(name: "my-service", url: "http://x")' in (
        result.supergraph_sdl
    )
    assert '  V_2_ @join__graph(name: "v_2", url: "http://y")' in result.supergraph_sdl


def test_no_query_fields_is_no_queries() -> None:
    assert codes(compose_sdl(a=fed2("type T { a: Int }"))) == ["NO_QUERIES"]


def test_composed_directive_named_differently_in_two_subgraphs_is_an_error() -> None:
    """Apollo 2.14.4 crashes on this input (an assertion in its mismatch reporter), so it has
    no recorded fixture: we report DIRECTIVE_COMPOSITION_ERROR naming both spellings."""

    def subgraph(local: str, field: str) -> str:
        return (
            'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
            'import: ["@composeDirective"])\n'
            f'  @link(url: "https://example.com/custom/v1.0", import: [{{name: "@custom", '
            f'as: "@{local}"}}])\n'
            f'  @composeDirective(name: "@{local}")\n'
            f"directive @{local} on FIELD_DEFINITION\n"
            f"type Query {{ {field}: Int @{local} }}\n"
        )

    result = compose_sdl(a=subgraph("one", "f"), b=subgraph("two", "g"))
    assert [(e.code, e.message) for e in result.errors] == [
        (
            "DIRECTIVE_COMPOSITION_ERROR",
            "Composed directive is not named consistently in all subgraphs: "
            '"@one" in subgraph "a" and "@two" in subgraph "b"',
        )
    ]
