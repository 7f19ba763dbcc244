"""Federation contract of the inventory subgraph: SDL, ``_entities`` and batching."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from graphql import parse, print_ast
from graphql.language import (
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
)
from trellis_inventory.schema import schema
from trellis_subgraph import DemoCatalogue, DemoProduct, subgraph_sdl
from trellis_subgraph.testing import count_statements

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id sku name description price { amount currency } stock reserved available }
  }
}
"""

CONTRACT = {
    "Query": [
        "products(first: Int = 20, after: String, search: String, inStock: Boolean): "
        "ProductConnection!",
        "product(id: ID!): Product",
        "productsByIds(ids: [ID!]!): [Product]!",
        "lowStockProducts(threshold: Int! = 10, first: Int = 50): [Product!]!",
        "reservation(reference: String!): StockReservation",
    ],
    "Mutation": [
        "createProduct(input: CreateProductInput!): Product!",
        "updateProduct(id: ID!, input: UpdateProductInput!): Product!",
        "deleteProduct(id: ID!): ID!",
        "adjustStock(productId: ID!, delta: Int!, reason: String!): Product!",
        "reserveStock(reference: String!, items: [StockItemInput!]!): StockReservation!",
        "releaseStock(reference: String!): StockReservation",
        "commitReservation(reference: String!): StockReservation!",
    ],
    "Product": [
        "id: ID!",
        "sku: String!",
        "name: String!",
        "description: String",
        "price: Money!",
        "stock: Int!",
        "reserved: Int!",
        "available: Int!",
        "stockMovements(first: Int = 20): [StockMovement!]!",
        "createdAt: DateTime!",
        "updatedAt: DateTime!",
    ],
    "StockMovement": [
        "id: ID!",
        "delta: Int!",
        "reason: String!",
        "stockAfter: Int!",
        "reference: String",
        "createdAt: DateTime!",
    ],
    "ReservationStatus": ["HELD", "RELEASED", "COMMITTED"],
    "StockReservation": [
        "id: ID!",
        "reference: String!",
        "status: ReservationStatus!",
        "items: [ReservedItem!]!",
        "createdAt: DateTime!",
        "updatedAt: DateTime!",
    ],
    "ReservedItem": ["product: Product!", "quantity: Int!"],
    "MoneyInput": ["amount: Int!", "currency: String!"],
    "CreateProductInput": [
        "sku: String!",
        "name: String!",
        "description: String",
        "price: MoneyInput!",
        "stock: Int = 0",
    ],
    "UpdateProductInput": [
        "sku: String",
        "name: String",
        "description: String",
        "price: MoneyInput",
    ],
    "StockItemInput": ["productId: ID!", "quantity: Int!"],
    "Money": ["amount: Int!", "currency: String!"],
    "PageInfo": [
        "hasNextPage: Boolean!",
        "hasPreviousPage: Boolean!",
        "startCursor: String",
        "endCursor: String",
    ],
    "ProductConnection": [
        "edges: [ProductEdge!]!",
        "nodes: [Product!]!",
        "pageInfo: PageInfo!",
        "totalCount: Int!",
    ],
    "ProductEdge": ["cursor: String!", "node: Product!"],
}


def signatures(sdl: str) -> dict[str, list[str]]:
    """Each type's fields as ``name(arg: Type = default): Type`` (descriptions left out)."""
    types: dict[str, list[str]] = {}
    for definition in parse(sdl).definitions:
        if isinstance(definition, EnumTypeDefinitionNode):
            types[definition.name.value] = [v.name.value for v in definition.values or ()]
        elif isinstance(definition, ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode):
            lines = []
            for field in definition.fields or ():
                args = [
                    f"{a.name.value}: {print_ast(a.type)}"
                    + (f" = {print_ast(a.default_value)}" if a.default_value else "")
                    for a in getattr(field, "arguments", None) or ()
                ]
                line = field.name.value + (f"({', '.join(args)})" if args else "")
                line += f": {print_ast(field.type)}"
                default = getattr(field, "default_value", None)
                lines.append(line + (f" = {print_ast(default)}" if default else ""))
            types[definition.name.value] = lines
    return types


def representations(*ids: object) -> list[dict[str, Any]]:
    return [{"__typename": "Product", "id": id_} for id_ in ids]


def product_json(product: DemoProduct) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": {"amount": product.price, "currency": product.currency},
        "stock": product.stock,
        "reserved": 0,
        "available": product.stock,
    }


async def test_service_sdl_is_the_schema_sdl_with_key_and_shareable_types(gql) -> None:
    sdl = (await gql.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl == subgraph_sdl(schema)
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in sdl
    assert 'type Product @key(fields: "id")' in sdl
    assert "type Money @shareable" in sdl
    assert "type PageInfo @shareable" in sdl
    assert "union _Entity = Product\n" in sdl
    assert "type StockReservation {" in sdl  # not an entity


async def test_sdl_matches_the_contract_field_by_field(gql) -> None:
    sdl = (await gql.data("{ _service { sdl } }"))["_service"]["sdl"]
    types = signatures(sdl)
    types["Query"] = [f for f in types["Query"] if not f.startswith("_")]
    assert {name: types[name] for name in CONTRACT} == CONTRACT


async def test_entities_resolve_in_order_with_unknown_ids_as_null(
    gql, catalogue: DemoCatalogue
) -> None:
    data = await gql.data(
        ENTITIES, {"representations": representations("5", "2", "0", "16", "nope", 9)}
    )
    products = {p.id: p for p in catalogue.products}
    assert data["_entities"] == [
        product_json(products[5]),
        product_json(products[2]),
        None,
        product_json(products[16]),
        None,
        product_json(products[9]),
    ]


async def test_entities_batch_costs_one_sql_query(app: FastAPI, gql) -> None:
    ids = [str(i) for i in range(16, 0, -1)] + ["77", "3"]
    with count_statements(app.state.database.engine) as log:
        data = await gql.data(ENTITIES, {"representations": representations(*ids)})
    assert [e and e["id"] for e in data["_entities"]] == [*ids[:-2], None, "3"]
    assert log.count == 1, log.statements


async def test_stock_movements_of_an_entities_batch_cost_one_more_query(
    app: FastAPI, gql, catalogue: DemoCatalogue
) -> None:
    query = """
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Product { id stockMovements(first: 1) { delta reason stockAfter reference } }
      }
    }"""
    stocked = [p for p in catalogue.products if p.stock > 0][:6]
    with count_statements(app.state.database.engine) as log:
        data = await gql.data(query, {"representations": representations(*(p.id for p in stocked))})
    assert data["_entities"] == [
        {
            "id": str(p.id),
            "stockMovements": [
                {
                    "delta": p.stock,
                    "reason": "initial stock",
                    "stockAfter": p.stock,
                    "reference": None,
                }
            ],
        }
        for p in stocked
    ]
    assert log.count == 2, log.statements


async def test_reservation_items_resolve_products_with_one_query(app: FastAPI, gql) -> None:
    body = await gql.reserve("batch-1", [("3", 1), ("1", 2), ("2", 1)], fields="id")
    assert "errors" not in body, body
    query = '{ reservation(reference: "batch-1") { items { quantity product { id sku } } } }'
    with count_statements(app.state.database.engine) as log:
        data = await gql.data(query)
    assert data["reservation"]["items"] == [
        {"quantity": 1, "product": {"id": "3", "sku": "TRL-00003"}},
        {"quantity": 2, "product": {"id": "1", "sku": "TRL-00001"}},
        {"quantity": 1, "product": {"id": "2", "sku": "TRL-00002"}},
    ]
    assert log.count == 3, log.statements  # reservation, its items, their products
