"""The generated entity batch builder against the general representation walk.

For the same objects, :func:`compile_collector` must give exactly the batch the general path
gives: :meth:`EntityRequires.representation` per object, batched by the representation's JSON
encoding (distinct representations in first-seen order, each with its objects in order).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from trellis_router.executor.flatten import EntityRequires, compile_collector
from trellis_router.planner.plan import RequiresField

TYPENAME = RequiresField("__typename")


def _general(requires: EntityRequires, objects: list[dict[str, Any]]) -> tuple[Any, Any]:
    index: dict[bytes, int] = {}
    encoded: list[bytes] = []
    targets: list[list[int]] = []
    for obj in objects:
        representation = requires.representation(obj)
        if representation is None:
            continue
        key = orjson.dumps(representation)
        if key not in index:
            index[key] = len(encoded)
            encoded.append(key)
            targets.append([])
        targets[index[key]].append(id(obj))
    return encoded, targets


def _generated(requires: EntityRequires, objects: list[dict[str, Any]]) -> tuple[Any, Any]:
    collector = compile_collector(requires)
    assert collector is not None
    encoded, targets = collector(objects)
    return encoded, [[id(obj) for obj in group] for group in targets]


PRODUCT = (TYPENAME, RequiresField("upc"))
USER = (TYPENAME, RequiresField("id"), RequiresField("name", alias="label"))
REQUIRES = EntityRequires(
    by_typename={"Product": PRODUCT, "User": USER},
    untyped=(),
    keys={"Product": (frozenset({"upc"}),), "User": (frozenset({"id"}), frozenset({"name"}))},
    flat={
        "Product": (("__typename", "__typename"), ("upc", "upc")),
        "User": (("__typename", "__typename"), ("id", "id"), ("label", "name")),
    },
    flat_keys={"Product": ("upc",)},
)
OBJECTS: list[dict[str, Any]] = [
    {"__typename": "Product", "upc": "1"},
    {"__typename": "Product", "upc": "1", "name": "again"},  # same representation
    {"__typename": "Product", "upc": 1},  # an int: not the same as "1"
    {"__typename": "Product", "upc": True},  # a boolean: not the same as 1
    {"__typename": "Product", "upc": 1.0},  # a float: not the same as 1 in JSON
    {"__typename": "Product", "upc": None},  # a null key: not sent
    {"__typename": "Product"},  # a missing field: not sent
    {"__typename": "Product", "upc": {"a": 1}},  # an object value (JSON scalar)
    {"__typename": "Product", "upc": {"a": 1}},
    {"__typename": "User", "id": "u1", "label": "Ada"},
    {"__typename": "User", "id": None, "label": "Ada"},  # the other key is complete
    {"__typename": "User", "id": None, "label": None},  # no complete key: not sent
    {"__typename": "User", "id": "u1"},  # missing required field
    {"__typename": "Review", "id": "r1"},  # no type condition applies
    {"id": "x"},  # no __typename
    {"__typename": "User", "id": "u1", "label": "Ada"},
]


def test_the_generated_builder_batches_exactly_like_the_general_walk() -> None:
    assert _generated(REQUIRES, OBJECTS) == _general(REQUIRES, OBJECTS)
    encoded, targets = _generated(REQUIRES, OBJECTS)
    assert encoded[0] == b'{"__typename":"Product","upc":"1"}'
    assert len(targets[0]) == 2
    assert b'{"__typename":"User","id":null,"name":"Ada"}' in encoded


@pytest.mark.parametrize(
    "requires",
    [
        EntityRequires(by_typename={"Product": PRODUCT}, untyped=(TYPENAME,)),
        EntityRequires(
            by_typename={"Product": (TYPENAME, RequiresField("dims", selections=(TYPENAME,)))},
            untyped=(),
        ),
        EntityRequires(by_typename={}, untyped=()),
    ],
)
def test_requires_needing_the_general_walk_get_no_builder(requires: EntityRequires) -> None:
    assert compile_collector(requires) is None
