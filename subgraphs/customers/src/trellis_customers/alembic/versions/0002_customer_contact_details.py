"""Add phone, address and updated_at to customers.

Existing rows keep their ``created_at`` and get ``updated_at`` = now; phone and address start
empty (NULL). On SQLite the id becomes ``AUTOINCREMENT``, so the id of a deleted customer is never
given to another one (PostgreSQL's sequence already never reuses ids).

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite cannot ADD COLUMN ... NOT NULL DEFAULT CURRENT_TIMESTAMP, so updated_at is added
    # nullable, filled, then made NOT NULL (a table rebuild on SQLite, which also makes the id
    # AUTOINCREMENT; plain ALTERs on PostgreSQL).
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("address_line1", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("address_line2", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("address_city", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("address_postal_code", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("address_country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE customers SET updated_at = CURRENT_TIMESTAMP"))
    with op.batch_alter_table(
        "customers", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.alter_column(
            "updated_at",
            existing_type=sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "customers", recreate="auto", table_kwargs={"sqlite_autoincrement": False}
    ) as batch:
        batch.drop_column("updated_at")
        batch.drop_column("address_country")
        batch.drop_column("address_postal_code")
        batch.drop_column("address_city")
        batch.drop_column("address_line2")
        batch.drop_column("address_line1")
        batch.drop_column("phone")
