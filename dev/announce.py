"""Wait until the router serves the whole supergraph, then print where everything is.

A `make up` process. Usage: ``python dev/announce.py ROUTER_URL``. The router is ready as soon
as it has a supergraph, which may lack a subgraph that has not published yet; this waits until
the first query (which touches all four subgraphs) answers without errors. Stays alive
afterwards so that honcho keeps the other processes running; exits with 1 after 120 seconds.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request

FIRST_QUERY = (
    "{ invoices(first: 5) { nodes { number status total { amount currency } balanceDue { amount } "
    "customer { name email orders { number status } } "
    "items { quantity product { name sku stock } } } } }"
)


def _answers_first_query(router: str) -> bool:
    request = urllib.request.Request(
        f"{router}/graphql",
        data=json.dumps({"query": FIRST_QUERY}).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return not body.get("errors") and bool(body.get("data"))


def main(router: str) -> int:
    """Send the first query every 0.5 s; print the URLs once it answers without errors."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if _answers_first_query(router):
            break
        time.sleep(0.5)
    else:
        print("the router did not answer the first query within 120 s", flush=True)
        return 1
    print(
        f"""
Trellis is up.
  Web app:           http://127.0.0.1:3000/ (playground at /playground)
  GraphQL (router):  {router}/graphql (GraphiQL for browsers)
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
