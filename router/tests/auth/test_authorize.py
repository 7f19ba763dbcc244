"""Authorization directives: rules read from a composed supergraph, operations filtered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from graphql import parse, print_ast, validate
from graphql.utilities import get_operation_ast
from trellis_router.auth import (
    ANONYMOUS,
    AuthorizationResult,
    AuthorizationRules,
    Identity,
    PolicyEvaluator,
    PolicyHookError,
    authorize_operation,
)
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.configuration.authorization import AuthorizationSettings, PolicyRule
from trellis_router.supergraph import Supergraph, load_supergraph

_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", '
    'import: ["@key", "@authenticated", "@requiresScopes", "@policy"])'
)

SHOP = f"""
{_LINK}
type Query {{
  me: User @authenticated
  products: [Product]
  matrix: [[Product!]]
  secret: String @requiresScopes(scopes: [["read:secret"], ["admin"]])
  node(id: ID!): Node
  things: [[Thing]]
  level: Level
  code: Code
}}
type User @key(fields: "id") {{
  id: ID!
  name: String
  email: String @policy(policies: [["staff"]])
}}
type Product @key(fields: "id") {{
  id: ID!
  name: String
  cost: Int @requiresScopes(scopes: [["a", "b"], ["c"]])
  account: Account
  owner: User
}}
type Account @authenticated {{
  id: ID!
  balance: Int
}}
interface Node {{
  id: ID!
  label: String
}}
type Pub implements Node {{
  id: ID!
  label: String
}}
type Priv implements Node @authenticated {{
  id: ID!
  label: String
}}
type Half implements Node {{
  id: ID!
  label: String @requiresScopes(scopes: [["label"]])
}}
union Thing = Pub | Priv
enum Level @policy(policies: [["levels"]]) {{
  LOW
  HIGH
}}
scalar Code @requiresScopes(scopes: [["code"]])
"""

PLAIN = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
type Query { hello: String }
"""


def _supergraph(sdl: str) -> Supergraph:
    result = compose([SubgraphDefinition("shop", "http://127.0.0.1:1/graphql", sdl)])
    assert not result.errors, result.errors
    assert result.supergraph_sdl is not None
    return load_supergraph(result.supergraph_sdl)


@pytest.fixture(scope="module")
def shop() -> Supergraph:
    return _supergraph(SHOP)


@pytest.fixture(scope="module")
def rules(shop: Supergraph) -> AuthorizationRules:
    return AuthorizationRules.from_supergraph(shop)


def _user(scopes: str = "", **claims: Any) -> Identity:
    return Identity.from_claims({"sub": "u1", "scope": scopes, **claims})


def _run(
    shop: Supergraph,
    rules: AuthorizationRules,
    query: str,
    identity: Identity = ANONYMOUS,
    policies: frozenset[str] = frozenset(),
    operation_name: str | None = None,
) -> AuthorizationResult:
    document = parse(query)
    assert validate(shop.api_schema, document) == []
    result = authorize_operation(
        rules, shop.api_schema, document, operation_name, identity, policies
    )
    assert validate(shop.api_schema, result.document) == [], print_ast(result.document)
    if not result.errors:
        assert result.document is document
        assert result.key == ""
    return result


def _paths(result: AuthorizationResult) -> list[list[str]]:
    for error in result.errors:
        assert error["message"] == "Unauthorized field or type"
        assert error["extensions"] == {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}
    return [error["path"] for error in result.errors]


def _compact(result: AuthorizationResult) -> str:
    return " ".join(print_ast(result.document).split())


def test_supergraph_without_directives_has_empty_rules() -> None:
    plain = _supergraph(PLAIN)
    rules = AuthorizationRules.from_supergraph(plain)
    assert rules.empty
    document = parse("{ hello }")
    operation = get_operation_ast(document)
    assert operation is not None
    assert rules.policies_in(document, operation) == frozenset()
    result = authorize_operation(rules, plain.api_schema, document, None, ANONYMOUS, frozenset())
    assert result == AuthorizationResult(document, (), "", False)


def test_rules_from_the_shop_supergraph(rules: AuthorizationRules) -> None:
    assert not rules.empty
    assert rules.field_requirements("Query", "products") == ()
    [me] = rules.field_requirements("Query", "me")
    assert me.authenticated
    [cost] = rules.field_requirements("Product", "cost")
    assert cost.scopes == (frozenset({"a", "b"}), frozenset({"c"}))
    # Product.account is protected through its return type.
    assert rules.field_requirements("Product", "account")[0].authenticated
    # Node.label is protected through Priv (type) and Half.label (field).
    label = rules.field_requirements("Node", "label")
    assert any(r.authenticated for r in label)
    assert any(r.scopes == (frozenset({"label"}),) for r in label)


def test_anonymous_loses_protected_fields(shop: Supergraph, rules: AuthorizationRules) -> None:
    result = _run(shop, rules, "{ me { name } products { name cost account { id } } secret }")
    assert _paths(result) == [
        ["me"],
        ["products", "@", "cost"],
        ["products", "@", "account"],
        ["secret"],
    ]
    assert _compact(result) == "{ products { name } }"
    assert not result.empty
    assert result.key == "me;products/@/account;products/@/cost;secret"


def test_everything_allowed_returns_the_same_document(
    shop: Supergraph, rules: AuthorizationRules
) -> None:
    identity = _user("a b read:secret")
    result = _run(
        shop,
        rules,
        "{ me { name email } products { cost account { id } } secret }",
        identity,
        frozenset({"staff"}),
    )
    assert result.errors == ()
    assert not result.empty


def test_alias_cannot_hide_a_field(shop: Supergraph, rules: AuthorizationRules) -> None:
    result = _run(shop, rules, "{ who: me { name } p: products { price: cost name } }")
    assert _paths(result) == [["who"], ["p", "@", "price"]]
    assert _compact(result) == "{ p: products { name } }"


def test_named_fragment_is_filtered(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = """
    query Q { products { ...P } matrix { ...P } }
    fragment P on Product { id cost }
    """
    result = _run(shop, rules, query, _user("a"))
    assert _paths(result) == [["products", "@", "cost"], ["matrix", "@", "@", "cost"]]
    assert _compact(result) == (
        "query Q { products { ...P } matrix { ...P } } fragment P on Product { id }"
    )


def test_fragment_left_empty_is_dropped(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = """
    { products { name ...Secret } }
    fragment Secret on Product { cost account { balance } }
    """
    result = _run(shop, rules, query)
    assert _paths(result) == [["products", "@", "cost"], ["products", "@", "account"]]
    assert _compact(result) == "{ products { name } }"


def test_nested_inline_fragments(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = "{ products { ... { ... on Product { ... { cost } id } } } }"
    result = _run(shop, rules, query, _user("b"))
    assert _paths(result) == [["products", "@", "cost"]]
    assert _compact(result) == "{ products { ... { ... on Product { id } } } }"


def test_protected_type_reached_through_another_field(
    shop: Supergraph, rules: AuthorizationRules
) -> None:
    result = _run(shop, rules, "{ products { id owner { id } account { id } } }")
    assert _paths(result) == [["products", "@", "account"]]
    assert _run(shop, rules, "{ products { account { id } } }", _user()).errors == ()


def test_interface_cannot_hide_a_protected_implementation(
    shop: Supergraph, rules: AuthorizationRules
) -> None:
    anonymous = _run(shop, rules, '{ node(id: "1") { __typename id label } }')
    assert _paths(anonymous) == [["node", "id"], ["node", "label"]]
    assert _compact(anonymous) == '{ node(id: "1") { __typename } }'
    # Authenticated, but without the "label" scope Half.label needs.
    user = _run(shop, rules, '{ node(id: "1") { id label } }', _user())
    assert _paths(user) == [["node", "label"]]
    assert _run(shop, rules, '{ node(id: "1") { id label } }', _user("label")).errors == ()


def test_fragments_on_allowed_implementations_stay(
    shop: Supergraph, rules: AuthorizationRules
) -> None:
    query = '{ node(id: "1") { ... on Pub { id label } ... on Priv { id } ...H } }'
    query += " fragment H on Half { label }"
    result = _run(shop, rules, query)
    assert _paths(result) == [["node"], ["node", "label"]]
    assert _compact(result) == '{ node(id: "1") { ... on Pub { id label } } }'


def test_union_in_nested_lists(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = "{ things { __typename ... on Pub { id } ... on Priv { id } ...V } }"
    query += " fragment V on Priv { label }"
    result = _run(shop, rules, query)
    assert _paths(result) == [["things", "@", "@"]]
    assert result.key == "things/@/@/... on Priv;things/@/@/...V"
    assert _compact(result) == "{ things { __typename ... on Pub { id } } }"


def test_scopes_are_an_or_of_ands(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = "{ products { cost } }"
    for scopes, allowed in [("a", False), ("b", False), ("a b", True), ("c", True), ("", False)]:
        result = _run(shop, rules, query, _user(scopes))
        assert (result.errors == ()) is allowed, scopes
    assert _run(shop, rules, "{ secret }", _user("admin")).errors == ()
    assert _run(shop, rules, "{ code }", _user("code")).errors == ()
    assert _paths(_run(shop, rules, "{ code }", _user("admin"))) == [["code"]]


def test_operation_with_nothing_left(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = "query Q($id: ID!) { node(id: $id) { id } me { name } }"
    result = _run(shop, rules, query, operation_name="Q")
    assert result.empty
    assert _compact(result) == "query Q { __typename }"


def test_unused_variables_are_dropped(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = """
    query A($id: ID!) { products { name } node(id: $id) { id } me { id } }
    query B { secret }
    """
    result = _run(shop, rules, query, operation_name="A")
    assert _compact(result) == "query A { products { name } }"
    query = """
    query A($id: ID!, $other: ID!) {
      products { name } node(id: $id) { id } n2: node(id: $other) { __typename }
    }
    """
    kept = _run(shop, rules, query, operation_name="A")
    assert _compact(kept) == (
        "query A($other: ID!) { products { name } n2: node(id: $other) { __typename } }"
    )


def test_result_is_a_pure_function(shop: Supergraph, rules: AuthorizationRules) -> None:
    query = "{ me { name } products { cost } }"
    first = _run(shop, rules, query, _user("a"))
    again = _run(shop, rules, query, _user("a", other="claim"))
    assert (first.key, first.errors, _compact(first)) == (
        again.key,
        again.errors,
        _compact(again),
    )
    anonymous = _run(shop, rules, query)
    assert anonymous.key != first.key


def test_policies_in_the_operation(shop: Supergraph, rules: AuthorizationRules) -> None:
    document = parse(
        "{ me { email } products { owner { ...U } } level } fragment U on User { email }"
    )
    operation = get_operation_ast(document)
    assert operation is not None
    assert rules.policies_in(document, operation) == {"staff", "levels"}
    plain = parse("{ products { name } }")
    plain_operation = get_operation_ast(plain)
    assert plain_operation is not None
    assert rules.policies_in(plain, plain_operation) == frozenset()


def test_policies_from_the_rule_table(shop: Supergraph, rules: AuthorizationRules) -> None:
    evaluator = PolicyEvaluator(
        AuthorizationSettings(
            policies={
                "staff": PolicyRule(claims={"role": ["admin", "clerk"]}),
                "levels": PolicyRule(claims={"role": "admin"}, scopes=["levels:read"]),
            }
        )
    )
    query = "{ me { email } level }"
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    wanted = rules.policies_in(document, operation)
    clerk = _user(role="clerk")
    admin = _user("levels:read", role=["user", "admin"])
    assert evaluator.granted(wanted, clerk) == {"staff"}
    assert evaluator.granted(wanted, admin) == {"staff", "levels"}
    assert evaluator.granted(wanted, _user("levels:read", role="admin")) == {"staff", "levels"}
    assert evaluator.granted(wanted, _user(role="admin")) == {"staff"}
    assert evaluator.granted(wanted, ANONYMOUS) == frozenset()
    result = _run(shop, rules, query, clerk, evaluator.granted(wanted, clerk))
    assert _paths(result) == [["level"]]
    assert _run(shop, rules, query, admin, evaluator.granted(wanted, admin)).errors == ()


def test_a_rule_may_need_claims_present() -> None:
    evaluator = PolicyEvaluator(
        AuthorizationSettings(
            policies={
                "owner": PolicyRule(claims={"roles": "customer"}, claims_present=["customer_id"])
            }
        )
    )
    wanted = frozenset({"owner"})

    def customer(**claims: Any) -> Identity:
        return Identity.from_claims({"sub": "7", "roles": ["customer"], **claims})

    assert evaluator.granted(wanted, customer(customer_id="1")) == {"owner"}
    assert evaluator.granted(wanted, customer(customer_id=12)) == {"owner"}
    assert evaluator.granted(wanted, customer()) == frozenset()
    assert evaluator.granted(wanted, customer(customer_id="")) == frozenset()
    assert evaluator.granted(wanted, customer(customer_id=None)) == frozenset()
    assert evaluator.granted(wanted, customer(customer_id=True)) == frozenset()
    staff = Identity.from_claims({"sub": "8", "roles": ["clerk"], "customer_id": "1"})
    assert evaluator.granted(wanted, staff) == frozenset()


HOOK_CALLS: list[tuple[frozenset[str], Mapping[str, Any] | None]] = []


def grant_levels(policies: frozenset[str], claims: Mapping[str, Any] | None) -> set[str]:
    """A policy hook: grants "levels" (and a name nobody asked for) to subject u1."""
    HOOK_CALLS.append((policies, claims))
    if claims is not None and claims.get("sub") == "u1":
        return {"levels", "unrelated"}
    return set()


def failing_hook(policies: frozenset[str], claims: Mapping[str, Any] | None) -> set[str]:
    raise RuntimeError("the policy service is down")


def test_policies_from_a_hook(
    shop: Supergraph, rules: AuthorizationRules, caplog: pytest.LogCaptureFixture
) -> None:
    HOOK_CALLS.clear()
    evaluator = PolicyEvaluator(
        AuthorizationSettings(
            policies={"staff": PolicyRule(claims={"role": "clerk"})},
            policy_hook=f"{__name__}:grant_levels",
        )
    )
    wanted = frozenset({"staff", "levels"})
    assert evaluator.granted(wanted, _user(role="clerk")) == {"staff", "levels"}
    assert HOOK_CALLS[-1][0] == {"levels"}
    assert evaluator.granted(wanted, _user(sub="u2", role="x")) == frozenset()
    granted = evaluator.granted(wanted, _user())
    assert _paths(_run(shop, rules, "{ level me { email } }", _user(), granted)) == [
        ["me", "email"]
    ]
    failing = PolicyEvaluator(AuthorizationSettings(policy_hook=f"{__name__}:failing_hook"))
    assert failing.granted(wanted, _user()) == frozenset()
    assert "the policy service is down" in caplog.text


@pytest.mark.parametrize(
    "reference",
    [
        "no_colon",
        "trellis_router.auth.nowhere:hook",
        f"{__name__}:missing",
        f"{__name__}:HOOK_CALLS",
    ],
)
def test_bad_policy_hook(reference: str) -> None:
    with pytest.raises(PolicyHookError):
        PolicyEvaluator(AuthorizationSettings(policy_hook=reference))


def test_renamed_directives(shop: Supergraph) -> None:
    sdl = shop.sdl
    renames = {
        '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)': (
            '@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "signedIn", '
            "for: SECURITY)"
        ),
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)': (
            '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY, '
            'import: [{name: "@requiresScopes", as: "@scoped"}])'
        ),
        "@authenticated": "@signedIn",
        "@requiresScopes(": "@scoped(",
    }
    for old, new in renames.items():
        assert old in sdl
        sdl = sdl.replace(old, new)
    renamed = load_supergraph(sdl)
    rules = AuthorizationRules.from_supergraph(renamed)
    result = _run(renamed, rules, "{ me { name } products { cost name } }", _user("a"))
    assert _paths(result) == [["products", "@", "cost"]]
    anonymous = _run(renamed, rules, "{ me { name } products { name } }")
    assert _paths(anonymous) == [["me"]]
