"""``python -m trellis_orders``."""

from __future__ import annotations

from trellis_subgraph import main

from trellis_orders.app import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
