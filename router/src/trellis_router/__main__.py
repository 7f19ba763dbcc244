"""``python -m trellis_router`` runs the ``trellis-router`` CLI."""

from __future__ import annotations

from .cli import main

main()
