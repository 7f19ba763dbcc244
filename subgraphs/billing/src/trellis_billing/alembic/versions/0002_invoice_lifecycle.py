"""Invoice lifecycle: status, payments, number counter, order notification outbox.

Existing invoices become OPEN; the counter starts at the highest existing invoice number.

Columns are added with plain ``ALTER TABLE ... ADD COLUMN`` and the idempotency key's
uniqueness is a unique index, so SQLite never rebuilds ``invoices`` (a rebuild drops the table,
and with foreign keys on that would cascade to ``invoice_items``).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02 00:00:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NUMBER = re.compile(r"INV-(\d+)")


def upgrade() -> None:
    op.add_column(
        "invoices",
        sa.Column("status", sa.String(length=8), nullable=False, server_default="OPEN"),
    )
    op.add_column("invoices", sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invoices", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invoices", sa.Column("idempotency_key", sa.String(length=200), nullable=True))
    op.add_column("invoices", sa.Column("order_id", sa.Integer(), nullable=True))
    op.create_index(
        "uq_invoices_idempotency_key", "invoices", ["idempotency_key"], unique=True
    )
    op.create_index("ix_invoices_status", "invoices", ["status", "id"])

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey("invoices.id", ondelete="CASCADE", name="fk_payments_invoice"),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_payments_amount_positive"),
    )
    op.create_index("ix_payments_invoice_id", "payments", ["invoice_id"])

    counter = op.create_table(
        "invoice_number_counter",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.CheckConstraint("last >= 0", name="ck_invoice_number_counter_last_non_negative"),
    )
    numbers = op.get_bind().execute(sa.text("SELECT number FROM invoices")).scalars()
    last = max(
        (int(match.group(1)) for n in numbers if (match := _NUMBER.fullmatch(n))), default=0
    )
    op.bulk_insert(counter, [{"id": 1, "last": last}])

    op.create_table(
        "order_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey(
                "invoices.id", ondelete="CASCADE", name="fk_order_notifications_invoice"
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_order_notifications_pending", "order_notifications", ["delivered_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_order_notifications_pending", table_name="order_notifications")
    op.drop_table("order_notifications")
    op.drop_table("invoice_number_counter")
    op.drop_index("ix_payments_invoice_id", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_invoices_status", table_name="invoices")
    op.drop_index("uq_invoices_idempotency_key", table_name="invoices")
    for column in ("order_id", "idempotency_key", "voided_at", "paid_at", "status"):
        op.drop_column("invoices", column)  # SQLite 3.35+: no table rebuild
