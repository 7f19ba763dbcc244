"""Automatic persisted queries (APQ), trusted documents and the safelist.

A request names a document by hash in ``extensions.persistedQuery`` (``{"version": 1,
"sha256Hash": "<hex>"}``). :class:`PersistedQueries` turns a request's ``query`` and
``extensions`` into the text to run:

1. a persisted query manifest id (``persisted_queries.enabled``): the manifest's body, trusted;
2. an APQ hash (``apq.enabled``): with a query, the query must hash to it and is remembered;
   without, the remembered text or ``PERSISTED_QUERY_NOT_FOUND`` (the client then resends the
   text with the hash);
3. the safelist (``persisted_queries.safelist.enabled``): any text not from a manifest id, APQ
   ones included, must be a manifest operation, compared by a canonical form that ignores
   whitespace, commas, comments and the order of definitions; ``require_id`` refuses all text.

Codes and HTTP statuses follow Apollo Router:

==============================  ======  ==================================================
code                            status  when
==============================  ======  ==================================================
PERSISTED_QUERY_NOT_FOUND       200     APQ hash without query, not remembered
PERSISTED_QUERY_NOT_SUPPORTED   200     a hash while APQ is off (and not a manifest id)
PERSISTED_QUERY_HASH_MISMATCH   400     the query does not hash to ``sha256Hash``
PERSISTED_QUERY_NOT_IN_LIST     404     a manifest id that is not in the manifest (APQ off)
CANNOT_SEND_PQ_ID_AND_BODY      400     a manifest id and a query together (APQ off)
PERSISTED_QUERY_ID_REQUIRED     400     any text while ``safelist.require_id``
QUERY_NOT_IN_SAFELIST           403     text that is not a manifest operation
BAD_REQUEST                     400     a malformed ``persistedQuery`` or no query at all
==============================  ======  ==================================================

The two APQ "not found / not supported" answers keep HTTP 200, as Apollo Router and Apollo
Server send them: Apollo Client's persisted-queries link reads them from the body to retry.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    print_ast,
)

from ..configuration.persisted_queries import ApqSettings, PersistedQueriesSettings
from .cache import LruCache
from .errors import BAD_REQUEST, RequestError

__all__ = [
    "CANNOT_SEND_PQ_ID_AND_BODY",
    "MANIFEST_FORMAT",
    "PERSISTED_QUERY_HASH_MISMATCH",
    "PERSISTED_QUERY_ID_REQUIRED",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_IN_LIST",
    "PERSISTED_QUERY_NOT_SUPPORTED",
    "QUERY_NOT_IN_SAFELIST",
    "Manifest",
    "ManifestOperation",
    "PersistedQueries",
    "canonical_document",
    "load_manifest",
    "query_hash",
]

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
PERSISTED_QUERY_ID_REQUIRED = "PERSISTED_QUERY_ID_REQUIRED"
CANNOT_SEND_PQ_ID_AND_BODY = "CANNOT_SEND_PQ_ID_AND_BODY"
QUERY_NOT_IN_SAFELIST = "QUERY_NOT_IN_SAFELIST"

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
_OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})
_CANONICAL_CACHE_SIZE = 1000

_log = logging.getLogger(__name__)


# --- the manifest ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestOperation:
    """One trusted document of the manifest.

    Attributes:
        id: the id clients send as ``extensions.persistedQuery.sha256Hash``.
        body: the GraphQL document text.
        name: the operation name (None when the manifest gives none).
        type: ``query``, ``mutation`` or ``subscription`` (None when not given).
    """

    id: str
    body: str
    name: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    """A persisted query manifest, indexed for lookups.

    Attributes:
        operations: the operations in file order.
        bodies: body by id.
        exact: the bodies as written (a fast exact-text match).
        canonical: the canonical forms of the bodies (see :func:`canonical_document`).
        max_tokens: the most lexical tokens any canonical body can have (a bound on the
            parse of client text that could match; 0 for an empty manifest).
    """

    operations: tuple[ManifestOperation, ...] = ()
    bodies: Mapping[str, str] = field(default_factory=dict)
    exact: frozenset[str] = frozenset()
    canonical: frozenset[str] = frozenset()
    max_tokens: int = 0

    @classmethod
    def of(cls, operations: tuple[ManifestOperation, ...]) -> Manifest:
        """Index operations (their bodies must parse).

        Raises:
            GraphQLError: a body does not parse.
        """
        canonical = frozenset(canonical_document(op.body) for op in operations)
        return cls(
            operations=operations,
            bodies={op.id: op.body for op in operations},
            exact=frozenset(op.body for op in operations),
            canonical=canonical,
            # A token is at least one character of the printed form.
            max_tokens=max((len(form) for form in canonical), default=0),
        )


def load_manifest(path: Path) -> Manifest:
    """Read Apollo's persisted query manifest.

    Format: ``{"format": "apollo-persisted-query-manifest", "version": 1, "operations":
    [{"id": str, "body": str, "name": str, "type": "query"|"mutation"|"subscription"}]}``
    (other keys, such as ``clientName``, are ignored).

    Args:
        path: the manifest file (JSON, UTF-8).

    Returns:
        The indexed manifest.

    Raises:
        ValueError: the file cannot be read, is not JSON, is not in that format, has an
            operation without a string ``id`` or ``body``, a body that does not parse, or one
            id with two different bodies; the message starts with the path.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: cannot read the persisted query manifest: {error}") from error
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"{path}: the persisted query manifest is not JSON: {error}") from error
    operations = tuple(_manifest_operations(path, data))
    try:
        return Manifest.of(operations)
    except GraphQLError as error:  # pragma: no cover - each body was parsed already
        raise ValueError(f"{path}: {error.message}") from error


def _manifest_operations(path: Path, data: Any) -> list[ManifestOperation]:
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a persisted query manifest is a JSON object")
    if data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{path}: 'format' must be {MANIFEST_FORMAT!r}")
    if data.get("version") != 1:
        raise ValueError(f"{path}: 'version' must be 1, not {data.get('version')!r}")
    entries = data.get("operations")
    if not isinstance(entries, list):
        raise ValueError(f"{path}: 'operations' must be a list")
    operations: list[ManifestOperation] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        operation = _manifest_operation(path, index, entry)
        if seen.get(operation.id, operation.body) != operation.body:
            raise ValueError(f"{path}: operation id {operation.id!r} has two different bodies")
        seen[operation.id] = operation.body
        operations.append(operation)
    return operations


def _manifest_operation(path: Path, index: int, entry: Any) -> ManifestOperation:
    where = f"{path}: operations[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object")
    op_id, body = entry.get("id"), entry.get("body")
    if not isinstance(op_id, str) or not op_id:
        raise ValueError(f"{where}: 'id' must be a non-empty string")
    if not isinstance(body, str):
        raise ValueError(f"{where} ({op_id}): 'body' must be a string")
    name, kind = entry.get("name"), entry.get("type")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"{where} ({op_id}): 'name' must be a string")
    if kind is not None and kind not in _OPERATION_TYPES:
        raise ValueError(f"{where} ({op_id}): 'type' must be query, mutation or subscription")
    try:
        parse(body, no_location=True)
    except GraphQLError as error:
        raise ValueError(f"{where} ({op_id}): the body does not parse: {error.message}") from error
    return ManifestOperation(id=op_id, body=body, name=name, type=kind)


def canonical_document(text: str, max_tokens: int | None = None) -> str:
    """A form of a document that ignores whitespace, commas, comments and definition order.

    Each definition is printed by graphql-core; operations come first (sorted by their printed
    form), then fragments sorted by name.

    Args:
        text: the document text.
        max_tokens: refuse documents with more lexical tokens (comments not counted).

    Returns:
        The canonical text.

    Raises:
        GraphQLError: a syntax error or too many tokens.
    """
    document = parse(text, no_location=True, max_lexical_tokens=max_tokens)
    return _canonical(document)


def _canonical(document: DocumentNode) -> str:
    operations = sorted(
        print_ast(d) for d in document.definitions if isinstance(d, OperationDefinitionNode)
    )
    fragments = sorted(
        (d for d in document.definitions if isinstance(d, FragmentDefinitionNode)),
        key=lambda d: d.name.value,
    )
    others = [
        print_ast(d)
        for d in document.definitions
        if not isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    return "\n".join([*operations, *(print_ast(d) for d in fragments), *others])


def query_hash(query: str) -> str:
    """The APQ hash of a query: SHA-256 of its UTF-8 bytes, lower-case hex."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


# --- resolving a request ---------------------------------------------------------------------


class PersistedQueries:
    """Resolve a request's document from ``query`` and ``extensions.persistedQuery``.

    Holds the APQ cache (LRU, ``apq.cache_size`` texts), the manifest (re-read by
    :meth:`reload_if_changed`) and a cache of canonical forms of client texts.

    Args:
        apq: the ``apq`` settings.
        persisted: the ``persisted_queries`` settings.
        max_document_bytes: texts longer than this (in UTF-8 bytes) are never remembered by
            APQ (they fail parsing anyway); None: no bound.

    Raises:
        ValueError: ``persisted.enabled`` and the manifest cannot be loaded.
    """

    def __init__(
        self,
        apq: ApqSettings,
        persisted: PersistedQueriesSettings,
        *,
        max_document_bytes: int | None = None,
    ) -> None:
        self._apq = apq
        self._persisted = persisted
        self._max_document_bytes = max_document_bytes
        self._apq_cache: LruCache[str, str] = LruCache(apq.cache_size)
        self._canonical: LruCache[bytes, str] = LruCache(_CANONICAL_CACHE_SIZE)
        self._signature: tuple[int, int, int] | None = None
        self._manifest = Manifest()
        if persisted.enabled and persisted.manifest_path is not None:
            self._signature = _file_signature(persisted.manifest_path)
            self._manifest = load_manifest(persisted.manifest_path)

    @property
    def manifest(self) -> Manifest:
        """The manifest in force (empty when persisted queries are off)."""
        return self._manifest

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str:
        """The query text to run for a request.

        Args:
            query: the request's ``query`` (None or ``""`` when absent).
            extensions: the request's ``extensions`` (None when absent).

        Returns:
            The document text: a manifest body, a remembered APQ text or ``query``.

        Raises:
            RequestError: per the protocol (see the module docstring for codes and statuses).

        Spec: Apollo "Automatic persisted queries" protocol; Apollo Router persisted queries
        and safelisting.
        """
        text = query or None
        requested = _requested_hash(extensions)
        if requested is not None and self._persisted.enabled:
            if text is None:
                body = self._manifest.bodies.get(requested)
                if body is not None:
                    return body  # trusted: the manifest is the safelist
                if not self._apq.enabled:
                    raise RequestError.single(
                        PERSISTED_QUERY_NOT_IN_LIST,
                        f"Persisted query '{requested}' not found in the persisted query list",
                        404,
                    )
            elif not self._apq.enabled:
                raise RequestError.single(
                    CANNOT_SEND_PQ_ID_AND_BODY,
                    "Sending a persisted query ID and a body in the same request is disallowed",
                )
        register: str | None = None
        if requested is not None:
            text, register = self._apq_text(requested, text)
        if text is None:
            raise RequestError.single(
                BAD_REQUEST,
                "GraphQL operations must contain a non-empty `query` or a `persistedQuery` "
                "extension.",
            )
        self._check_safelist(text)
        if register is not None and self._rememberable(text):
            self._apq_cache.put(register, text)
        return text

    def reload_if_changed(self) -> bool:
        """Re-read the manifest when its file changed (modification time, size or inode).

        Returns:
            True when a new manifest is in force; False when unchanged or persisted queries
            are off.

        Raises:
            ValueError: the changed file is not a valid manifest (the previous one stays in
                force; the same bad version is not reported twice).
        """
        path = self._persisted.manifest_path
        if not self._persisted.enabled or path is None:
            return False
        try:
            signature: tuple[int, int, int] | None = _file_signature(path)
        except ValueError:
            signature = None
        if signature == self._signature:
            return False
        self._signature = signature
        self._manifest = load_manifest(path)
        self._canonical = LruCache(_CANONICAL_CACHE_SIZE)
        return True

    # -- steps --------------------------------------------------------------------------------

    def _apq_text(self, requested: str, text: str | None) -> tuple[str, str | None]:
        """The APQ text and, for a registration, the hash to remember it under."""
        if not self._apq.enabled:
            raise RequestError.single(
                PERSISTED_QUERY_NOT_SUPPORTED, "PersistedQueryNotSupported", 200
            )
        if text is None:
            remembered = self._apq_cache.get(requested.lower())
            if remembered is None:
                raise RequestError.single(PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", 200)
            return remembered, None
        key = requested.lower()
        if query_hash(text) != key:
            raise RequestError.single(
                PERSISTED_QUERY_HASH_MISMATCH, "provided sha does not match query"
            )
        return text, key

    def _check_safelist(self, text: str) -> None:
        persisted = self._persisted
        if not persisted.enabled:
            return
        safelist = persisted.safelist
        if safelist.enabled and safelist.require_id:
            if persisted.log_unknown:
                _log.warning("unknown operation", extra={"operation_body": text})
            raise RequestError.single(
                PERSISTED_QUERY_ID_REQUIRED,
                "This endpoint does not allow freeform GraphQL requests; operations must be "
                "sent by ID in the persisted queries GraphQL extension.",
            )
        if not safelist.enabled and not persisted.log_unknown:
            return
        if self._in_manifest(text):
            return
        if persisted.log_unknown:
            _log.warning("unknown operation", extra={"operation_body": text})
        if safelist.enabled:
            raise RequestError.single(
                QUERY_NOT_IN_SAFELIST,
                "The operation body was not found in the persisted query safelist",
                403,
            )

    def _in_manifest(self, text: str) -> bool:
        manifest = self._manifest
        if text in manifest.exact:
            return True
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        form = self._canonical.get(key)
        if form is None:
            try:
                form = canonical_document(text, max_tokens=max(manifest.max_tokens, 1))
            except (GraphQLError, RecursionError):
                form = ""  # cannot match any manifest body
            self._canonical.put(key, form)
        return form in manifest.canonical

    def _rememberable(self, text: str) -> bool:
        limit = self._max_document_bytes
        return limit is None or len(text.encode("utf-8", "surrogatepass")) <= limit


def _requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """``extensions.persistedQuery.sha256Hash``, or None when there is no ``persistedQuery``.

    Raises:
        RequestError: ``BAD_REQUEST`` for a ``persistedQuery`` that is not an object with
            ``version`` 1 and a non-empty string ``sha256Hash``.
    """
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping):
        raise RequestError.single(BAD_REQUEST, "extensions.persistedQuery must be an object")
    version = persisted.get("version")
    if isinstance(version, bool) or version != 1:
        raise RequestError.single(BAD_REQUEST, "Unsupported persisted query version")
    requested = persisted.get("sha256Hash")
    if not isinstance(requested, str) or not requested:
        raise RequestError.single(
            BAD_REQUEST, "extensions.persistedQuery.sha256Hash must be a non-empty string"
        )
    return requested


def _file_signature(path: Path) -> tuple[int, int, int]:
    try:
        stat = os.stat(path)
    except OSError as error:
        raise ValueError(f"{path}: cannot read the persisted query manifest: {error}") from error
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
