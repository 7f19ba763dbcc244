"""Plans that jump between subgraphs through @key (entities)."""

from __future__ import annotations

from inline_snapshot import snapshot

INVOICES = """
query Invoices {
  invoices {
    number
    total { amount currency }
    customer { name email invoices { number } }
    items { quantity product { name sku price { amount } } }
  }
}
"""


def test_nested_invoices_take_three_fetches(make_plan):
    plan = make_plan("commerce", INVOICES)
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "billing") {
      {
        invoices {
          number
          total {
            amount
            currency
          }
          customer {
            __typename
            id
            invoices {
              number
            }
          }
          items {
            quantity
            product {
              __typename
              id
            }
          }
        }
      }
    },
    Parallel {
      Flatten(path: "invoices.@.customer") {
        Fetch(service: "customers") {
          {
            ... on Customer {
              __typename
              id
            }
          } =>
          {
            ... on Customer {
              name
              email
            }
          }
        },
      },
      Flatten(path: "invoices.@.items.@.product") {
        Fetch(service: "inventory") {
          {
            ... on Product {
              __typename
              id
            }
          } =>
          {
            ... on Product {
              name
              sku
              price {
                amount
              }
            }
          }
        },
      },
    },
  },
}\
""")
    assert [f.service_name for f in plan.fetch_nodes()] == ["billing", "customers", "inventory"]


def test_entity_fetch_json(make_plan):
    plan = make_plan("commerce", "{ customer(id: 1) { name invoices { number } } }")
    assert plan.to_json() == snapshot(
        {
            "kind": "QueryPlan",
            "node": {
                "kind": "Sequence",
                "nodes": [
                    {
                        "kind": "Fetch",
                        "serviceName": "customers",
                        "variableUsages": [],
                        "operation": "{customer(id:1){__typename id name}}",
                        "operationKind": "query",
                        "operationName": None,
                    },
                    {
                        "kind": "Flatten",
                        "path": ["customer"],
                        "node": {
                            "kind": "Fetch",
                            "serviceName": "billing",
                            "requires": [
                                {
                                    "kind": "InlineFragment",
                                    "typeCondition": "Customer",
                                    "selections": [
                                        {"kind": "Field", "name": "__typename"},
                                        {"kind": "Field", "name": "id"},
                                    ],
                                }
                            ],
                            "variableUsages": [],
                            "operation": "query($representations:[_Any!]!){_entities(representations:$representations){...on Customer{invoices{number}}}}",
                            "operationKind": "query",
                            "operationName": None,
                        },
                    },
                ],
            },
        }
    )


def test_operation_names_count_fetches(make_plan):
    plan = make_plan("commerce", "query Q { product(id: 1) { name } customer(id: 2) { name } }")
    assert [f.operation_name for f in plan.fetch_nodes()] == snapshot(
        ["Q__inventory__0", "Q__customers__1"]
    )
    assert [f.operation for f in plan.fetch_nodes()] == snapshot(
        [
            "query Q__inventory__0{product(id:1){name}}",
            "query Q__customers__1{customer(id:2){name}}",
        ]
    )


def test_variables_are_passed_to_the_subgraph_that_uses_them(make_plan):
    plan = make_plan(
        "commerce",
        "query One($id: ID!, $skip: Boolean!) { invoice(id: $id) {"
        " number customer { name @skip(if: $skip) email } } }",
    )
    fetches = plan.fetch_nodes()
    assert [(f.service_name, f.variable_usages) for f in fetches] == snapshot(
        [("billing", ("id",)), ("customers", ("skip",))]
    )
    assert fetches[1].operation == snapshot(
        "query One__customers__1($representations:[_Any!]!$skip:Boolean!){_entities(representations:$representations){...on Customer{name@skip(if:$skip)email}}}"
    )


def test_non_resolvable_key_is_never_a_target(make_plan):
    # billing's Product is @key(resolvable: false): product fields come from inventory.
    plan = make_plan("commerce", "{ invoices { items { product { id name } } } }")
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "billing") {
      {
        invoices {
          items {
            product {
              __typename
              id
            }
          }
        }
      }
    },
    Flatten(path: "invoices.@.items.@.product") {
      Fetch(service: "inventory") {
        {
          ... on Product {
            __typename
            id
          }
        } =>
        {
          ... on Product {
            name
          }
        }
      },
    },
  },
}\
""")


def test_back_and_forth_between_subgraphs(make_plan):
    plan = make_plan(
        "commerce",
        "{ customers { name invoices { number customer { email invoices { total { amount } } } } } }",
    )
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "customers") {
      {
        customers {
          __typename
          id
          name
        }
      }
    },
    Flatten(path: "customers.@") {
      Fetch(service: "billing") {
        {
          ... on Customer {
            __typename
            id
          }
        } =>
        {
          ... on Customer {
            invoices {
              number
              customer {
                __typename
                id
                invoices {
                  total {
                    amount
                  }
                }
              }
            }
          }
        }
      },
    },
    Flatten(path: "customers.@.invoices.@.customer") {
      Fetch(service: "customers") {
        {
          ... on Customer {
            __typename
            id
          }
        } =>
        {
          ... on Customer {
            email
          }
        }
      },
    },
  },
}\
""")


def test_fragments_and_aliases(make_plan):
    plan = make_plan(
        "commerce",
        """
        query F { first: invoice(id: 1) { ...Inv } second: invoice(id: 2) { ...Inv } }
        fragment Inv on Invoice { number who: customer { ... on Customer { name } } }
        """,
    )
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "billing") {
      {
        first: invoice(id: 1) {
          number
          who: customer {
            __typename
            id
          }
        }
        second: invoice(id: 2) {
          number
          who: customer {
            __typename
            id
          }
        }
      }
    },
    Parallel {
      Flatten(path: "first.who") {
        Fetch(service: "customers") {
          {
            ... on Customer {
              __typename
              id
            }
          } =>
          {
            ... on Customer {
              name
            }
          }
        },
      },
      Flatten(path: "second.who") {
        Fetch(service: "customers") {
          {
            ... on Customer {
              __typename
              id
            }
          } =>
          {
            ... on Customer {
              name
            }
          }
        },
      },
    },
  },
}\
""")


def test_requires_and_provides_in_the_reviews_graph(make_plan):
    plan = make_plan(
        "reviews",
        "{ topProducts { name shippingEstimate reviews { author { username name } } } }",
    )
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      {
        topProducts {
          __typename
          upc
          name
          price
          weight
        }
      }
    },
    Parallel {
      Flatten(path: "topProducts.@") {
        Fetch(service: "inventory") {
          {
            ... on Product {
              __typename
              upc
              price
              weight
            }
          } =>
          {
            ... on Product {
              shippingEstimate
            }
          }
        },
      },
      Sequence {
        Flatten(path: "topProducts.@") {
          Fetch(service: "reviews") {
            {
              ... on Product {
                __typename
                upc
              }
            } =>
            {
              ... on Product {
                reviews {
                  author {
                    __typename
                    id
                    username
                  }
                }
              }
            }
          },
        },
        Flatten(path: "topProducts.@.reviews.@.author") {
          Fetch(service: "accounts") {
            {
              ... on User {
                __typename
                id
              }
            } =>
            {
              ... on User {
                name
              }
            }
          },
        },
      },
    },
  },
}\
""")


def test_root_typename_and_introspection_need_no_fetch(make_plan):
    plan = make_plan("commerce", "{ __typename __schema { queryType { name } } }")
    assert plan.node is None
