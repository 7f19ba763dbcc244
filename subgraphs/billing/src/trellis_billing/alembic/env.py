"""Alembic environment of the billing database."""

from __future__ import annotations

from trellis_billing.models import Base
from trellis_subgraph import run_env

run_env(Base.metadata)
