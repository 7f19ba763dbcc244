"""``/graphql``: GraphQL over HTTP (single requests and, when enabled, batches).

The endpoint has three parts, each a plain function or method:

1. content negotiation (:func:`negotiate`): the response media type from ``Accept``;
2. request decoding (:func:`decode_post`, :func:`decode_get`): HTTP -> :class:`GraphQLRequest`
   (or a list of them for a batch), or an :class:`HttpRequestError`;
3. answering one operation (:meth:`GraphQLEndpoint.answer`): the pipeline, then the response
   body and status for the negotiated media type. A batch answers each of its operations this
   way, as if each had been sent alone.

Spec: GraphQL-over-HTTP (draft): ``application/graphql-response+json`` (request errors -> 4xx,
no ``data``) and ``application/json`` (200 for GraphQL request errors); ``406`` when ``Accept``
names no supported media type; GET must not run mutations (``405``); a POST without an
``application/json`` body is ``415``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..auth import ANONYMOUS, AuthenticationError, Identity
from ..configuration import RouterRuntime, RouterSettings
from ..configuration.batching import BatchingSettings
from ..configuration.traffic_shaping import ResponseCompressionSettings
from ..executor import SubgraphClient, SubgraphHeaders
from ..pipeline import (
    BAD_REQUEST,
    SERVICE_UNAVAILABLE,
    UNAUTHENTICATED,
    GraphQLRequest,
    Planner,
    RequestError,
    run_pipeline,
)
from ..state import RouterState, StateHolder
from ..telemetry import access_log
from ..usage import OperationRecorder
from .compression import compress_body
from .csrf import CSRF_ERROR, csrf_problem
from .inbound_dedupe import InboundDeduplicator, inbound_key
from .playground import playground_page
from .rate_limit import REQUEST_RATE_LIMITED, client_key, retry_after
from .services import RouterServices

__all__ = [
    "APPLICATION_JSON",
    "BATCHING_NOT_ENABLED",
    "BATCH_LIMIT_EXCEEDED",
    "GRAPHQL_RESPONSE_JSON",
    "INVALID_ACCEPT_HEADER",
    "GraphQLAnswer",
    "GraphQLEndpoint",
    "HttpRequestError",
    "decode_get",
    "decode_post",
    "graphql_request",
    "negotiate",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
INVALID_ACCEPT_HEADER = "INVALID_ACCEPT_HEADER"
BATCHING_NOT_ENABLED = "BATCHING_NOT_ENABLED"
BATCH_LIMIT_EXCEEDED = "BATCH_LIMIT_EXCEEDED"

_CONTENT_TYPES = {
    GRAPHQL_RESPONSE_JSON: "application/graphql-response+json; charset=utf-8",
    APPLICATION_JSON: "application/json; charset=utf-8",
}
_UTF8 = frozenset({"utf-8", "utf8"})


class HttpRequestError(Exception):
    """The HTTP request is not a well-formed GraphQL-over-HTTP request (answered at once).

    Args:
        message: the error message for the client.
        status: the HTTP status (400, 405, 413 or 415), used for every media type.
        code: the client error code (``extensions.code``).
        allow: the ``Allow`` header value for a 405.

    Spec: GraphQL-over-HTTP, "Status Codes" (a request that is not well formed: 4xx).
    """

    def __init__(
        self, message: str, status: int = 400, code: str = BAD_REQUEST, allow: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.allow = allow

    def answer(self) -> GraphQLAnswer:
        """The answer for this error: a GraphQL response with only ``errors``."""
        headers = {"allow": self.allow} if self.allow else {}
        error = {"message": self.message, "extensions": {"code": self.code}}
        return GraphQLAnswer({"errors": [error]}, self.status, headers)


@dataclass(frozen=True, slots=True)
class GraphQLAnswer:
    """The answer to one GraphQL request, before it becomes an HTTP response.

    Attributes:
        body: the GraphQL response (``data``/``errors``/``extensions``).
        status: the HTTP status the answer has when sent alone.
        headers: extra response headers (``Allow`` for a 405).
        encoded: ``body`` already encoded as JSON (an answer shared by deduplicated
            requests is encoded once); None: encoded when sent.
    """

    body: dict[str, Any]
    status: int = 200
    headers: Mapping[str, str] | None = None
    encoded: bytes | None = None


class GraphQLEndpoint:
    """The ``/graphql`` endpoint (a Starlette request handler).

    Args:
        holder: the router state holder (read once per HTTP request, batches included).
        runtime: the settings in effect (body limit, batching, query plan exposure, override
            labels), read once per HTTP request.
        client: returns the subgraph client (it may be created in the app's lifespan).
        planner: the query planner.
        recorder: counts the operations that were planned, for usage reporting (optional).
        services: CSRF, authentication, rate limiting, request policy, metrics, tracing and
            access logs (None: a bare endpoint that only runs the pipeline).
    """

    def __init__(
        self,
        holder: StateHolder,
        runtime: RouterRuntime,
        client: Callable[[], SubgraphClient],
        planner: Planner,
        recorder: OperationRecorder | None = None,
        services: RouterServices | None = None,
    ) -> None:
        self._holder = holder
        self._runtime = runtime
        self._client = client
        self._planner = planner
        self._recorder = recorder
        self._services = services
        self.inbound: InboundDeduplicator[GraphQLAnswer] = InboundDeduplicator()
        """Shares the execution of identical client queries in flight (when enabled)."""

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request on ``/graphql``.

        Args:
            request: the HTTP request (GET or POST; other methods get 405).

        Returns:
            The playground page for a browser's plain ``GET``; otherwise a GraphQL response
            (a JSON array of them for a batch) in the negotiated media type, or ``406`` when
            ``Accept`` names no media type the router can send.

        Spec: GraphQL-over-HTTP, "Body" (406 is the RECOMMENDED answer to an unacceptable
        ``Accept``) and "Status Codes".
        """
        settings = self._runtime.settings
        if _wants_playground(request):
            return playground_page(settings.playground_dir)
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return _not_acceptable()
        services = self._services
        if services is None:
            answered, _name = await self._process(request, settings, media)
            return _respond(answered, media)
        started = time.perf_counter()
        metrics = services.metrics
        with (
            services.tracing.request_span(request.headers, None) as span,
            metrics.in_flight() if metrics is not None else nullcontext(),
        ):
            answered, name = await self._process(request, settings, media)
            trace_id = services.tracing.trace_id()
            if name:
                span.set_attribute("graphql.operation.name", name)
        encoding = request.headers.get("accept-encoding", "")
        compression = settings.traffic_shaping.response_compression
        response = _respond(answered, media, encoding, compression)
        seconds = time.perf_counter() - started
        outcome, errors = _outcome(answered)
        if metrics is not None:
            metrics.request(name, outcome, seconds)
        if settings.telemetry.logging.access_log:
            access_log(
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                seconds=seconds,
                operation_name=name,
                client_name=request.headers.get("apollographql-client-name"),
                trace_id=trace_id,
                errors=errors,
            )
        return response

    async def _process(
        self, request: Request, settings: RouterSettings, media: str
    ) -> tuple[GraphQLAnswer | list[GraphQLAnswer], str | None]:
        """CSRF, decoding, authentication, rate limiting, then the operation(s).

        Returns:
            The answer (a list for a batch) and the operation name (None when unknown).
        """
        services = self._services
        if settings.csrf.enabled and services is not None and request.method in _CHECKED:
            problem = csrf_problem(request.method, request.headers, settings.csrf)
            if problem is not None:
                return HttpRequestError(problem, 400, CSRF_ERROR).answer(), None
        try:
            decoded = await _decode(request, settings.max_request_body_bytes, settings.batching)
        except HttpRequestError as error:
            return error.answer(), None
        name = decoded.operation_name if isinstance(decoded, GraphQLRequest) else None
        identity = ANONYMOUS
        headers: SubgraphHeaders | None = None
        if services is not None:
            guarded = await _guard(request, settings, services)
            if isinstance(guarded, GraphQLAnswer):
                return guarded, name
            identity = guarded
            headers = services.policy.headers.for_request(request.headers, identity.claims)
        state = self._holder.current
        if settings.traffic_shaping.inbound_deduplication and isinstance(decoded, GraphQLRequest):
            key = inbound_key(request.method, media, decoded, request.headers.raw)
            if key is not None:
                operation = decoded

                async def shared() -> GraphQLAnswer:
                    answered = await self.answer(
                        request, state, operation, media, identity, headers
                    )
                    return dataclasses.replace(answered, encoded=orjson.dumps(answered.body))

                return await self.inbound.run(key, shared), name
        if isinstance(decoded, list):
            answers = await asyncio.gather(
                *(self.answer(request, state, item, media, identity, headers) for item in decoded)
            )
            return list(answers), None
        return await self.answer(request, state, decoded, media, identity, headers), name

    async def answer(
        self,
        request: Request,
        state: RouterState | None,
        operation: GraphQLRequest | HttpRequestError,
        media: str,
        identity: Identity = ANONYMOUS,
        headers: SubgraphHeaders | None = None,
    ) -> GraphQLAnswer:
        """Answer one GraphQL request (alone, or as one operation of a batch).

        Args:
            request: the HTTP request it came in (method, headers).
            state: the router state read for the HTTP request (None: no supergraph yet).
            operation: the decoded request, or the error decoding it (a batch entry that is
                not a request object).
            media: the negotiated response media type.
            identity: the authenticated caller (claims and scopes).
            headers: the subgraph request headers (header propagation rules).

        Returns:
            The GraphQL response and its status: request errors are ``400``/``405`` for
            ``application/graphql-response+json`` and ``200`` for ``application/json`` (a
            ``405`` stays a ``405``); ``503`` without a supergraph.

        Spec: GraphQL-over-HTTP, "Status Codes" (by media type); GET must not run mutations.
        """
        if isinstance(operation, HttpRequestError):
            return operation.answer()
        if state is None:
            message = "The router has no supergraph yet; try again shortly."
            error = {"message": message, "extensions": {"code": SERVICE_UNAVAILABLE}}
            return GraphQLAnswer({"errors": [error]}, 503)
        settings = self._runtime.settings
        services = self._services
        try:
            result = await run_pipeline(
                state,
                operation,
                self._client(),
                allow_mutations=request.method == "POST",
                planner=self._planner,
                headers=headers,
                custom_override_labels=settings.progressive_override_labels,
                policy=services.policy if services is not None else None,
                identity=identity,
                tracer=services.tracing.tracer() if services is not None else None,
            )
        except RequestError as error:
            return _request_error(error, media)
        response = result.response
        if (
            services is not None
            and services.metrics is not None
            and result.plan_cache_hit is not None
        ):
            services.metrics.plan_cache(result.plan_cache_hit)
        if self._recorder is not None and result.plan is not None:
            self._recorder.record(result.query or operation.query, operation.operation_name)
        if (
            settings.expose_query_plan
            and result.plan is not None
            and request.headers.get("apollo-expose-query-plan", "").lower() == "true"
        ):
            plan = result.plan
            extensions = response.setdefault("extensions", {})
            extensions["apolloQueryPlan"] = {"object": plan.to_json(), "text": plan.to_text()}
        return GraphQLAnswer(response)


def _wants_playground(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "query" not in request.query_params


_CHECKED = frozenset({"GET", "POST"})
"""Methods CSRF prevention looks at (others are refused with 405 anyway)."""

_HTTP_STATUSES = frozenset({401, 403, 413, 429})
"""Statuses sent for every media type (authentication, authorization, size, rate)."""


def _request_error(error: RequestError, media: str) -> GraphQLAnswer:
    if error.status == 405:
        return GraphQLAnswer({"errors": error.errors}, 405, {"allow": "POST"})
    keep = media == GRAPHQL_RESPONSE_JSON or error.status in _HTTP_STATUSES
    return GraphQLAnswer({"errors": error.errors}, error.status if keep else 200)


async def _guard(
    request: Request, settings: RouterSettings, services: RouterServices
) -> Identity | GraphQLAnswer:
    """Authenticate the caller and apply the rate limit.

    Returns:
        The caller's identity, or the answer refusing the request: 401 ``UNAUTHENTICATED``
        (an invalid token, or none when authentication is required), 429
        ``REQUEST_RATE_LIMITED`` with ``Retry-After``.

    Spec: RFC 6750 §3 (``WWW-Authenticate: Bearer``); RFC 6585 §4 (429, ``Retry-After``).
    """
    claims = None
    if services.authenticator is not None:
        try:
            claims = await services.authenticator.authenticate(request.headers)
        except AuthenticationError as error:
            return _unauthenticated(error.message)
    if claims is None and settings.authorization.require_authentication:
        return _unauthenticated("This operation requires authentication.")
    limiter = services.limiter
    limit = settings.traffic_shaping.rate_limit
    if limiter is not None and limit is not None:
        peer = request.client.host if request.client is not None else None
        wait = await limiter.acquire(client_key(limit, peer, request.headers, claims))
        if wait is not None:
            limited = {
                "message": "Your request has been rate limited.",
                "extensions": {"code": REQUEST_RATE_LIMITED},
            }
            return GraphQLAnswer({"errors": [limited]}, 429, {"retry-after": retry_after(wait)})
    if claims is None:
        return ANONYMOUS
    return Identity.from_claims(claims, settings.authorization.scope_claim)


def _unauthenticated(message: str) -> GraphQLAnswer:
    error = {"message": message, "extensions": {"code": UNAUTHENTICATED}}
    return GraphQLAnswer({"errors": [error]}, 401, {"www-authenticate": "Bearer"})


def _outcome(answered: GraphQLAnswer | list[GraphQLAnswer]) -> tuple[str, int]:
    """The metrics outcome of an answer and its number of errors."""
    answers = answered if isinstance(answered, list) else [answered]
    errors = sum(len(answer.body.get("errors") or ()) for answer in answers)
    statuses = {answer.status for answer in answers}
    if 401 in statuses:
        return "unauthenticated", errors
    if 429 in statuses:
        return "rate_limited", errors
    if any(answer.status >= 400 or "data" not in answer.body for answer in answers):
        return "request_error", errors
    return ("graphql_error" if errors else "success"), errors


async def _decode(
    request: Request, max_body: int, batching: BatchingSettings
) -> GraphQLRequest | list[GraphQLRequest | HttpRequestError]:
    if request.method == "POST":
        return await decode_post(request, max_body, batching)
    if request.method == "GET":
        return decode_get(request.query_params)
    raise HttpRequestError(f"Method {request.method} is not allowed.", 405, allow="GET, POST")


# --- content negotiation ------------------------------------------------------------------


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header.

    Each supported media type takes the quality of the most specific range that matches it
    (``application/json`` > ``application/*`` > ``*/*``; a ``charset`` other than UTF-8 does
    not match). The best quality wins; on a tie the more specific match, then the one listed
    first, then ``application/json`` (so ``*/*`` gets ``application/json``).

    Args:
        accept: the ``Accept`` header value (None or blank: absent).

    Returns:
        ``application/graphql-response+json`` or ``application/json``; ``application/json``
        when the header is absent; None when no supported type is acceptable (answer 406).

    Spec: GraphQL-over-HTTP, "Body" and "Legacy watershed" (no ``Accept``: as if
    ``application/json``; the graphql-http audit checks this); RFC 9110 §12.5.1 (Accept).
    """
    if accept is None or not accept.strip():
        return APPLICATION_JSON
    ranges = [parsed for part in accept.split(",") if (parsed := _media_range(part)) is not None]
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for preference, media in enumerate((GRAPHQL_RESPONSE_JSON, APPLICATION_JSON)):
        match = _best_match(media, ranges)
        if match is None or match[0] <= 0:
            continue
        quality, specificity, position = match
        key = (quality, specificity, -position, preference)
        if best is None or key > best:
            best, chosen = key, media
    return chosen


@dataclass(frozen=True, slots=True)
class _MediaRange:
    kind: str
    subtype: str
    quality: float
    charset: str | None


def _media_range(part: str) -> _MediaRange | None:
    media, *params = part.split(";")
    kind, _, subtype = media.strip().lower().partition("/")
    if not kind or not subtype:
        return None
    quality, charset = 1.0, None
    for param in params:
        name, _, value = param.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"').lower()
        if name == "q":
            try:
                quality = float(value)
            except ValueError:
                return None
        elif name == "charset":
            charset = value
    return _MediaRange(kind, subtype, quality, charset)


def _best_match(media: str, ranges: Sequence[_MediaRange]) -> tuple[float, int, int] | None:
    """(quality, specificity, position) of the most specific range matching ``media``."""
    kind, _, subtype = media.partition("/")
    found: tuple[float, int, int] | None = None
    for position, item in enumerate(ranges):
        if item.charset is not None and item.charset not in _UTF8:
            continue
        if item.kind == kind and item.subtype == subtype:
            specificity = 2
        elif item.kind == kind and item.subtype == "*":
            specificity = 1
        elif item.kind == "*" and item.subtype == "*":
            specificity = 0
        else:
            continue
        if found is None or specificity > found[1]:
            found = (item.quality, specificity, position)
    return found


def _not_acceptable() -> Response:
    supported = f"{GRAPHQL_RESPONSE_JSON}, {APPLICATION_JSON}"
    message = f"The Accept header names no media type the router can send ({supported})."
    error = HttpRequestError(message, 406, INVALID_ACCEPT_HEADER)
    return _respond(error.answer(), APPLICATION_JSON)


# --- request decoding ---------------------------------------------------------------------


async def decode_post(
    request: Request, max_body_bytes: int, batching: BatchingSettings
) -> GraphQLRequest | list[GraphQLRequest | HttpRequestError]:
    """Decode a POST body: one request object, or (batching on) an array of them.

    Args:
        request: the HTTP request.
        max_body_bytes: the largest body accepted, in bytes.
        batching: the batching settings (``enabled``, ``max_size``).

    Returns:
        The request; for a batch, one entry per array element in order: the request, or the
        :class:`HttpRequestError` for an element that is not a well-formed request (that
        element alone is answered with the error).

    Raises:
        HttpRequestError: 415 when the body is not ``application/json`` (or not UTF-8), 413
            when it is larger than ``max_body_bytes``, 400 for invalid JSON, a body that is
            neither an object nor an array, an array while batching is off
            (``BATCHING_NOT_ENABLED``), an empty array, or more than ``max_size`` entries
            (``BATCH_LIMIT_EXCEEDED``).

    Spec: GraphQL-over-HTTP, "POST" (``application/json``, UTF-8 when no charset is given; no
    ``Content-Type``: 4xx) and "JSON Encoding". Batching is not in the spec (Apollo Router's
    ``batching``).
    """
    _check_content_type(request.headers.get("content-type"))
    body = await _read_body(request, max_body_bytes)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise HttpRequestError("The request body is not valid JSON.") from error
    if isinstance(payload, dict):
        return graphql_request(payload)
    if isinstance(payload, list):
        return _decode_batch(payload, batching)
    raise HttpRequestError("The request body must be a JSON object.")


def _check_content_type(content_type: str | None) -> None:
    if content_type is None:
        raise HttpRequestError("The request has no Content-Type (application/json).", 415)
    media, *params = content_type.split(";")
    if media.strip().lower() != APPLICATION_JSON:
        raise HttpRequestError("The request body must be application/json.", 415)
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in _UTF8:
            raise HttpRequestError("The request body must be encoded in UTF-8.", 415)


async def _read_body(request: Request, max_body_bytes: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_body_bytes:
        raise HttpRequestError("The request body is too large.", 413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body_bytes:
            raise HttpRequestError("The request body is too large.", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_batch(
    payload: list[Any], batching: BatchingSettings
) -> list[GraphQLRequest | HttpRequestError]:
    if not batching.enabled:
        message = "Batching is not enabled: send one request object, not an array."
        raise HttpRequestError(message, code=BATCHING_NOT_ENABLED)
    if not payload:
        raise HttpRequestError("The batch is empty: send at least one request object.")
    if len(payload) > batching.max_size:
        message = f"The batch has {len(payload)} requests; at most {batching.max_size} are allowed."
        raise HttpRequestError(message, code=BATCH_LIMIT_EXCEEDED)
    entries: list[GraphQLRequest | HttpRequestError] = []
    for item in payload:
        try:
            if not isinstance(item, dict):
                raise HttpRequestError("Each request of a batch must be a JSON object.")
            entries.append(graphql_request(item))
        except HttpRequestError as error:
            entries.append(error)
    return entries


def decode_get(params: Mapping[str, str]) -> GraphQLRequest:
    """Decode a GET request's query parameters.

    Args:
        params: the URL query parameters (``query``, ``operationName``, ``variables`` and
            ``extensions`` as JSON text).

    Returns:
        The request.

    Raises:
        HttpRequestError: 400 when ``query`` is missing or ``variables``/``extensions`` are
            not JSON objects.

    Spec: GraphQL-over-HTTP, "GET" (``application/x-www-form-urlencoded`` parameters; an
    empty ``operationName`` is the same as none).
    """
    payload: dict[str, Any] = {"query": params.get("query")}
    if "operationName" in params:
        payload["operationName"] = params["operationName"]
    for key in ("variables", "extensions"):
        raw = params.get(key)
        if raw:
            try:
                payload[key] = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                raise HttpRequestError(f"The {key} parameter is not valid JSON.") from error
    return graphql_request(payload)


def graphql_request(payload: Mapping[str, Any]) -> GraphQLRequest:
    """Check a decoded request object's parameters (``null`` is the same as absent).

    Args:
        payload: the request object (``query``, ``operationName``, ``variables``,
            ``extensions``); other keys are ignored.

    Returns:
        The request.

    Raises:
        HttpRequestError: 400 for a missing or non-string ``query``, a non-string
            ``operationName``, or ``variables``/``extensions`` that are not objects.

    Spec: GraphQL-over-HTTP, "Request Parameters".
    """
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        raise HttpRequestError("The request has no query (a non-empty string is required).")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HttpRequestError("operationName must be a string.")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HttpRequestError("variables must be a JSON object.")
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HttpRequestError("extensions must be a JSON object.")
    return GraphQLRequest(
        query=query,
        operation_name=operation_name or None,
        variables=variables,
        extensions=extensions,
    )


# --- responses ------------------------------------------------------------------------------


def _respond(
    answered: GraphQLAnswer | list[GraphQLAnswer],
    media: str,
    accept_encoding: str = "",
    compression: ResponseCompressionSettings | None = None,
) -> Response:
    """The HTTP response; a batch is answered 200 with one GraphQL response per request, in
    order. The body is gzip-compressed when the client accepts it and it is large enough."""
    if isinstance(answered, list):
        body = orjson.dumps([answer.body for answer in answered])
        status, headers = 200, {}
    else:
        body = answered.encoded or orjson.dumps(answered.body)
        status, headers = answered.status, dict(answered.headers or {})
    if compression is not None:
        compressed = compress_body(body, accept_encoding, compression)
        if compressed is not None:
            body = compressed
            headers["content-encoding"] = "gzip"
            headers["vary"] = "accept-encoding"
    return Response(
        content=body, status_code=status, headers=headers or None, media_type=_CONTENT_TYPES[media]
    )
