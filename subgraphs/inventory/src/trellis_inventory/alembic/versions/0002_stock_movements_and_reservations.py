"""Product descriptions and timestamps, stock movements and stock reservations.

Adds ``products.description``, ``created_at`` and ``updated_at`` (existing rows get the time of
the upgrade) and the check ``reserved >= 0 AND stock >= reserved``; creates
``stock_movements``, ``stock_reservations`` and ``stock_reservation_items``.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02 00:00:00
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
    # SQLite cannot add a CHECK constraint in place: batch mode rebuilds the table there
    # (copying the rows; the new columns take their server defaults) and uses ALTER elsewhere.
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("description", sa.String(length=2000), nullable=True))
        batch.add_column(
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )
        batch.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )
        batch.create_check_constraint(
            "ck_products_reserved_within_stock", "reserved >= 0 AND stock >= reserved"
        )
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE", name="fk_stock_movements_product"),
            nullable=False,
        ),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("stock_after", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("delta <> 0", name="ck_stock_movements_delta_non_zero"),
    )
    op.create_index("ix_stock_movements_product_id_id", "stock_movements", ["product_id", "id"])
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reference", name="uq_stock_reservations_reference"),
        sa.CheckConstraint(
            "status IN ('HELD', 'RELEASED', 'COMMITTED')", name="ck_stock_reservations_status"
        ),
    )
    op.create_table(
        "stock_reservation_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reservation_id",
            sa.Integer(),
            sa.ForeignKey(
                "stock_reservations.id",
                ondelete="CASCADE",
                name="fk_stock_reservation_items_reservation",
            ),
            nullable=False,
        ),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey(
                "products.id", ondelete="CASCADE", name="fk_stock_reservation_items_product"
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "reservation_id", "product_id", name="uq_stock_reservation_items_product"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_stock_reservation_items_quantity_positive"),
    )
    op.create_index(
        "ix_stock_reservation_items_product_id", "stock_reservation_items", ["product_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_stock_reservation_items_product_id", table_name="stock_reservation_items")
    op.drop_table("stock_reservation_items")
    op.drop_table("stock_reservations")
    op.drop_index("ix_stock_movements_product_id_id", table_name="stock_movements")
    op.drop_table("stock_movements")
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint("ck_products_reserved_within_stock", type_="check")
        batch.drop_column("updated_at")
        batch.drop_column("created_at")
        batch.drop_column("description")
