"""Data-described subgraphs for executor tests.

Each subgraph is a real graphql-core schema (its own SDL with ``_entities``) whose resolvers read
plain data tables; the test client validates and executes every fetch against it, so plans are
checked by behaviour, never by matching query strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute_sync,
    parse,
    validate,
)
from trellis_router.executor import (
    PreparedOperation,
    SubgraphFetchError,
    execute_operation,
    prepare_operation,
)
from trellis_router.planner.plan import QueryPlan
from trellis_router.supergraph import Supergraph, load_supergraph

_FEDERATION = """
scalar _Any
"""

Resolver = Callable[..., Any]


def build_subgraph(
    sdl: str,
    entity_types: tuple[str, ...],
    root: Mapping[str, Resolver],
    entities: Mapping[str, Resolver],
    fields: Mapping[str, Resolver] | None = None,
) -> GraphQLSchema:
    """A subgraph schema over data.

    ``root`` resolves Query fields (``fn(**args)``), ``entities`` resolves a representation per
    typename (``fn(rep)`` -> record or None; raise to produce an error), ``fields`` resolves
    ``"Type.field"`` from the parent object (``fn(obj, **args)``).
    """
    union = f"union _Entity = {' | '.join(entity_types)}\n" if entity_types else ""
    entities_field = "  _entities(representations: [_Any!]!): [_Entity]!\n" if entity_types else ""
    full = sdl.replace("type Query {", "type Query {\n" + entities_field)
    schema = build_schema(_FEDERATION + union + full)
    query = schema.query_type
    assert query is not None
    for name, fn in root.items():
        query.fields[name].resolve = lambda _obj, _info, fn=fn, **args: fn(**args)

    def resolve_entities(_obj: Any, _info: Any, representations: list[Any]) -> list[Any]:
        out = []
        for rep in representations:
            record = entities[rep["__typename"]](rep)
            out.append(None if record is None else {**record, **rep})
        return out

    if entity_types:
        query.fields["_entities"].resolve = resolve_entities
    for dotted, fn in (fields or {}).items():
        type_name, field_name = dotted.split(".")
        schema.get_type(type_name).fields[field_name].resolve = (  # type: ignore[union-attr]
            lambda obj, _info, fn=fn, **args: fn(obj, **args)
        )
    for type_ in schema.type_map.values():
        if hasattr(type_, "resolve_type"):
            type_.resolve_type = lambda obj, _info, _type: obj["__typename"]
    return schema


@dataclass
class DataClient:
    """A SubgraphClient that validates and executes fetches against data-described schemas."""

    schemas: dict[str, GraphQLSchema]
    failing: set[str] = field(default_factory=set)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def fetch(
        self, subgraph_name: str, url: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        request = orjson.loads(body)
        self.requests.append((subgraph_name, request))
        assert url == f"http://{subgraph_name}.test/graphql"
        if subgraph_name in self.failing:
            raise SubgraphFetchError("connection refused")
        schema = self.schemas[subgraph_name]
        document = parse(request["query"])
        problems = validate(schema, document)
        assert not problems, [p.message for p in problems]
        result = execute_sync(
            schema,
            document,
            variable_values=request["variables"],
            operation_name=request["operationName"],
        )
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [_formatted(e) for e in result.errors]
        return out

    def sent(self, subgraph_name: str) -> list[dict[str, Any]]:
        """The requests sent to one subgraph."""
        return [body for name, body in self.requests if name == subgraph_name]


def _formatted(error: GraphQLError) -> dict[str, Any]:
    return {k: v for k, v in error.formatted.items() if k != "locations"}


# --- the commerce data -------------------------------------------------------------------

PRODUCTS = {
    "1": {"upc": "1", "name": "Table", "price": 899, "weight": 100},
    "2": {"upc": "2", "name": "Couch", "price": 1299, "weight": 1000},
    "3": {"upc": "3", "name": "Chair", "price": 54, "weight": 50},
}
USERS = {
    "1": {"id": "1", "name": "Ada", "username": "ada"},
    "2": {"id": "2", "name": "Alan", "username": "alan"},
    "3": {"id": "3", "name": "Grace", "username": "grace"},
}
REVIEWS = [
    {"id": "r1", "body": "Love it", "product": "1", "author": "1"},
    {"id": "r2", "body": "Too big", "product": "1", "author": "2"},
    {"id": "r3", "body": "Comfy", "product": "2", "author": "1"},
    {"id": "r4", "body": "Wobbly", "product": "3", "author": "1"},
]
STOCK = {"1": True, "2": False, "3": True}


def _accounts(users: Mapping[str, Any]) -> GraphQLSchema:
    def name(obj: dict[str, Any]) -> Any:
        if obj["id"] == "5":
            raise ValueError("user 5 is locked")
        return obj.get("name")

    return build_subgraph(
        "type Query { me: User }\ntype User { id: ID! name: String username: String }",
        ("User",),
        root={"me": lambda: users["1"]},
        entities={
            "User": lambda rep: users.get(rep["id"], {"id": "5"} if rep["id"] == "5" else None)
        },
        fields={"User.name": name},
    )


def _products(products: Mapping[str, Any]) -> GraphQLSchema:
    search_results = [
        {"__typename": "Product", **PRODUCTS["2"]},
        {"__typename": "User", "id": "3"},
        {"__typename": "Product", **PRODUCTS["3"]},
        {"__typename": "User", "id": "1"},
    ]
    return build_subgraph(
        "type Query { topProducts(first: Int = 5): [Product] "
        "search(text: String!): [SearchResult!]! }\n"
        "type Product { upc: String! name: String price: Int weight: Int }\n"
        "type User { id: ID! }\n"
        "union SearchResult = Product | User",
        ("Product", "User"),
        root={
            "topProducts": lambda first=5: list(products.values())[:first],
            "search": lambda text: search_results,
        },
        entities={"Product": lambda rep: products.get(rep["upc"]), "User": lambda rep: rep},
    )


def _inventory() -> GraphQLSchema:
    return build_subgraph(
        "type Query { _unused: Int }\n"
        "type Product { upc: String! price: Int weight: Int inStock: Boolean "
        "shippingEstimate: Int }",
        ("Product",),
        root={},
        entities={"Product": lambda rep: {"upc": rep["upc"], "inStock": STOCK[rep["upc"]]}},
        fields={
            "Product.shippingEstimate": lambda obj: obj["price"] * obj["weight"] // 1000,
        },
    )


def _reviews(reviews: list[dict[str, Any]]) -> GraphQLSchema:
    def product_reviews(obj: dict[str, Any]) -> Any:
        if obj["upc"] == "2" and obj.get("_broken"):
            raise ValueError("unreachable")
        if obj["upc"] == "9":
            raise ValueError("reviews of product 9 are unavailable")
        return [_review(r) for r in reviews if r["product"] == obj["upc"]]

    def _review(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "body": r["body"],
            "author": {"id": r["author"]},
            "product": {"upc": r["product"]},
        }

    return build_subgraph(
        "type Query { _unused: Int }\n"
        "type Review { id: ID! body: String! author: User product: Product }\n"
        "type User { id: ID! reviews: [Review] }\n"
        "type Product { upc: String! reviews: [Review!] }",
        ("Product", "User", "Review"),
        root={},
        entities={
            "Product": lambda rep: {"upc": rep["upc"]},
            "User": lambda rep: {"id": rep["id"]},
            "Review": lambda rep: None,
        },
        fields={
            "Product.reviews": product_reviews,
            "User.reviews": lambda obj: [_review(r) for r in reviews if r["author"] == obj["id"]],
        },
    )


@dataclass
class Commerce:
    """The commerce supergraph with data-described subgraphs and a helper to run plans."""

    supergraph: Supergraph
    client: DataClient

    def prepare(self, plan_json: dict[str, Any], query: str) -> PreparedOperation:
        document = parse(query)
        problems = validate(self.supergraph.api_schema, document)
        assert not problems, [p.message for p in problems]
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        return prepare_operation(
            self.supergraph, document, operation, QueryPlan.from_json(plan_json)
        )

    async def run(
        self, plan_json: dict[str, Any], query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await execute_operation(
            self.prepare(plan_json, query),
            client=self.client,
            routing_url=lambda name: f"http://{name}.test/graphql",
            variables=variables or {},
        )


SUPERGRAPH_SDL = (Path(__file__).parent / "commerce.supergraph.graphql").read_text()


def make_commerce(
    users: Mapping[str, Any] = USERS,
    reviews: list[dict[str, Any]] = REVIEWS,
    products: Mapping[str, Any] = PRODUCTS,
) -> Commerce:
    """The commerce fixture with optional data overrides."""
    client = DataClient(
        schemas={
            "accounts": _accounts(users),
            "products": _products(products),
            "inventory": _inventory(),
            "reviews": _reviews(reviews),
        }
    )
    return Commerce(supergraph=load_supergraph(SUPERGRAPH_SDL), client=client)


@pytest.fixture
def commerce() -> Commerce:
    """The commerce supergraph over the default data."""
    return make_commerce()


@pytest.fixture
def commerce_factory() -> Callable[..., Commerce]:
    """Build the commerce fixture with other users or reviews."""
    return make_commerce
