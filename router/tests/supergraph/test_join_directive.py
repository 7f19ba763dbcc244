"""``@join__directive`` (join v0.4+): kept per subgraph, not acted on."""

from __future__ import annotations

from trellis_router.supergraph import JoinDirective, load_supergraph

from .conftest import fixture_sdl


def _connect_as_metadata() -> str:
    # The connect spec is refused for EXECUTION; linked without a purpose it is metadata.
    sdl = fixture_sdl("connect").replace(
        '@link(url: "https://specs.apollo.dev/connect/v0.3", for: EXECUTION)',
        '@link(url: "https://specs.apollo.dev/connect/v0.3")',
    )
    return sdl.replace(
        '  @join__type(graph: B, key: "id")\n{\n  id: ID!\n  name',
        '  @join__type(graph: B, key: "id")\n'
        '  @join__directive(graphs: [A, B], name: "cacheTag", args: {format: "product-{$key.id}"})\n'
        "{\n  id: ID!\n  name",
    )


def test_join_directives_on_schema_types_and_fields() -> None:
    supergraph = load_supergraph(_connect_as_metadata())
    schema_level = supergraph.directives_by_graph["a"]
    assert [d.name for d in schema_level] == ["link", "source"]
    assert schema_level[1].args == {"name": "api", "http": {"baseURL": "https://api.example.com"}}
    assert "b" not in supergraph.directives_by_graph
    products = supergraph.types["Query"].fields["products"]
    assert products.directives_by_graph == {
        "a": (
            JoinDirective(
                name="connect",
                graphs=("a",),
                args={"source": "api", "http": {"GET": "/products"}, "selection": "id name"},
            ),
        )
    }
    product = supergraph.types["Product"]
    assert product.directives_by_graph["a"] == product.directives_by_graph["b"]
    assert product.directives_by_graph["b"][0].graphs == ("a", "b")
    assert product.directives_by_graph["b"][0].args == {"format": "product-{$key.id}"}


def test_join_directive_machinery_is_not_in_the_api_schema() -> None:
    supergraph = load_supergraph(_connect_as_metadata())
    assert supergraph.api_schema.get_directive("join__directive") is None
    assert supergraph.api_schema.get_type("join__DirectiveArguments") is None
    assert supergraph.field_resolvable_in("Query", "products") == {"a"}
