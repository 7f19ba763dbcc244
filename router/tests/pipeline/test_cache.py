"""The LRU cache used by the pipeline."""

from __future__ import annotations

from trellis_router.pipeline.cache import LruCache


def test_lru_evicts_least_recently_used():
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)
