"""Wait until the router is ready, then print where everything is (a `make up` process).

Usage: ``python dev/announce.py ROUTER_URL``. Stays alive afterwards so that honcho keeps the
other processes running; exits with 1 if the router is not ready within 120 seconds.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request

FIRST_QUERY = (
    "{ invoices(first: 5) { nodes { number status total { amount currency } balanceDue { amount } "
    "customer { name email orders { number status } } "
    "items { quantity product { name sku stock } } } } }"
)


def main(router: str) -> int:
    """Poll ``ROUTER/ready`` every 0.5 s; print the URLs once it answers 200."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{router}/ready", timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    else:
        print("the router did not become ready within 120 s", flush=True)
        return 1
    print(
        f"""
Trellis is up.
  GraphQL (router):  {router}/graphql
  Registry:          http://127.0.0.1:8761/v1/services
  Subgraphs:         http://127.0.0.1:4001/graphql (customers), :4002 (inventory),
                     :4003 (billing), :4004 (orders)
First query:
  curl -s {router}/graphql -H 'content-type: application/json' \\
    -d '{{"query": "{FIRST_QUERY}"}}'
Ctrl-C stops everything.""",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4000"))
