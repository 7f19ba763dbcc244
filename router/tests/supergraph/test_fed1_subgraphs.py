"""Federation 1 subgraphs composed into a Federation 2 supergraph."""

from __future__ import annotations

from trellis_router.supergraph import load_supergraph

from .conftest import fixture_sdl, load_fixture


def test_fed1_subgraph_external_fields_are_not_resolvable_there() -> None:
    supergraph = load_fixture("fed1")
    product = supergraph.types["Product"]
    assert product.fields["price"].join_fields["reviews"].external
    assert product.fields["price"].resolvable_in == {"products"}
    assert product.fields["shipping"].join_fields["reviews"].requires == "price"
    assert product.fields["shipping"].resolvable_in == {"reviews"}


def test_fed1_subgraph_keys_are_usable() -> None:
    product = load_fixture("fed1").types["Product"]
    assert [key.fields for key in product.resolvable_keys("reviews")] == ["upc"]
    assert [key.fields for key in product.resolvable_keys("products")] == ["upc"]


def test_extension_flag_is_read() -> None:
    product = load_fixture("extension").types["Product"]
    assert product.graphs["reviews"].extension
    assert not product.graphs["products"].extension
    assert not product.graphs["legacy"].extension
    assert product.fields["weight"].resolvable_in == {"legacy"}


def test_external_key_field_is_not_resolvable_but_the_key_is_usable() -> None:
    # A supergraph where a Fed 1 extension's key field is written @external (older
    # compositions): the key stays usable to enter that graph; the field is not resolved there.
    sdl = fixture_sdl("extension").replace(
        "  upc: String!\n  weight:",
        "  upc: String! @join__field(graph: PRODUCTS) @join__field(graph: REVIEWS, external: true)"
        " @join__field(graph: LEGACY, external: true)\n  weight:",
    )
    supergraph = load_supergraph(sdl)
    product = supergraph.types["Product"]
    assert product.fields["upc"].resolvable_in == {"products"}
    assert [key.fields for key in product.resolvable_keys("legacy")] == ["upc"]
    assert [key.fields for key in product.resolvable_keys("reviews")] == ["upc"]
    assert product.graphs["reviews"].extension


def test_non_resolvable_key() -> None:
    sdl = fixture_sdl("extension").replace(
        '@join__type(graph: LEGACY, key: "upc")',
        '@join__type(graph: LEGACY, key: "upc", resolvable: false)',
    )
    product = load_supergraph(sdl).types["Product"]
    assert product.resolvable_keys("legacy") == ()
    assert [key.resolvable for key in product.graphs["legacy"].keys] == [False]
