"""``@interfaceObject``: interface-object graphs and fields they add to implementations."""

from __future__ import annotations

from trellis_router.supergraph import load_supergraph

from .conftest import fixture_sdl, load_fixture


def test_interface_object_graphs() -> None:
    supergraph = load_fixture("abstract_types")
    media = supergraph.types["Media"]
    assert media.interface_object_graphs == {"b"}
    assert media.graphs["b"].is_interface_object
    assert not media.graphs["a"].is_interface_object
    assert supergraph.is_interface_object("Media", "b")
    assert not supergraph.is_interface_object("Media", "a")
    assert supergraph.types["Book"].interface_object_graphs == frozenset()


def test_field_without_graph_resolves_in_the_interface_object_graph() -> None:
    supergraph = load_fixture("abstract_types")
    reviews = supergraph.types["Book"].fields["reviews"]
    assert reviews.join_fields == {}
    assert reviews.resolvable_in == {"b"}
    assert reviews.via_interface_object == {"b"}
    assert supergraph.field_resolvable_in("Movie", "reviews") == {"b"}


def test_interface_field_from_interface_object_graph() -> None:
    supergraph = load_fixture("abstract_types")
    assert supergraph.field_resolvable_in("Media", "reviews") == {"b"}
    assert supergraph.field_resolvable_in("Media", "title") == {"a"}


def test_field_resolvable_in_for_implementations() -> None:
    supergraph = load_fixture("abstract_types")
    assert supergraph.field_resolvable_in_for("Book", "reviews") == {"b"}
    assert supergraph.field_resolvable_in_for("Movie", "reviews") == {"b"}
    assert supergraph.field_resolvable_in_for("Book", "title") == {"a"}
    assert supergraph.field_resolvable_in_for("Book", "pages") == {"c"}
    # b models Media (key "id") as an object: it answers Media fields, keys included, for Books.
    assert supergraph.field_resolvable_in_for("Book", "id") == {"a", "b", "c"}
    assert supergraph.field_resolvable_in("Book", "id") == {"a", "c"}
    assert supergraph.field_resolvable_in_for("Song", "id") == {"c"}
    assert supergraph.field_resolvable_in_for("Media", "reviews") == {"b"}
    assert supergraph.field_resolvable_in_for("Book", "nope") == frozenset()
    assert supergraph.field_resolvable_in_for("Nope", "id") == frozenset()


def test_interface_object_graph_adds_itself_to_fields_the_implementation_declares() -> None:
    # Same interface field also declared on the implementation by its own graph: the
    # interface-object graph still answers it through the interface.
    sdl = fixture_sdl("abstract_types").replace(
        "  pages: Int @join__field(graph: C)\n  reviews: [String] @join__field\n",
        "  pages: Int @join__field(graph: C)\n  reviews: [String] @join__field(graph: C)\n",
    )
    supergraph = load_supergraph(sdl)
    assert supergraph.field_resolvable_in("Book", "reviews") == {"c"}
    assert supergraph.types["Book"].fields["reviews"].via_interface_object == frozenset()
    assert supergraph.field_resolvable_in_for("Book", "reviews") == {"b", "c"}


def test_external_interface_object_field_is_not_resolvable_there() -> None:
    sdl = fixture_sdl("abstract_types").replace(
        "  reviews: [String] @join__field(graph: B)\n",
        "  reviews: [String] @join__field(graph: A) @join__field(graph: B, external: true)\n",
    )
    supergraph = load_supergraph(sdl)
    assert supergraph.field_resolvable_in("Media", "reviews") == {"a"}
    assert supergraph.field_resolvable_in("Book", "reviews") == frozenset()
    assert supergraph.field_resolvable_in_for("Book", "reviews") == frozenset()
