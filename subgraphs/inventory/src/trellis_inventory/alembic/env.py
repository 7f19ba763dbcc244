"""Alembic environment of the inventory database."""

from __future__ import annotations

from trellis_inventory.models import Base
from trellis_subgraph import run_env

run_env(Base.metadata)
