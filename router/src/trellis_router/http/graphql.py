"""``/graphql``: GraphQL over HTTP.

Spec: GraphQL-over-HTTP (draft, 2024): ``application/graphql-response+json`` (request errors
-> 4xx) and ``application/json`` (200 for GraphQL errors); GET must not run mutations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..configuration import RouterRuntime
from ..executor import SubgraphClient
from ..pipeline import (
    BAD_REQUEST,
    SERVICE_UNAVAILABLE,
    GraphQLRequest,
    Planner,
    RequestError,
    run_pipeline,
)
from ..state import StateHolder
from ..usage import OperationRecorder
from .playground import playground_page

__all__ = ["GRAPHQL_RESPONSE_JSON", "GraphQLEndpoint"]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
_JSON = "application/json"
_CONTENT_TYPES = {
    GRAPHQL_RESPONSE_JSON: "application/graphql-response+json; charset=utf-8",
    _JSON: "application/json; charset=utf-8",
}


class _BadHttpRequest(Exception):
    def __init__(self, message: str, status: int = 400, allow: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.allow = allow


class GraphQLEndpoint:
    """The ``/graphql`` endpoint (a Starlette request handler).

    Args:
        holder: the router state holder (read once per request).
        runtime: the settings in effect (body limit, query plan exposure, override labels),
            read once per request.
        client: returns the subgraph client (it may be created in the app's lifespan).
        planner: the query planner.
        recorder: counts the operations that were planned, for usage reporting (optional).
    """

    def __init__(
        self,
        holder: StateHolder,
        runtime: RouterRuntime,
        client: Callable[[], SubgraphClient],
        planner: Planner,
        recorder: OperationRecorder | None = None,
    ) -> None:
        self._holder = holder
        self._runtime = runtime
        self._client = client
        self._planner = planner
        self._recorder = recorder

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request."""
        method = request.method
        settings = self._runtime.settings
        accept = request.headers.get("accept", "")
        if method == "GET" and "text/html" in accept and "query" not in request.query_params:
            return playground_page(settings.playground_dir)
        media = _negotiate(accept)
        try:
            if method == "POST":
                graphql_request = await _decode_post(request, settings.max_request_body_bytes)
            elif method == "GET":
                graphql_request = _decode_get(request.query_params)
            else:
                raise _BadHttpRequest(f"Method {method} is not allowed.", 405, "GET, POST")
        except _BadHttpRequest as error:
            headers = {"allow": error.allow} if error.allow else None
            body = {"errors": [{"message": error.message, "extensions": {"code": BAD_REQUEST}}]}
            return _respond(body, error.status, media, headers)
        state = self._holder.current
        if state is None:
            message = "The router has no supergraph yet; try again shortly."
            body = {"errors": [{"message": message, "extensions": {"code": SERVICE_UNAVAILABLE}}]}
            return _respond(body, 503, media)
        client = self._client()
        try:
            result = await run_pipeline(
                state,
                graphql_request,
                client,
                allow_mutations=method == "POST",
                planner=self._planner,
                custom_override_labels=settings.progressive_override_labels,
            )
        except RequestError as error:
            status = error.status if media == GRAPHQL_RESPONSE_JSON or error.status == 405 else 200
            headers = {"allow": "POST"} if error.status == 405 else None
            return _respond({"errors": error.errors}, status, media, headers)
        response = result.response
        if self._recorder is not None and result.plan is not None:
            self._recorder.record(graphql_request.query, graphql_request.operation_name)
        if (
            settings.expose_query_plan
            and result.plan is not None
            and request.headers.get("apollo-expose-query-plan", "").lower() == "true"
        ):
            plan = result.plan
            extensions = response.setdefault("extensions", {})
            extensions["apolloQueryPlan"] = {"object": plan.to_json(), "text": plan.to_text()}
        return _respond(response, 200, media)


async def _decode_post(request: Request, max_body: int) -> GraphQLRequest:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != _JSON:
        raise _BadHttpRequest("The request body must be application/json.", 415)
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_body:
        raise _BadHttpRequest("The request body is too large.", 413)
    body = await request.body()
    if len(body) > max_body:
        raise _BadHttpRequest("The request body is too large.", 413)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _BadHttpRequest("The request body is not valid JSON.") from error
    if not isinstance(payload, dict):
        raise _BadHttpRequest("The request body must be a JSON object.")
    return _graphql_request(payload)


def _decode_get(params: Mapping[str, str]) -> GraphQLRequest:
    payload: dict[str, Any] = {"query": params.get("query")}
    if "operationName" in params:
        payload["operationName"] = params["operationName"]
    for key in ("variables", "extensions"):
        raw = params.get(key)
        if raw:
            try:
                payload[key] = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                raise _BadHttpRequest(f"The {key} parameter is not valid JSON.") from error
    return _graphql_request(payload)


def _graphql_request(payload: Mapping[str, Any]) -> GraphQLRequest:
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _BadHttpRequest("The request has no query (a non-empty string is required).")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _BadHttpRequest("operationName must be a string.")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise _BadHttpRequest("variables must be a JSON object.")
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise _BadHttpRequest("extensions must be a JSON object.")
    return GraphQLRequest(
        query=query,
        operation_name=operation_name or None,
        variables=variables,
        extensions=extensions,
    )


def _negotiate(accept: str) -> str:
    """The response media type for an ``Accept`` header (``application/json`` by default)."""
    if GRAPHQL_RESPONSE_JSON in accept:
        for part in accept.split(","):
            media, _, params = part.partition(";")
            if media.strip() == GRAPHQL_RESPONSE_JSON and "q=0" not in params.replace(" ", ""):
                return GRAPHQL_RESPONSE_JSON
    return _JSON


def _respond(
    body: dict[str, Any], status: int, media: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        content=orjson.dumps(body),
        status_code=status,
        headers=dict(headers) if headers else None,
        media_type=_CONTENT_TYPES[media],
    )
