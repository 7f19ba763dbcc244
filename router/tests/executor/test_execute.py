"""Executor tests: plans from JSON, subgraphs described by data (see conftest)."""

from __future__ import annotations

from typing import Any

from inline_snapshot import snapshot

PRODUCTS = [
    {"upc": "1", "name": "Table", "price": 899, "weight": 100},
    {"upc": "2", "name": "Couch", "price": 1299, "weight": 1000},
    {"upc": "3", "name": "Chair", "price": 54, "weight": 50},
]
REPS = "$representations:[_Any!]!"


def fetch(service: str, operation: str, usages: list[str] | None = None) -> dict[str, Any]:
    return {
        "kind": "Fetch",
        "serviceName": service,
        "variableUsages": usages or [],
        "operation": operation,
        "operationKind": "query",
        "operationName": None,
    }


def entity_fetch(
    service: str,
    type_name: str,
    keys: list[str],
    selection: str,
    usages: list[str] | None = None,
    variables: str = "",
) -> dict[str, Any]:
    node = fetch(
        service,
        f"query({REPS}{variables}){{_entities(representations:$representations)"
        f"{{...on {type_name}{{{selection}}}}}}}",
        usages,
    )
    node["requires"] = [
        {
            "kind": "InlineFragment",
            "typeCondition": type_name,
            "selections": [{"kind": "Field", "name": n} for n in ["__typename", *keys]],
        }
    ]
    return node


def flatten(path: str, node: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Flatten", "path": path.split("."), "node": node}


def plan(node: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "QueryPlan", "node": node}


def sequence(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Sequence", "nodes": list(nodes)}


def parallel(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Parallel", "nodes": list(nodes)}


REVIEWS_WITH_AUTHORS = plan(
    sequence(
        fetch("products", "{topProducts{__typename upc name}}"),
        flatten(
            "topProducts.@",
            entity_fetch("reviews", "Product", ["upc"], "reviews{body author{__typename id}}"),
        ),
        flatten(
            "topProducts.@.reviews.@.author",
            entity_fetch("accounts", "User", ["id"], "name"),
        ),
    )
)
REVIEWS_WITH_AUTHORS_QUERY = "{ topProducts { name reviews { body author { name } } } }"


async def test_flatten_through_lists_at_several_levels(commerce):
    response = await commerce.run(REVIEWS_WITH_AUTHORS, REVIEWS_WITH_AUTHORS_QUERY)
    assert response == snapshot(
        {
            "data": {
                "topProducts": [
                    {
                        "name": "Table",
                        "reviews": [
                            {"body": "Love it", "author": {"name": "Ada"}},
                            {"body": "Too big", "author": {"name": "Alan"}},
                        ],
                    },
                    {"name": "Couch", "reviews": [{"body": "Comfy", "author": {"name": "Ada"}}]},
                    {"name": "Chair", "reviews": [{"body": "Wobbly", "author": {"name": "Ada"}}]},
                ]
            }
        }
    )


async def test_one_entities_request_per_fetch_with_deduplicated_representations(commerce):
    await commerce.run(REVIEWS_WITH_AUTHORS, REVIEWS_WITH_AUTHORS_QUERY)
    assert [name for name, _ in commerce.client.requests] == [
        "products",
        "reviews",
        "accounts",
    ]
    (reviews,) = commerce.client.sent("reviews")
    assert reviews["variables"]["representations"] == [
        {"__typename": "Product", "upc": "1"},
        {"__typename": "Product", "upc": "2"},
        {"__typename": "Product", "upc": "3"},
    ]
    # Four reviews by two distinct authors: two representations.
    (accounts,) = commerce.client.sent("accounts")
    assert accounts["variables"]["representations"] == [
        {"__typename": "User", "id": "1"},
        {"__typename": "User", "id": "2"},
    ]


async def test_root_fetch_sends_only_used_variables(commerce):
    query = """query($n: Int, $t: String!) {
      topProducts(first: $n) { name }
      me { id: name }
      search(text: $t) { __typename }
    }"""
    node = parallel(
        fetch("products", "query($n:Int){topProducts(first:$n){name}}", ["n"]),
        fetch("accounts", "{me{id:name}}"),
        fetch("products", "query($t:String!){search(text:$t){__typename}}", ["t"]),
    )
    response = await commerce.run(plan(node), query, {"n": 1, "t": "x"})
    assert response["data"]["topProducts"] == [{"name": "Table"}]
    assert response["data"]["me"] == {"id": "Ada"}
    assert [sent["variables"] for sent in commerce.client.sent("products")] == [
        {"n": 1},
        {"t": "x"},
    ]
    assert commerce.client.sent("accounts")[0]["variables"] == {}
    assert commerce.client.sent("accounts")[0]["operationName"] is None


async def test_parallel_fetches_and_requires_fields_stripped(commerce):
    query = "{ topProducts(first: 2) { name inStock shippingEstimate reviews { body } } }"
    node = sequence(
        fetch("products", "{topProducts(first:2){__typename upc name price weight}}"),
        parallel(
            flatten(
                "topProducts.@",
                {
                    **entity_fetch("inventory", "Product", ["upc"], "inStock shippingEstimate"),
                    "requires": [
                        {
                            "kind": "InlineFragment",
                            "typeCondition": "Product",
                            "selections": [
                                {"kind": "Field", "name": "__typename"},
                                {"kind": "Field", "name": "upc"},
                                {"kind": "Field", "name": "price"},
                                {"kind": "Field", "name": "weight"},
                            ],
                        }
                    ],
                },
            ),
            flatten("topProducts.@", entity_fetch("reviews", "Product", ["upc"], "reviews{body}")),
        ),
    )
    response = await commerce.run(plan(node), query)
    assert response == snapshot(
        {
            "data": {
                "topProducts": [
                    {
                        "name": "Table",
                        "inStock": True,
                        "shippingEstimate": 89,
                        "reviews": [{"body": "Love it"}, {"body": "Too big"}],
                    },
                    {
                        "name": "Couch",
                        "inStock": False,
                        "shippingEstimate": 1299,
                        "reviews": [{"body": "Comfy"}],
                    },
                ]
            }
        }
    )
    (inventory,) = commerce.client.sent("inventory")
    assert inventory["variables"]["representations"][0] == {
        "__typename": "Product",
        "upc": "1",
        "price": 899,
        "weight": 100,
    }


async def test_aliases_in_client_order(commerce):
    query = "{ top: topProducts(first: 1) { title: name id: upc stock: inStock } }"
    node = sequence(
        fetch("products", "{top:topProducts(first:1){__typename upc title:name id:upc}}"),
        flatten("top.@", entity_fetch("inventory", "Product", ["upc"], "stock:inStock")),
    )
    response = await commerce.run(plan(node), query)
    assert response == {"data": {"top": [{"title": "Table", "id": "1", "stock": True}]}}
    assert list(response["data"]["top"][0]) == ["title", "id", "stock"]


async def test_fragments_on_union_members_and_typename(commerce):
    query = """
    query Search {
      search(text: "a") {
        __typename
        ... on Product { name }
        ...UserName
      }
    }
    fragment UserName on User { userName: name }
    """
    node = sequence(
        fetch(
            "products",
            '{search(text:"a"){__typename ...on Product{name}...on User{__typename id}}}',
        ),
        flatten("search.@", entity_fetch("accounts", "User", ["id"], "userName:name")),
    )
    response = await commerce.run(plan(node), query)
    assert response == snapshot(
        {
            "data": {
                "search": [
                    {"__typename": "Product", "name": "Couch"},
                    {"__typename": "User", "userName": "Grace"},
                    {"__typename": "Product", "name": "Chair"},
                    {"__typename": "User", "userName": "Ada"},
                ]
            }
        }
    )
    # Representations are built only for the objects whose __typename matches.
    (accounts,) = commerce.client.sent("accounts")
    assert accounts["variables"]["representations"] == [
        {"__typename": "User", "id": "3"},
        {"__typename": "User", "id": "1"},
    ]


async def test_skip_and_include_with_variables(commerce):
    query = (
        "query($withName: Boolean!, $skipUpc: Boolean!) "
        "{ topProducts(first: 1) { upc @skip(if: $skipUpc) name @include(if: $withName) } }"
    )
    node = fetch(
        "products",
        "query($withName:Boolean!$skipUpc:Boolean!){topProducts(first:1)"
        "{upc@skip(if:$skipUpc) name@include(if:$withName)}}",
        ["withName", "skipUpc"],
    )
    shown = await commerce.run(plan(node), query, {"withName": True, "skipUpc": False})
    hidden = await commerce.run(plan(node), query, {"withName": False, "skipUpc": True})
    assert shown == {"data": {"topProducts": [{"upc": "1", "name": "Table"}]}}
    assert hidden == {"data": {"topProducts": [{}]}}


async def test_literal_skip_and_include(commerce):
    query = "{ topProducts(first: 1) { upc @skip(if: true) name @include(if: true) } }"
    node = fetch("products", "{topProducts(first:1){name}}")
    assert await commerce.run(plan(node), query) == {"data": {"topProducts": [{"name": "Table"}]}}


async def test_subgraph_error_paths_rewritten_to_client_paths(commerce_factory):
    lamp = {"upc": "9", "name": "Lamp", "price": 1, "weight": 1}
    products = {p["upc"]: p for p in [*PRODUCTS, lamp]}
    commerce = commerce_factory(products=products)
    query = "{ topProducts { name reviews { body } } }"
    node = sequence(
        fetch("products", "{topProducts{__typename upc name}}"),
        flatten("topProducts.@", entity_fetch("reviews", "Product", ["upc"], "reviews{body}")),
    )
    response = await commerce.run(plan(node), query)
    assert response["data"]["topProducts"][3] == {"name": "Lamp", "reviews": None}
    assert response["errors"] == [
        {
            "message": "reviews of product 9 are unavailable",
            "path": ["topProducts", 3, "reviews"],
            "extensions": {"serviceName": "reviews"},
        }
    ]


async def test_entity_error_covers_the_null_it_leaves(commerce_factory):
    reviews = [{"id": "r9", "body": "Hmm", "product": "1", "author": "5"}]
    commerce = commerce_factory(reviews=reviews)
    response = await commerce.run(REVIEWS_WITH_AUTHORS, REVIEWS_WITH_AUTHORS_QUERY)
    # User 5 fails in accounts: author is null with the subgraph's error, no extra null error.
    assert response["data"]["topProducts"][0] == {
        "name": "Table",
        "reviews": [{"body": "Hmm", "author": None}],
    }
    assert response["errors"] == [
        {
            "message": "user 5 is locked",
            "path": ["topProducts", 0, "reviews", 0, "author", "name"],
            "extensions": {"serviceName": "accounts"},
        }
    ]


async def test_null_propagation_to_nearest_nullable_parent(commerce_factory):
    reviews = [
        {"id": "r1", "body": "Love it", "product": "1", "author": "1"},
        {"id": "r8", "body": "Ghost", "product": "1", "author": "4"},
    ]
    commerce = commerce_factory(reviews=reviews)
    response = await commerce.run(REVIEWS_WITH_AUTHORS, REVIEWS_WITH_AUTHORS_QUERY)
    # User 4 is unknown to accounts: User.name (String!) is null, so author becomes null.
    assert response["data"]["topProducts"][0]["reviews"] == [
        {"body": "Love it", "author": {"name": "Ada"}},
        {"body": "Ghost", "author": None},
    ]
    assert response["extensions"]["valueCompletion"] == [
        {
            "message": "Cannot return null for non-nullable field User.name.",
            "path": ["topProducts", 0, "reviews", 1, "author", "name"],
        }
    ]
    assert "errors" not in response


async def test_null_propagation_through_non_null_list_items(commerce_factory):
    # Review.body is String! and Product.reviews is [Review!]: a null body nulls the list.
    reviews = [{"id": "r1", "body": None, "product": "1", "author": "1"}]
    commerce = commerce_factory(reviews=reviews)
    query = "{ topProducts(first: 1) { name reviews { id body } } }"
    node = sequence(
        fetch("products", "{topProducts(first:1){__typename upc name}}"),
        flatten("topProducts.@", entity_fetch("reviews", "Product", ["upc"], "reviews{id body}")),
    )
    response = await commerce.run(plan(node), query)
    assert response["data"] == {"topProducts": [{"name": "Table", "reviews": None}]}
    # The subgraph reported the error itself (its own null propagation), rewritten to our path.
    assert [e["path"] for e in response["errors"]] == [["topProducts", 0, "reviews", 0, "body"]]


async def test_null_propagation_reaches_data(commerce):
    query = '{ search(text: "x") { ... on User { name } } }'
    node = fetch("products", '{search(text:"x"){__typename ...on User{__typename id}}}')
    # No accounts fetch in this plan: User.name is missing, search is [SearchResult!]!.
    response = await commerce.run(plan(node), query)
    assert response["data"] is None
    assert response["extensions"]["valueCompletion"] == [
        {
            "message": "Cannot return null for non-nullable field User.name.",
            "path": ["search", 1, "name"],
        }
    ]
    assert "errors" not in response


async def test_subrequest_http_error_keeps_partial_data(commerce):
    commerce.client.failing.add("inventory")
    query = "{ topProducts(first: 2) { name inStock } }"
    node = sequence(
        fetch("products", "{topProducts(first:2){__typename upc name}}"),
        flatten("topProducts.@", entity_fetch("inventory", "Product", ["upc"], "inStock")),
    )
    response = await commerce.run(plan(node), query)
    assert response["data"] == {
        "topProducts": [{"name": "Table", "inStock": None}, {"name": "Couch", "inStock": None}]
    }
    assert response["errors"] == [
        {
            "message": "HTTP fetch failed from 'inventory': connection refused",
            "extensions": {
                "code": "SUBREQUEST_HTTP_ERROR",
                "serviceName": "inventory",
                "reason": "connection refused",
            },
        }
    ]


async def test_failed_root_fetch_adds_no_null_errors(commerce):
    commerce.client.failing.add("products")
    query = '{ search(text: "a") { __typename } me { name } }'
    node = parallel(
        fetch("products", '{search(text:"a"){__typename}}'),
        fetch("accounts", "{me{name}}"),
    )
    response = await commerce.run(plan(node), query)
    # search is non-null: data is null, with only the HTTP error.
    assert response["data"] is None
    assert [e["extensions"]["code"] for e in response["errors"]] == ["SUBREQUEST_HTTP_ERROR"]


async def test_introspection_and_root_typename_answered_by_the_router(commerce):
    query = "{ __typename __schema { queryType { name } } me { name } }"
    response = await commerce.run(plan(fetch("accounts", "{me{name}}")), query)
    assert response == {
        "data": {
            "__typename": "Query",
            "__schema": {"queryType": {"name": "Query"}},
            "me": {"name": "Ada"},
        }
    }


async def test_introspection_only_needs_no_plan(commerce):
    query = '{ __type(name: "User") { fields { name } } }'
    response = await commerce.run({"kind": "QueryPlan", "node": None}, query)
    assert response == {
        "data": {
            "__type": {
                "fields": [
                    {"name": "id"},
                    {"name": "name"},
                    {"name": "username"},
                    {"name": "reviews"},
                ]
            }
        }
    }
    assert commerce.client.requests == []


async def test_prepared_operation_is_reused_across_requests(commerce):
    prepared = commerce.prepare(REVIEWS_WITH_AUTHORS, REVIEWS_WITH_AUTHORS_QUERY)
    from trellis_router.executor import execute_operation

    first = await execute_operation(
        prepared,
        client=commerce.client,
        routing_url=lambda name: f"http://{name}.test/graphql",
        variables={},
    )
    second = await execute_operation(
        prepared,
        client=commerce.client,
        routing_url=lambda name: f"http://{name}.test/graphql",
        variables={},
    )
    assert first == second
    assert len(commerce.client.requests) == 6
