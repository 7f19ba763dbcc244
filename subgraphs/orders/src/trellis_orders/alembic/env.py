"""Alembic environment of the orders database."""

from __future__ import annotations

from trellis_orders.models import Base
from trellis_subgraph import run_env

run_env(Base.metadata)
