"""The supergraph package's public names."""

from __future__ import annotations

import trellis_router.supergraph as package


def test_all_is_curated() -> None:
    assert sorted(package.__all__) == [
        "ContextArgument",
        "EntityKey",
        "FieldInGraph",
        "FieldMetadata",
        "JoinDirective",
        "OverrideCondition",
        "SubgraphInfo",
        "Supergraph",
        "SupergraphError",
        "TypeInGraph",
        "TypeMetadata",
        "load_supergraph",
        "parse_field_set",
        "parse_percent_label",
        "print_field_set",
    ]
    for name in package.__all__:
        assert getattr(package, name) is not None
