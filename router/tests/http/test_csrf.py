"""CSRF prevention: which requests a browser could send cross-site without a preflight."""

from __future__ import annotations

import httpx
import pytest
from starlette.datastructures import Headers
from trellis_router.configuration import RouterSettings
from trellis_router.configuration.csrf import CsrfSettings
from trellis_router.executor import AiohttpSubgraphClient
from trellis_router.http import create_app
from trellis_router.http.csrf import CSRF_ERROR, content_type_essence, csrf_problem
from trellis_router.state import RouterState, StateHolder
from trellis_router.supergraph import load_supergraph

from .conftest import SUPERGRAPH_SDL, SubgraphServer

SETTINGS = CsrfSettings()


def problem(method: str, headers: dict[str, str] | list[tuple[str, str]]) -> str | None:
    raw = headers.items() if isinstance(headers, dict) else headers
    starlette = Headers(raw=[(k.lower().encode(), v.encode()) for k, v in raw])
    return csrf_problem(method, starlette, SETTINGS)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON; charset=utf-8",
        "application/graphql-response+json",
        "  application/json  ;charset=UTF-8",
    ],
)
def test_a_post_with_a_preflighted_content_type_is_allowed(content_type):
    assert problem("POST", {"content-type": content_type}) is None


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=utf-8",
        "TEXT/Plain ; charset=utf-8",
        "multipart/form-data; boundary=----x",
        "application/x-www-form-urlencoded",
        "",  # empty: not a MIME type
        "json",  # no slash: does not parse
        "application/json, text/plain",  # joined values do not parse: refuse
        "application /json",  # whitespace inside the type
    ],
)
def test_a_post_a_form_or_a_simple_fetch_could_send_is_refused(content_type):
    message = problem("POST", {"content-type": content_type})
    assert message is not None
    assert message.startswith("This operation has been blocked as a potential Cross-Site")
    assert "x-apollo-operation-name, apollo-require-preflight" in message


def test_a_text_plain_post_with_a_json_body_is_refused_without_a_required_header():
    # The body is JSON but the browser labelled it text/plain: no preflight happened.
    assert problem("POST", {"content-type": "text/plain"}) is not None
    assert problem("POST", {"content-type": "text/plain", "apollo-require-preflight": "1"}) is None


def test_repeated_content_type_headers_are_joined_and_refused():
    headers = [("content-type", "application/json"), ("content-type", "text/plain")]
    assert problem("POST", headers) is not None


def test_a_get_needs_a_non_empty_required_header():
    assert problem("GET", {}) is not None
    assert problem("GET", {"apollo-require-preflight": ""}) is not None
    assert problem("GET", {"apollo-require-preflight": "  "}) is not None
    assert problem("GET", {"x-apollo-operation-name": "Me"}) is None
    assert problem("GET", {"Apollo-Require-Preflight": "true"}) is None


def test_a_post_without_content_type_is_refused():
    assert problem("POST", {}) is not None


def test_options_is_never_checked():
    assert problem("OPTIONS", {"content-type": "text/plain"}) is None


def test_plain_mappings_with_any_header_case_work():
    assert csrf_problem("POST", {"Content-Type": "Application/Json"}, SETTINGS) is None
    assert csrf_problem("GET", {"X-Apollo-Operation-Name": "Me"}, SETTINGS) is None
    assert csrf_problem("GET", {"Accept": "application/json"}, SETTINGS) is not None


def test_configured_required_headers_replace_the_defaults():
    settings = CsrfSettings(required_headers=["X-CSRF"])
    assert csrf_problem("GET", {"x-csrf": "1"}, settings) is None
    message = csrf_problem("GET", {"apollo-require-preflight": "1"}, settings)
    assert message is not None
    assert message.endswith("headers: X-CSRF")


def test_disabled_allows_everything():
    assert csrf_problem("GET", {}, CsrfSettings(enabled=False)) is None


def test_content_type_essence():
    assert content_type_essence("Application/JSON; charset=utf-8") == "application/json"
    assert content_type_essence("text/plain;charset=utf-8") == "text/plain"
    assert content_type_essence("application/") is None
    assert content_type_essence("/json") is None
    assert content_type_essence("a/b/c") is None


# --- on the endpoint ------------------------------------------------------------------------


async def test_the_endpoint_refuses_simple_requests_before_decoding(
    subgraphs: dict[str, SubgraphServer],
) -> None:
    routing = {name: [server.url] for name, server in subgraphs.items()}
    holder = StateHolder(RouterState.build(load_supergraph(SUPERGRAPH_SDL), routing))
    client = AiohttpSubgraphClient(timeout_seconds=5)
    app = create_app(RouterSettings(), holder, client=client)
    transport = httpx.ASGITransport(app=app)
    query = '{"query": "{ __typename }"}'
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as router:
        form = await router.post("/graphql", content=query, headers={"content-type": "text/plain"})
        get = await router.get("/graphql", params={"query": "{ __typename }"})
        head = await router.head("/graphql")
        preflighted = await router.post(
            "/graphql",
            content=query,
            headers={"content-type": "text/plain", "apollo-require-preflight": "true"},
        )
        allowed_get = await router.get(
            "/graphql",
            params={"query": "{ __typename }"},
            headers={"x-apollo-operation-name": "Anything"},
        )
        json_post = await router.post("/graphql", json={"query": "{ __typename }"})
    await client.close()
    assert (form.status_code, form.json()["errors"][0]["extensions"]["code"]) == (400, CSRF_ERROR)
    assert (get.status_code, get.json()["errors"][0]["extensions"]["code"]) == (400, CSRF_ERROR)
    assert head.status_code == 405
    assert preflighted.status_code == 415  # past CSRF, then refused as not JSON
    assert allowed_get.json() == {"data": {"__typename": "Query"}}
    assert json_post.json() == {"data": {"__typename": "Query"}}
