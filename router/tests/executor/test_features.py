"""Executor features for Federation 2 plans: rewrites, contexts, null keys, interface objects,
enum values hidden from the API schema, entity error paths.

Plans are Apollo's JSON; subgraphs are graphql-core schemas over data (see conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate
from trellis_router.executor import execute_operation, prepare_operation
from trellis_router.planner.plan import QueryPlan
from trellis_router.supergraph import Supergraph, load_supergraph

from .conftest import DataClient, build_subgraph

SUPERGRAPH = load_supergraph((Path(__file__).parent / "features.supergraph.graphql").read_text())
REPS = "$representations:[_Any!]!"

B1 = {"__typename": "Book", "id": "b1", "pages": 100, "format": "HARDCOVER"}
B2 = {"__typename": "Book", "id": "b2", "pages": 200, "format": "PAPERBACK"}
M1 = {"__typename": "Movie", "id": "m1", "minutes": 90}
SHELVES = [
    {"id": "s1", "name": "Fiction", "items": [B1, M1]},
    {"id": "s2", "name": "Classics", "items": [B1, B2]},
]
TITLES = {"b1": "Dune", "b2": "Emma", "m1": "Alien"}


def catalog(shelves: list[dict[str, Any]]) -> GraphQLSchema:
    records = {item["id"]: item for shelf in shelves for item in shelf["items"] if item}
    schema = build_subgraph(
        "enum Format { HARDCOVER PAPERBACK SECRET }\n"
        "interface Media { id: ID }\n"
        "type Book implements Media { id: ID pages: Int! format: Format! formats: [Format] }\n"
        "type Movie implements Media { id: ID minutes: Int! }\n"
        "type Shelf { id: ID! name: String! items: [Media]! }\n"
        "type Query { shelves: [Shelf!]! }",
        ("Book", "Movie", "Shelf"),
        root={"shelves": lambda: shelves},
        entities={},
    )
    assert schema.query_type is not None
    # Representations may name the interface (sent by an @interfaceObject graph's plan): the
    # record answers with its concrete __typename.
    schema.query_type.fields["_entities"].resolve = lambda _o, _i, representations: [
        records.get(rep["id"]) for rep in representations
    ]
    return schema


def media() -> GraphQLSchema:
    return build_subgraph(
        "type Media { id: ID! title: String! }\ntype Query { topMedia: [Media!]! }",
        ("Media",),
        root={"topMedia": lambda: [{"id": i, "title": TITLES[i]} for i in ("b1", "m1")]},
        entities={"Media": lambda rep: {"id": rep["id"], "title": TITLES[rep["id"]]}},
    )


def reviews() -> GraphQLSchema:
    def blurb(obj: dict[str, Any], shelf: str | None = None) -> str:
        if obj["id"] == "b2":
            raise ValueError("no blurb for b2")
        return f"{obj['id']} on {shelf}"

    return build_subgraph(
        "type Book { id: ID! blurb(shelf: String): String }\ntype Query { _unused: Int }",
        ("Book",),
        root={},
        entities={"Book": lambda rep: {"id": rep["id"]}},
        fields={"Book.blurb": blurb},
    )


def client(shelves: list[dict[str, Any]] = SHELVES) -> DataClient:
    return DataClient(schemas={"catalog": catalog(shelves), "media": media(), "reviews": reviews()})


async def run(
    data: DataClient, plan: dict[str, Any], query: str, supergraph: Supergraph = SUPERGRAPH
) -> dict[str, Any]:
    document = parse(query)
    assert not validate(supergraph.api_schema, document)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    prepared = prepare_operation(
        supergraph, document, operation, QueryPlan.from_json({"kind": "QueryPlan", "node": plan})
    )
    return await execute_operation(
        prepared,
        client=data,
        routing_url=lambda name: f"http://{name}.test/graphql",
        variables={},
    )


def fetch(service: str, operation: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "Fetch",
        "serviceName": service,
        "variableUsages": [],
        "operation": operation,
        "operationKind": "query",
        "operationName": None,
        **extra,
    }


def requires(*types: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": "InlineFragment",
            "typeCondition": t,
            "selections": [
                {"kind": "Field", "name": "__typename"},
                {"kind": "Field", "name": "id"},
            ],
        }
        for t in types
    ]


def flatten(path: str, node: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Flatten", "path": path.split("."), "node": node}


def sequence(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Sequence", "nodes": list(nodes)}


def entities(selection: str, variables: str = "") -> str:
    return f"query({REPS}{variables}){{_entities(representations:$representations){{{selection}}}}}"


SHELF_ITEMS = "{shelves{__typename name items{__typename ...on Book{__typename id} "
SHELF_ITEMS += "...on Movie{__typename id}}}}"


# --- interface objects: inputRewrites, outputRewrites, __typename merging ------------------


async def test_interface_object_fetch_keeps_concrete_typename() -> None:
    data = client()
    plan = sequence(
        fetch("catalog", "{shelves{items{__typename id ...on Book{pages}}}}"),
        flatten(
            "shelves.@.items.@",
            fetch(
                "media",
                entities("...on Media{__typename title__alias_0:title}"),
                requires=requires("Book", "Movie"),
                inputRewrites=[
                    {
                        "kind": "ValueSetter",
                        "path": [f"... on {t}", "__typename"],
                        "setValueTo": "Media",
                    }
                    for t in ("Book", "Movie")
                ],
                outputRewrites=[
                    {
                        "kind": "KeyRenamer",
                        "path": ["... on Media", "title__alias_0"],
                        "renameKeyTo": "title",
                    }
                ],
            ),
        ),
    )
    query = "{ shelves { items { __typename id title ... on Book { pages } } } }"
    response = await run(data, plan, query)
    assert response == {
        "data": {
            "shelves": [
                {
                    "items": [
                        {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 100},
                        {"__typename": "Movie", "id": "m1", "title": "Alien"},
                    ]
                },
                {
                    "items": [
                        {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 100},
                        {"__typename": "Book", "id": "b2", "title": "Emma", "pages": 200},
                    ]
                },
            ]
        }
    }
    [sent] = data.sent("media")
    assert sent["variables"]["representations"] == [
        {"__typename": "Media", "id": "b1"},
        {"__typename": "Media", "id": "m1"},
        {"__typename": "Media", "id": "b2"},
    ]


async def test_concrete_typename_replaces_interface_object_typename() -> None:
    data = client()
    plan = sequence(
        fetch("media", "{topMedia{__typename id title}}"),
        flatten(
            "topMedia.@",
            fetch(
                "catalog",
                entities("...on Media{__typename ...on Book{pages}}"),
                requires=requires("Media"),
            ),
        ),
    )
    query = "{ topMedia { __typename title ... on Book { pages } } }"
    response = await run(data, plan, query)
    assert response == {
        "data": {
            "topMedia": [
                {"__typename": "Book", "title": "Dune", "pages": 100},
                {"__typename": "Movie", "title": "Alien"},
            ]
        }
    }
    [sent] = data.sent("catalog")
    assert sent["variables"]["representations"] == [
        {"__typename": "Media", "id": "b1"},
        {"__typename": "Media", "id": "m1"},
    ]


async def test_output_rewrites_rename_aliases_of_a_root_fetch() -> None:
    plan = fetch(
        "catalog",
        "{shelves{items{__typename ...on Book{pages__alias_0:pages}}}}",
        outputRewrites=[
            {
                "kind": "KeyRenamer",
                "path": ["shelves", "items", "... on Book", "pages__alias_0"],
                "renameKeyTo": "pages",
            }
        ],
    )
    response = await run(client(), plan, "{ shelves { items { ... on Book { pages } } } }")
    assert response == {
        "data": {
            "shelves": [
                {"items": [{"pages": 100}, {}]},
                {"items": [{"pages": 100}, {"pages": 200}]},
            ]
        }
    }


# --- contexts (join v0.5 contextArguments) ------------------------------------------------


def context_plan(shelf_selection: str = SHELF_ITEMS) -> dict[str, Any]:
    return sequence(
        fetch("catalog", shelf_selection),
        flatten(
            "shelves.@.items.@",
            fetch(
                "reviews",
                entities(
                    "...on Book{blurb(shelf:$contextualArgument_1_0)}",
                    "$contextualArgument_1_0:String",
                ),
                requires=requires("Book"),
                contextRewrites=[
                    {
                        "kind": "KeyRenamer",
                        "path": ["..", "... on Shelf", "name"],
                        "renameKeyTo": "contextualArgument_1_0",
                    }
                ],
            ),
        ),
    )


async def test_context_values_are_read_from_the_parent_object() -> None:
    only_b1 = [
        {"id": "s1", "name": "Fiction", "items": [B1, M1]},
        {"id": "s3", "name": "Fiction", "items": [B1]},
    ]
    data = client(only_b1)
    response = await run(data, context_plan(), "{ shelves { items { ... on Book { blurb } } } }")
    assert response == {
        "data": {
            "shelves": [
                {"items": [{"blurb": "b1 on Fiction"}, {}]},
                {"items": [{"blurb": "b1 on Fiction"}]},
            ]
        }
    }
    [sent] = data.sent("reviews")
    assert sent["variables"] == {
        "representations": [{"__typename": "Book", "id": "b1"}],
        "contextualArgument_1_0": "Fiction",
    }


async def test_entities_with_different_context_values_get_their_own_values() -> None:
    data = client([{"id": "s1", "name": "Fiction", "items": [B1]}, SHELVES[1]])
    query = "{ shelves { items { ... on Book { blurb } } } }"
    response = await run(data, context_plan(), query)
    assert response["data"] == {
        "shelves": [
            {"items": [{"blurb": "b1 on Fiction"}]},
            {"items": [{"blurb": "b1 on Classics"}, {"blurb": None}]},
        ]
    }
    assert sorted(
        (r["variables"]["contextualArgument_1_0"], len(r["variables"]["representations"]))
        for r in data.sent("reviews")
    ) == [("Classics", 2), ("Fiction", 1)]
    assert [e["path"] for e in response["errors"]] == [["shelves", 1, "items", 1, "blurb"]]


# --- null keys ------------------------------------------------------------------------------


TITLE_PLAN = sequence(
    fetch("catalog", "{shelves{items{__typename ...on Book{__typename id}}}}"),
    flatten(
        "shelves.@.items.@",
        fetch(
            "media",
            entities("...on Media{title}"),
            requires=requires("Book"),
            inputRewrites=[
                {
                    "kind": "ValueSetter",
                    "path": ["... on Book", "__typename"],
                    "setValueTo": "Media",
                }
            ],
        ),
    ),
)


async def test_objects_with_a_null_key_are_not_sent() -> None:
    nameless = {**B2, "id": None}
    data = client([{"id": "s1", "name": "Fiction", "items": [nameless, B1]}])
    response = await run(data, TITLE_PLAN, "{ shelves { items { title } } }")
    [sent] = data.sent("media")
    assert sent["variables"]["representations"] == [{"__typename": "Media", "id": "b1"}]
    assert response == {
        "data": {"shelves": [{"items": [None, {"title": "Dune"}]}]},
        "extensions": {
            "valueCompletion": [
                {
                    "message": "Cannot return null for non-nullable field Book.title.",
                    "path": ["shelves", 0, "items", 0, "title"],
                }
            ]
        },
    }


async def test_no_fetch_when_no_object_has_a_key() -> None:
    data = client([{"id": "s1", "name": "Fiction", "items": [{**B1, "id": None}, None]}])
    response = await run(data, TITLE_PLAN, "{ shelves { items { title } } }")
    assert data.sent("media") == []
    assert response["data"] == {"shelves": [{"items": [None, None]}]}
    completion = response["extensions"]["valueCompletion"]
    assert [e["path"] for e in completion] == [["shelves", 0, "items", 0, "title"]]


# --- enum values hidden from the API schema -------------------------------------------------


async def test_inaccessible_enum_value_is_a_field_error() -> None:
    secret = {**B2, "format": "SECRET"}
    shelves = [
        {
            "id": "s1",
            "name": "Fiction",
            "items": [{**B1, "formats": ["SECRET", "PAPERBACK"]}, secret],
        }
    ]
    plan = fetch("catalog", "{shelves{items{__typename ...on Book{format formats}}}}")
    query = "{ shelves { items { ... on Book { format formats } } } }"
    response = await run(client(shelves), plan, query)
    error = {
        "message": "Expected a valid enum value for type Format",
        "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
    }
    assert response == {
        "data": {
            "shelves": [{"items": [{"format": "HARDCOVER", "formats": [None, "PAPERBACK"]}, None]}]
        },
        "errors": [
            {**error, "path": ["shelves", 0, "items", 0, "formats", 0]},
            {**error, "path": ["shelves", 0, "items", 1, "format"]},
        ],
    }


# --- entity errors at the client's path -----------------------------------------------------


async def test_entity_errors_get_client_paths_through_aliases_and_lists() -> None:
    data = client()
    plan = sequence(
        fetch("catalog", "{s:shelves{i:items{__typename ...on Book{__typename id}}}}"),
        flatten(
            "s.@.i.@",
            fetch("reviews", entities("...on Book{b:blurb}"), requires=requires("Book")),
        ),
    )
    query = "{ s: shelves { i: items { ... on Book { b: blurb } } } }"
    response = await run(data, plan, query)
    assert response["data"] == {
        "s": [
            {"i": [{"b": "b1 on None"}, {}]},
            {"i": [{"b": "b1 on None"}, {"b": None}]},
        ]
    }
    [sent] = data.sent("reviews")
    assert len(sent["variables"]["representations"]) == 2
    assert response["errors"] == [
        {
            "message": "no blurb for b2",
            "path": ["s", 1, "i", 1, "b"],
            "extensions": {"serviceName": "reviews"},
        }
    ]
