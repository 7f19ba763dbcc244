"""Demo data of the customers subgraph: customers (bulk inserts, fast at 10,000) and the demo
accounts (:data:`DEMO_ACCOUNTS`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from trellis_subgraph import DemoCatalogue, DemoCustomer, sync_id_sequences

from trellis_customers import repository
from trellis_customers.models import AccountRecord, Base, CustomerRecord
from trellis_customers.passwords import hash_password

__all__ = ["CHUNK_SIZE", "DEMO_ACCOUNTS", "DemoAccount", "seed", "seed_accounts"]

CHUNK_SIZE = 5000
"""Rows per bulk ``INSERT`` execution."""


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """One demo login.

    Attributes:
        username: The username.
        password: Its documented demo password (public: for demos and tests only).
        email: Its email.
        roles: Its role names.
        customer_id: The demo customer it belongs to, for a customer's login.
    """

    username: str
    password: str
    email: str
    roles: tuple[str, ...]
    customer_id: int | None = None


DEMO_ACCOUNTS = (
    DemoAccount("admin", "trellis-admin-demo", "admin@trellis.example", ("admin",)),
    DemoAccount("clerk", "trellis-clerk-demo", "clerk@trellis.example", ("clerk",)),
    DemoAccount(
        "ada", "trellis-ada-demo", "ada.lovelace.1@example.com", ("customer",), customer_id=1
    ),
    DemoAccount(
        "grace", "trellis-grace-demo", "grace.knuth.2@example.com", ("customer",), customer_id=2
    ),
)
"""The demo accounts seeded into an empty ``accounts`` table, with their documented passwords.

==========  ====================  ========  ===========================================
username    password              roles     customer
==========  ====================  ========  ===========================================
admin       trellis-admin-demo    admin     none
clerk       trellis-clerk-demo    clerk     none
ada         trellis-ada-demo      customer  1, Ada Lovelace (first demo customer)
grace       trellis-grace-demo    customer  2, Grace Knuth (second demo customer)
==========  ====================  ========  ===========================================

The passwords are public: never seed demo data into a production database
(``TRELLIS_SEED_DEMO_DATA=false``). A customer's login is only seeded when its customer exists.
"""


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


@cache
def _demo_hash(password: str) -> str:
    # Once per process: every seed of a test run (one per test database) reuses it.
    return hash_password(password)


async def seed_accounts(session: AsyncSession) -> bool:
    """Insert :data:`DEMO_ACCOUNTS` when the ``accounts`` table is empty.

    Each password is hashed with argon2id (~50 ms each, once per process). Customers' logins
    whose customer does not exist are left out.

    Args:
        session: A session inside a transaction.

    Returns:
        True if accounts were inserted, False if the table already had rows.
    """
    if await repository.count_accounts(session):
        return False
    wanted = [a.customer_id for a in DEMO_ACCOUNTS if a.customer_id is not None]
    existing = {row.id for row in await repository.customers_by_id(session, wanted) if row}
    now = datetime.now(UTC)
    for account in DEMO_ACCOUNTS:
        if account.customer_id is not None and account.customer_id not in existing:
            continue
        session.add(
            AccountRecord(
                username=account.username,
                email=account.email,
                password_hash=_demo_hash(account.password),
                roles=" ".join(sorted(account.roles)),
                customer_id=account.customer_id,
                failed_logins=0,
                created_at=now,
                updated_at=now,
            )
        )
    await session.flush()
    return True


async def seed(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    """Insert the demo customers when the table is empty, then the demo accounts when there
    are none (see :func:`seed_accounts`).

    Rows keep the catalogue's ids (so billing's and orders' customer ids line up), are inserted
    with one bulk ``INSERT`` execution (executemany) per :data:`CHUNK_SIZE` rows, and the
    PostgreSQL id sequence is moved past them.

    Args:
        session: A session inside a transaction.
        catalogue: The demo catalogue.

    Returns:
        True if rows were inserted, False if both tables already had rows.
    """
    inserted = await _seed_customers(session, catalogue)
    return await seed_accounts(session) or inserted


async def _seed_customers(session: AsyncSession, catalogue: DemoCatalogue) -> bool:
    if await repository.count_customers(session):
        return False
    # A Core executemany: the ORM bulk path would split the rows into one INSERT per run of
    # rows with the same NULL columns (phone and address come and go).
    table = Base.metadata.tables[CustomerRecord.__tablename__]
    for chunk in _chunks(catalogue):
        await session.execute(insert(table), chunk)
    await sync_id_sequences(session, CustomerRecord.__tablename__)
    return True
