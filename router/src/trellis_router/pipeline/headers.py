"""Header propagation: the headers each subgraph request carries, from the client's request
and the caller's JWT claims.

Rules come from ``headers`` (:mod:`trellis_router.configuration.headers`): the ``all`` rules,
then the subgraph's own, in order. ``propagate`` copies client headers (optionally renamed, or
a default value when absent), ``insert`` sets a fixed value or a claim's value, ``remove``
drops headers set by earlier rules. Headers that describe the connection or the body are never
propagated (the router sets its own).

Apollo Router: ``headers.all.request`` / ``headers.subgraphs.<name>.request``.
Spec: RFC 9110 §7.6.1 (hop-by-hop fields are not forwarded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..configuration.headers import HeaderRule, HeadersSettings
from ..executor import SubgraphHeaders

__all__ = ["RESERVED_HEADERS", "HeaderPropagation"]

RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "content-encoding",
        "accept",
        "accept-encoding",
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers never propagated to subgraphs (hop-by-hop, or set by the router itself)."""

_Apply = Callable[[dict[str, str], Mapping[str, str], Mapping[str, Any] | None], None]


@dataclass(frozen=True, slots=True)
class _Compiled:
    all: tuple[_Apply, ...]
    subgraphs: Mapping[str, tuple[_Apply, ...]]


class HeaderPropagation:
    """Compiled header rules (build once per settings; use for every request).

    Args:
        settings: the ``headers`` section.

    Raises:
        re.error: a ``matching`` rule is not a valid regular expression.

    Example:
        >>> rules = HeaderPropagation(HeadersSettings.model_validate(
        ...     {"all": {"request": [{"propagate": {"named": "x-tenant"}}]}}))
        >>> rules.for_request({"x-tenant": "acme", "cookie": "a=b"}, None)("billing")
        {'x-tenant': 'acme'}
    """

    __slots__ = ("_compiled", "empty")

    def __init__(self, settings: HeadersSettings) -> None:
        self._compiled = _Compiled(
            all=tuple(_compile(rule) for rule in settings.all.request),
            subgraphs={
                name: tuple(_compile(rule) for rule in rules.request)
                for name, rules in settings.subgraphs.items()
            },
        )
        self.empty = not self._compiled.all and not any(self._compiled.subgraphs.values())
        """True when no rule is configured: subgraphs get no client header."""

    def for_request(
        self, client_headers: Mapping[str, str], claims: Mapping[str, Any] | None
    ) -> SubgraphHeaders:
        """The headers of one request's subgraph calls.

        Args:
            client_headers: the client request's headers (lower-case names).
            claims: the caller's verified JWT claims (None: anonymous).

        Returns:
            An empty mapping when no rule is configured, else a function of the subgraph name
            returning that subgraph's headers (computed once per subgraph per request).
        """
        if self.empty:
            return {}
        compiled = self._compiled
        built: dict[str, Mapping[str, str]] = {}

        def headers_for(subgraph: str) -> Mapping[str, str]:
            found = built.get(subgraph)
            if found is None:
                out: dict[str, str] = {}
                for apply in compiled.all:
                    apply(out, client_headers, claims)
                for apply in compiled.subgraphs.get(subgraph, ()):
                    apply(out, client_headers, claims)
                found = built[subgraph] = out
            return found

        return headers_for


def _compile(rule: HeaderRule) -> _Apply:
    if rule.propagate is not None:
        propagate = rule.propagate
        if propagate.matching is not None:
            pattern = re.compile(propagate.matching, re.IGNORECASE)

            def propagate_matching(
                out: dict[str, str], client: Mapping[str, str], _claims: Mapping[str, Any] | None
            ) -> None:
                for name, value in client.items():
                    if name not in RESERVED_HEADERS and pattern.search(name):
                        out[name] = value

            return propagate_matching
        named = (propagate.named or "").lower()
        target = (propagate.rename or named).lower()
        default = propagate.default

        def propagate_named(
            out: dict[str, str], client: Mapping[str, str], _claims: Mapping[str, Any] | None
        ) -> None:
            if named in RESERVED_HEADERS or target in RESERVED_HEADERS:
                return
            value = client.get(named)
            if value is None:
                value = default
            if value is not None:
                out[target] = value

        return propagate_named
    if rule.insert is not None:
        insert = rule.insert
        name = insert.name.lower()
        if insert.value is not None:
            fixed = insert.value

            def insert_value(
                out: dict[str, str], _client: Mapping[str, str], _claims: Mapping[str, Any] | None
            ) -> None:
                out[name] = fixed

            return insert_value
        claim = insert.from_claim or ""

        def insert_claim(
            out: dict[str, str], _client: Mapping[str, str], claims: Mapping[str, Any] | None
        ) -> None:
            value = claims.get(claim) if claims else None
            if value is None:
                out.pop(name, None)
            else:
                out[name] = value if isinstance(value, str) else orjson.dumps(value).decode()

        return insert_claim
    remove = rule.remove
    if remove is None:  # pragma: no cover - the settings model requires one rule kind
        raise ValueError("empty header rule")
    if remove.matching is not None:
        drop = re.compile(remove.matching, re.IGNORECASE)

        def remove_matching(
            out: dict[str, str], _client: Mapping[str, str], _claims: Mapping[str, Any] | None
        ) -> None:
            for name in [name for name in out if drop.search(name)]:
                del out[name]

        return remove_matching
    removed = (remove.named or "").lower()

    def remove_named(
        out: dict[str, str], _client: Mapping[str, str], _claims: Mapping[str, Any] | None
    ) -> None:
        out.pop(removed, None)

    return remove_named
