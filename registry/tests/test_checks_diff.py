"""Breaking-change detection: every change kind, its severity and its schema coordinate."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, build_schema
from trellis_registry.checks import ChangeKind, SchemaChange, Severity, diff_api_schemas
from trellis_registry.checks.changes import type_condition_key
from trellis_registry.checks.diff import diff_supergraphs
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.supergraph import load_supergraph

BASE = """
schema { query: Query mutation: Mutation }

directive @trace(level: Int, tag: String) repeatable on FIELD | QUERY

"The root."
type Query {
  customer(id: ID!, region: String, limit: Int = 10): Customer
  customers(filter: CustomerFilter): [Customer!]!
  search(term: String!): [SearchResult!]!
  node(id: ID!): Node
  status: Status
  legacy: Int @deprecated(reason: "use status")
  count: Int
  nickname: String
}

type Mutation { touch(id: ID!): Customer }

interface Node { id: ID! }

"A customer."
type Customer implements Node {
  id: ID!
  "Their name."
  name: String!
  email: String
  tier: Int
}

type Product implements Node { id: ID! sku: String! }

union SearchResult = Customer | Product

enum Status { ACTIVE SUSPENDED CLOSED }

input CustomerFilter { name: String status: Status = ACTIVE region: String }

scalar Cursor
type Page { id: ID! cursor: Cursor }
"""


def schema(sdl: str) -> GraphQLSchema:
    return build_schema(sdl)


def edit(*replacements: tuple[str, str]) -> GraphQLSchema:
    sdl = BASE
    for old, new in replacements:
        assert old in sdl, old
        sdl = sdl.replace(old, new, 1)
    return schema(sdl)


def changes_of(*replacements: tuple[str, str]) -> list[tuple[ChangeKind, Severity, str]]:
    return [
        (change.kind, change.severity, change.coordinate)
        for change in diff_api_schemas(schema(BASE), edit(*replacements))
    ]


def only(*replacements: tuple[str, str]) -> SchemaChange:
    changes = diff_api_schemas(schema(BASE), edit(*replacements))
    assert len(changes) == 1, changes
    return changes[0]


def test_identical_schemas_have_no_changes() -> None:
    assert diff_api_schemas(schema(BASE), schema(BASE)) == []


@pytest.mark.parametrize(
    ("replacement", "kind", "severity", "coordinate", "affects"),
    [
        (
            ("  email: String\n", ""),
            ChangeKind.FIELD_REMOVED,
            Severity.BREAKING,
            "Customer.email",
            ("Customer.email",),
        ),
        (
            ("  tier: Int\n", "  tier: String\n"),
            ChangeKind.FIELD_TYPE_CHANGED,
            Severity.BREAKING,
            "Customer.tier",
            ("Customer.tier",),
        ),
        (
            ("  tier: Int\n", "  tier: Int!\n"),
            ChangeKind.FIELD_TYPE_CHANGED_SAFELY,
            Severity.SAFE,
            "Customer.tier",
            (),
        ),
        (
            ("  tier: Int\n", "  tier: Int\n  vip: Boolean\n"),
            ChangeKind.FIELD_ADDED,
            Severity.SAFE,
            "Customer.vip",
            (),
        ),
        (
            ("region: String, limit", "limit"),
            ChangeKind.ARG_REMOVED,
            Severity.BREAKING,
            "Query.customer(region:)",
            ("Query.customer(region:)",),
        ),
        (
            ("region: String, limit", "region: Int, limit"),
            ChangeKind.ARG_TYPE_CHANGED,
            Severity.BREAKING,
            "Query.customer(region:)",
            ("Query.customer(region:)",),
        ),
        (
            ("region: String, limit", "region: String!, limit"),
            ChangeKind.ARG_TYPE_CHANGED,
            Severity.BREAKING,
            "Query.customer(region:)",
            ("Query.customer(region:)", "Query.customer"),
        ),
        (
            ("customer(id: ID!,", "customer(id: ID,"),
            ChangeKind.ARG_TYPE_CHANGED_SAFELY,
            Severity.SAFE,
            "Query.customer(id:)",
            (),
        ),
        (
            ("limit: Int = 10)", "limit: Int = 10, shop: ID!)"),
            ChangeKind.ARG_ADDED_REQUIRED,
            Severity.BREAKING,
            "Query.customer(shop:)",
            ("Query.customer",),
        ),
        (
            ("limit: Int = 10)", "limit: Int = 10, shop: ID)"),
            ChangeKind.ARG_ADDED,
            Severity.SAFE,
            "Query.customer(shop:)",
            (),
        ),
        (
            ("limit: Int = 10)", "limit: Int = 20)"),
            ChangeKind.ARG_DEFAULT_CHANGED,
            Severity.DANGEROUS,
            "Query.customer(limit:)",
            ("Query.customer",),
        ),
        (
            ("region: String, limit", 'region: String = "eu", limit'),
            ChangeKind.ARG_DEFAULT_ADDED,
            Severity.SAFE,
            "Query.customer(region:)",
            (),
        ),
        (
            (" region: String }", " }"),
            ChangeKind.INPUT_FIELD_REMOVED,
            Severity.BREAKING,
            "CustomerFilter.region",
            ("CustomerFilter.region",),
        ),
        (
            (" region: String }", " region: Int }"),
            ChangeKind.INPUT_FIELD_TYPE_CHANGED,
            Severity.BREAKING,
            "CustomerFilter.region",
            ("CustomerFilter.region",),
        ),
        (
            (" region: String }", " region: String! }"),
            ChangeKind.INPUT_FIELD_TYPE_CHANGED,
            Severity.BREAKING,
            "CustomerFilter.region",
            ("CustomerFilter.region", "CustomerFilter"),
        ),
        (
            (" region: String }", " region: String shop: ID! }"),
            ChangeKind.INPUT_FIELD_ADDED_REQUIRED,
            Severity.BREAKING,
            "CustomerFilter.shop",
            ("CustomerFilter",),
        ),
        (
            (" region: String }", " region: String shop: ID }"),
            ChangeKind.INPUT_FIELD_ADDED,
            Severity.SAFE,
            "CustomerFilter.shop",
            (),
        ),
        (
            ("status: Status = ACTIVE", "status: Status = CLOSED"),
            ChangeKind.INPUT_FIELD_DEFAULT_CHANGED,
            Severity.DANGEROUS,
            "CustomerFilter.status",
            ("CustomerFilter",),
        ),
        (
            ("{ name: String status", '{ name: String = "x" status'),
            ChangeKind.INPUT_FIELD_DEFAULT_ADDED,
            Severity.SAFE,
            "CustomerFilter.name",
            (),
        ),
        (
            ("ACTIVE SUSPENDED CLOSED", "ACTIVE CLOSED"),
            ChangeKind.ENUM_VALUE_REMOVED,
            Severity.BREAKING,
            "Status.SUSPENDED",
            ("Status.SUSPENDED",),
        ),
        (
            ("ACTIVE SUSPENDED CLOSED", "ACTIVE SUSPENDED CLOSED ARCHIVED"),
            ChangeKind.ENUM_VALUE_ADDED,
            Severity.DANGEROUS,
            "Status.ARCHIVED",
            ("Status",),
        ),
        (
            ("= Customer | Product", "= Customer"),
            ChangeKind.UNION_MEMBER_REMOVED,
            Severity.BREAKING,
            "SearchResult",
            (type_condition_key("SearchResult", "Product"),),
        ),
        (
            ("= Customer | Product", "= Customer | Product | Page"),
            ChangeKind.UNION_MEMBER_ADDED,
            Severity.DANGEROUS,
            "SearchResult",
            ("SearchResult",),
        ),
        (
            ("type Product implements Node {", "type Product {"),
            ChangeKind.INTERFACE_IMPLEMENTATION_REMOVED,
            Severity.BREAKING,
            "Product",
            (type_condition_key("Node", "Product"), type_condition_key("Product", "Node")),
        ),
        (
            ("type Page {", "type Page implements Node {"),
            ChangeKind.INTERFACE_IMPLEMENTATION_ADDED,
            Severity.DANGEROUS,
            "Page",
            ("Node",),
        ),
        (
            ("scalar Cursor\n", "scalar Cursor\ntype Shop { id: ID! }\n"),
            ChangeKind.TYPE_ADDED,
            Severity.SAFE,
            "Shop",
            (),
        ),
        (
            ("(level: Int, tag: String)", "(level: Int)"),
            ChangeKind.DIRECTIVE_ARG_REMOVED,
            Severity.BREAKING,
            "@trace(tag:)",
            ("@trace(tag:)",),
        ),
        (
            ("(level: Int, tag: String)", "(level: String, tag: String)"),
            ChangeKind.DIRECTIVE_ARG_TYPE_CHANGED,
            Severity.BREAKING,
            "@trace(level:)",
            ("@trace(level:)",),
        ),
        (
            ("(level: Int, tag: String)", "(level: Int, tag: String, span: ID!)"),
            ChangeKind.DIRECTIVE_ARG_ADDED_REQUIRED,
            Severity.BREAKING,
            "@trace(span:)",
            ("@trace",),
        ),
        (
            ("(level: Int, tag: String)", "(level: Int, tag: String, span: ID)"),
            ChangeKind.DIRECTIVE_ARG_ADDED,
            Severity.SAFE,
            "@trace(span:)",
            (),
        ),
        (
            ("(level: Int, tag: String)", "(level: Int = 1, tag: String)"),
            ChangeKind.DIRECTIVE_ARG_DEFAULT_ADDED,
            Severity.SAFE,
            "@trace(level:)",
            (),
        ),
        (
            ("repeatable on FIELD | QUERY", "on FIELD | QUERY"),
            ChangeKind.DIRECTIVE_REPEATABLE_REMOVED,
            Severity.BREAKING,
            "@trace",
            ("@trace",),
        ),
        (
            ("on FIELD | QUERY", "on FIELD"),
            ChangeKind.DIRECTIVE_LOCATION_REMOVED,
            Severity.BREAKING,
            "@trace",
            ("@trace",),
        ),
        (
            ("on FIELD | QUERY", "on FIELD | QUERY | MUTATION"),
            ChangeKind.DIRECTIVE_LOCATION_ADDED,
            Severity.SAFE,
            "@trace",
            (),
        ),
        (
            ("scalar Cursor\n", "scalar Cursor\ndirective @cached on FIELD\n"),
            ChangeKind.DIRECTIVE_ADDED,
            Severity.SAFE,
            "@cached",
            (),
        ),
        (
            ("  count: Int\n", '  count: Int @deprecated(reason: "use size")\n'),
            ChangeKind.FIELD_DEPRECATED,
            Severity.DANGEROUS,
            "Query.count",
            ("Query.count",),
        ),
        (
            ('legacy: Int @deprecated(reason: "use status")', "legacy: Int"),
            ChangeKind.FIELD_UNDEPRECATED,
            Severity.SAFE,
            "Query.legacy",
            (),
        ),
        (
            ('@deprecated(reason: "use status")', '@deprecated(reason: "gone soon")'),
            ChangeKind.DEPRECATION_REASON_CHANGED,
            Severity.SAFE,
            "Query.legacy",
            (),
        ),
        (
            ("region: String, limit", "region: String @deprecated, limit"),
            ChangeKind.ARG_DEPRECATED,
            Severity.DANGEROUS,
            "Query.customer(region:)",
            ("Query.customer(region:)",),
        ),
        (
            ("ACTIVE SUSPENDED", 'ACTIVE SUSPENDED @deprecated(reason: "x")'),
            ChangeKind.ENUM_VALUE_DEPRECATED,
            Severity.DANGEROUS,
            "Status.SUSPENDED",
            ("Status.SUSPENDED",),
        ),
        (
            (" region: String }", " region: String @deprecated }"),
            ChangeKind.INPUT_FIELD_DEPRECATED,
            Severity.DANGEROUS,
            "CustomerFilter.region",
            ("CustomerFilter.region",),
        ),
        (
            ('"Their name."\n', '"Their full name."\n'),
            ChangeKind.DESCRIPTION_CHANGED,
            Severity.SAFE,
            "Customer.name",
            (),
        ),
        (
            ('"The root."\n', ""),
            ChangeKind.DESCRIPTION_CHANGED,
            Severity.SAFE,
            "Query",
            (),
        ),
        (
            ("  tier: Int\n", '  "Loyalty tier."\n  tier: Int\n'),
            ChangeKind.DESCRIPTION_CHANGED,
            Severity.SAFE,
            "Customer.tier",
            (),
        ),
        (
            ("(id: ID!, region", '(id: ID!, "Sales region." region'),
            ChangeKind.DESCRIPTION_CHANGED,
            Severity.SAFE,
            "Query.customer(region:)",
            (),
        ),
    ],
)
def test_one_change(
    replacement: tuple[str, str],
    kind: ChangeKind,
    severity: Severity,
    coordinate: str,
    affects: tuple[str, ...],
) -> None:
    change = only(replacement)
    assert (change.kind, change.severity, change.coordinate) == (kind, severity, coordinate)
    assert change.affects == affects
    assert change.message


def test_type_removed_and_kind_changed() -> None:
    assert changes_of(("scalar Cursor\ntype Page { id: ID! cursor: Cursor }\n", "")) == [
        (ChangeKind.TYPE_REMOVED, Severity.BREAKING, "Cursor"),
        (ChangeKind.TYPE_REMOVED, Severity.BREAKING, "Page"),
    ]
    kind_changed = only(("scalar Cursor\n", "enum Cursor { A }\n"))
    assert (kind_changed.kind, kind_changed.coordinate, kind_changed.affects) == (
        ChangeKind.TYPE_KIND_CHANGED,
        "Cursor",
        ("Cursor",),
    )


def test_directive_removed() -> None:
    change = only(("directive @trace(level: Int, tag: String) repeatable on FIELD | QUERY\n", ""))
    assert (change.kind, change.severity, change.coordinate) == (
        ChangeKind.DIRECTIVE_REMOVED,
        Severity.BREAKING,
        "@trace",
    )


def test_root_operation_types() -> None:
    removed = diff_api_schemas(
        schema(BASE),
        edit(("schema { query: Query mutation: Mutation }", "schema { query: Query }")),
    )
    assert [(c.kind, c.severity, c.coordinate, c.affects) for c in removed] == [
        (ChangeKind.ROOT_TYPE_REMOVED, Severity.BREAKING, "Mutation", ("Mutation",))
    ]

    renamed = diff_api_schemas(
        schema(BASE),
        edit(
            ("query: Query mutation: Mutation", "query: Query mutation: Writes"),
            ("type Mutation {", "type Writes {"),
        ),
    )
    root = [c for c in renamed if c.kind is ChangeKind.ROOT_TYPE_CHANGED]
    assert [(c.severity, c.coordinate, c.message) for c in root] == [
        (
            Severity.BREAKING,
            "Mutation",
            "The mutation root type changed from Mutation to Writes.",
        )
    ]
    assert {(c.kind, c.coordinate) for c in renamed} >= {
        (ChangeKind.TYPE_REMOVED, "Mutation"),
        (ChangeKind.TYPE_ADDED, "Writes"),
    }

    added = diff_api_schemas(
        schema(BASE),
        edit(
            ("mutation: Mutation }", "mutation: Mutation subscription: Events }"),
            ("scalar Cursor\n", "scalar Cursor\ntype Events { tick: Int }\n"),
        ),
    )
    assert (ChangeKind.ROOT_TYPE_ADDED, Severity.SAFE, "Events") in {
        (c.kind, c.severity, c.coordinate) for c in added
    }


def test_several_changes_at_once_keep_their_coordinates() -> None:
    found = changes_of(
        ("  email: String\n", ""),
        ("ACTIVE SUSPENDED CLOSED", "ACTIVE CLOSED PENDING"),
        ("  tier: Int\n", "  tier: Int\n  vip: Boolean\n"),
    )
    assert sorted(found) == sorted(
        [
            (ChangeKind.FIELD_REMOVED, Severity.BREAKING, "Customer.email"),
            (ChangeKind.FIELD_ADDED, Severity.SAFE, "Customer.vip"),
            (ChangeKind.ENUM_VALUE_REMOVED, Severity.BREAKING, "Status.SUSPENDED"),
            (ChangeKind.ENUM_VALUE_ADDED, Severity.DANGEROUS, "Status.PENDING"),
        ]
    )


def test_every_breaking_graphql_core_change_is_mapped() -> None:
    """No breaking change falls through to OTHER_BREAKING for the schema above."""
    new = edit(
        ("  email: String\n", ""),
        ("region: String, limit", "limit"),
        ("= Customer | Product", "= Customer"),
        ("type Product implements Node {", "type Product {"),
        ("ACTIVE SUSPENDED CLOSED", "ACTIVE CLOSED"),
    )
    kinds = {change.kind for change in diff_api_schemas(schema(BASE), new)}
    assert ChangeKind.OTHER_BREAKING not in kinds
    assert ChangeKind.OTHER_SAFE not in kinds


# --- supergraphs: the API schema and access control --------------------------------------

SUPERGRAPH_HEAD = """schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
{
  query: Query
}

directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet
enum join__Graph { SHOP @join__graph(name: "shop", url: "http://127.0.0.1:4001/graphql") }
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
scalar policy__Policy
scalar requiresScopes__Scope
"""


def supergraph(query: str, customer: str = "", customer_fields: str = "") -> str:
    return (
        SUPERGRAPH_HEAD
        + f"type Query @join__type(graph: SHOP) {{\n{query}\n}}\n"
        + f"type Customer @join__type(graph: SHOP) {customer} {{\n"
        + f"  id: ID!\n  email: String! {customer_fields}\n}}\n"
    )


QUERY = "  customer(id: ID!): Customer\n  me: Customer"


def access_changes(old: str, new: str) -> list[tuple[ChangeKind, Severity, str]]:
    changes = diff_supergraphs(load_supergraph(old), load_supergraph(new))
    return [(c.kind, c.severity, c.coordinate) for c in changes]


def test_auth_directives_are_not_in_the_api_schema() -> None:
    secured = load_supergraph(
        supergraph(QUERY.replace("me: Customer", "me: Customer @authenticated"))
    )
    plain = load_supergraph(supergraph(QUERY))
    assert diff_api_schemas(plain.api_schema, secured.api_schema) == []


def test_auth_requirement_added_to_a_field_is_breaking() -> None:
    new = supergraph(QUERY.replace("me: Customer", "me: Customer @authenticated"))
    changes = diff_supergraphs(load_supergraph(supergraph(QUERY)), load_supergraph(new))
    assert [(c.kind, c.severity, c.coordinate, c.affects) for c in changes] == [
        (ChangeKind.AUTH_REQUIREMENT_ADDED, Severity.BREAKING, "Query.me", ("Query.me",))
    ]
    assert "@authenticated" in changes[0].message


def test_auth_requirement_removed_is_safe() -> None:
    old = supergraph(QUERY, customer='@policy(policies: [["owner"]])')
    assert access_changes(old, supergraph(QUERY)) == [
        (ChangeKind.AUTH_REQUIREMENT_REMOVED, Severity.SAFE, "Customer")
    ]


@pytest.mark.parametrize(
    ("old_scopes", "new_scopes", "kind"),
    [
        ('[["read"]]', '[["read"], ["admin"]]', ChangeKind.AUTH_REQUIREMENT_RELAXED),
        ('[["read", "write"]]', '[["read"]]', ChangeKind.AUTH_REQUIREMENT_RELAXED),
        ('[["read"]]', '[["read", "write"]]', ChangeKind.AUTH_REQUIREMENT_TIGHTENED),
        ('[["read"], ["admin"]]', '[["admin"]]', ChangeKind.AUTH_REQUIREMENT_TIGHTENED),
        ('[["read"]]', '[["other"]]', ChangeKind.AUTH_REQUIREMENT_TIGHTENED),
    ],
)
def test_scopes_tightened_or_relaxed(old_scopes: str, new_scopes: str, kind: ChangeKind) -> None:
    def with_scopes(scopes: str) -> str:
        return supergraph(QUERY, customer_fields=f"@requiresScopes(scopes: {scopes})")

    assert access_changes(with_scopes(old_scopes), with_scopes(new_scopes)) == [
        (kind, kind.severity, "Customer.email")
    ]


def test_scopes_satisfy_authenticated_but_not_the_reverse() -> None:
    scoped = supergraph(
        QUERY.replace("me: Customer", 'me: Customer @requiresScopes(scopes: [["a"]])')
    )
    authenticated = supergraph(QUERY.replace("me: Customer", "me: Customer @authenticated"))
    assert access_changes(scoped, authenticated) == [
        (ChangeKind.AUTH_REQUIREMENT_RELAXED, Severity.SAFE, "Query.me")
    ]
    assert access_changes(authenticated, scoped) == [
        (ChangeKind.AUTH_REQUIREMENT_TIGHTENED, Severity.BREAKING, "Query.me")
    ]


def test_auth_on_a_new_field_is_not_an_access_change() -> None:
    new = supergraph(QUERY + "\n  admin: Customer @authenticated")
    assert access_changes(supergraph(QUERY), new) == [
        (ChangeKind.FIELD_ADDED, Severity.SAFE, "Query.admin")
    ]


def test_inaccessible_elements_disappear_from_the_api_schema() -> None:
    def subgraph(email: str) -> str:
        return (
            'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
            'import: ["@key", "@inaccessible"])\n'
            "type Query { customer(id: ID!): Customer }\n"
            f'type Customer @key(fields: "id") {{ id: ID! {email} }}\n'
        )

    def composed(sdl: str) -> str:
        result = compose([SubgraphDefinition("shop", "http://127.0.0.1:4001/graphql", sdl)])
        assert result.ok, result.errors
        assert result.supergraph_sdl is not None
        return result.supergraph_sdl

    old = composed(subgraph("email: String!"))
    new = composed(subgraph("email: String! @inaccessible"))
    assert access_changes(old, new) == [
        (ChangeKind.FIELD_REMOVED, Severity.BREAKING, "Customer.email")
    ]
