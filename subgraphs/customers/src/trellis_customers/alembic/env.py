"""Alembic environment of the customers database."""

from __future__ import annotations

from trellis_customers.models import Base
from trellis_subgraph import run_env

run_env(Base.metadata)
