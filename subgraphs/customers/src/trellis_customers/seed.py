"""Demo data of the customers subgraph: bulk inserts, fast at 10,000 customers."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue, DemoCustomer, sync_id_sequences

from trellis_customers import repository
from trellis_customers.models import Base, CustomerRecord

__all__ = ["CHUNK_SIZE", "seed"]

CHUNK_SIZE = 5000
"""Rows per bulk ``INSERT`` execution."""


def _row(customer: DemoCustomer) -> dict[str, Any]:
    address = customer.address
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email.lower(),
        "phone": customer.phone,
        "address_line1": address.line1 if address is not None else None,
        "address_line2": None,
        "address_city": address.city if address is not None else None,
        "address_postal_code": address.postal_code if address is not None else None,
        "address_country": address.country if address is not None else None,
        "created_at": customer.created_at,
        "updated_at": customer.created_at,
    }


def _chunks(catalogue: DemoCatalogue) -> Iterator[list[dict[str, Any]]]:
    rows = map(_row, catalogue.customers)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo customers when the table is empty.

    Rows keep the catalogue's ids (so billing's and orders' customer ids line up), are inserted
    with one bulk ``INSERT`` execution (executemany) per :data:`CHUNK_SIZE` rows, and the
    PostgreSQL id sequence is moved past them.

    Args:
        session: A session inside a transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if the table already had rows.
    """
    if await repository.count_customers(session):
        return False
    # A Core executemany: the ORM bulk path would split the rows into one INSERT per run of
    # rows with the same NULL columns (phone and address come and go).
    table = Base.metadata.tables[CustomerRecord.__tablename__]
    for chunk in _chunks(catalogue):
        await session.execute(insert(table), chunk)
    await sync_id_sequences(session, CustomerRecord.__tablename__)
    return True
