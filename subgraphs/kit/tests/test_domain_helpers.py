"""Domain errors, input validation and cursor pagination."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, located_error
from pydantic import BaseModel, EmailStr, Field
from trellis_subgraph import (
    BadUserInput,
    Conflict,
    Connection,
    NotFound,
    OutOfStock,
    StockShortage,
    decode_cursor,
    encode_cursor,
    page_request,
    validate_input,
)


def test_errors_carry_their_code_into_graphql_errors() -> None:
    error = located_error(NotFound("Customer", 7), None, ["customer"])
    assert isinstance(error, GraphQLError)
    assert error.formatted == {
        "message": "Customer 7 does not exist",
        "path": ["customer"],
        "extensions": {"code": "NOT_FOUND", "typename": "Customer", "id": "7"},
    }
    assert Conflict("taken").extensions == {"code": "CONFLICT"}


def test_out_of_stock_lists_every_short_item() -> None:
    error = OutOfStock([StockShortage("3", requested=2, available=0)])
    assert error.extensions == {
        "code": "OUT_OF_STOCK",
        "items": [{"productId": "3", "requested": 2, "available": 0}],
    }
    assert "product 3 (0 available, 2 requested)" in error.message


class NewCustomer(BaseModel):
    name: str = Field(min_length=1)
    email: EmailStr
    postal_code: str | None = None


def test_validate_input_reports_each_field_in_camel_case() -> None:
    with pytest.raises(BadUserInput) as raised:
        validate_input(NewCustomer, {"name": "", "email": "nope", "postal_code": 5})
    fields = {entry["field"] for entry in raised.value.extensions["fields"]}
    assert fields == {"input.name", "input.email", "input.postalCode"}
    assert raised.value.extensions["code"] == "BAD_USER_INPUT"


def test_validate_input_returns_the_model() -> None:
    model = validate_input(NewCustomer, {"name": "Ada", "email": "ada@example.com"})
    assert model.email == "ada@example.com"


def test_cursors_round_trip_and_reject_foreign_text() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    for bad in ("", "42", encode_cursor(1)[:-2], "Y3Vyc29yOng="):
        with pytest.raises(BadUserInput) as raised:
            decode_cursor(bad)
        assert raised.value.extensions["fields"][0]["field"] == "after"


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_size_is_bounded(first: int) -> None:
    with pytest.raises(BadUserInput, match="first"):
        page_request(first, None)


def test_connection_pages_and_flags() -> None:
    request = page_request(2, encode_cursor(3))
    assert (request.first, request.after_id, request.limit) == (2, 3, 3)
    page = Connection[str].build(
        request, [4, 5, 6], row_id=lambda r: r, node=lambda r: f"n{r}", total_count=6
    )
    assert page.nodes == ["n4", "n5"]
    assert page.page_info.has_next_page is True
    assert page.page_info.has_previous_page is True
    assert page.page_info.end_cursor == encode_cursor(5)
    last = Connection[str].build(
        page_request(None, None), [1], row_id=lambda r: r, node=str, total_count=1
    )
    assert last.page_info.has_next_page is False
    assert last.page_info.start_cursor == encode_cursor(1)


def test_domain_errors_are_answers_not_logged_faults(caplog: pytest.LogCaptureFixture) -> None:
    import strawberry
    from trellis_subgraph import federation_schema

    @strawberry.type
    class Query:
        @strawberry.field
        def missing(self) -> str:
            raise NotFound("Customer", 1)

        @strawberry.field
        def broken(self) -> str:
            raise RuntimeError("bug")

    schema = federation_schema(Query)
    with caplog.at_level("ERROR", logger="strawberry.execution"):
        result = schema.execute_sync("{ missing }")
    assert result.errors and result.errors[0].extensions == {
        "code": "NOT_FOUND",
        "typename": "Customer",
        "id": "1",
    }
    assert caplog.records == []
    with caplog.at_level("ERROR", logger="strawberry.execution"):
        schema.execute_sync("{ broken }")
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_merge_line_items_sums_repeated_products_in_first_listed_order() -> None:
    from trellis_subgraph import merge_line_items

    assert merge_line_items([(3, 2), (1, 1), (3, 5)], max_quantity=10) == [(3, 7), (1, 1)]
    with pytest.raises(BadUserInput) as raised:
        merge_line_items([(1, 1), (2, 600), (2, 500)], max_quantity=1000)
    assert raised.value.extensions["fields"][0]["field"] == "items.1.quantity"
