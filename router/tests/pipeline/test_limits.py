"""Operation limits: parse limits, the measure with fragments expanded, and bypass attempts."""

from __future__ import annotations

import pytest
from graphql import DocumentNode, OperationDefinitionNode
from trellis_router.configuration.limits import LimitsSettings
from trellis_router.pipeline import RequestError
from trellis_router.pipeline.limits import (
    MAX_ALIASES_LIMIT,
    MAX_DEPTH_LIMIT,
    MAX_HEIGHT_LIMIT,
    MAX_ROOT_FIELDS_LIMIT,
    OperationLimitsError,
    OperationMeasure,
    check_limits,
    operation_measure,
    parse_limited,
)

NO_LIMITS = LimitsSettings(
    max_depth=None,
    max_height=None,
    max_aliases=None,
    max_root_fields=None,
    parser_max_tokens=None,
    max_document_bytes=None,
)


def _operation(document: DocumentNode) -> OperationDefinitionNode:
    return next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))


def measure(query: str) -> OperationMeasure:
    document = parse_limited(query, NO_LIMITS)
    return operation_measure(document, _operation(document))


def refused(query: str, **limits: int) -> list[str]:
    document = parse_limited(query, NO_LIMITS)
    settings = NO_LIMITS.model_copy(update=limits)
    with pytest.raises(OperationLimitsError) as caught:
        check_limits(document, _operation(document), settings)
    assert caught.value.status == 400
    assert isinstance(caught.value, RequestError)
    return [error["extensions"]["code"] for error in caught.value.errors]


def allowed(query: str, **limits: int) -> None:
    document = parse_limited(query, NO_LIMITS)
    check_limits(document, _operation(document), NO_LIMITS.model_copy(update=limits))


# --- parse ------------------------------------------------------------------------------------


def test_parse_is_cached_by_text_and_limits():
    limits = LimitsSettings()
    assert parse_limited("{ me { id } }", limits) is parse_limited("{ me { id } }", limits)


def test_parse_refuses_too_many_tokens_counting_comments():
    limits = NO_LIMITS.model_copy(update={"parser_max_tokens": 6})
    parse_limited("{ me { id } }", limits)  # 6 tokens
    for query in ("{ me { id name } }", "{ me { id } # a comment\n }"):
        with pytest.raises(RequestError) as caught:
            parse_limited(query, limits)
        assert caught.value.code == "GRAPHQL_PARSE_FAILED"
        assert caught.value.status == 400
        assert "tokens" in caught.value.errors[0]["message"]


def test_parse_refuses_documents_over_the_byte_limit_in_utf8():
    limits = NO_LIMITS.model_copy(update={"max_document_bytes": 20})
    parse_limited('{ a(s: "12345678") }', limits)  # 20 bytes
    with pytest.raises(RequestError) as caught:
        parse_limited('{ a(s: "1234567é") }', limits)  # 20 characters, 21 bytes
    assert caught.value.code == "GRAPHQL_PARSE_FAILED"
    assert "21 bytes" in caught.value.errors[0]["message"]


def test_parse_reports_syntax_errors_with_locations():
    with pytest.raises(RequestError) as caught:
        parse_limited("{ me {", LimitsSettings())
    assert caught.value.errors[0]["locations"] == [{"line": 1, "column": 7}]


# --- measure ----------------------------------------------------------------------------------


def test_measure_of_a_plain_operation():
    assert measure("{ me { id name: nick friends { id } } top }") == OperationMeasure(
        depth=3, height=6, aliases=1, root_fields=2
    )


def test_height_merges_same_response_names_within_a_selection_set():
    # Apollo's example: `name` counted once, its sub-selections together.
    assert measure("{ name { first } name { last } }").height == 3
    assert measure("{ name { first } name { first } }").height == 2


def test_depth_counts_through_fragments_and_inline_fragments():
    query = """
        query { book { ...details } }
        fragment details on Book { details { ... on BookDetails { country } } }
    """
    assert measure(query).depth == 3  # Apollo's documented example


def test_depth_hidden_in_a_chain_of_fragments_is_found():
    query = """
        { a { ...F1 } }
        fragment F1 on T { b { ...F2 } }
        fragment F2 on T { c { ...F3 } }
        fragment F3 on T { d { e } }
    """
    assert measure(query).depth == 5
    assert refused(query, max_depth=4) == [MAX_DEPTH_LIMIT]
    allowed(query, max_depth=5)


def test_aliases_hidden_in_fragments_and_nested_inline_fragments_are_counted():
    query = """
        { me { ...F ... on User { ... on User { x1: id x2: id } } } }
        fragment F on User { y1: id ... { y2: id } }
    """
    assert measure(query).aliases == 4
    assert refused(query, max_aliases=3) == [MAX_ALIASES_LIMIT]
    allowed(query, max_aliases=4)


def test_a_fragment_spread_repeatedly_multiplies_its_aliases():
    query = """
        { me { ...B ...B } }
        fragment B on User { ...A ...A ...A }
        fragment A on User { a1: id a2: id }
    """
    assert measure(query).aliases == 12  # 2 spreads x 3 spreads x 2 aliases
    assert refused(query, max_aliases=11) == [MAX_ALIASES_LIMIT]


def test_exponential_spreads_are_measured_without_expanding_them():
    levels = 60
    fragments = "\n".join(
        f"fragment F{i} on T {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    query = f"{{ t {{ ...F0 }} }}\n{fragments}\nfragment F{levels} on T {{ x: id }}"
    assert measure(query).aliases == 2**levels
    assert refused(query, max_aliases=1000) == [MAX_ALIASES_LIMIT]


def test_root_fields_through_fragments_are_counted():
    query = """
        query { a ...Roots ... on Query { d } }
        fragment Roots on Query { b c ... { e } }
    """
    assert measure(query).root_fields == 5
    assert refused(query, max_root_fields=4) == [MAX_ROOT_FIELDS_LIMIT]
    allowed(query, max_root_fields=5)


def test_a_fragment_cycle_never_loops():
    query = """
        { a { ...A } }
        fragment A on T { x ...B }
        fragment B on T { y: z ...A }
    """
    result = measure(query)
    assert result.depth == 2  # a > x; the spread of A inside B counts as empty
    assert result.aliases == 1


def test_a_long_fragment_chain_does_not_exhaust_the_stack():
    count = 3000
    fragments = "\n".join(f"fragment F{i} on T {{ ...F{i + 1} }}" for i in range(count))
    query = f"{{ t {{ ...F0 }} }}\n{fragments}\nfragment F{count} on T {{ x: id }}"
    assert measure(query).aliases == 1


def test_unknown_fragments_count_as_empty():
    assert measure("{ a { ...Missing } }") == OperationMeasure(1, 1, 0, 1)


def test_every_exceeded_limit_is_reported_with_its_own_code():
    query = "{ a { b { c } } x: d y: e }"
    codes = refused(query, max_depth=2, max_height=3, max_aliases=1, max_root_fields=2)
    assert codes == [MAX_DEPTH_LIMIT, MAX_HEIGHT_LIMIT, MAX_ROOT_FIELDS_LIMIT, MAX_ALIASES_LIMIT]
    document = parse_limited(query, NO_LIMITS)
    with pytest.raises(OperationLimitsError) as caught:
        check_limits(document, _operation(document), NO_LIMITS.model_copy(update={"max_depth": 2}))
    assert caught.value.errors == [
        {
            "message": "Maximum depth limit exceeded in this operation",
            "extensions": {"code": MAX_DEPTH_LIMIT},
        }
    ]


def test_a_cached_measure_is_used_when_given():
    document = parse_limited("{ a }", NO_LIMITS)
    big = OperationMeasure(depth=10, height=1, aliases=0, root_fields=1)
    with pytest.raises(OperationLimitsError):
        check_limits(
            document, _operation(document), NO_LIMITS.model_copy(update={"max_depth": 5}), big
        )


def test_defaults_allow_an_ordinary_query():
    document = parse_limited("{ me { id name } }", LimitsSettings())
    check_limits(document, _operation(document), LimitsSettings())
