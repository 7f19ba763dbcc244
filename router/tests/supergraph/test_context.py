"""``@context`` / ``@fromContext`` (join v0.5 ``contextArguments``)."""

from __future__ import annotations

from graphql import print_ast
from trellis_router.supergraph import ContextArgument, load_supergraph

from .conftest import fixture_sdl, load_fixture


def test_context_arguments_are_parsed() -> None:
    supergraph = load_fixture("context")
    total = supergraph.types["Cart"].fields["total"]
    assert total.join_fields["a"].context_arguments == (
        ContextArgument(
            name="currency", type="String", context="a__userContext", selection=" { currency }"
        ),
    )
    assert total.resolvable_in == {"a"}
    assert supergraph.types["Cart"].fields["items"].join_fields["b"].context_arguments == ()


def test_context_selection_is_parsed() -> None:
    argument = ContextArgument(name="x", type="ID", context="a__c", selection=" { currency }")
    assert print_ast(argument.selection_set).split() == ["{", "currency", "}"]
    fragments = ContextArgument(
        name="x", type="ID", context="a__c", selection="... on User { id } ... on Admin { id }"
    )
    assert [s.type_condition.name.value for s in fragments.selection_set.selections] == [  # type: ignore[attr-defined]
        "User",
        "Admin",
    ]


def test_types_carry_their_contexts() -> None:
    supergraph = load_fixture("context")
    assert supergraph.types["User"].contexts == ("a__userContext",)
    assert supergraph.types["Admin"].contexts == ("a__userContext",)
    assert supergraph.types["Cart"].contexts == ()


def test_from_context_arguments_are_not_in_the_api_schema() -> None:
    supergraph = load_fixture("context")
    total = supergraph.api_schema.get_type("Cart").fields["total"]  # type: ignore[union-attr]
    assert set(total.args) == {"rounding"}
    assert supergraph.api_schema.get_type("context__ContextFieldValue") is None


def test_from_context_arguments_left_in_the_supergraph_are_hidden_anyway() -> None:
    sdl = fixture_sdl("context").replace(
        "total(rounding: Int): Int", "total(currency: String, rounding: Int): Int"
    )
    supergraph = load_supergraph(sdl)
    total = supergraph.api_schema.get_type("Cart").fields["total"]  # type: ignore[union-attr]
    assert set(total.args) == {"rounding"}


def test_context_directive_under_an_alias() -> None:
    sdl = fixture_sdl("context").replace(
        '@link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/context/v0.1", as: "ctx", for: SECURITY)',
    )
    sdl = sdl.replace("@context(name:", "@ctx(name:").replace(
        "directive @context(", "directive @ctx("
    )
    supergraph = load_supergraph(sdl)
    assert supergraph.types["User"].contexts == ("a__userContext",)
