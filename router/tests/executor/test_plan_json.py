"""The query plan's JSON form round-trips, rewrites included (Apollo's key names and shapes)."""

from __future__ import annotations

from typing import Any

import pytest
from trellis_router.planner.plan import FetchNode, KeyRenamer, QueryPlan, ValueSetter

INTERFACE_OBJECT_FETCH: dict[str, Any] = {
    "kind": "Flatten",
    "path": ["shelves", "@", "items", "@"],
    "node": {
        "kind": "Fetch",
        "serviceName": "media",
        "requires": [
            {
                "kind": "InlineFragment",
                "typeCondition": "Book",
                "selections": [
                    {"kind": "Field", "name": "__typename"},
                    {"kind": "Field", "name": "id"},
                ],
            }
        ],
        "variableUsages": [],
        "operation": "query($representations:[_Any!]!){_entities(representations:"
        "$representations){...on Media{title}}}",
        "operationKind": "query",
        "operationName": None,
        "inputRewrites": [
            {"kind": "ValueSetter", "path": ["... on Book", "__typename"], "setValueTo": "Media"}
        ],
        "outputRewrites": [
            {
                "kind": "KeyRenamer",
                "path": ["... on Media", "title__alias_0"],
                "renameKeyTo": "title",
            }
        ],
        "contextRewrites": [
            {
                "kind": "KeyRenamer",
                "path": ["..", "... on Shelf", "name"],
                "renameKeyTo": "contextualArgument_1_0",
            }
        ],
    },
}


def test_rewrites_round_trip() -> None:
    plan = QueryPlan.from_json({"kind": "QueryPlan", "node": INTERFACE_OBJECT_FETCH})
    fetch = plan.fetch_nodes()[0]
    assert fetch.input_rewrites == (ValueSetter(("... on Book", "__typename"), "Media"),)
    assert fetch.output_rewrites == (KeyRenamer(("... on Media", "title__alias_0"), "title"),)
    assert fetch.context_rewrites == (
        KeyRenamer(("..", "... on Shelf", "name"), "contextualArgument_1_0"),
    )
    assert plan.to_json() == {"kind": "QueryPlan", "node": INTERFACE_OBJECT_FETCH}


def test_empty_rewrites_are_omitted_from_json() -> None:
    node = FetchNode(
        service_name="a",
        operation="{f}",
        operation_kind="query",
        operation_name=None,
        variable_usages=(),
        requires=None,
        selection_text="{\n  f\n}",
    )
    out = QueryPlan(node).to_json()["node"]
    assert not {"inputRewrites", "outputRewrites", "contextRewrites"} & out.keys()
    assert QueryPlan.from_json(QueryPlan(node).to_json()).to_json() == QueryPlan(node).to_json()


def test_text_form_does_not_print_rewrites() -> None:
    with_rewrites = QueryPlan.from_json({"kind": "QueryPlan", "node": INTERFACE_OBJECT_FETCH})
    node = dict(INTERFACE_OBJECT_FETCH)
    node["node"] = {
        k: v for k, v in INTERFACE_OBJECT_FETCH["node"].items() if not k.endswith("Rewrites")
    }
    without = QueryPlan.from_json({"kind": "QueryPlan", "node": node})
    assert with_rewrites.to_text() == without.to_text()
    assert "Rewrite" not in with_rewrites.to_text()
    assert "Media" not in with_rewrites.to_text().split("=>")[0]


def test_unknown_rewrite_kind_is_refused() -> None:
    node = dict(INTERFACE_OBJECT_FETCH["node"])
    node["inputRewrites"] = [{"kind": "ValueMover", "path": ["a"]}]
    with pytest.raises(ValueError, match="ValueMover"):
        QueryPlan.from_json({"kind": "QueryPlan", "node": node})
