"""Ids, batch-result shaping and the curated public API."""

from __future__ import annotations

import inspect

import trellis_subgraph
from trellis_subgraph import group_by_keys, order_by_keys, parse_id


def test_parse_id() -> None:
    assert parse_id("42") == 42
    assert parse_id(7) == 7
    assert parse_id("x") is None
    assert parse_id("-1") is None
    assert parse_id("\uff14\uff12") is None  # fullwidth digits
    assert parse_id(True) is None


def test_order_by_keys_aligns_rows_and_fills_gaps() -> None:
    rows = [(2, "b"), (1, "a")]
    assert order_by_keys([1, 3, 2, 1], rows, lambda r: r[0]) == [(1, "a"), None, (2, "b"), (1, "a")]


def test_group_by_keys_keeps_row_order_within_groups() -> None:
    rows = [(1, "x"), (2, "y"), (1, "z")]
    assert group_by_keys([2, 1, 3], rows, lambda r: r[0]) == [
        [(2, "y")],
        [(1, "x"), (1, "z")],
        [],
    ]


def test_public_api_is_curated() -> None:
    public = {
        name
        for name, value in vars(trellis_subgraph).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert set(trellis_subgraph.__all__) == public - {"annotations"}


def test_parse_id_refuses_ids_no_row_can_have() -> None:
    from trellis_subgraph import MAX_ID

    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(str(MAX_ID + 1)) is None
    assert parse_id(0) is None
    assert parse_id("0") is None
