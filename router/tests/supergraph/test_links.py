"""Spec versions and linked features: what loads and what is refused at start."""

from __future__ import annotations

import pytest
from trellis_router.supergraph import SupergraphError, load_supergraph

from .conftest import load_fixture, minimal_supergraph

JOIN = "https://specs.apollo.dev/join"


@pytest.mark.parametrize(
    ("scenario", "version"),
    [
        ("abstract_types", (0, 3)),
        ("extension", (0, 3)),
        ("fed1", (0, 3)),
        ("override_labels", (0, 4)),
        ("context", (0, 5)),
        ("api_schema", (0, 5)),
    ],
)
def test_apollo_composed_supergraphs_load(scenario: str, version: tuple[int, int]) -> None:
    supergraph = load_fixture(scenario)
    assert supergraph.join_version == version
    assert supergraph.features[JOIN] == version


@pytest.mark.parametrize("minor", [2, 3, 4, 5])
def test_join_v0_2_to_v0_5_load(minor: int) -> None:
    sdl = minimal_supergraph(f'@link(url: "{JOIN}/v0.{minor}", for: EXECUTION)')
    supergraph = load_supergraph(sdl)
    assert supergraph.join_version == (0, minor)
    assert supergraph.field_resolvable_in("Query", "a") == {"a"}


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("v0.1", r"unsupported join spec version v0\.1 \(Federation 1\).*join/v0\.1"),
        ("v0.6", r"unsupported join spec version v0\.6 .*join/v0\.6"),
        ("v1.0", r"unsupported join spec version v1\.0 "),
    ],
)
def test_other_join_versions_are_refused(version: str, message: str) -> None:
    sdl = minimal_supergraph(f'@link(url: "{JOIN}/{version}", for: EXECUTION)')
    with pytest.raises(SupergraphError, match=message):
        load_supergraph(sdl)


def test_fed1_core_supergraph_is_refused_naming_the_core_version() -> None:
    sdl = """
schema
  @core(feature: "https://specs.apollo.dev/core/v0.2")
  @core(feature: "https://specs.apollo.dev/join/v0.1", for: EXECUTION)
{ query: Query }
directive @core(feature: String!, as: String, for: core__Purpose) repeatable on SCHEMA
enum core__Purpose { SECURITY EXECUTION }
enum join__Graph { A @join__graph(name: "a" url: "http://a") }
type Query @join__owner(graph: A) @join__type(graph: A) { a: Int }
"""
    with pytest.raises(SupergraphError, match=r"core spec v0\.2 .*core/v0\.2.*Federation 1"):
        load_supergraph(sdl)


def test_link_v1_1_is_refused_naming_the_version() -> None:
    sdl = minimal_supergraph(
        f'@link(url: "{JOIN}/v0.3", for: EXECUTION)',
        link_url="https://specs.apollo.dev/link/v1.1",
    )
    with pytest.raises(SupergraphError, match=r"unsupported link spec version v1\.1"):
        load_supergraph(sdl)


def test_a_schema_without_link_is_refused() -> None:
    sdl = minimal_supergraph().replace('@link(url: "https://specs.apollo.dev/link/v1.0")', "")
    with pytest.raises(SupergraphError, match=r"does not link https://specs.apollo.dev/link/v1.0"):
        load_supergraph(sdl)


def test_a_schema_without_join_is_refused() -> None:
    with pytest.raises(SupergraphError, match="does not link the join spec"):
        load_supergraph(minimal_supergraph(links=""))


@pytest.mark.parametrize("purpose", ["SECURITY", "EXECUTION"])
def test_unknown_feature_for_a_purpose_is_refused_naming_its_url(purpose: str) -> None:
    links = (
        f'@link(url: "{JOIN}/v0.3", for: EXECUTION) '
        f'@link(url: "https://example.com/rateLimit/v1.2", for: {purpose})'
    )
    with pytest.raises(
        SupergraphError,
        match=rf"links https://example.com/rateLimit/v1\.2 for {purpose}, a feature this router",
    ):
        load_supergraph(minimal_supergraph(links))


def test_connectors_are_refused_naming_the_connect_url() -> None:
    from .conftest import fixture_sdl

    with pytest.raises(
        SupergraphError, match=r"https://specs.apollo.dev/connect/v0\.3 for EXECUTION"
    ):
        load_supergraph(fixture_sdl("connect"))


def test_known_feature_at_an_unknown_version_is_refused() -> None:
    links = (
        f'@link(url: "{JOIN}/v0.3", for: EXECUTION) '
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.9", for: SECURITY)'
    )
    with pytest.raises(SupergraphError, match=r"inaccessible/v0\.9 for SECURITY, a version"):
        load_supergraph(minimal_supergraph(links))


def test_unknown_feature_without_purpose_is_metadata() -> None:
    links = (
        f'@link(url: "{JOIN}/v0.3", for: EXECUTION) '
        '@link(url: "https://example.com/docs/v1.0", import: ["@docs"])'
    )
    supergraph = load_supergraph(minimal_supergraph(links))
    assert supergraph.features["https://example.com/docs"] == (1, 0)


@pytest.mark.parametrize(
    "url",
    [
        "https://specs.apollo.dev/inaccessible/v0.2",
        "https://specs.apollo.dev/authenticated/v0.1",
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "https://specs.apollo.dev/policy/v0.1",
        "https://specs.apollo.dev/context/v0.1",
        "https://specs.apollo.dev/cost/v0.1",
        "https://specs.apollo.dev/cacheTag/v0.1",
        "https://specs.apollo.dev/tag/v0.3",
    ],
)
@pytest.mark.parametrize("purpose", ["SECURITY", "EXECUTION"])
def test_known_features_are_accepted_for_any_purpose(url: str, purpose: str) -> None:
    links = f'@link(url: "{JOIN}/v0.5", for: EXECUTION) @link(url: "{url}", for: {purpose})'
    load_supergraph(minimal_supergraph(links))


def test_join_linked_under_another_name_is_read_with_that_prefix() -> None:
    sdl = minimal_supergraph(f'@link(url: "{JOIN}/v0.3", as: "j", for: EXECUTION)')
    sdl = sdl.replace("join__", "j__")
    supergraph = load_supergraph(sdl)
    assert set(supergraph.subgraphs) == {"a", "b"}
    assert supergraph.field_resolvable_in("Query", "b") == {"b"}
    assert supergraph.api_schema.get_type("j__Graph") is None
    assert "j__FieldSet" not in supergraph.types


def test_link_spec_linked_under_another_name() -> None:
    sdl = minimal_supergraph().replace(
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        '@core(url: "https://specs.apollo.dev/link/v1.0", as: "core")',
    )
    sdl = sdl.replace(
        '@link(url: "https://specs.apollo.dev/join', '@core(url: "https://specs.apollo.dev/join'
    )
    supergraph = load_supergraph(sdl)
    assert supergraph.join_version == (0, 3)


def test_unknown_graph_in_join_metadata_is_a_clear_error() -> None:
    sdl = minimal_supergraph(body="type Extra @join__type(graph: C) { x: Int }")
    with pytest.raises(SupergraphError, match=r"Extra: graph 'C' is not a join__Graph value"):
        load_supergraph(sdl)
