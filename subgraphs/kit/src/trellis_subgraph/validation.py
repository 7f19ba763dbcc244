"""Input validation with pydantic, reported as ``BAD_USER_INPUT`` with one entry per field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from trellis_subgraph.errors import BadUserInput, FieldError

__all__ = ["validate_input"]

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
