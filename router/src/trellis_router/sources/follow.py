"""Apply a source's updates to the router state: build a new state, swap it whole."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

from ..state import RouterState, StateHolder
from ..supergraph import SupergraphError, load_supergraph
from .base import SupergraphSource, SupergraphUpdate

__all__ = ["apply_update", "follow_source"]

_log = logging.getLogger(__name__)


async def follow_source(
    source: SupergraphSource, holder: StateHolder, cache_size: int | Callable[[], int] = 1000
) -> None:
    """Apply every update of ``source`` to ``holder`` until the source stops.

    Args:
        source: where supergraphs come from.
        holder: receives each new state.
        cache_size: entries per cache of each new state, or a function giving it (read for
            each new supergraph, so a changed setting applies to the next one).
    """
    routing: Mapping[str, Sequence[str]] | None = None
    async for update in source.updates():
        if update.routing_urls is not None:
            routing = update.routing_urls
        size = cache_size() if callable(cache_size) else cache_size
        await apply_update(update, holder, routing, size)


async def apply_update(
    update: SupergraphUpdate,
    holder: StateHolder,
    routing: Mapping[str, Sequence[str]] | None,
    cache_size: int = 1000,
) -> bool:
    """Apply one update.

    A supergraph that does not load is logged and the current supergraph kept (new routing
    URLs in the same update still apply to it).

    Args:
        update: the update.
        holder: the state holder.
        routing: the latest routing URLs known (from this or an earlier update).
        cache_size: entries per cache of a new state.

    Returns:
        True when a new state was swapped in.
    """
    if update.sdl is not None:
        try:
            supergraph = await asyncio.to_thread(load_supergraph, update.sdl)
        except SupergraphError as error:
            _log.error("keeping the current supergraph; the new one does not load: %s", error)
        except Exception:  # a loader bug must not stop the router from following
            _log.exception("keeping the current supergraph; loading the new one failed")
        else:
            holder.swap(RouterState.build(supergraph, routing, cache_size))
            _log.info("supergraph %s loaded", supergraph.schema_hash[:12])
            return True
    current = holder.current
    if update.routing_urls is not None and current is not None:
        holder.swap(current.with_routing_urls(routing))
        return True
    return False
