"""``@override``: unlabelled and progressive (labelled) overrides as Apollo writes them."""

from __future__ import annotations

import pytest
from trellis_router.supergraph import OverrideCondition, load_supergraph, parse_percent_label
from trellis_router.supergraph.override import is_valid_override_label

from .conftest import load_fixture, minimal_supergraph


def test_override_labels_lists_every_label() -> None:
    supergraph = load_fixture("override_labels")
    assert supergraph.override_labels == {"percent(25)", "sku-migration", "percent(0.5)"}


def test_no_labels_in_a_supergraph_without_progressive_override() -> None:
    assert load_fixture("abstract_types").override_labels == frozenset()


def test_unlabelled_override_resolves_only_in_the_new_owner() -> None:
    product = load_fixture("override_labels").types["Product"]
    assert product.fields["stock"].resolvable_in == {"b"}
    assert product.fields["stock"].join_fields.keys() == {"b"}
    assert product.fields["stock"].resolvable_in_with(frozenset({"percent(25)"})) == {"b"}


def test_unlabelled_used_overridden_copy_is_kept_but_not_resolvable() -> None:
    product = load_fixture("override_labels").types["Product"]
    upc = product.fields["upc"]
    assert upc.join_fields["a"].used_overridden
    assert upc.resolvable_in == {"b"}
    assert upc.override_conditions == {}
    # the key through the overridden field stays usable
    assert [key.fields for key in product.resolvable_keys("a")] == ["id", "sku", "upc"]


def test_labelled_override_without_label_active_stays_in_the_old_owner() -> None:
    price = load_fixture("override_labels").types["Product"].fields["price"]
    assert price.resolvable_in == {"a"}
    assert price.resolvable_in_with(frozenset()) == {"a"}
    assert price.override_conditions == {
        "a": OverrideCondition(label="percent(25)", active=False),
        "b": OverrideCondition(label="percent(25)", active=True),
    }


def test_labelled_override_with_label_active_moves_to_the_new_owner() -> None:
    price = load_fixture("override_labels").types["Product"].fields["price"]
    assert price.resolvable_in_with(frozenset({"percent(25)"})) == {"b"}
    assert price.resolvable_in_with(frozenset({"sku-migration"})) == {"a"}


def test_labelled_used_overridden_copy_is_resolvable_while_the_label_is_off() -> None:
    # Apollo marks the overridden copy @external only for unlabelled overrides.
    sku = load_fixture("override_labels").types["Product"].fields["sku"]
    assert sku.join_fields["a"].used_overridden
    assert sku.join_fields["a"].override_label == "sku-migration"
    assert sku.resolvable_in == {"a"}
    assert sku.resolvable_in_with(frozenset({"sku-migration"})) == {"b"}


def test_supergraph_level_label_lookup() -> None:
    supergraph = load_fixture("override_labels")
    assert supergraph.field_resolvable_in_with("Product", "name", frozenset()) == {"a"}
    assert supergraph.field_resolvable_in_with("Product", "name", frozenset({"percent(0.5)"})) == {
        "b"
    }
    assert supergraph.field_resolvable_in_for("Product", "name", frozenset({"percent(0.5)"})) == {
        "b"
    }
    assert supergraph.field_resolvable_in_with("Product", "nope", frozenset()) == frozenset()


def test_labelled_field_shared_with_a_third_graph_keeps_it() -> None:
    body = """
type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id")
{
  id: ID!
  v: Int @join__field(graph: A, overrideLabel: "L") @join__field(graph: B, override: "a", overrideLabel: "L")
    @join__field(graph: C)
}
"""
    sdl = minimal_supergraph(
        '@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)', body
    ).replace(
        'B @join__graph(name: "b", url: "http://b")',
        'B @join__graph(name: "b", url: "http://b")\n  C @join__graph(name: "c", url: "http://c")',
    )
    v = load_supergraph(sdl).types["Item"].fields["v"]
    assert v.resolvable_in == {"a", "c"}
    assert v.resolvable_in_with(frozenset({"L"})) == {"b", "c"}


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("percent(25)", 25.0),
        ("percent(0)", 0.0),
        ("percent(100)", 100.0),
        ("percent(0.5)", 0.5),
        ("percent(33.12345678)", 33.12345678),
        ("percent(101)", None),
        ("percent(33.123456789)", None),
        ("percent(-1)", None),
        ("percent(x)", None),
        ("percent( 5)", None),
        ("sku-migration", None),
    ],
)
def test_parse_percent_label(label: str, expected: float | None) -> None:
    assert parse_percent_label(label) == expected


@pytest.mark.parametrize(
    ("label", "valid"),
    [("percent(5)", True), ("billing:v2/new.x_y-z", True), ("2fast", False), ("a b", False)],
)
def test_label_validity(label: str, valid: bool) -> None:
    assert is_valid_override_label(label) is valid
