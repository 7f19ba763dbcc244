"""``python -m trellis_billing``."""

from __future__ import annotations

from trellis_subgraph import main

from trellis_billing.app import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
