"""``python -m trellis_registry``: the same as the ``trellis-registry`` script."""

from __future__ import annotations

from trellis_registry.cli import main

main()
