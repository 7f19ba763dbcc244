"""Validation of customer mutation inputs (pydantic), reported as ``BAD_USER_INPUT``.

Rules: strings are trimmed; ``name`` is 1 to 200 characters; ``email`` is a syntactically valid
address (no DNS check) stored lower-cased; ``phone`` is 5 to 32 characters of digits, spaces and
``+ - ( )``; an address has ``line1``, ``city``, ``postalCode`` and an ISO 3166-1 alpha-2
``country`` (2 uppercase letters). Optional strings (``phone``, ``address.line2``) that are
empty once trimmed mean "none".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, field_validator

__all__ = [
    "NAME_MAX_LENGTH",
    "NO_ADDRESS",
    "PHONE_PATTERN",
    "AddressData",
    "CustomerChanges",
    "NewCustomer",
]

NAME_MAX_LENGTH = 200
"""Longest customer name, in characters."""

PHONE_PATTERN = re.compile(r"[0-9 +()\-]{5,32}")
"""A phone number: 5 to 32 characters of digits, spaces and ``+ - ( )``."""

_COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")


def _required_text(max_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value

    return check


def _optional_text(max_length: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        value = value.strip()
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value or None

    return check


def _phone(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if not PHONE_PATTERN.fullmatch(value):
        raise ValueError("must be 5 to 32 characters of digits, spaces and + - ( )")
    return value


def _country(value: str) -> str:
    value = value.strip()
    if not _COUNTRY_PATTERN.fullmatch(value):
        raise ValueError("must be an ISO 3166-1 alpha-2 code (2 uppercase letters, e.g. GB)")
    return value


def _lower(value: str) -> str:
    return value.lower()


Name = Annotated[str, AfterValidator(_required_text(NAME_MAX_LENGTH))]
Email = Annotated[EmailStr, AfterValidator(_lower)]
Phone = Annotated[str, AfterValidator(_phone)]


class AddressData(BaseModel):
    """A validated postal address.

    Attributes:
        line1: First address line, 1 to 200 characters.
        line2: Second address line, or None.
        city: City, 1 to 100 characters.
        postal_code: Postal code, 1 to 20 characters.
        country: ISO 3166-1 alpha-2 code, e.g. ``GB``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    line1: Annotated[str, AfterValidator(_required_text(200))]
    line2: Annotated[str, AfterValidator(_optional_text(200))] | None = None
    city: Annotated[str, AfterValidator(_required_text(100))]
    postal_code: Annotated[str, AfterValidator(_required_text(20))]
    country: Annotated[str, AfterValidator(_country)]

    def columns(self) -> dict[str, str | None]:
        """The ``customers`` column values of this address.

        Returns:
            ``address_*`` column name to value.
        """
        return {
            "address_line1": self.line1,
            "address_line2": self.line2,
            "address_city": self.city,
            "address_postal_code": self.postal_code,
            "address_country": self.country,
        }


NO_ADDRESS: dict[str, str | None] = {
    "address_line1": None,
    "address_line2": None,
    "address_city": None,
    "address_postal_code": None,
    "address_country": None,
}
"""The ``customers`` column values of "no address"."""


class NewCustomer(BaseModel):
    """A validated ``CreateCustomerInput``.

    Attributes:
        name: Trimmed name, 1 to 200 characters.
        email: Lower-cased email address.
        phone: Phone number, or None.
        address: Postal address, or None.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Name
    email: Email
    phone: Phone | None = None
    address: AddressData | None = None

    def columns(self) -> dict[str, Any]:
        """The ``customers`` column values of the new customer (without id and times).

        Returns:
            Column name to value.
        """
        address = self.address.columns() if self.address is not None else NO_ADDRESS
        return {"name": self.name, "email": self.email, "phone": self.phone, **address}


class CustomerChanges(BaseModel):
    """A validated ``UpdateCustomerInput``: only the fields the client gave are set.

    ``model_fields_set`` tells which fields were given; a given ``phone`` or ``address`` of None
    clears it, while ``name`` and ``email`` may not be null.

    Attributes:
        name: New name.
        email: New email address, lower-cased.
        phone: New phone number, or None to clear it.
        address: New address (replacing the whole address), or None to clear it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: AddressData | None = None

    @field_validator("name", "email", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value

    def columns(self) -> dict[str, Any]:
        """The ``customers`` column values to change (only the given fields).

        Returns:
            Column name to new value; empty when nothing was given.
        """
        given = self.model_fields_set
        values: dict[str, Any] = {}
        for field in ("name", "email", "phone"):
            if field in given:
                values[field] = getattr(self, field)
        if "address" in given:
            values.update(self.address.columns() if self.address is not None else NO_ADDRESS)
        return values
