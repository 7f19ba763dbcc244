#!/usr/bin/env bash
# The standard federation benchmark (graphql-gateways-benchmark workload): Trellis's router
# beside Apollo Gateway and Hive Gateway, run alternately by ../shared/bench/run-bench.sh
# (see its README: install with ../shared/bench/install.sh first).
#
#   benchmarks/gateways.sh [--rounds N] [--dedup] [--workers] [extra run-bench.sh options]
#
#   default    trellis, apollo-gateway, hive-gateway-nodedup: every request planned,
#              executed and serialised (inbound deduplication off everywhere)
#   --dedup    trellis-dedup (traffic_shaping.inbound_deduplication on) and hive-gateway
#              (its inbound deduplication on, as in the published benchmark)
#   --workers  trellis against trellis-2w (serve --workers 2), unpinned: multi-core scaling
#
# Prints the run-bench.sh table (RPS, latency percentiles, gateway CPU, RSS, subgraph requests,
# ratios of medians with per-round ranges); results under ./bench-results/. Asserts nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
project="$(dirname "$here")"
bench="${TRELLIS_BENCH_DIR:-$(dirname "$project")/shared/bench}"
rounds=3 mode=plain
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds|-r) rounds="$2"; shift 2 ;;
    --dedup) mode=dedup; shift ;;
    --workers) mode=workers; shift ;;
    *) extra+=("$1"); shift ;;
  esac
done
[[ -x "$bench/run-bench.sh" ]] || { echo "gateways.sh: $bench/run-bench.sh not found (TRELLIS_BENCH_DIR)" >&2; exit 1; }
router='cd {project} && exec .venv/bin/trellis-router serve --supergraph {supergraph} --listen {host}:{port}'
export TRELLIS_PROJECT="$project"
case "$mode" in
  plain)
    exec "$bench/run-bench.sh" --pin --order abba -r "$rounds" "${extra[@]}" \
      trellis apollo-gateway hive-gateway-nodedup ;;
  dedup)
    exec "$bench/run-bench.sh" --pin --order abba -r "$rounds" "${extra[@]}" \
      "trellis-dedup=export TRELLIS_ROUTER_TRAFFIC_SHAPING__INBOUND_DEDUPLICATION=true; $router" hive-gateway ;;
  workers)
    exec "$bench/run-bench.sh" --order abba -r "$rounds" "${extra[@]}" \
      trellis "trellis-2w=$router --workers 2" ;;
esac
