"""Planner benchmark: supergraph load, cold planning and the plan-cache hit, per query.

Usage: ``.venv/bin/python benchmarks/planner.py [--rounds N] [--hits N]``. Prints one table per
query; asserts nothing. Queries:

- ``gateway``: the gateway benchmark's heavy query (``/work/shared/bench/query.graphql`` over
  ``/work/shared/bench/supergraph.graphql``), skipped when that folder is absent;
- ``invoices``: the web app's ``InvoiceList`` operation (``benchmarks/invoices.graphql``, its
  leading ``#`` comment lines dropped, sent with ``operationName`` and the variables the page
  sends) over ``schema/supergraph.graphql``; :data:`INVOICES` when that file is absent.

Rows (median and p95 over the rounds):

1. supergraph load (``load_supergraph`` of the SDL text);
2. parse + validate with graphql-core against the API schema;
3. ``plan_operation`` cold: the planner's process-wide memo (``parse_braced``, the field-set
   parse ``lru_cache``) and the graphql-core schemas' lazily filled sub-type maps are cleared
   before every round, so no round is warmed by the previous one;
4. ``plan_operation`` with those supergraph-level memos warm (a plan-cache miss in a router
   that has already planned other operations of the same supergraph);
5. ``prepare_operation`` alone (compiling the plan and the client operation for execution);
6. the plan-cache miss a request pays: every stage :func:`run_pipeline` runs before execution
   (persisted query resolution, parse under limits, validation, operation selection, limits,
   variables coercion, override labels, authorization, then ``lookup_prepared_operation``
   planning and ``prepare_operation`` compiling), on a fresh :class:`RouterState` each round
   with the parse ``lru_cache`` s and the planner memos cleared;
7. the plan-cache hit: ``lookup_prepared_operation`` alone on a warm state (cache key and LRU
   lookup), in µs;
8. the plan-cache hit as a request pays it: the same stages as row 6 on a warm state, in µs.

The request stages are those of ``trellis_router.pipeline.request.run_pipeline`` up to
execution, with the policy ``trellis-router serve`` builds from default settings.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import parse, validate
from trellis_router.auth import Identity
from trellis_router.configuration import RouterSettings
from trellis_router.configuration.authorization import AuthorizationSettings, PolicyRule
from trellis_router.executor import PreparedOperation, prepare_operation
from trellis_router.pipeline import GraphQLRequest, prepare_request
from trellis_router.pipeline import limits as limits_stage
from trellis_router.pipeline import parse as parse_stage
from trellis_router.pipeline.operation import select_operation
from trellis_router.pipeline.plan import lookup_prepared_operation
from trellis_router.pipeline.policy import RequestPolicy
from trellis_router.planner import plan_operation
from trellis_router.state import RouterState
from trellis_router.supergraph import Supergraph, load_supergraph
from trellis_router.supergraph.field_set import parse_braced

__all__ = [
    "BENCH",
    "INVOICES",
    "INVOICES_FILE",
    "ROOT",
    "Scenario",
    "Summary",
    "clear_planner_memos",
    "clear_request_memos",
    "main",
    "measure",
    "prepare",
    "scenarios",
]

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
INVOICES_FILE = ROOT / "benchmarks" / "invoices.graphql"
INVOICES = (
    "{ invoices(first: 100) { nodes { number total { amount currency } "
    "customer { name email invoices { number } orders { status } } "
    "items { quantity product { name sku price { amount } } } } } }"
)
"""The invoice query used when ``benchmarks/invoices.graphql`` is absent."""

PLAN_TARGET_MS = 20.0
HIT_TARGET_US = 50.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """One query to measure.

    Attributes:
        name: short label printed in the table title.
        supergraph_file: the supergraph SDL file.
        query: the client document text.
        operation_name: the request's ``operationName`` (None when the client sends none).
        variables: the request's ``variables`` (JSON values; None when absent).
        source: where the query text came from (printed).
    """

    name: str
    supergraph_file: Path
    query: str
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    """Median and 95th percentile of a list of samples, in the samples' unit.

    Attributes:
        median: the median.
        p95: the 95th percentile (nearest rank).
        count: the number of samples.
    """

    median: float
    p95: float
    count: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        """Summarize ``samples`` (at least one)."""
        ordered = sorted(samples)
        rank = max(0, math.ceil(0.95 * len(ordered)) - 1)
        return cls(statistics.median(ordered), ordered[rank], len(ordered))


def _query_text(path: Path) -> str:
    lines = path.read_text().splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip()


def scenarios() -> list[Scenario]:
    """The queries to measure: the heavy gateway query (when present), then the invoice list.

    Returns:
        The scenarios, heavy query first; the gateway one is left out when
        ``/work/shared/bench`` is absent.
    """
    found: list[Scenario] = []
    if (BENCH / "query.graphql").exists():
        found.append(
            Scenario(
                name="gateway (heavy query)",
                supergraph_file=BENCH / "supergraph.graphql",
                query=(BENCH / "query.graphql").read_text(),
                source=str(BENCH / "query.graphql"),
            )
        )
    supergraph_file = ROOT / "schema" / "supergraph.graphql"
    if INVOICES_FILE.exists():
        found.append(
            Scenario(
                name="invoices (web InvoiceList)",
                supergraph_file=supergraph_file,
                query=_query_text(INVOICES_FILE),
                operation_name="InvoiceList",
                variables={"first": 100, "after": None, "status": None},
                source=str(INVOICES_FILE.relative_to(ROOT)),
            )
        )
    else:
        found.append(
            Scenario(
                name="invoices",
                supergraph_file=supergraph_file,
                query=INVOICES,
                source="benchmarks/planner.py INVOICES",
            )
        )
    return found


def clear_planner_memos(supergraph: Supergraph) -> None:
    """Forget what planning memoises across operations, so the next plan starts cold.

    Clears the process-wide field-set parse cache (``parse_braced``: ``@key``/``@requires``
    strings such as ``"__typename id"``) and the sub-type maps graphql-core fills lazily on
    the supergraph schema and the API schema (``GraphQLSchema.is_sub_type``).

    Args:
        supergraph: the supergraph whose schemas are reset.
    """
    parse_braced.cache_clear()
    supergraph.schema._sub_type_map.clear()
    supergraph.api_schema._sub_type_map.clear()


def clear_request_memos() -> None:
    """Forget the per-query-text parse caches (``lru_cache`` of both parse stages)."""
    parse_stage._parse.cache_clear()
    limits_stage._parse.cache_clear()


STAFF = Identity.from_claims(
    {
        "sub": "1",
        "roles": ["admin"],
        "scope": "customers:read customers:write customers:delete billing:read billing:write "
        "inventory:read inventory:write orders:read orders:write",
    }
)
"""The caller of the timed requests: the demo admin's claims, so the commerce graph's
``@requiresScopes`` / ``@policy`` keep every field (an anonymous caller would plan nothing)."""


def serving_policy() -> RequestPolicy:
    """The request policy as ``make up`` serves: authorization on, with the "staff" and
    "owner" policies of ``config/defaults/router.yml``."""
    return RequestPolicy.from_settings(
        RouterSettings(
            authorization=AuthorizationSettings(
                policies={
                    "staff": PolicyRule(claims={"roles": ["admin", "clerk"]}),
                    "owner": PolicyRule(
                        claims={"roles": "customer"}, claims_present=["customer_id"]
                    ),
                }
            )
        )
    )


def prepare(
    state: RouterState, request: GraphQLRequest, policy: RequestPolicy
) -> tuple[PreparedOperation, bool]:
    """Every stage ``run_pipeline`` runs before execution, with a policy as served
    (:func:`trellis_router.pipeline.prepare_request`), for :data:`STAFF`.

    Returns:
        ``(prepared operation, plan cache hit)``.

    Raises:
        RuntimeError: If authorization removed a field (the timings would be of less work).
    """
    ready = prepare_request(state, request, policy=policy, identity=STAFF)
    if ready.errors:
        raise RuntimeError(f"authorization removed fields: {ready.errors}")
    return ready.prepared, ready.plan_cache_hit


def _time_ms(rounds: int, before: Callable[[], object], run: Callable[[], object]) -> Summary:
    """Call ``before`` (untimed) then ``run`` (timed) ``rounds`` times; milliseconds."""
    samples = []
    gc.collect()
    for _ in range(rounds):
        before()
        start = time.perf_counter_ns()
        run()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return Summary.of(samples)


def _time_us(calls: int, run: Callable[[], object]) -> Summary:
    """Time ``calls`` calls of ``run`` one by one; microseconds (timer overhead included)."""
    samples = []
    gc.collect()
    clock = time.perf_counter_ns
    for _ in range(calls):
        start = clock()
        run()
        samples.append((clock() - start) / 1e3)
    return Summary.of(samples)


def _row(label: str, summary: Summary, unit: str, target: str = "") -> str:
    digits = 1 if unit == "µs" else 3
    line = f"  {label:52} {summary.median:9.{digits}f} {unit} {summary.p95:9.{digits}f} {unit}"
    return f"{line}  {target}" if target else line


def measure(scenario: Scenario, rounds: int = 200, hits: int = 20_000) -> None:
    """Print the benchmark table of one query.

    Args:
        scenario: the query, its supergraph and request shape.
        rounds: cold rounds per row (loads: ``max(5, rounds // 20)``).
        hits: calls timed for each plan-cache hit row.

    Raises:
        RuntimeError: a plan-cache miss row hit the cache or a hit row missed it (the
            benchmark would measure the wrong path).
    """
    sdl = scenario.supergraph_file.read_text()
    loads: list[Supergraph] = []
    load = _time_ms(max(5, rounds // 20), lambda: None, lambda: loads.append(load_supergraph(sdl)))
    supergraph = loads[-1]
    del loads[:-1]
    name = scenario.operation_name
    document = parse(scenario.query)
    operation = select_operation(document, name)

    parse_validate = _time_ms(
        rounds, lambda: None, lambda: validate(supergraph.api_schema, parse(scenario.query))
    )
    cold = _time_ms(
        rounds,
        lambda: clear_planner_memos(supergraph),
        lambda: plan_operation(supergraph, document, name),
    )
    warm = _time_ms(rounds, lambda: None, lambda: plan_operation(supergraph, document, name))
    plan = plan_operation(supergraph, document, name)
    compile_ = _time_ms(
        rounds, lambda: None, lambda: prepare_operation(supergraph, document, operation, plan)
    )

    policy = serving_policy()
    request = GraphQLRequest(scenario.query, name, scenario.variables)
    states: list[RouterState] = []

    def fresh_state() -> None:
        clear_request_memos()
        clear_planner_memos(supergraph)
        states[:] = [RouterState.build(supergraph)]

    def miss() -> None:
        if prepare(states[0], request, policy)[1]:
            raise RuntimeError("the plan-cache miss row hit the cache")

    missed = _time_ms(rounds, fresh_state, miss)

    state = RouterState.build(supergraph)
    prepare(state, request, policy)
    if not prepare(state, request, policy)[1]:
        raise RuntimeError("the plan-cache hit row missed the cache")
    query = scenario.query

    def lookup() -> None:
        lookup_prepared_operation(state, query, document, operation, name)

    lookup_hit = _time_us(hits, lookup)
    request_hit = _time_us(hits, lambda: prepare(state, request, policy))

    print(
        f"{scenario.name}: {scenario.source} over {scenario.supergraph_file} "
        f"({len(plan.fetch_nodes())} fetches; {rounds} cold rounds, {hits} hits)"
    )
    print(f"  {'':52} {'median':>12} {'p95':>12}")
    print(_row("supergraph load", load, "ms"))
    print(_row("parse + validate (graphql-core)", parse_validate, "ms"))
    plan_target = f"target <= {PLAN_TARGET_MS:g} ms"
    print(_row("plan_operation, cold (planner memos cleared)", cold, "ms", plan_target))
    print(_row("plan_operation, field-set memo warm", warm, "ms"))
    print(_row("prepare_operation (compile plan + client operation)", compile_, "ms"))
    print(_row("plan-cache miss: request stages + plan + prepare", missed, "ms"))
    hit_target = f"target <= {HIT_TARGET_US:g} µs"
    print(_row("plan-cache hit: lookup_prepared_operation", lookup_hit, "µs", hit_target))
    print(_row("plan-cache hit: request stages before execution", request_hit, "µs", hit_target))
    print()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark over every scenario.

    Args:
        argv: command-line arguments (``sys.argv[1:]`` when None).

    Returns:
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200, help="cold rounds per row")
    parser.add_argument("--hits", type=int, default=20_000, help="calls per plan-cache hit row")
    args = parser.parse_args(argv)
    for scenario in scenarios():
        measure(scenario, max(1, args.rounds), max(1, args.hits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
