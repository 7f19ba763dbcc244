"""The customers subgraph schema: customers, their mutations, and accounts (login, tokens)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from sqlalchemy.exc import IntegrityError
from trellis_subgraph import (
    STAFF_OR_OWNER,
    BadUserInput,
    Conflict,
    Connection,
    NotFound,
    SubgraphInfo,
    federation_schema,
    format_id,
    page_request,
    parse_id,
    scope,
    validate_input,
)

from trellis_customers import authentication, dependents, repository
from trellis_customers.authentication import IssuedTokens, Unauthenticated
from trellis_customers.inputs import CustomerChanges, NewCustomer
from trellis_customers.models import CustomerRecord
from trellis_customers.settings import CustomersSettings
from trellis_customers.tokens import AccessClaims, key_ring
from trellis_customers.types import (
    Account,
    AuthPayload,
    CreateCustomerInput,
    Customer,
    UpdateCustomerInput,
    load_customer,
)

__all__ = ["Mutation", "Query", "schema"]


def _customer_key(id: strawberry.ID, argument: str = "id") -> int:
    key = parse_id(id)
    if key is None:
        raise BadUserInput.field(argument, "is not a customer id")
    return key


def _email_taken(email: str) -> Conflict:
    return Conflict(f"A customer with email {email} already exists", {"email": email})


def _count(amount: int, noun: str) -> str:
    return f"{amount} {noun}" if amount == 1 else f"{amount} {noun}s"


async def resolve_customers(
    info: SubgraphInfo,
    first: Annotated[int | None, strawberry.argument(description="Page size, 1 to 100.")] = 20,
    after: Annotated[
        str | None, strawberry.argument(description="Cursor of the last customer already seen.")
    ] = strawberry.UNSET,
    search: Annotated[
        str | None,
        strawberry.argument(
            description="Only customers whose name or email contains this (case-insensitive)."
        ),
    ] = strawberry.UNSET,
) -> Connection[Customer]:
    """A page of customers, by id, optionally filtered by a case-insensitive search.

    Spec: GraphQL Cursor Connections Specification (``first`` / ``after``).

    Args:
        info: Resolver info.
        first: Page size (1 to 100; null means 20).
        after: Cursor of the last customer already seen; omitted for the first page.
        search: Text the name or email must contain (case-insensitive); blank matches all.

    Returns:
        The page, with ``totalCount`` of the customers matching ``search``.

    Raises:
        BadUserInput: If ``first`` is outside 1..100 or ``after`` is not a cursor.
    """
    request = page_request(first, after if isinstance(after, str) else None)
    term = search if isinstance(search, str) else None
    async with info.context.use_session() as session:
        total = await repository.count_customers(session, term)
        records = await repository.customers_page(session, request, term)
    return Connection[Customer].build(
        request,
        records,
        row_id=lambda record: record.id,
        node=Customer.from_record,
        total_count=total,
    )


async def resolve_customer(info: SubgraphInfo, id: strawberry.ID) -> Customer | None:
    """One customer by id, batched with the request's other customer loads.

    Args:
        info: Resolver info.
        id: The customer's id.

    Returns:
        The customer, or None when unknown.

    Raises:
        BadUserInput: If ``id`` is not a customer id.
    """
    return await load_customer(info, _customer_key(id))


def _settings(info: SubgraphInfo) -> CustomersSettings:
    settings = info.context.services.settings
    if not isinstance(settings, CustomersSettings):
        raise TypeError("the customers subgraph runs with CustomersSettings")
    return settings


def _caller(info: SubgraphInfo) -> AccessClaims | None:
    request = info.context.request
    header = request.headers.get("authorization") if request is not None else None
    token = authentication.bearer_token(header)
    if token is None:
        return None
    settings = _settings(info)
    return key_ring(settings).verify(token, settings)


def _payload(issued: IssuedTokens) -> AuthPayload:
    return AuthPayload(
        access_token=issued.access_token,
        token_type="Bearer",
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        account=Account.from_record(issued.account),
    )


async def resolve_me(info: SubgraphInfo) -> Account | None:
    """The account of the ``Authorization: Bearer`` access token.

    Args:
        info: Resolver info (the request's headers).

    Returns:
        The account, or None without a valid access token (or when its account is gone).
    """
    caller = _caller(info)
    if caller is None:
        return None
    record = await info.context.loader(repository.accounts_by_id).load(caller.account_id)
    return None if record is None else Account.from_record(record)


@strawberry.type
class Query:
    """Root fields of the customers subgraph."""

    customers: Connection[Customer] = strawberry.federation.field(
        resolver=resolve_customers,
        requires_scopes=scope("customers:read"),
        description="Customers by id, a page at a time; search matches name or email.",
    )
    customer: Customer | None = strawberry.federation.field(
        resolver=resolve_customer,
        policy=STAFF_OR_OWNER,
        description="One customer, or null when unknown.",
    )
    me: Account | None = strawberry.federation.field(
        resolver=resolve_me,
        authenticated=True,
        description="The account of the `Authorization: Bearer` access token; null without a "
        "valid one.",
    )


async def create_customer(info: SubgraphInfo, input: CreateCustomerInput) -> Customer:
    """Create a customer.

    Args:
        info: Resolver info.
        input: The new customer.

    Returns:
        The created customer.

    Raises:
        BadUserInput: If a field is invalid (``extensions.fields``, e.g. ``input.email``).
        Conflict: If another customer has the email (compared lower-cased), including one
            created concurrently (the unique constraint catches that race).
    """
    new = validate_input(NewCustomer, input.to_data())
    now = datetime.now(UTC)
    try:
        async with info.context.write() as session:
            if await repository.customer_id_by_email(session, new.email) is not None:
                raise _email_taken(new.email)
            record = await repository.insert_customer(
                session, {**new.columns(), "created_at": now, "updated_at": now}
            )
    except IntegrityError as error:
        if repository.is_email_conflict(error):
            raise _email_taken(new.email) from error
        raise
    return Customer.from_record(record)


def _apply(record: CustomerRecord, values: dict[str, object]) -> bool:
    changed = False
    for column, value in values.items():
        if getattr(record, column) != value:
            setattr(record, column, value)
            changed = True
    return changed


async def update_customer(
    info: SubgraphInfo, id: strawberry.ID, input: UpdateCustomerInput
) -> Customer:
    """Change a customer's fields; omitted fields stay unchanged.

    ``updatedAt`` moves only when a value actually changes.

    Args:
        info: Resolver info.
        id: The customer's id.
        input: The changes.

    Returns:
        The customer after the change.

    Raises:
        BadUserInput: If ``id`` does not parse or a field is invalid (a null name or email
            included).
        NotFound: If no customer has the id.
        Conflict: If another customer has the new email.
    """
    key = _customer_key(id)
    changes = validate_input(CustomerChanges, input.to_data())
    values = changes.columns()
    email = changes.email if "email" in changes.model_fields_set else None
    try:
        async with info.context.write() as session:
            record = await repository.customer_for_update(session, key)
            if record is None:
                raise NotFound("Customer", id)
            if email is not None and email != record.email:
                owner = await repository.customer_id_by_email(session, email)
                if owner is not None and owner != key:
                    raise _email_taken(email)
            if _apply(record, values):
                record.updated_at = datetime.now(UTC)
                await session.flush()
    except IntegrityError as error:
        if email is not None and repository.is_email_conflict(error):
            raise _email_taken(email) from error
        raise
    return Customer.from_record(record)


async def delete_customer(info: SubgraphInfo, id: strawberry.ID) -> strawberry.ID:
    """Delete a customer who has no invoices and no orders.

    Billing and orders are asked first (outside any transaction); if either cannot be asked the
    customer is kept.

    Args:
        info: Resolver info.
        id: The customer's id.

    Returns:
        The deleted customer's id.

    Raises:
        BadUserInput: If ``id`` does not parse.
        NotFound: If no customer has the id.
        Conflict: If billing or orders hold anything for the customer (``extensions.invoices``
            and ``extensions.orders`` are the counts).
        UpstreamUnavailable: If billing or orders cannot be asked (names the peer).
        PeerError: If a peer answered with an error (its code is kept).
    """
    key = _customer_key(id)
    if await info.context.loader(repository.customers_by_id).load(key) is None:
        raise NotFound("Customer", id)
    held = await dependents.count(info.context, format_id(key))
    if held.any:
        raise Conflict(
            f"Customer {key} has {_count(held.invoices, 'invoice')} and "
            f"{_count(held.orders, 'order')}; a customer with invoices or orders cannot be "
            "deleted",
            {"id": format_id(key), "invoices": held.invoices, "orders": held.orders},
        )
    async with info.context.write() as session:
        deleted = await repository.delete_customer(session, key)
    if not deleted:
        raise NotFound("Customer", id)
    return format_id(key)


async def login(info: SubgraphInfo, username: str, password: str) -> AuthPayload:
    """Log in with a username and password.

    Args:
        info: Resolver info.
        username: The username (case-insensitive).
        password: The password.

    Returns:
        An access token, a refresh token (a new rotation family) and the account.

    Raises:
        Unauthenticated: "Invalid username or password." for an unknown username, a wrong
            password and a locked account alike.
    """
    settings = _settings(info)
    issued = await authentication.login(
        info.context.services.database, settings, key_ring(settings), username, password
    )
    return _payload(issued)


async def refresh_token(info: SubgraphInfo, refresh_token: str) -> AuthPayload:
    """Trade a refresh token for a new access token and a new refresh token.

    Spec: RFC 9700 §4.14.2 (rotation; a reused token revokes its family).

    Args:
        info: Resolver info.
        refresh_token: The refresh token the client holds (single use).

    Returns:
        The new tokens and the account.

    Raises:
        Unauthenticated: "Invalid refresh token." when it is unknown, expired, revoked or
            reused.
    """
    settings = _settings(info)
    issued = await authentication.refresh(
        info.context.services.database, settings, key_ring(settings), refresh_token
    )
    return _payload(issued)


async def logout(info: SubgraphInfo, refresh_token: str) -> bool:
    """Revoke a refresh token's whole family.

    Args:
        info: Resolver info.
        refresh_token: A refresh token of the login to end.

    Returns:
        True when the token was known (its family is revoked), False otherwise.
    """
    return await authentication.logout(info.context.services.database, refresh_token)


async def change_password(info: SubgraphInfo, current_password: str, new_password: str) -> bool:
    """Change the caller's password (the ``Authorization: Bearer`` access token names it).

    Args:
        info: Resolver info.
        current_password: The password now in use.
        new_password: The new password (at least 12 characters, not the username or email,
            not a common password).

    Returns:
        True; every refresh token of the account is revoked.

    Raises:
        Unauthenticated: Without a valid access token.
        BadUserInput: ``newPassword`` breaks the policy, or ``currentPassword`` is wrong.
    """
    caller = _caller(info)
    if caller is None:
        raise Unauthenticated("Authentication required.")
    await authentication.change_password(
        info.context.services.database,
        _settings(info),
        caller,
        current_password,
        new_password,
    )
    return True


@strawberry.type
class Mutation:
    """Mutations of the customers subgraph."""

    create_customer: Customer = strawberry.federation.field(
        requires_scopes=scope("customers:write"),
        resolver=create_customer,
        description="Create a customer; CONFLICT when the email is taken (regardless of case).",
    )
    update_customer: Customer = strawberry.federation.field(
        requires_scopes=scope("customers:write"),
        resolver=update_customer,
        description="Change a customer; omitted fields stay unchanged, a null phone or "
        "address clears it.",
    )
    delete_customer: strawberry.ID = strawberry.federation.field(
        requires_scopes=scope("customers:delete"),
        resolver=delete_customer,
        description="Delete a customer and return its id; CONFLICT while billing or orders "
        "hold invoices or orders for the customer.",
    )
    login: AuthPayload = strawberry.field(
        resolver=login,
        description='Log in; UNAUTHENTICATED ("Invalid username or password.") otherwise.',
    )
    refresh_token: AuthPayload = strawberry.field(
        resolver=refresh_token,
        description="Rotate a refresh token: the old one is revoked, reusing it revokes the "
        "whole login.",
    )
    logout: bool = strawberry.field(
        resolver=logout,
        description="Revoke the login a refresh token belongs to; false for an unknown token.",
    )
    change_password: bool = strawberry.federation.field(
        authenticated=True,
        resolver=change_password,
        description="Change the caller's password (Authorization: Bearer); revokes every "
        "refresh token of the account.",
    )


schema = federation_schema(Query, mutation=Mutation)
"""The Strawberry federation schema of the customers subgraph."""
