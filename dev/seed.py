"""Seed every subgraph's database with the demo catalogue at benchmark sizes, and time it.

Usage::

    python dev/seed.py --data-dir var/bench --customers 10000 --products 2000 --invoices 100000
    python dev/seed.py --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432 ...

Each subgraph runs its own ``python -m trellis_<name> seed`` (migrate, then bulk-load into
empty tables) with the same sizes, so ids line up across the four databases. With
``--postgres-url`` (a server URL without a database) each subgraph seeds the database
``trellis_<name>`` on that server, which must exist. The four run at the same time; prints
one line per subgraph and the total (wall clock).
Exits 1 if any subgraph fails (for example because its tables already hold data).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

SUBGRAPHS = ("customers", "inventory", "billing", "orders")


def main() -> int:
    """Parse options, seed the subgraphs one after the other, print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="var/bench", help="directory of the SQLite files")
    parser.add_argument("--postgres-url", help="PostgreSQL server URL (databases trellis_<name>)")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [
        f"--customers={args.customers}",
        f"--products={args.products}",
        f"--invoices={args.invoices}",
    ]
    started = time.perf_counter()
    running = {}
    for name in SUBGRAPHS:
        target = (
            [f"--database-url={args.postgres_url.rstrip('/')}/trellis_{name}"]
            if args.postgres_url
            else [f"--data-dir={Path(args.data_dir)}"]
        )
        running[name] = subprocess.Popen(
            [sys.executable, "-m", f"trellis_{name}", "seed", *target, *sizes],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    failed = False
    for name, process in running.items():
        out, err = process.communicate()
        elapsed = time.perf_counter() - started
        ok = process.returncode == 0
        status = out.strip().splitlines()[-1] if ok and out.strip() else f"FAILED: {err[-400:]}"
        print(f"{name:<10} done after {elapsed:6.1f} s  {status}", flush=True)
        failed = failed or not ok
    print(f"{'total':<10} {time.perf_counter() - started:6.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
