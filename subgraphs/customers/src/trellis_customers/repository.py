"""Queries of the customers database (each function runs one SQL statement)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import PageRequest, order_by_keys

from trellis_customers.models import EMAIL_UNIQUE_CONSTRAINT, CustomerRecord

__all__ = [
    "count_customers",
    "customer_for_update",
    "customer_id_by_email",
    "customers_by_id",
    "customers_page",
    "delete_customer",
    "insert_customer",
    "is_email_conflict",
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
