"""The introspection switch, including attempts to hide ``__schema``/``__type``."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse
from trellis_router.pipeline import RequestError
from trellis_router.pipeline.introspection import INTROSPECTION_DISABLED, check_introspection
from trellis_router.pipeline.operation import select_operation


def check(query: str, enabled: bool = False, operation_name: str | None = None) -> None:
    document = parse(query)
    operation: OperationDefinitionNode = select_operation(document, operation_name)
    check_introspection(document, operation, enabled)


def refused_field(query: str, operation_name: str | None = None) -> str:
    with pytest.raises(RequestError) as caught:
        check(query, operation_name=operation_name)
    error = caught.value
    assert error.code == INTROSPECTION_DISABLED
    assert error.status == 400
    assert error.errors[0]["extensions"] == {"code": INTROSPECTION_DISABLED}
    message: str = error.errors[0]["message"]
    return message


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { queryType { name } } }",
        '{ __type(name: "User") { fields { name } } }',
        '{ me { id } t: __type(name: "User") { name } }',  # aliased
        "{ ...Intro } fragment Intro on Query { __schema { types { name } } }",  # in a fragment
        "{ ... on Query { ... { __schema { types { name } } } } }",  # nested inline fragments
        "{ ...A } fragment A on Query { ...B } fragment B on Query { __schema { description } }",
    ],
)
def test_introspection_fields_are_refused_wherever_they_hide(query):
    message = refused_field(query)
    assert '"__schema"' in message or '"__type"' in message


def test_the_message_names_the_field_and_points_at_it():
    with pytest.raises(RequestError) as caught:
        check('{\n  me { id }\n  x: __type(name: "User") { name }\n}')
    error = caught.value.errors[0]
    assert error["message"] == (
        "GraphQL introspection has been disabled, but the requested query contained the field "
        '"__type".'
    )
    assert error["locations"] == [{"line": 3, "column": 3}]


def test_typename_is_always_allowed():
    check("{ __typename me { __typename id ...F } } fragment F on User { __typename }")


def test_an_alias_named_like_introspection_is_not_introspection():
    check("{ __schema: me { id } }")


def test_only_the_operation_to_run_is_checked():
    query = "query A { me { id } } query B { __schema { types { name } } }"
    check(query, operation_name="A")
    refused_field(query, operation_name="B")


def test_fragment_cycles_terminate():
    check("{ me { ...A } } fragment A on User { id ...B } fragment B on User { ...A }")


def test_enabled_allows_everything():
    check("{ __schema { types { name } } }", enabled=True)
