"""Planner benchmark: cold plan time of the gateway benchmark query and the invoice query.

Usage: ``.venv/bin/python benchmarks/planner.py``. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from graphql import parse
from trellis_router.planner import plan_operation
from trellis_router.supergraph import load_supergraph

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
INVOICES = (
    "{ invoices(first: 100) { nodes { number total { amount currency } "
    "customer { name email invoices { number } orders { status } } "
    "items { quantity product { name sku price { amount } } } } } }"
)


def measure(name: str, supergraph_file: Path, query: str, rounds: int = 200) -> None:
    """Print load time of the supergraph and median/p95 cold plan time of ``query``."""
    start = time.perf_counter()
    supergraph = load_supergraph(supergraph_file.read_text())
    load_ms = (time.perf_counter() - start) * 1000
    document = parse(query)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        plan = plan_operation(supergraph, document, None)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(
        f"{name:10} supergraph load {load_ms:6.1f} ms | cold plan median "
        f"{statistics.median(samples):6.3f} ms, p95 {samples[int(len(samples) * 0.95)]:6.3f} ms"
        f" | {len(plan.fetch_nodes())} fetches"
    )


if __name__ == "__main__":
    measure("invoices", ROOT / "schema" / "supergraph.graphql", INVOICES)
    if BENCH.exists():
        measure(
            "gateway",
            BENCH / "supergraph.graphql",
            (BENCH / "query.graphql").read_text(),
        )
