"""Input validation with pydantic, reported as ``BAD_USER_INPUT`` with one entry per field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from trellis_subgraph.errors import BadUserInput, FieldError

__all__ = ["merge_line_items", "validate_input"]

M = TypeVar("M", bound=BaseModel)


def validate_input(model: type[M], data: Mapping[str, Any], argument: str = "input") -> M:
    """Validate GraphQL arguments with a pydantic model.

    Example:
        >>> class NewCustomer(BaseModel):
        ...     name: str = Field(min_length=1)
        ...     email: EmailStr
        >>> validate_input(NewCustomer, {"name": "", "email": "x"})
        Traceback (most recent call last):
        BadUserInput: Invalid input: input.name: ..., input.email: ...

    Args:
        model: The pydantic model.
        data: The argument values (snake_case keys, as Strawberry passes them).
        argument: The GraphQL argument the data came from, the first segment of each field path;
            empty for top-level arguments.

    Returns:
        The validated model.

    Raises:
        BadUserInput: With ``extensions.fields`` = ``[{field, message}]``, paths dotted from the
            argument (``input.email``, ``items.0.quantity``), in camelCase as the client wrote
            them.
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        fields = [
            FieldError(_path(argument, entry["loc"]), _message(entry)) for entry in error.errors()
        ]
        summary = "; ".join(f"{f.field}: {f.message}" for f in fields)
        raise BadUserInput(f"Invalid input: {summary}", fields) from error


def _path(argument: str, loc: tuple[int | str, ...]) -> str:
    parts = [argument] if argument else []
    parts.extend(_camel(part) if isinstance(part, str) else str(part) for part in loc)
    return ".".join(parts) or argument


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _message(entry: Any) -> str:
    message = str(entry["msg"])
    return message.removeprefix("Value error, ")


def merge_line_items(
    items: Iterable[tuple[int, int]], max_quantity: int, argument: str = "items"
) -> list[tuple[int, int]]:
    """Merge the lines of an item list that name the same product, summing their quantities.

    Used by every mutation taking ``[{productId, quantity}]`` (reserveStock, createInvoice,
    placeOrder), so a product listed twice is treated as one line everywhere.

    Args:
        items: ``(product id, quantity)`` per line, each already validated.
        max_quantity: Most units of one product the sum may reach.
        argument: The list argument, the first segment of the error's field path.

    Returns:
        ``(product id, total quantity)`` per product, in first-listed order.

    Raises:
        BadUserInput: On ``{argument}.{i}.quantity`` (``i`` the product's first line) when a
            product's total exceeds ``max_quantity``.
    """
    merged: dict[int, int] = {}
    first_index: dict[int, int] = {}
    for index, (product_id, quantity) in enumerate(items):
        first_index.setdefault(product_id, index)
        merged[product_id] = merged.get(product_id, 0) + quantity
    for product_id, quantity in merged.items():
        if quantity > max_quantity:
            raise BadUserInput.field(
                f"{argument}.{first_index[product_id]}.quantity",
                f"product {product_id} is asked for {quantity} units in all; "
                f"at most {max_quantity}",
            )
    return list(merged.items())
