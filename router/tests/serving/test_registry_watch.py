"""The router follows the registry by watch (blocking queries) and keeps its state through
registry outages and bad supergraphs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from trellis_router.sources import RegistrySource, follow_source
from trellis_router.state import StateHolder

from .conftest import SHOP_SDL, RegistryStandIn, eventually

OTHER_SDL = SHOP_SDL.replace(
    'url: "http://127.0.0.1:9/graphql")\n  REVIEWS',
    'url: "http://accounts.example/graphql")\n  REVIEWS',
)
POLL_NEVER = 600.0  # poll interval: a change seen sooner came through the watch


@asynccontextmanager
async def following(source: RegistrySource) -> AsyncIterator[StateHolder]:
    holder = StateHolder()
    task = asyncio.create_task(follow_source(source, holder))
    try:
        yield holder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def watch(registry: RegistryStandIn, poll_interval_seconds: float = POLL_NEVER) -> RegistrySource:
    return RegistrySource(
        registry.url, poll_interval_seconds=poll_interval_seconds, max_retry_seconds=0.4
    )


def accounts_urls(holder: StateHolder) -> tuple[str, ...]:
    assert holder.current is not None
    return holder.current.routing.urls["accounts"]


async def test_a_routing_change_arrives_through_the_blocking_query(registry):
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    async with following(watch(registry)) as holder:
        await eventually(lambda: holder.current is not None)
        first = holder.current
        assert first is not None
        assert accounts_urls(holder) == ("http://a1/graphql",)
        await eventually(lambda: registry.routing_reads[-1][0] is not None)
        registry.change(routing={"accounts": ["http://a1/graphql", "http://a2/graphql"]})
        await eventually(lambda: len(accounts_urls(holder)) == 2)
        assert holder.current is not None
        assert holder.current.supergraph is first.supergraph  # routing only: same supergraph
    asked = [index for index, _ in registry.routing_reads if index is not None]
    assert asked[:2] == ["2", "3"]
    assert all(wait == "30s" for index, wait in registry.routing_reads if index is not None)


async def test_a_new_supergraph_is_loaded_when_the_index_moves(registry):
    registry.change(sdl=SHOP_SDL)
    async with following(watch(registry)) as holder:
        await eventually(lambda: holder.current is not None)
        first = holder.current
        assert first is not None
        reads = registry.supergraph_reads
        registry.change(sdl=OTHER_SDL)
        await eventually(lambda: holder.current is not first)
        assert holder.current is not None
        assert holder.current.supergraph.schema_hash != first.supergraph.schema_hash
        assert accounts_urls(holder) == ("http://accounts.example/graphql",)
        assert registry.supergraph_reads == reads + 1


async def test_an_empty_instance_list_falls_back_to_the_join_graph_url(registry):
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    async with following(watch(registry)) as holder:
        await eventually(lambda: holder.current is not None)
        registry.change(routing={"accounts": []})
        await eventually(lambda: accounts_urls(holder) == ("http://127.0.0.1:9/graphql",))


async def test_registry_down_keeps_the_state_then_follows_again(registry, caplog):
    caplog.set_level(logging.INFO, logger="trellis_router.sources.registry")
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    async with following(watch(registry)) as holder:
        await eventually(lambda: holder.current is not None)
        kept = holder.current
        assert kept is not None
        await registry.stop()
        await eventually(lambda: "unreachable" in caplog.text)
        await asyncio.sleep(0.7)  # several failed reads (0.2 s, 0.4 s, 0.4 s apart)
        assert holder.current is kept
        registry.routing = {"accounts": ["http://a9/graphql"]}
        await registry.start()
        await eventually(lambda: accounts_urls(holder) == ("http://a9/graphql",))
        assert holder.current is not None
        assert holder.current.supergraph is kept.supergraph
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_registry_errors_keep_the_state(registry):
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    async with following(watch(registry)) as holder:
        await eventually(lambda: holder.current is not None)
        kept = holder.current
        reads = len(registry.routing_reads)
        registry.change(unavailable=True)
        await eventually(lambda: len(registry.routing_reads) >= reads + 3)
        assert holder.current is kept
        registry.change(unavailable=False, routing={"accounts": ["http://a2/graphql"]})
        await eventually(lambda: accounts_urls(holder) == ("http://a2/graphql",))


async def test_a_bad_supergraph_keeps_the_last_good_one(registry):
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    async with following(watch(registry)) as holder:
        await eventually(lambda: holder.current is not None)
        good = holder.current
        assert good is not None
        registry.change(sdl="type Query { broken: Int }")
        # A later routing change is applied after the bad supergraph was refused.
        registry.change(routing={"accounts": ["http://a2/graphql"]})
        await eventually(lambda: accounts_urls(holder) == ("http://a2/graphql",))
        assert holder.current is not None
        assert holder.current.supergraph is good.supergraph


async def test_a_registry_without_blocking_queries_is_polled_not_hammered(registry):
    registry.blocking = False
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    async with following(watch(registry, poll_interval_seconds=0.3)) as holder:
        await eventually(lambda: holder.current is not None)
        registry.change(routing={"accounts": ["http://a2/graphql"]})
        await eventually(lambda: accounts_urls(holder) == ("http://a2/graphql",))
        before = len(registry.routing_reads)
        await asyncio.sleep(1.0)
        assert len(registry.routing_reads) - before <= 6  # a hot loop would read thousands


async def test_poll_mode_sends_no_blocking_query(registry):
    registry.change(sdl=SHOP_SDL, routing={"accounts": ["http://a1/graphql"]})
    source = watch(registry, poll_interval_seconds=0.05)
    source.watch = False
    async with following(source) as holder:
        await eventually(lambda: holder.current is not None)
        registry.change(routing={"accounts": ["http://a2/graphql"]})
        await eventually(lambda: accounts_urls(holder) == ("http://a2/graphql",))
    assert all(index is None for index, _ in registry.routing_reads)
