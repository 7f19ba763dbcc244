"""Composition rules where Apollo's output settled the exact behaviour (one test per rule)."""

from __future__ import annotations

from trellis_router.composition import CompositionResult, SubgraphDefinition, compose


def fed2(sdl: str, *imports: str, version: str = "2.3") -> str:
    names = ", ".join(f'"{name}"' for name in imports)
    return (
        f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", '
        f"import: [{names}])\n{sdl}"
    )


def compose_sdl(**subgraphs: str) -> CompositionResult:
    return compose([SubgraphDefinition(n, f"http://{n}", sdl) for n, sdl in subgraphs.items()])


def supergraph(**subgraphs: str) -> str:
    result = compose_sdl(**subgraphs)
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    return result.supergraph_sdl


OWNER = fed2(
    """
    type Query { users: [User] }
    type User @key(fields: "id") { id: ID! address: Address @shareable }
    type Address @shareable { city: String country: String }
    """,
    "@key",
    "@shareable",
)


def test_requires_selects_non_external_fields_nested_under_an_external_field() -> None:
    sdl = supergraph(
        a=OWNER,
        b=fed2(
            """
            type User @key(fields: "id") {
              id: ID!
              address: Address @external
              estimate: Int @requires(fields: "address { city country }")
            }
            type Address @shareable { city: String country: String }
            """,
            "@key",
            "@shareable",
            "@external",
            "@requires",
        ),
    )
    assert 'estimate: Int @join__field(graph: B, requires: "address { city country }")' in sdl


def test_provides_selects_non_external_fields_nested_under_an_external_field() -> None:
    sdl = supergraph(
        a=OWNER,
        b=fed2(
            """
            type Query { me: User @provides(fields: "address { city }") }
            type User @key(fields: "id") { id: ID! address: Address @external }
            type Address @shareable { city: String country: String }
            """,
            "@key",
            "@shareable",
            "@external",
            "@provides",
        ),
    )
    assert 'me: User @join__field(graph: B, provides: "address { city }")' in sdl


def test_requires_leaf_without_external_is_still_an_error() -> None:
    result = compose_sdl(
        a=OWNER,
        b=fed2(
            """
            type User @key(fields: "id") { id: ID! name: String x: Int @requires(fields: "name") }
            """,
            "@key",
            "@requires",
        ),
    )
    assert [e.code for e in result.errors] == ["REQUIRES_FIELDS_MISSING_EXTERNAL"]


INTERFACE_OWNER = fed2(
    """
    type Query { accounts: [Account] }
    interface Account @key(fields: "id") { id: ID! }
    type Personal implements Account @key(fields: "id") { id: ID! nickname: String }
    """,
    "@key",
)
INTERFACE_OBJECT = fed2(
    """
    type Account @key(fields: "id") @interfaceObject {
      id: ID!
      "The balance."
      balance(currency: String): Int @deprecated(reason: "no")
    }
    """,
    "@key",
    "@interfaceObject",
)


def test_interface_object_key_field_is_bare_on_the_interface() -> None:
    sdl = supergraph(a=INTERFACE_OWNER, b=INTERFACE_OBJECT)
    assert "{\n  id: ID!\n\n" in sdl[sdl.index("interface Account") :]


def test_interface_object_fields_are_copied_onto_implementations() -> None:
    sdl = supergraph(a=INTERFACE_OWNER, b=INTERFACE_OBJECT)
    personal = sdl[sdl.index("type Personal") :]
    assert (
        '  nickname: String\n\n  """The balance."""\n'
        '  balance(currency: String): Int @deprecated(reason: "no") @join__field\n}'
    ) in personal


OVERRIDE_SOURCE = fed2(
    'type Query { t: T } type T @key(fields: "id") { id: ID! x: Int }', "@key", version="2.7"
)


def test_override_from_a_missing_subgraph_keeps_the_override_argument() -> None:
    result = compose_sdl(
        a=OVERRIDE_SOURCE,
        b=fed2(
            'type T @key(fields: "id") { id: ID! y: Int @override(from: "ghost") }',
            "@key",
            "@override",
        ),
    )
    assert result.supergraph_sdl is not None
    assert '  y: Int @join__field(graph: B, override: "ghost")' in result.supergraph_sdl
    assert "FROM_SUBGRAPH_DOES_NOT_EXIST" in [h.code for h in result.hints]


def test_progressive_override_labels_the_from_subgraph_copy() -> None:
    sdl = supergraph(
        a=OVERRIDE_SOURCE,
        b=fed2(
            'type T @key(fields: "id") { id: ID! x: Int @override(from: "a", label: "percent(5)") }',
            "@key",
            "@override",
            version="2.7",
        ),
    )
    assert (
        '  x: Int @join__field(graph: A, overrideLabel: "percent(5)") '
        '@join__field(graph: B, override: "a", overrideLabel: "percent(5)")'
    ) in sdl


def test_override_of_a_field_implementing_an_interface_is_used_overridden() -> None:
    sdl = supergraph(
        a=fed2(
            """
            type Query { named: [Named] }
            interface Named { name: String }
            type T implements Named @key(fields: "id") { id: ID! name: String }
            """,
            "@key",
        ),
        b=fed2(
            'type T @key(fields: "id") { id: ID! name: String @override(from: "a") }',
            "@key",
            "@override",
        ),
    )
    assert (
        "  name: String @join__field(graph: A, usedOverridden: true) "
        '@join__field(graph: B, override: "a")'
    ) in sdl


def test_union_members_are_joined_member_by_member() -> None:
    union = "type Query { u: U @shareable } union U = X | Y type X @shareable { a: Int } type Y @shareable { b: Int }"
    sdl = supergraph(a=fed2(union, "@shareable"), b=fed2(union, "@shareable"))
    assert (
        '  @join__unionMember(graph: A, member: "X")\n'
        '  @join__unionMember(graph: B, member: "X")\n'
        '  @join__unionMember(graph: A, member: "Y")\n'
        '  @join__unionMember(graph: B, member: "Y")\n'
    ) in sdl


def test_inaccessible_comes_before_join_directives() -> None:
    sdl = supergraph(
        a=fed2(
            """
            type Query { e: E secret: Int @inaccessible }
            enum E { A B @inaccessible }
            """,
            "@inaccessible",
        ),
        b=fed2("type Query { other: Int }"),
    )
    assert "  secret: Int @inaccessible @join__field(graph: A)" in sdl
    assert "  B @inaccessible @join__enumValue(graph: A)" in sdl


def test_fed1_extend_type_is_upgraded_to_a_plain_type_without_external_keys() -> None:
    sdl = supergraph(
        a=fed2('type Query { u: U } type U @key(fields: "id") { id: ID! name: String }', "@key"),
        b='extend type U @key(fields: "id") { id: ID! @external extra: Int }',
        c='type U @key(fields: "id") @extends { id: ID! @external other: Int }',
    )
    assert '  @join__type(graph: B, key: "id")\n' in sdl
    assert '  @join__type(graph: C, key: "id", extension: true)\n' in sdl
    assert "{\n  id: ID!\n  name: String @join__field(graph: A)" in sdl


def test_context_and_from_context_compose_to_context_arguments() -> None:
    sdl = supergraph(
        a=fed2(
            """
            type Query { stores: [Store] }
            type Store @key(fields: "id") @context(name: "shop") {
              id: ID!
              currency: String!
              products: [Product]
            }
            type Product @key(fields: "id") {
              id: ID!
              price(currency: String @fromContext(field: "$shop { currency }")): Int
            }
            """,
            "@key",
            "@context",
            "@fromContext",
            version="2.8",
        )
    )
    assert '  @link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)\n' in sdl
    assert "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION" in sdl
    assert "scalar context__ContextFieldValue" in sdl
    assert '  @context(name: "a__shop")\n' in sdl
    assert (
        '  price: Int @join__field(graph: A, contextArguments: [{context: "a__shop", '
        'name: "currency", type: "String", selection: " { currency }"}])'
    ) in sdl
