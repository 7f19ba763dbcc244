"""``python -m trellis_customers``."""

from __future__ import annotations

from trellis_subgraph import main

from trellis_customers.app import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
