"""The router state: one immutable object, swapped whole on reload.

A request reads :attr:`StateHolder.current` once and uses that :class:`RouterState` to the end,
so a reload never changes the supergraph under a request in flight.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .auth import AuthorizationResult, AuthorizationRules
from .executor import PreparedOperation
from .pipeline.cache import LruCache
from .pipeline.limits import OperationMeasure
from .supergraph import Supergraph

__all__ = ["OperationCaches", "RouterState", "RoutingTable", "StateHolder"]


@dataclass(frozen=True, slots=True)
class RoutingTable:
    """Routing URLs per subgraph; round-robin when a subgraph has several.

    Attributes:
        urls: routing URLs by subgraph name.
    """

    urls: Mapping[str, tuple[str, ...]]
    _cycles: dict[str, Iterator[str]] = field(default_factory=dict, compare=False, repr=False)

    def url_for(self, subgraph_name: str) -> str:
        """The routing URL for the next request to ``subgraph_name``.

        Raises:
            KeyError: the subgraph has no routing URL.
        """
        cycle = self._cycles.get(subgraph_name)
        if cycle is None:
            urls = self.urls.get(subgraph_name)
            if not urls:
                raise KeyError(f"no routing URL for subgraph {subgraph_name!r}")
            if len(urls) == 1:
                return urls[0]
            cycle = self._cycles[subgraph_name] = itertools.cycle(urls)
        return next(cycle)


@dataclass(frozen=True, slots=True)
class OperationCaches:
    """Caches that depend on the supergraph (dropped with it).

    Attributes:
        validation: query text -> validation error messages (empty tuple: valid).
        operations: (schema hash, query text, operation name, override labels, authorization
            key) -> prepared operation.
        measures: (query text, operation name) -> the operation's size (limits).
        authorization: (query text, operation name, authenticated, scopes, granted policies)
            -> what authorization removed.
    """

    validation: LruCache[str, tuple[dict[str, Any], ...]]
    operations: LruCache[tuple[str, str, str | None, frozenset[str], str], PreparedOperation]
    measures: LruCache[tuple[str, str | None], OperationMeasure]
    authorization: LruCache[
        tuple[str, str | None, bool, frozenset[str], frozenset[str]], AuthorizationResult
    ]

    @classmethod
    def create(cls, size: int) -> OperationCaches:
        """Empty caches of ``size`` entries each."""
        return cls(
            validation=LruCache(size),
            operations=LruCache(size),
            measures=LruCache(size),
            authorization=LruCache(size),
        )


@dataclass(frozen=True, slots=True)
class RouterState:
    """Everything a request needs that changes on reload.

    Attributes:
        supergraph: the loaded supergraph (API schema inside).
        routing: routing URLs by subgraph name.
        caches: validation and plan caches for this supergraph.
        authorization: the supergraph's ``@authenticated``/``@requiresScopes``/``@policy``
            rules.
    """

    supergraph: Supergraph
    routing: RoutingTable
    caches: OperationCaches
    authorization: AuthorizationRules

    @classmethod
    def build(
        cls,
        supergraph: Supergraph,
        routing_urls: Mapping[str, Sequence[str]] | None = None,
        cache_size: int = 1000,
    ) -> RouterState:
        """A state for a newly loaded supergraph.

        Args:
            supergraph: the supergraph.
            routing_urls: routing URLs by subgraph name (e.g. from the registry); subgraphs not
                listed (or listed with no URL) use ``join__graph(url:)``.
            cache_size: entries per cache.

        Returns:
            The state, with empty caches.
        """
        return cls(
            supergraph=supergraph,
            routing=_routing(supergraph, routing_urls),
            caches=OperationCaches.create(cache_size),
            authorization=AuthorizationRules.from_supergraph(supergraph),
        )

    def with_routing_urls(self, routing_urls: Mapping[str, Sequence[str]] | None) -> RouterState:
        """The same supergraph (and caches) with other routing URLs."""
        return dataclasses.replace(self, routing=_routing(self.supergraph, routing_urls))


def _routing(
    supergraph: Supergraph, routing_urls: Mapping[str, Sequence[str]] | None
) -> RoutingTable:
    urls: dict[str, tuple[str, ...]] = {}
    for name, info in supergraph.subgraphs.items():
        listed = tuple((routing_urls or {}).get(name) or ())
        urls[name] = listed or ((info.url,) if info.url else ())
    return RoutingTable(urls=urls)


class StateHolder:
    """The one place where the current :class:`RouterState` lives (None until loaded)."""

    __slots__ = ("_listeners", "current")

    def __init__(self, state: RouterState | None = None) -> None:
        self.current = state
        self._listeners: list[Callable[[RouterState], None]] = []

    def on_swap(self, listener: Callable[[RouterState], None]) -> None:
        """Call ``listener(new_state)`` after each swap (e.g. to count supergraph reloads)."""
        self._listeners.append(listener)

    def swap(self, state: RouterState) -> None:
        """Make ``state`` current; requests in flight keep the state they started with."""
        self.current = state
        for listener in self._listeners:
            listener(state)
