"""Queries of the customers database (each function runs one SQL statement)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import PageRequest, order_by_keys

from trellis_customers.models import (
    EMAIL_UNIQUE_CONSTRAINT,
    AccountRecord,
    CustomerRecord,
    RefreshTokenRecord,
)

__all__ = [
    "account_by_username",
    "account_for_update",
    "accounts_by_id",
    "count_accounts",
    "count_customers",
    "customer_for_update",
    "customer_id_by_email",
    "customers_by_id",
    "customers_page",
    "delete_customer",
    "insert_customer",
    "insert_refresh_token",
    "is_email_conflict",
    "refresh_token_for_update",
    "revoke_account_refresh_tokens",
    "revoke_refresh_token",
    "revoke_refresh_token_family",
    "search_filter",
]


def search_filter(search: str | None) -> ColumnElement[bool]:
    """The ``WHERE`` condition of a customer search.

    Args:
        search: Text the name or the email must contain (case-insensitive; ``%`` and ``_`` are
            literal); None or blank means every customer.

    Returns:
        The condition.
    """
    term = (search or "").strip().lower()
    if not term:
        return true()
    return or_(
        func.lower(CustomerRecord.name).contains(term, autoescape=True),
        CustomerRecord.email.contains(term, autoescape=True),
    )


async def customers_page(
    session: AsyncSession, request: PageRequest, search: str | None
) -> Sequence[CustomerRecord]:
    """One page of customers matching a search, by id.

    Args:
        session: The request's session.
        request: ``first`` / ``after`` (``request.limit`` rows are fetched).
        search: See :func:`search_filter`.

    Returns:
        Up to ``request.limit`` rows with ids above ``request.after_id``.
    """
    query = select(CustomerRecord).where(search_filter(search))
    if request.after_id is not None:
        query = query.where(CustomerRecord.id > request.after_id)
    result = await session.scalars(query.order_by(CustomerRecord.id).limit(request.limit))
    return result.all()


async def count_customers(session: AsyncSession, search: str | None = None) -> int:
    """Number of customers matching a search.

    Args:
        session: A session.
        search: See :func:`search_filter`; None counts every customer.

    Returns:
        The row count.
    """
    count = await session.scalar(
        select(func.count()).select_from(CustomerRecord).where(search_filter(search))
    )
    return count or 0


async def customers_by_id(session: AsyncSession, ids: list[int]) -> list[CustomerRecord | None]:
    """Batch function: the customers with these ids, in key order (None when unknown).

    Args:
        session: The request's session.
        ids: Database ids (one DataLoader batch).

    Returns:
        One entry per id.
    """
    result = await session.scalars(select(CustomerRecord).where(CustomerRecord.id.in_(ids)))
    return order_by_keys(ids, result.all(), lambda row: row.id)


async def customer_id_by_email(session: AsyncSession, email: str) -> int | None:
    """The id of the customer with this (lower-cased) email.

    Args:
        session: A session.
        email: The email, lower-cased as stored.

    Returns:
        The id, or None when no customer has it.
    """
    return await session.scalar(select(CustomerRecord.id).where(CustomerRecord.email == email))


async def customer_for_update(session: AsyncSession, id: int) -> CustomerRecord | None:
    """Load a customer and lock its row until the transaction ends (PostgreSQL).

    Args:
        session: A session inside a write transaction.
        id: The customer id.

    Returns:
        The row, or None when unknown.
    """
    return await session.scalar(
        select(CustomerRecord).where(CustomerRecord.id == id).with_for_update()
    )


async def insert_customer(session: AsyncSession, values: Mapping[str, Any]) -> CustomerRecord:
    """Insert a customer.

    Args:
        session: A session inside a write transaction.
        values: Column values (``name``, ``email``, ...), times included.

    Returns:
        The new row, its id assigned.

    Raises:
        sqlalchemy.exc.IntegrityError: If the email is taken (see :func:`is_email_conflict`).
    """
    record = CustomerRecord(**values)
    session.add(record)
    await session.flush()
    return record


async def delete_customer(session: AsyncSession, id: int) -> bool:
    """Delete a customer.

    Args:
        session: A session inside a write transaction.
        id: The customer id.

    Returns:
        Whether a row was deleted.
    """
    result = await session.execute(delete(CustomerRecord).where(CustomerRecord.id == id))
    return cast("CursorResult[Any]", result).rowcount > 0


def is_email_conflict(error: IntegrityError) -> bool:
    """Whether an integrity error is a violation of the unique email constraint.

    Args:
        error: The error raised by an ``INSERT`` or ``UPDATE`` of ``customers``.

    Returns:
        True for a duplicate email (SQLite names the column, PostgreSQL the constraint).
    """
    message = str(error.orig)
    return EMAIL_UNIQUE_CONSTRAINT in message or "customers.email" in message


# -- accounts and refresh tokens ----------------------------------------------------------------


async def count_accounts(session: AsyncSession) -> int:
    """Number of accounts.

    Args:
        session: A session.

    Returns:
        The row count.
    """
    count = await session.scalar(select(func.count()).select_from(AccountRecord))
    return count or 0


async def account_by_username(session: AsyncSession, username: str) -> AccountRecord | None:
    """The account with this (lower-cased) username.

    Args:
        session: A session.
        username: The username, lower-cased as stored.

    Returns:
        The row, or None when no account has it.
    """
    return await session.scalar(select(AccountRecord).where(AccountRecord.username == username))


async def accounts_by_id(session: AsyncSession, ids: list[int]) -> list[AccountRecord | None]:
    """Batch function: the accounts with these ids, in key order (None when unknown).

    Args:
        session: The request's session.
        ids: Account ids (one DataLoader batch).

    Returns:
        One entry per id.
    """
    result = await session.scalars(select(AccountRecord).where(AccountRecord.id.in_(ids)))
    return order_by_keys(ids, result.all(), lambda row: row.id)


async def account_for_update(session: AsyncSession, id: int) -> AccountRecord | None:
    """Load an account and lock its row until the transaction ends (PostgreSQL).

    Args:
        session: A session inside a write transaction.
        id: The account id.

    Returns:
        The row, or None when unknown.
    """
    return await session.scalar(
        select(AccountRecord).where(AccountRecord.id == id).with_for_update()
    )


async def refresh_token_for_update(
    session: AsyncSession, token_hash: str
) -> RefreshTokenRecord | None:
    """Load a refresh token by its hash and lock its row until the transaction ends.

    Args:
        session: A session inside a write transaction.
        token_hash: SHA-256 hex of the token.

    Returns:
        The row, or None when no token has that hash.
    """
    return await session.scalar(
        select(RefreshTokenRecord)
        .where(RefreshTokenRecord.token_hash == token_hash)
        .with_for_update()
    )


async def insert_refresh_token(
    session: AsyncSession, values: Mapping[str, Any]
) -> RefreshTokenRecord:
    """Insert a refresh token.

    Args:
        session: A session inside a write transaction.
        values: Column values (``account_id``, ``family_id``, ``token_hash``, times).

    Returns:
        The new row, its id assigned.
    """
    record = RefreshTokenRecord(**values)
    session.add(record)
    await session.flush()
    return record


async def revoke_refresh_token(
    session: AsyncSession, id: int, now: datetime, replaced_by: int | None = None
) -> bool:
    """Revoke one refresh token unless it is already revoked (a conditional ``UPDATE``).

    Args:
        session: A session inside a write transaction.
        id: The token's row id.
        now: The revocation time (UTC).
        replaced_by: The id of the token that replaces it, when rotating.

    Returns:
        Whether this call revoked it (False when another request did first).
    """
    result = await session.execute(
        update(RefreshTokenRecord)
        .where(RefreshTokenRecord.id == id, RefreshTokenRecord.revoked_at.is_(None))
        .values(revoked_at=now, replaced_by=replaced_by)
    )
    return cast("CursorResult[Any]", result).rowcount > 0


async def revoke_refresh_token_family(session: AsyncSession, family_id: str, now: datetime) -> int:
    """Revoke every token of a family that is not revoked yet.

    Args:
        session: A session inside a write transaction.
        family_id: The family (one login's chain of rotations).
        now: The revocation time (UTC).

    Returns:
        How many tokens this call revoked.
    """
    result = await session.execute(
        update(RefreshTokenRecord)
        .where(RefreshTokenRecord.family_id == family_id, RefreshTokenRecord.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return cast("CursorResult[Any]", result).rowcount


async def revoke_account_refresh_tokens(
    session: AsyncSession, account_id: int, now: datetime
) -> int:
    """Revoke every refresh token of an account that is not revoked yet.

    Args:
        session: A session inside a write transaction.
        account_id: The account.
        now: The revocation time (UTC).

    Returns:
        How many tokens this call revoked.
    """
    result = await session.execute(
        update(RefreshTokenRecord)
        .where(
            RefreshTokenRecord.account_id == account_id,
            RefreshTokenRecord.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return cast("CursorResult[Any]", result).rowcount
