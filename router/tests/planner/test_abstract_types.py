"""Plans over interfaces and unions: type conditions, per-type entity jumps."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

MEDIA = """
interface Media { id: ID! title: String! }
type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int! }
type Movie implements Media @key(fields: "id") { id: ID! title: String! minutes: Int! }
union SearchResult = Book | Movie
type Query { library: [Media!]! search: [SearchResult!]! }
"""
REVIEWS = """
type Book @key(fields: "id") { id: ID! rating: Int! }
type Movie @key(fields: "id") { id: ID! rating: Int! }
"""


@pytest.fixture
def media_graph(composed):
    return composed(media=MEDIA, reviews=REVIEWS)


def test_interface_fragments_jump_per_implementation(media_graph, plan_over):
    plan = plan_over(
        media_graph,
        "{ library { __typename title ... on Book { rating pages } ... on Movie { rating } } }",
    )
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "media") {
      {
        library {
          __typename
          title
          ... on Book {
            __typename
            id
            pages
          }
          ... on Movie {
            __typename
            id
          }
        }
      }
    },
    Flatten(path: "library.@") {
      Fetch(service: "reviews") {
        {
          ... on Book {
            __typename
            id
          }
          ... on Movie {
            __typename
            id
          }
        } =>
        {
          ... on Book {
            rating
          }
          ... on Movie {
            rating
          }
        }
      },
    },
  },
}\
""")


def test_union_members_only_jump_where_needed(media_graph, plan_over):
    plan = plan_over(
        media_graph, "{ search { ... on Book { title rating } ... on Movie { minutes } } }"
    )
    assert plan.to_text() == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "media") {
      {
        search {
          __typename
          ... on Book {
            __typename
            id
            title
          }
          ... on Movie {
            minutes
          }
        }
      }
    },
    Flatten(path: "search.@") {
      Fetch(service: "reviews") {
        {
          ... on Book {
            __typename
            id
          }
        } =>
        {
          ... on Book {
            rating
          }
        }
      },
    },
  },
}\
""")
    assert [f.service_name for f in plan.fetch_nodes()] == ["media", "reviews"]
