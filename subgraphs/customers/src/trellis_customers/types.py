"""GraphQL types of the customers subgraph."""

from __future__ import annotations

from datetime import datetime

import strawberry
from trellis_subgraph import SubgraphInfo, as_utc, format_id, parse_id

from trellis_customers import repository
from trellis_customers.models import AccountRecord, CustomerRecord

__all__ = [
    "Account",
    "Address",
    "AddressInput",
    "AuthPayload",
    "CreateCustomerInput",
    "Customer",
    "UpdateCustomerInput",
    "load_customer",
    "resolve_account_customer",
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
        The customer, or None when the id is unknown or names no row, or names another
        customer than the one a customer's request acts for (:meth:`SubgraphContext.owner`).
    """
    key = parse_id(id)
    if key is None:
        return None
    owner = info.context.owner()
    if owner is not None and owner != key:
        return None
    record = await info.context.loader(repository.customers_by_id).load(key)
    return None if record is None else Customer.from_record(record)


async def resolve_account_customer(root: Account, info: SubgraphInfo) -> Customer | None:
    """The customer of a customer's login, batched with the request's other customer loads.

    Args:
        root: The account.
        info: Resolver info.

    Returns:
        The customer, or None for a staff account.
    """
    if root.customer_id is None:
        return None
    return await load_customer(info, root.customer_id)


@strawberry.type(description="A login: a staff member's or a customer's.")
class Account:
    """An account as clients see it (never its password hash or lockout state)."""

    id: strawberry.ID
    username: str = strawberry.field(description="Username, lower-cased; unique.")
    email: str = strawberry.field(
        description="The login's email address, lower-cased; unique among accounts."
    )
    roles: list[str] = strawberry.field(
        description="Role names, sorted: admin, clerk and/or customer."
    )
    customer_id: strawberry.Private[int | None]

    customer: Customer | None = strawberry.field(
        resolver=resolve_account_customer,
        description="The customer whose login this is; null for staff accounts.",
    )

    @classmethod
    def from_record(cls, record: AccountRecord) -> Account:
        """Build the GraphQL value from a row."""
        return cls(
            id=format_id(record.id),
            username=record.username,
            email=record.email,
            roles=sorted(record.role_names),
            customer_id=record.customer_id,
        )


@strawberry.type(description="The tokens a login or a refresh hands out.")
class AuthPayload:
    """The result of ``login`` and ``refreshToken``.

    Spec: RFC 6749 §5.1 (access token response: ``access_token``, ``token_type``,
    ``expires_in``, ``refresh_token``).
    """

    access_token: str = strawberry.field(
        description="JWT access token (ES256 or RS256); send it as `Authorization: Bearer`."
    )
    token_type: str = strawberry.field(description='Always "Bearer".')
    expires_in: int = strawberry.field(description="Lifetime of the access token (seconds).")
    refresh_token: str = strawberry.field(
        description="Opaque refresh token: single use, rotated by `refreshToken`."
    )
    account: Account = strawberry.field(description="The account logged in.")
