"""Per-subgraph possible types: ``@join__implements`` and ``@join__unionMember``."""

from __future__ import annotations

import pytest
from trellis_router.supergraph import load_supergraph

from .conftest import load_fixture, minimal_supergraph


def test_interface_possible_types_per_graph() -> None:
    supergraph = load_fixture("abstract_types")
    assert supergraph.possible_types_in_graph("Media", "a") == {"Book", "Movie"}
    assert supergraph.possible_types_in_graph("Media", "c") == {"Book"}


def test_interface_object_graph_knows_no_implementation() -> None:
    supergraph = load_fixture("abstract_types")
    assert supergraph.possible_types_in_graph("Media", "b") == frozenset()


def test_union_possible_types_per_graph() -> None:
    supergraph = load_fixture("abstract_types")
    assert supergraph.possible_types_in_graph("SearchResult", "a") == {"Book", "Movie"}
    assert supergraph.possible_types_in_graph("SearchResult", "c") == {"Book", "Song"}
    assert supergraph.possible_types_in_graph("SearchResult", "b") == frozenset()


@pytest.mark.parametrize(
    ("type_name", "graph"),
    [("Media", "zzz"), ("Book", "a"), ("Nope", "a")],
)
def test_unknown_or_concrete_types_have_no_possible_types(type_name: str, graph: str) -> None:
    assert load_fixture("abstract_types").possible_types_in_graph(type_name, graph) == frozenset()


def test_implements_in_graph() -> None:
    supergraph = load_fixture("abstract_types")
    assert supergraph.implements_in_graph("Book", "Media", "a")
    assert supergraph.implements_in_graph("Book", "Media", "c")
    assert not supergraph.implements_in_graph("Movie", "Media", "c")
    assert not supergraph.implements_in_graph("Book", "Media", "b")
    assert not supergraph.implements_in_graph("Song", "Media", "c")


def test_implements_can_differ_from_the_supergraph() -> None:
    body = """
interface Node @join__type(graph: A) @join__type(graph: B) { id: ID! }
type User implements Node
  @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__implements(graph: A, interface: "Node")
{ id: ID! }
"""
    supergraph = load_supergraph(minimal_supergraph(body=body))
    assert supergraph.implements_in_graph("User", "Node", "a")
    assert not supergraph.implements_in_graph("User", "Node", "b")
    assert supergraph.possible_types_in_graph("Node", "a") == {"User"}
    assert supergraph.possible_types_in_graph("Node", "b") == frozenset()


V02_UNION = """
type Book @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") { id: ID! }
type Movie @join__type(graph: A, key: "id") { id: ID! }
type Song @join__type(graph: B, key: "id") { id: ID! }
union Result @join__type(graph: A) @join__type(graph: B) = Book | Movie | Song
"""


def test_join_v0_2_union_members_are_inferred_from_the_graphs_defining_them() -> None:
    sdl = minimal_supergraph(
        '@link(url: "https://specs.apollo.dev/join/v0.2", for: EXECUTION)', V02_UNION
    )
    supergraph = load_supergraph(sdl)
    assert supergraph.possible_types_in_graph("Result", "a") == {"Book", "Movie"}
    assert supergraph.possible_types_in_graph("Result", "b") == {"Book", "Song"}
    assert supergraph.types["Result"].union_members == {
        "a": frozenset({"Book", "Movie"}),
        "b": frozenset({"Book", "Song"}),
    }


def test_union_member_directives_win_over_inference() -> None:
    body = V02_UNION.replace(
        "union Result @join__type(graph: A) @join__type(graph: B)",
        "union Result @join__type(graph: A) @join__type(graph: B) "
        '@join__unionMember(graph: A, member: "Movie") @join__unionMember(graph: B, member: "Song")',
    )
    supergraph = load_supergraph(minimal_supergraph(body=body))
    assert supergraph.possible_types_in_graph("Result", "a") == {"Movie"}
    assert supergraph.possible_types_in_graph("Result", "b") == {"Song"}
