"""Planner test helpers: fixture supergraphs and a one-call planner."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from graphql import parse, validate
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.planner import QueryPlan, plan_operation
from trellis_router.supergraph import Supergraph, load_supergraph

FIXTURES = Path(__file__).parent / "fixtures"


COMMERCE = {
    "customers": """
        type Customer @key(fields: "id") { id: ID! name: String! email: String! }
        type Query { customers: [Customer!]! customer(id: ID!): Customer }
    """,
    "inventory": """
        type Money @shareable { amount: Int! currency: String! }
        type Product @key(fields: "id") {
          id: ID! sku: String! name: String! price: Money! stock: Int!
        }
        type Query { products: [Product!]! product(id: ID!): Product }
    """,
    "billing": """
        scalar DateTime
        type Money @shareable { amount: Int! currency: String! }
        type Customer @key(fields: "id") { id: ID! invoices: [Invoice!]! }
        type Product @key(fields: "id", resolvable: false) { id: ID! }
        type InvoiceItem {
          product: Product! quantity: Int! unitPrice: Money! lineTotal: Money!
        }
        type Invoice @key(fields: "id") {
          id: ID! number: String! issuedAt: DateTime! customer: Customer!
          items: [InvoiceItem!]! total: Money!
        }
        type Query { invoices: [Invoice!]! invoice(id: ID!): Invoice }
    """,
}
"""The commerce subgraphs' shape (as Trellis's subgraphs publish it, without descriptions)."""


@cache
def supergraph(name: str) -> Supergraph:
    """``commerce`` composed from :data:`COMMERCE`; others from ``fixtures/<name>.supergraph.graphql``
    (Apollo-composed files)."""
    if name == "commerce":
        return compose_supergraph(**COMMERCE)
    return load_supergraph((FIXTURES / f"{name}.supergraph.graphql").read_text())


def plan(name: str, query: str, operation_name: str | None = None) -> QueryPlan:
    """Validate ``query`` against the fixture's API schema and plan it."""
    sg = supergraph(name)
    document = parse(query)
    errors = validate(sg.api_schema, document)
    assert not errors, errors
    return plan_operation(sg, document, operation_name)


@pytest.fixture
def make_plan() -> Callable[..., QueryPlan]:
    """The :func:`plan` helper as a fixture."""
    return plan


FED2_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides"])\n'
)


def compose_supergraph(**subgraphs: str) -> Supergraph:
    """Compose inline Fed 2 subgraph SDL (the federation @link is added) with our composer."""
    result = compose(
        [
            SubgraphDefinition(name, f"http://{name}.local/graphql", FED2_LINK + sdl)
            for name, sdl in subgraphs.items()
        ]
    )
    assert result.ok and result.supergraph_sdl is not None, result.errors
    return load_supergraph(result.supergraph_sdl)


def plan_on(sg: Supergraph, query: str, operation_name: str | None = None) -> QueryPlan:
    """Validate ``query`` against ``sg``'s API schema and plan it."""
    document = parse(query)
    errors = validate(sg.api_schema, document)
    assert not errors, errors
    return plan_operation(sg, document, operation_name)


@pytest.fixture
def composed() -> Callable[..., Supergraph]:
    """:func:`compose_supergraph` as a fixture."""
    return compose_supergraph


@pytest.fixture
def plan_over() -> Callable[..., QueryPlan]:
    """:func:`plan_on` as a fixture."""
    return plan_on
