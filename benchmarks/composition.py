"""Composition benchmark: the commerce subgraphs and a 10-subgraph, 300-type synthetic graph.

Usage: ``.venv/bin/python benchmarks/composition.py [--rounds N] [--apollo]``. Prints the median
and p95 time of a full composition (parse, validate, merge, satisfiability, print) and the peak
memory of one composition (tracemalloc); asserts nothing. With ``--apollo`` (and
``npm ci --prefix dev/oracle`` done) also times ``@apollo/composition`` on the same input, inside
node, for a side-by-side figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
import tracemalloc
from pathlib import Path

from trellis_router.composition import SubgraphDefinition, compose, load_supergraph_config

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "dev" / "oracle"
FED = '@link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key", "@shareable"])'


def synthetic_subgraphs(
    subgraphs: int = 10, entities: int = 100, values: int = 100, enums: int = 40, inputs: int = 40
) -> list[SubgraphDefinition]:
    """A deterministic federated graph: ``entities + values + enums + inputs + interfaces``
    types over ``subgraphs`` subgraphs (300 types with the defaults: 100 entities, 100 value
    types, 40 enums, 40 input types, 20 interfaces).

    Every entity is owned by one subgraph (root field, 5 fields, a link to the next entity)
    and extended by another through its ``@key`` (3 more fields); value types, enums, inputs
    and interfaces live beside the entities that use them. Everything is reachable, so the
    graph composes.

    Returns:
        One :class:`SubgraphDefinition` per subgraph, named ``s0``, ``s1``, …
    """
    bodies: list[list[str]] = [[] for _ in range(subgraphs)]
    roots: list[list[str]] = [[] for _ in range(subgraphs)]
    interfaces = max(subgraphs * 2, 1)
    for i in range(entities):
        owner, extender = i % subgraphs, (i + 3) % subgraphs
        nxt = (i + 1) % entities
        value = i % values
        enum = i % enums
        enum_owner = enum % subgraphs
        iface = i % interfaces
        implements = f" implements Node{iface}" if iface % subgraphs == owner else ""
        fields = "\n".join(f"  f{k}: String" for k in range(5))
        bodies[owner].append(
            f'"""Entity {i}."""\ntype E{i}{implements} @key(fields: "id") {{\n  id: ID!\n'
            f"{fields}\n  next: E{nxt}\n  detail: V{value}\n}}"
        )
        if nxt % subgraphs != owner:
            bodies[owner].append(f'type E{nxt} @key(fields: "id", resolvable: false) {{ id: ID! }}')
        roots[owner].append(f"  e{i}(id: ID!): E{i}")
        roots[owner].append(f"  allE{i}(first: Int = 10, where: In{i % inputs}): [E{i}!]!")
        extra = "\n".join(f"  x{k}: Int" for k in range(3))
        status = f"  status: En{enum}" if enum_owner == extender else ""
        bodies[extender].append(
            f'type E{i} @key(fields: "id") {{\n  id: ID!\n{extra}\n{status}\n}}'
        )
    for v in range(values):
        owner = v % subgraphs
        bodies[owner].append(f"type V{v} {{ a: String b: Int c: [Float!] }}")
    for e in range(enums):
        owner = e % subgraphs
        bodies[owner].append(f"enum En{e} {{ A{e} B{e} C{e} }}")
        if not any(f"En{e}" in body for body in bodies[owner]):
            roots[owner].append(f"  enum{e}: En{e}")
    for n in range(inputs):
        for owner in range(subgraphs):
            if any(f"where: In{n})" in root for root in roots[owner]):
                bodies[owner].append(f"input In{n} {{ id: ID name: String limit: Int = 5 }}")
    for k in range(interfaces):
        owner = k % subgraphs
        bodies[owner].append(f"interface Node{k} {{ id: ID! }}")
        roots[owner].append(f"  node{k}(id: ID!): Node{k}")
    definitions = []
    for s in range(subgraphs):
        query = "type Query {\n" + "\n".join(roots[s] or ["  ping: Boolean"]) + "\n}"
        sdl = f"extend schema {FED}\n\n" + "\n\n".join([query, *bodies[s]]) + "\n"
        definitions.append(SubgraphDefinition(f"s{s}", f"http://127.0.0.1:{5100 + s}/graphql", sdl))
    return definitions


def _type_count(definitions: list[SubgraphDefinition], supergraph_sdl: str) -> int:
    from graphql import build_ast_schema, parse

    schema = build_ast_schema(parse(supergraph_sdl))
    return sum(
        1
        for name in schema.type_map
        if not name.startswith(("__", "join__", "link__"))
        and name not in ("String", "Int", "Float", "Boolean", "ID", "Query")
    )


def measure(name: str, definitions: list[SubgraphDefinition], rounds: int) -> None:
    """Print median/p95 composition time and peak memory of composing ``definitions``."""
    result = compose(definitions)
    if not result.ok or result.supergraph_sdl is None:
        print(f"{name}: does not compose: {result.errors[:3]}")
        return
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        compose(definitions)
        samples.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    compose(definitions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(
        f"{name}: {len(definitions)} subgraphs, {_type_count(definitions, result.supergraph_sdl)} "
        f"types, supergraph {len(result.supergraph_sdl) / 1024:.0f} KiB: compose median "
        f"{statistics.median(samples):.1f} ms, p95 {p95:.1f} ms ({rounds} rounds), "
        f"peak memory {peak / 2**20:.1f} MiB"
    )


def measure_apollo(name: str, definitions: list[SubgraphDefinition], rounds: int) -> None:
    """Print the median time of ``@apollo/composition`` on the same input (timed in node)."""
    if not (ORACLE / "node_modules").exists():
        print(f"{name}: Apollo not measured (run `npm ci --prefix dev/oracle`)")
        return
    request = {
        "command": "compose",
        "repeat": rounds,
        "subgraphs": [{"name": d.name, "url": d.url, "sdl": d.sdl} for d in definitions],
    }
    completed = subprocess.run(
        ["node", str(ORACLE / "oracle.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ORACLE,
        check=False,
    )
    if completed.returncode != 0:
        print(f"{name}: Apollo failed: {completed.stderr.strip()[:200]}")
        return
    answer = json.loads(completed.stdout)
    if "errors" in answer:
        print(f"{name}: Apollo refused: {answer['errors'][:2]}")
        return
    print(
        f"{name}: @apollo/composition 2.14.4 median {answer['medianMs']:.1f} ms ({rounds} rounds)"
    )


def main() -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--apollo", action="store_true", help="also time Apollo's composition")
    args = parser.parse_args()
    cases = {
        "commerce": load_supergraph_config(ROOT / "schema" / "supergraph.yaml"),
        "synthetic": synthetic_subgraphs(),
    }
    for name, definitions in cases.items():
        measure(name, definitions, args.rounds)
        if args.apollo:
            measure_apollo(name, definitions, args.rounds)


if __name__ == "__main__":
    main()
