"""OperationRecorder: distinct operations with counts, bounded, re-queued on failure."""

from __future__ import annotations

from trellis_router.usage import OperationRecorder


def test_counts_distinct_operations_in_first_seen_order() -> None:
    recorder = OperationRecorder()
    recorder.record("{ a }", None)
    recorder.record("query B { b }", "B")
    recorder.record("{ a }", None)
    assert recorder.take() == [
        {"name": None, "document": "{ a }", "count": 2},
        {"name": "B", "document": "query B { b }", "count": 1},
    ]
    assert recorder.take() == []


def test_keeps_at_most_max_distinct_and_counts_the_rest_as_dropped() -> None:
    recorder = OperationRecorder(max_distinct=2)
    for text in ("{ a }", "{ b }", "{ c }", "{ a }"):
        recorder.record(text, None)
    assert [item["document"] for item in recorder.take()] == ["{ a }", "{ b }"]
    assert recorder.dropped == 1


def test_a_batch_put_back_merges_with_new_counts() -> None:
    recorder = OperationRecorder()
    recorder.record("{ a }", None)
    batch = recorder.take()
    recorder.record("{ a }", None)
    recorder.put_back(batch)
    assert recorder.take() == [{"name": None, "document": "{ a }", "count": 2}]
