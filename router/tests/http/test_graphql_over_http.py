"""GraphQL-over-HTTP behaviour of the router app, against real subgraph servers."""

from __future__ import annotations

import httpx
import orjson
import pytest
from trellis_router.http.graphql import negotiate
from trellis_router.state import StateHolder

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_ACCEPT = {"accept": "application/json"}
GR_ACCEPT = {"accept": GRAPHQL_RESPONSE}


async def test_post_runs_a_query_across_subgraphs(shop):
    response = await shop.router.post(
        "/graphql",
        json={"query": "{ me { name reviews { body } } }"},
        headers=JSON_ACCEPT,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "data": {"me": {"name": "Ada", "reviews": [{"body": "Great"}, {"body": "Fine"}]}}
    }
    assert len(shop.accounts.requests) == 1
    assert shop.reviews.requests[0]["variables"]["representations"] == [
        {"__typename": "User", "id": "1"}
    ]


async def test_graphql_response_json_when_accepted(shop):
    response = await shop.router.post(
        "/graphql", json={"query": "{ me { id } }"}, headers=GR_ACCEPT
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"me": {"id": "1"}}}


async def test_variables_and_operation_name(shop):
    query = "query A { me { id } } query B($id: ID!) { user(id: $id) { name } }"
    body = {"query": query, "operationName": "B", "variables": {"id": "2"}}
    response = await shop.router.post("/graphql", json=body)
    assert response.json() == {"data": {"user": {"name": "Alan"}}}


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_parse_error_status_depends_on_media_type(shop):
    body = {"query": "{ me { "}
    strict = await shop.router.post("/graphql", json=body, headers=GR_ACCEPT)
    legacy = await shop.router.post("/graphql", json=body, headers=JSON_ACCEPT)
    assert (strict.status_code, _code(strict)) == (400, "GRAPHQL_PARSE_FAILED")
    assert (legacy.status_code, _code(legacy)) == (200, "GRAPHQL_PARSE_FAILED")
    assert "data" not in strict.json()
    assert strict.json()["errors"][0]["locations"] == [{"line": 1, "column": 8}]


async def test_validation_error(shop):
    body = {"query": "{ me { nope } }"}
    strict = await shop.router.post("/graphql", json=body, headers=GR_ACCEPT)
    legacy = await shop.router.post("/graphql", json=body)
    assert (strict.status_code, _code(strict)) == (400, "GRAPHQL_VALIDATION_FAILED")
    assert (legacy.status_code, _code(legacy)) == (200, "GRAPHQL_VALIDATION_FAILED")


async def test_bad_variable_is_bad_user_input(shop):
    body = {"query": "query($id: ID!) { user(id: $id) { name } }", "variables": {"id": {}}}
    response = await shop.router.post("/graphql", json=body, headers=GR_ACCEPT)
    assert (response.status_code, _code(response)) == (400, "BAD_USER_INPUT")
    missing = await shop.router.post("/graphql", json={"query": body["query"]}, headers=GR_ACCEPT)
    assert (missing.status_code, _code(missing)) == (400, "BAD_USER_INPUT")


async def test_operation_selection_errors(shop):
    query = "query A { me { id } } query B { me { name } }"
    unnamed = await shop.router.post("/graphql", json={"query": query}, headers=GR_ACCEPT)
    unknown = await shop.router.post(
        "/graphql", json={"query": query, "operationName": "C"}, headers=GR_ACCEPT
    )
    assert (unnamed.status_code, _code(unnamed)) == (400, "BAD_REQUEST")
    assert (unknown.status_code, _code(unknown)) == (400, "GRAPHQL_VALIDATION_FAILED")


async def test_malformed_requests_are_400_bad_request(shop):
    cases = [
        b"{not json",
        b"",
        b'"a string"',
        b"3",
        b'{"variables": {}}',
        b'{"query": 3}',
        b'{"query": "{ me { id } }", "variables": [1]}',
        b'{"query": "{ me { id } }", "operationName": 1}',
    ]
    for content in cases:
        for accept in (JSON_ACCEPT, GR_ACCEPT):
            response = await shop.router.post(
                "/graphql",
                content=content,
                headers={**accept, "content-type": "application/json"},
            )
            assert response.status_code == 400, content
            assert _code(response) == "BAD_REQUEST"


async def test_unsupported_content_type_and_too_large_body(shop):
    xml = await shop.router.post(
        "/graphql", content=b"<query/>", headers={"content-type": "application/xml"}
    )
    assert (xml.status_code, _code(xml)) == (415, "BAD_REQUEST")
    form = await shop.router.post(
        "/graphql", content=b"query=x", headers={"content-type": "text/plain"}
    )
    assert (form.status_code, _code(form)) == (415, "BAD_REQUEST")
    large = await shop.router.post("/graphql", json={"query": "{ me { id } }" + " " * 20_000})
    assert (large.status_code, _code(large)) == (413, "BAD_REQUEST")


async def test_get_runs_queries_but_not_mutations(shop):
    ok = await shop.router.get(
        "/graphql",
        params={"query": "query($id: ID!) { user(id: $id) { name } }", "variables": '{"id":"1"}'},
    )
    assert ok.status_code == 200
    assert ok.json() == {"data": {"user": {"name": "Ada"}}}
    mutation = await shop.router.get(
        "/graphql", params={"query": 'mutation { rename(name: "x") { name } }'}
    )
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"
    assert shop.accounts.requests == [shop.accounts.requests[0]]
    bad_variables = await shop.router.get(
        "/graphql", params={"query": "{ me { id } }", "variables": "{"}
    )
    assert (bad_variables.status_code, _code(bad_variables)) == (400, "BAD_REQUEST")


async def test_post_runs_mutations(shop):
    response = await shop.router.post(
        "/graphql", json={"query": 'mutation { rename(name: "Ada L.") { name reviews { body } } }'}
    )
    assert response.json() == {
        "data": {"rename": {"name": "Ada L.", "reviews": [{"body": "Great"}, {"body": "Fine"}]}}
    }


async def test_unsupported_method_is_405(shop):
    response = await shop.router.put("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_browser_get_gets_a_page_without_cdn(shop):
    response = await shop.router.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script src" not in response.text


async def test_health_and_ready(shop):
    assert (await shop.router.get("/health")).json() == {"status": "UP"}
    ready = await shop.router.get("/ready")
    assert ready.status_code == 200
    shop.holder.current = None
    assert (await shop.router.get("/ready")).status_code == 503
    response = await shop.router.post("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 503
    assert _code(response) == "SERVICE_UNAVAILABLE"


async def test_expose_query_plan(shop):
    response = await shop.router.post(
        "/graphql",
        json={"query": "{ me { name reviews { body } } }"},
        headers={"apollo-expose-query-plan": "true"},
    )
    plan = response.json()["extensions"]["apolloQueryPlan"]
    assert plan["text"].startswith("QueryPlan {")
    assert plan["object"]["kind"] == "QueryPlan"
    assert plan["object"]["node"]["kind"] == "Sequence"
    plain = await shop.router.post("/graphql", json={"query": "{ me { id } }"})
    assert "extensions" not in plain.json()


async def test_subgraph_down_gives_partial_data(shop):
    state = shop.holder.current
    down = {"accounts": [shop.accounts.url], "reviews": ["http://127.0.0.1:9/graphql"]}
    shop.holder.swap(state.with_routing_urls(down))
    response = await shop.router.post(
        "/graphql", json={"query": "{ me { name reviews { body } } }"}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"me": {"name": "Ada", "reviews": None}}
    assert body["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert body["errors"][0]["extensions"]["serviceName"] == "reviews"


async def test_introspection_is_answered_by_the_router(shop):
    response = await shop.router.post(
        "/graphql", json={"query": "{ __schema { mutationType { name } } }"}
    )
    assert response.json() == {"data": {"__schema": {"mutationType": {"name": "Mutation"}}}}
    assert shop.accounts.requests == []


async def test_plans_are_cached_per_state(shop):
    body = orjson.dumps({"query": "{ me { id } }"})
    headers = {"content-type": "application/json"}
    for _ in range(3):
        await shop.router.post("/graphql", content=body, headers=headers)
    assert len(shop.holder.current.caches.operations) == 1
    assert isinstance(shop.holder, StateHolder)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8, application/json; charset=utf-8", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
        ("text/html", None),
        ("application/xml", None),
        ("application/json; charset=iso-8859-1", None),
        (f"{GRAPHQL_RESPONSE};q=0", None),
        ("application/json;q=abc", None),
        ("nonsense", None),
    ],
)
def test_negotiate(accept: str | None, media: str | None) -> None:
    assert negotiate(accept) == media


async def test_unacceptable_accept_is_406(shop):
    for accept in ("application/xml", "text/plain"):
        response = await shop.router.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"accept": accept}
        )
        assert response.status_code == 406
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert _code(response) == "INVALID_ACCEPT_HEADER"
    get = await shop.router.get(
        "/graphql", params={"query": "{ me { id } }"}, headers={"accept": "text/html"}
    )
    assert get.status_code == 406
    assert shop.accounts.requests == []


async def test_responses_name_their_charset(shop):
    for accept, media in ((JSON_ACCEPT, "application/json"), (GR_ACCEPT, GRAPHQL_RESPONSE)):
        response = await shop.router.post(
            "/graphql", json={"query": "{ me { id } }"}, headers=accept
        )
        assert response.headers["content-type"] == f"{media}; charset=utf-8"


async def test_request_charset(shop):
    query = orjson.dumps({"query": '{ __type(name: "Run🏃Swim🏊") { name } }'})
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
    ):
        ok = await shop.router.post(
            "/graphql", content=query, headers={"content-type": content_type}
        )
        assert ok.status_code == 200, content_type
        assert ok.json() == {"data": {"__type": None}}
    latin = await shop.router.post(
        "/graphql", content=query, headers={"content-type": "application/json; charset=latin-1"}
    )
    assert (latin.status_code, _code(latin)) == (415, "BAD_REQUEST")
    missing = await shop.router.post("/graphql", content=query)
    assert "content-type" not in missing.request.headers
    assert (missing.status_code, _code(missing)) == (415, "BAD_REQUEST")
    bad_utf8 = await shop.router.post(
        "/graphql", content=b'{"query": "\xff"}', headers={"content-type": "application/json"}
    )
    assert (bad_utf8.status_code, _code(bad_utf8)) == (400, "BAD_REQUEST")


async def test_streamed_body_over_the_limit_is_413(shop):
    async def chunks():
        yield b'{"query": "{ me { id } }", "padding": "'
        for _ in range(20):
            yield b" " * 1000
        yield b'"}'

    response = await shop.router.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert (response.status_code, _code(response)) == (413, "BAD_REQUEST")


async def test_null_parameters_are_absent_parameters(shop):
    body = {"query": "{ me { id } }", "operationName": None, "variables": None, "extensions": None}
    for accept in (JSON_ACCEPT, GR_ACCEPT):
        response = await shop.router.post("/graphql", json=body, headers=accept)
        assert response.status_code == 200
        assert response.json() == {"data": {"me": {"id": "1"}}}


async def test_get_parameters(shop):
    query = "query A { me { id } } query B($id: ID!) { user(id: $id) { name } }"
    named = await shop.router.get(
        "/graphql",
        params={
            "query": query,
            "operationName": "B",
            "variables": '{"id": "2"}',
            "extensions": "{}",
        },
        headers=GR_ACCEPT,
    )
    assert named.json() == {"data": {"user": {"name": "Alan"}}}
    single = await shop.router.get(
        "/graphql", params={"query": "{ me { id } }", "operationName": ""}
    )
    assert single.json() == {"data": {"me": {"id": "1"}}}
    missing = await shop.router.get("/graphql", headers=JSON_ACCEPT)
    assert (missing.status_code, _code(missing)) == (400, "BAD_REQUEST")
    array = await shop.router.get(
        "/graphql", params={"query": "{ me { id } }", "variables": "[1]"}, headers=GR_ACCEPT
    )
    assert (array.status_code, _code(array)) == (400, "BAD_REQUEST")


async def test_get_mutation_is_405_for_both_media_types(shop):
    for accept in (JSON_ACCEPT, GR_ACCEPT):
        response = await shop.router.get(
            "/graphql", params={"query": 'mutation { rename(name: "x") { name } }'}, headers=accept
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert "data" not in response.json()
    assert shop.accounts.requests == []


async def test_request_errors_have_no_data_for_graphql_response_json(shop):
    for query in ("{", "{ nope }", "subscription { me { id } }"):
        response = await shop.router.post("/graphql", json={"query": query}, headers=GR_ACCEPT)
        assert response.status_code == 400, query
        assert list(response.json()) == ["errors"], query


async def test_head_is_405(shop):
    response = await shop.router.head("/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
