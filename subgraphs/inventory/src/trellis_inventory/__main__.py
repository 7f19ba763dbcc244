"""``python -m trellis_inventory``."""

from __future__ import annotations

from trellis_subgraph import main

from trellis_inventory.app import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
