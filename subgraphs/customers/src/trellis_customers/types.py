"""GraphQL types of the customers subgraph."""

from __future__ import annotations

from datetime import datetime

import strawberry
from trellis_subgraph import SubgraphInfo, as_utc, format_id, parse_id

from trellis_customers import repository
from trellis_customers.models import CustomerRecord

__all__ = [
    "Address",
    "AddressInput",
    "CreateCustomerInput",
    "Customer",
    "UpdateCustomerInput",
    "load_customer",
]


@strawberry.type(description="A postal address.")
class Address:
    """A customer's postal address."""

    line1: str = strawberry.field(description="First address line (street and number).")
    line2: str | None = strawberry.field(description="Second address line, if any.")
    city: str
    postal_code: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. GB.")

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Address | None:
        """The customer row's address, or None when it has none."""
        if (
            record.address_line1 is None
            or record.address_city is None
            or record.address_postal_code is None
            or record.address_country is None
        ):
            return None
        return cls(
            line1=record.address_line1,
            line2=record.address_line2,
            city=record.address_city,
            postal_code=record.address_postal_code,
            country=record.address_country,
        )


@strawberry.federation.type(keys=["id"], description="A customer of the shop.")
class Customer:
    """The ``Customer`` entity, owned by this subgraph.

    Spec: Apollo Federation 2, ``@key`` and ``_entities`` (``resolve_reference``).
    """

    id: strawberry.ID
    name: str = strawberry.field(description="Full name.")
    email: str = strawberry.field(description="Email address, lower-cased; unique.")
    phone: str | None = strawberry.field(description="Phone number, as entered.")
    address: Address | None = strawberry.field(description="Postal address, if known.")
    created_at: datetime = strawberry.field(description="When the customer was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the customer was last changed (UTC).")

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Customer:
        """Build the GraphQL value from a row (times as aware UTC datetimes)."""
        return cls(
            id=format_id(record.id),
            name=record.name,
            email=record.email,
            phone=record.phone,
            address=Address.from_record(record),
            created_at=as_utc(record.created_at),
            updated_at=as_utc(record.updated_at),
        )

    @classmethod
    async def resolve_reference(cls, info: SubgraphInfo, id: strawberry.ID) -> Customer | None:
        """Resolve a ``Customer`` representation through the request's DataLoader.

        Args:
            info: Resolver info (its context holds the loaders).
            id: The representation's key.

        Returns:
            The customer, or None when no customer has that id.
        """
        return await load_customer(info, id)


@strawberry.input(description="A postal address.")
class AddressInput:
    """Input of a postal address; validated by :class:`trellis_customers.inputs.AddressData`."""

    line1: str = strawberry.field(description="First address line (street and number).")
    line2: str | None = strawberry.field(
        default=strawberry.UNSET, description="Second address line; blank or omitted for none."
    )
    city: str
    postal_code: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. GB.")

    def to_data(self) -> dict[str, object]:
        """The fields as validation data (snake_case keys; omitted ``line2`` left out)."""
        data: dict[str, object] = {
            "line1": self.line1,
            "city": self.city,
            "postal_code": self.postal_code,
            "country": self.country,
        }
        if self.line2 is not strawberry.UNSET:
            data["line2"] = self.line2
        return data


@strawberry.input(description="A new customer.")
class CreateCustomerInput:
    """Input of ``createCustomer``; validated by :class:`trellis_customers.inputs.NewCustomer`."""

    name: str = strawberry.field(description="Full name, 1 to 200 characters.")
    email: str = strawberry.field(description="Email address; unique regardless of case.")
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Phone number: 5 to 32 digits, spaces and + - ( ); blank for none.",
    )
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Postal address."
    )

    def to_data(self) -> dict[str, object]:
        """The fields as validation data (snake_case keys; omitted fields left out)."""
        data: dict[str, object] = {"name": self.name, "email": self.email}
        if self.phone is not strawberry.UNSET:
            data["phone"] = self.phone
        if self.address is not strawberry.UNSET:
            data["address"] = None if self.address is None else self.address.to_data()
        return data


@strawberry.input(
    description=(
        "Changes to a customer: omitted fields stay unchanged; a null phone or address clears "
        "it; name and email may not be null."
    )
)
class UpdateCustomerInput:
    """Input of ``updateCustomer``; validated by
    :class:`trellis_customers.inputs.CustomerChanges`."""

    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New full name, 1 to 200 characters."
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="New email address; unique regardless of case."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="New phone number; null to clear it."
    )
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="New address (replaces the whole address); null to clear it.",
    )

    def to_data(self) -> dict[str, object]:
        """The given fields as validation data (snake_case keys; omitted fields left out)."""
        data: dict[str, object] = {}
        for field in ("name", "email", "phone"):
            value = getattr(self, field)
            if value is not strawberry.UNSET:
                data[field] = value
        if self.address is not strawberry.UNSET:
            data["address"] = None if self.address is None else self.address.to_data()
        return data


async def load_customer(info: SubgraphInfo, id: object) -> Customer | None:
    """Load one customer by GraphQL id, batched with every other load of the request.

    Args:
        info: Resolver info.
        id: A GraphQL ID.

    Returns:
        The customer, or None when the id is unknown or names no row.
    """
    key = parse_id(id)
    if key is None:
        return None
    record = await info.context.loader(repository.customers_by_id).load(key)
    return None if record is None else Customer.from_record(record)
