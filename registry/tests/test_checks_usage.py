"""The operation usage walk, operation files, and which operations a change affects."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema
from trellis_registry.checks import (
    CheckInputError,
    Operation,
    diff_api_schemas,
    load_operation_files,
    operation_usage,
    parse_operations,
)
from trellis_registry.checks.check import classify_changes
from trellis_registry.checks.report import Usage
from trellis_registry.checks.usage import affected_operations, usages_of

SCHEMA = build_schema(
    """
    schema { query: Query mutation: Mutation }
    directive @trace(level: Int) on FIELD
    type Query {
      customer(id: ID!, region: String): Customer
      customers(filter: CustomerFilter, first: Int): [Customer!]!
      search(term: String!): [SearchResult!]!
      node(id: ID!): Node
    }
    type Mutation { setStatus(id: ID!, status: Status!): Customer }
    interface Node { id: ID! }
    type Customer implements Node { id: ID! name: String! email: String status: Status }
    type Product implements Node { id: ID! sku: String! }
    union SearchResult = Customer | Product
    enum Status { ACTIVE SUSPENDED CLOSED }
    enum Sort { NAME CREATED }
    input CustomerFilter { name: String status: Status page: Page }
    input Page { sort: Sort size: Int }
    """
)


def usage(text: str) -> frozenset[str]:
    (operation,) = parse_operations(text, "test.graphql")
    return operation_usage(operation, SCHEMA)


def test_fields_their_types_and_the_root_type() -> None:
    used = usage("query Q { customer(id: 1) { id name __typename } }")
    assert used == {
        "Query",
        "Query.customer",
        "Query.customer(id:)",
        "ID",
        "Customer",
        "Customer.id",
        "Customer.name",
        "String",
    }


def test_arguments_literal_enum_values_and_input_fields() -> None:
    used = usage(
        'query Q { customers(filter: {name: "x", status: SUSPENDED}) { id } '
        "customer(id: 1) { id } }"
    )
    assert {
        "Query.customers(filter:)",
        "CustomerFilter",
        "CustomerFilter.name",
        "CustomerFilter.status",
        "Status",
        "Status.SUSPENDED",
        "Query.customer(id:)",
    } <= used
    assert "Status.ACTIVE" not in used
    assert "CustomerFilter.page" not in used
    assert "Query.customers(first:)" not in used
    assert "Query.customer(region:)" not in used


def test_nested_input_objects_and_lists() -> None:
    used = usage("query Q { customers(filter: {page: {sort: CREATED}}) { id } }")
    assert {"CustomerFilter.page", "Page", "Page.sort", "Sort", "Sort.CREATED"} <= used
    assert "Sort.NAME" not in used and "Page.size" not in used


def test_variables_use_everything_their_type_can_hold() -> None:
    used = usage("query Q($f: CustomerFilter) { customers(filter: $f) { id } }")
    assert {
        "CustomerFilter",
        "CustomerFilter.name",
        "CustomerFilter.status",
        "CustomerFilter.page",
        "Status.ACTIVE",
        "Status.SUSPENDED",
        "Status.CLOSED",
        "Page.sort",
        "Page.size",
        "Sort.NAME",
        "Sort.CREATED",
        "Query.customers(filter:)",
    } <= used


def test_variable_default_values_are_literals() -> None:
    used = usage("mutation M($s: Status! = CLOSED) { setStatus(id: 1, status: $s) { id } }")
    assert {
        "Mutation",
        "Mutation.setStatus",
        "Mutation.setStatus(status:)",
        "Status.CLOSED",
    } <= used


def test_fragments_and_type_conditions() -> None:
    used = usage(
        """
        query Q { search(term: "a") { ...Hit ... on Product { sku } } node(id: 1) { ...Named } }
        fragment Hit on Customer { email }
        fragment Named on Customer { name }
        """
    )
    assert {
        "Customer.email",
        "Customer.name",
        "Product.sku",
        "SearchResult ... on Customer",
        "SearchResult ... on Product",
        "Node ... on Customer",
    } <= used


def test_directives_and_their_arguments() -> None:
    used = usage("query Q { customer(id: 1) @trace(level: 2) { id } }")
    assert {"@trace", "@trace(level:)"} <= used
    assert "Query.customer(level:)" not in used


def test_unknown_fields_are_skipped() -> None:
    used = usage("query Q { customer(id: 1) { nope { deeper } id } }")
    assert "Customer.nope" not in used
    assert "Customer.id" in used


def operations_of(text: str) -> list[Operation]:
    return parse_operations(text, "ops.graphql")


def test_affected_operations_match_the_change_keys() -> None:
    operations = operations_of(
        """
        query ByStatus { customers(filter: {status: SUSPENDED}) { id } }
        query Names { customers { name } }
        query WithVariables($f: CustomerFilter) { customers(filter: $f) { id } }
        { search(term: "x") { ... on Product { sku } } }
        """
    )
    usages = usages_of(operations, SCHEMA)
    new = build_schema(
        """
        schema { query: Query mutation: Mutation }
        directive @trace(level: Int) on FIELD
        type Query {
          customer(id: ID!, region: String): Customer
          customers(filter: CustomerFilter, first: Int): [Customer!]!
          search(term: String!): [SearchResult!]!
          node(id: ID!): Node
        }
        type Mutation { setStatus(id: ID!, status: Status!): Customer }
        interface Node { id: ID! }
        type Customer implements Node { id: ID! name: String! email: String status: Status }
        type Product implements Node { id: ID! sku: String! }
        union SearchResult = Customer
        enum Status { ACTIVE CLOSED }
        enum Sort { NAME CREATED }
        input CustomerFilter { name: String status: Status page: Page }
        input Page { sort: Sort size: Int }
        """
    )
    found = {
        change.coordinate: affected_operations(change, usages)
        for change in diff_api_schemas(SCHEMA, new)
    }
    assert found == {
        "Status.SUSPENDED": ["ByStatus", "WithVariables"],
        "SearchResult": ["ops.graphql:5"],
    }


def test_classification_marks_unused_breaking_changes() -> None:
    old = build_schema("type Query { a: Int b: Int c: Int }")
    new = build_schema("type Query { a: Int c: String d: Int }")
    checked = classify_changes(diff_api_schemas(old, new), operations_of("query A { a c }"), old)
    assert [(c.change.coordinate, c.usage, c.operations) for c in checked] == [
        ("Query.b", Usage.UNUSED, ()),
        ("Query.c", Usage.USED, ("A",)),
        ("Query.d", Usage.UNKNOWN, ()),
    ]
    assert [c.fails_check for c in checked] == [False, True, False]

    unchecked = classify_changes(diff_api_schemas(old, new), [], old)
    assert [(c.usage, c.fails_check) for c in unchecked] == [
        (Usage.UNKNOWN, True),
        (Usage.UNKNOWN, True),
        (Usage.UNKNOWN, False),
    ]


# --- operation files ---------------------------------------------------------------------


def test_operation_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "web" / "customers").mkdir(parents=True)
    (tmp_path / "web" / "customers" / "list.graphql").write_text(
        "query List { customers { ...Row } }\n\n{ node(id: 1) { id } }\n"
    )
    (tmp_path / "web" / "fragments.gql").write_text("fragment Row on Customer { name email }\n")
    (tmp_path / "web" / "notes.txt").write_text("not graphql {")
    single = tmp_path / "one.graphql"
    single.write_text("mutation Set { setStatus(id: 1, status: ACTIVE) { id } }")

    operations = load_operation_files([tmp_path / "web", single])

    list_file = str(tmp_path / "web" / "customers" / "list.graphql")
    assert [(o.label, o.source, o.line) for o in operations] == [
        ("List", list_file, 1),
        (f"{list_file}:3", list_file, 3),
        ("Set", str(single), 1),
    ]
    assert "Customer.email" in operation_usage(operations[0], SCHEMA)


def test_operation_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("query Q {\n  customers { id\n")
    with pytest.raises(CheckInputError, match=r"broken\.graphql:3:1: Syntax Error"):
        load_operation_files([broken])

    missing_fragment = tmp_path / "spread.graphql"
    missing_fragment.write_text("query Q {\n  customers { ...Nope }\n}\n")
    with pytest.raises(CheckInputError, match=r"spread\.graphql:2:15: unknown fragment 'Nope'"):
        load_operation_files([missing_fragment])

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "only-fragments.graphql").write_text("fragment F on Customer { id }")
    with pytest.raises(CheckInputError, match="no GraphQL operations found"):
        load_operation_files([empty])

    with pytest.raises(CheckInputError, match="no such file or directory"):
        load_operation_files([tmp_path / "absent.graphql"])
