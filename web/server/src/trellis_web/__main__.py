"""``python -m trellis_web serve``: the same as the ``trellis-web`` console script."""

from __future__ import annotations

from trellis_web.cli import main

if __name__ == "__main__":
    main()
