"""Satisfiability (``SATISFIABILITY_ERROR``): example queries and the subgraphs they name.

Supergraphs here are the ones Apollo composed for ``fixtures/satisfiability.yaml``, unchanged
(they must stay satisfiable) or edited to make one path unsatisfiable; composing the fixtures
themselves is checked by ``test_compose_fixtures.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from graphql import GraphQLSchema, parse, validate
from trellis_router.composition import SubgraphDefinition, compose
from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.satisfiability import (
    check_satisfiability,
    validate_satisfiability,
)
from trellis_router.supergraph import load_supergraph
from trellis_router.testing.scenario import placeholder_url

FIXTURES = Path(__file__).parent / "fixtures" / "satisfiability.yaml"
_EXAMPLE = re.compile(
    r"The following supergraph API query:\n(.*?)\ncannot be satisfied by the subgraphs because:",
    re.DOTALL,
)
_FROM = re.compile(r'from subgraph "([^"]+)"')


def _fixtures() -> dict[str, dict[str, Any]]:
    return {fixture["name"]: fixture for fixture in yaml.safe_load(FIXTURES.read_text())}


def _apollo_supergraph(name: str) -> str:
    supergraph: str = _fixtures()[name]["apollo"]["supergraph"]
    return supergraph


def _examples(error: CompositionError) -> list[str]:
    return [match.strip() for match in _EXAMPLE.findall(error.message)]


def _assert_valid_example(error: CompositionError, api_schema: GraphQLSchema) -> str:
    examples = _examples(error)
    assert examples, error.message
    for example in examples:
        assert validate(api_schema, parse(example)) == [], example
    return examples[0]


# (Apollo fixture, text to replace, replacement, example query, subgraphs named)
EDITS = [
    pytest.param(
        "multi-hop-keys",
        '@join__type(graph: C, key: "sku")',
        '@join__type(graph: C, key: "sku", resolvable: false)',
        "{\n  t {\n    y\n  }\n}",
        {"a", "b"},
        id="last-hop-not-resolvable",
    ),
    pytest.param(
        "multi-hop-keys",
        "sku: ID! @join__field(graph: B) @join__field(graph: C)",
        "sku: ID! @join__field(graph: C)",
        "{\n  t {\n    sku\n  }\n}",
        {"a", "b"},
        id="key-field-lost",
    ),
    pytest.param(
        "from-context-with-ancestor",
        "  u: U\n",
        "  u: U\n  t: T\n",
        "{\n  t {\n    label\n  }\n}",
        {"a"},
        id="context-not-set-above",
    ),
    pytest.param(
        "interface-object-fields",
        '@join__type(graph: B, key: "id", isInterfaceObject: true)',
        '@join__type(graph: B, key: "id", isInterfaceObject: true, resolvable: false)',
        None,
        {"a"},
        id="interface-object-not-resolvable",
    ),
    pytest.param(
        "requires-satisfied-through-key",
        "weight: Int @join__field(graph: A) @join__field(graph: B, external: true)",
        "weight: Int @join__field(graph: B, external: true)",
        None,
        {"a", "b"},
        id="required-field-lost",
    ),
    pytest.param(
        "provides-only-reachability",
        'Query\n  @join__type(graph: A)\n  @join__type(graph: B)\n{\n  t: T @join__field(graph: A, provides: "x")',
        "Query\n  @join__type(graph: A)\n  @join__type(graph: B)\n{\n  t: T @join__field(graph: A)",
        "{\n  t {\n    x\n  }\n}",
        {"a"},
        id="provides-removed",
    ),
    pytest.param(
        "key-jump-below-field-with-arguments",
        '@join__type(graph: B, key: "id")',
        '@join__type(graph: B, key: "id", resolvable: false)',
        None,
        {"a"},
        id="arguments-in-example",
    ),
]


@pytest.mark.parametrize(("fixture", "old", "new", "example", "subgraphs"), EDITS)
def test_unsatisfiable_edit_reports_a_valid_example_query(
    fixture: str, old: str, new: str, example: str | None, subgraphs: set[str]
) -> None:
    original = _apollo_supergraph(fixture)
    assert old in original
    assert validate_satisfiability(load_supergraph(original)) == []
    supergraph = load_supergraph(original.replace(old, new))
    errors = validate_satisfiability(supergraph)
    assert errors
    assert {error.code for error in errors} == {ErrorCode.SATISFIABILITY_ERROR.value}
    for error in errors:
        found = _assert_valid_example(error, supergraph.api_schema)
        if example is not None and example == found:
            break
    else:
        assert example is None, [e.message for e in errors]
    named = {name for error in errors for name in _FROM.findall(error.message)}
    assert named == subgraphs, [e.message for e in errors]


def test_example_query_carries_argument_values() -> None:
    original = _apollo_supergraph("key-jump-below-field-with-arguments")
    edited = original.replace(
        '@join__type(graph: B, key: "id")', '@join__type(graph: B, key: "id", resolvable: false)'
    )
    (error,) = validate_satisfiability(load_supergraph(edited))
    assert _examples(error) == [
        "{\n"
        "  t(\n"
        '    id: "<any id>"\n'
        "    kind: FIRST\n"
        '    filter: { q: "A string value" }\n'
        "    tags: []\n"
        "    n: 0\n"
        "    ratio: 3.14\n"
        "    on: true\n"
        "  ) {\n"
        "    y\n"
        "  }\n"
        "}"
    ]


def test_every_composing_fixture_supergraph_is_satisfiable() -> None:
    for name, fixture in _fixtures().items():
        if "supergraph" in fixture["apollo"]:
            assert check_satisfiability(fixture["apollo"]["supergraph"]) == [], name


def _compose(name: str) -> list[CompositionError]:
    subgraphs = _fixtures()[name]["subgraphs"]
    result = compose(
        [SubgraphDefinition(n, placeholder_url(n), sdl) for n, sdl in subgraphs.items()]
    )
    assert not result.ok
    return list(result.errors)


@pytest.mark.parametrize(
    ("fixture", "example", "subgraphs"),
    [
        ("field-only-in-subgraph-without-key", "{\n  t {\n    y\n  }\n}", {"a"}),
        ("value-type-field-missing-in-one-subgraph", "{\n  b {\n    x\n  }\n}", {"b"}),
        (
            "interface-implementation-field-unreachable",
            "{\n  i {\n    ... on T2 {\n      f\n    }\n  }\n}",
            {"a"},
        ),
        ("requires-field-unreachable", "{\n  t {\n    shipping\n  }\n}", {"a", "b"}),
        ("progressive-override-leaves-field-unreachable", "{\n  t {\n    f\n  }\n}", {"a"}),
    ],
)
def test_composition_fails_with_example_and_subgraphs(
    fixture: str, example: str, subgraphs: set[str]
) -> None:
    errors = _compose(fixture)
    assert {error.code for error in errors} == {ErrorCode.SATISFIABILITY_ERROR.value}
    matching = [error for error in errors if example in _examples(error)]
    assert matching, [error.message for error in errors]
    assert set(_FROM.findall(matching[0].message)) == subgraphs, matching[0].message


def test_shared_mutation_field_must_be_satisfiable_from_one_subgraph() -> None:
    (error,) = _compose("shared-mutation-field-unsatisfiable")
    assert error.code == ErrorCode.SATISFIABILITY_ERROR.value
    assert error.message.startswith(
        'Supergraph API queries using the mutation field "Mutation.m" at top-level'
    )
    assert '- When calling "Mutation.m" at top-level from subgraph "a":' in error.message
    assert '- When calling "Mutation.m" at top-level from subgraph "b":' in error.message
    assert "  mutation {\n    m {\n      y\n    }\n  }" in error.message
