"""Regenerate ``schema/``: every subgraph's SDL, the supergraph and the API schema, from the code.

Usage: ``python dev/export_schema.py`` (or ``make schema``). ``tests/test_schema_drift.py`` fails
when the committed files differ from what this writes.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from graphql import print_schema
from trellis_router.composition import compose, load_supergraph_config
from trellis_router.supergraph import load_supergraph
from trellis_subgraph.sdl import subgraph_sdl

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SUBGRAPHS = ("customers", "inventory", "billing", "orders")


def main() -> int:
    """Write every subgraph's SDL, compose the supergraph, print its API schema.

    Returns:
        0, or 1 on composition errors (printed with their codes).
    """
    for name in SUBGRAPHS:
        module = importlib.import_module(f"trellis_{name}.schema")
        (SCHEMA / "subgraphs" / f"{name}.graphql").write_text(subgraph_sdl(module.schema))
    result = compose(load_supergraph_config(SCHEMA / "supergraph.yaml"))
    if not result.ok or result.supergraph_sdl is None:
        for error in result.errors:
            print(f"{error.code}: {error.message}", file=sys.stderr)
        return 1
    (SCHEMA / "supergraph.graphql").write_text(result.supergraph_sdl)
    api_schema = load_supergraph(result.supergraph_sdl).api_schema
    (SCHEMA / "api-schema.graphql").write_text(print_schema(api_schema) + "\n")
    print(
        f"wrote {len(SUBGRAPHS)} subgraph schemas, schema/supergraph.graphql and "
        "schema/api-schema.graphql"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
