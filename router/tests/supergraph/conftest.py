"""Supergraph test helpers.

``fixtures/<scenario>.supergraph.graphql`` were written by Apollo's composition
(``@apollo/composition`` 2.14.4, the test-only oracle in ``dev/oracle/``) from the subgraphs in
``fixtures/<scenario>.subgraphs.json``; tests derive hand-made variants by small edits.
"""

from __future__ import annotations

from pathlib import Path

from trellis_router.supergraph import Supergraph, load_supergraph

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_sdl(scenario: str) -> str:
    """The Apollo-composed supergraph SDL of a scenario."""
    return (FIXTURES / f"{scenario}.supergraph.graphql").read_text()


def load_fixture(scenario: str) -> Supergraph:
    """Load the Apollo-composed supergraph of a scenario."""
    return load_supergraph(fixture_sdl(scenario))


JOIN_V02_DEFINITIONS = """
directive @join__field(graph: join__Graph!, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean)
  repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""


def minimal_supergraph(
    links: str = '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
    body: str = "",
    *,
    link_url: str = "https://specs.apollo.dev/link/v1.0",
) -> str:
    """A two-subgraph supergraph with the given extra ``@link``s and type definitions.

    Args:
        links: ``@link`` applications after the link spec's own.
        body: extra type definitions.
        link_url: the link spec's own URL.

    Returns:
        Supergraph SDL.
    """
    return f"""
schema @link(url: "{link_url}") {links} {{ query: Query }}
{JOIN_V02_DEFINITIONS}
enum join__Graph {{
  A @join__graph(name: "a", url: "http://a")
  B @join__graph(name: "b", url: "http://b")
}}
type Query @join__type(graph: A) @join__type(graph: B) {{
  a: Int @join__field(graph: A)
  b: Int @join__field(graph: B)
}}
{body}
"""
