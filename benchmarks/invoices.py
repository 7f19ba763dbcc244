"""Gateway benchmark on our own stack: the web app's nested invoice list through each gateway.

The four Trellis subgraphs (Python, SQLite at benchmark size) serve; the Trellis router and
the peer gateways of the shared gateway benchmark (Apollo Gateway, Hive Gateway with and
without inbound in-flight deduplication) take turns in front of them, A B, B A, ... The
query is the web app's ``InvoiceList`` as the app sends it (``benchmarks/invoices.graphql``)
with ``first: 100``: 100 invoices with their customer and every line's product.

Usage::

    .venv/bin/python benchmarks/invoices.py [--rounds 3] [--duration 20] [--warmup 5]
        [--connections 50]
        [--gateways trellis,hive-gateway-nodedup,trellis-dedup,hive-gateway,apollo-gateway]
        [--data-dir var/bench-invoices] [--customers 10000 --products 2000 --invoices 100000]
        [--pin]

It seeds ``--data-dir`` once (``dev/seed.py``) when its databases are missing, starts the
subgraphs standalone on free ports (no config server, no registry), writes the supergraph
with their routing URLs, takes Trellis's answer as the reference (every gateway's answer
must equal it, values and field order, before and after its load), and prints one line per
run and a markdown summary; ``results.json``, ``summary.md``, the supergraph and every log go
to ``bench-results/invoices-<date-time>/``. Peer gateways come from the shared benchmark
(``TRELLIS_BENCH_DIR``, default ``/work/shared/bench``; packages in ``TRELLIS_BENCH_HOME``,
default ``~/.cache/trellis-bench``); missing ones are skipped with a note. Asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

__all__ = [
    "GATEWAYS",
    "SubgraphRequestCounter",
    "build_request",
    "gateway_command",
    "main",
    "rewrite_routing_urls",
]

ROOT = Path(__file__).resolve().parent.parent
QUERY_FILE = Path(__file__).resolve().parent / "invoices.graphql"
SUBGRAPHS = ("customers", "inventory", "billing", "orders")
GATEWAYS = ("trellis", "hive-gateway-nodedup", "trellis-dedup", "hive-gateway", "apollo-gateway")
"""The gateways this benchmark knows, in default order (the first is the default baseline)."""
ACCEPT = "application/graphql-response+json, application/json"
"""The ``Accept`` header the web app's urql client sends."""
HOST = "127.0.0.1"


def build_request(query_file: Path = QUERY_FILE, first: int = 100) -> bytes:
    """The POST body the web app sends for the invoice list (compact JSON, the app's key order).

    Args:
        query_file: The operation; its leading ``#`` comment lines are dropped.
        first: Invoices per page.

    Returns:
        ``{"query": ..., "operationName": "InvoiceList", "variables": {...}}`` as UTF-8 bytes.
    """
    return json.dumps(
        {
            "query": _query_text(query_file),
            "operationName": "InvoiceList",
            "variables": {"first": first, "after": None, "status": None},
        },
        separators=(",", ":"),
    ).encode()


def _query_text(query_file: Path) -> str:
    lines = query_file.read_text().splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip()


def rewrite_routing_urls(supergraph_sdl: str, urls: Mapping[str, str]) -> str:
    """Replace the ``url:`` of each ``@join__graph(name: ..., url: ...)``.

    Args:
        supergraph_sdl: The supergraph.
        urls: Routing URL by subgraph name.

    Returns:
        The supergraph with those URLs.

    Raises:
        SystemExit: When a subgraph has no ``@join__graph`` in the supergraph.
    """
    for name, url in urls.items():
        pattern = re.compile(r'(@join__graph\(name: "' + re.escape(name) + r'", url: ")[^"]*(")')
        replacement = r"\g<1>" + url.replace("\\", r"\\") + r"\g<2>"
        supergraph_sdl, count = pattern.subn(replacement, supergraph_sdl)
        if count != 1:
            raise SystemExit(f"the supergraph has {count} @join__graph for {name!r}")
    return supergraph_sdl


def gateway_command(
    name: str, supergraph: Path, port: int, bench_dir: Path, bench_home: Path
) -> harness.GatewayCommand:
    """How to start one of :data:`GATEWAYS` serving ``supergraph`` on ``port``.

    Args:
        name: One of :data:`GATEWAYS`.
        supergraph: The supergraph file.
        port: The port to listen on (127.0.0.1).
        bench_dir: The shared gateway benchmark (its ``gateways/`` launchers).
        bench_home: Where its packages are installed.

    Returns:
        The command.

    Raises:
        SystemExit: For an unknown name.
    """
    env = _clean_env()
    url = f"http://{HOST}:{port}/graphql"
    if name in ("trellis", "trellis-dedup"):
        # The committed supergraph carries the subgraphs' @requiresScopes / @policy, which
        # Apollo Gateway and Hive Gateway do not enforce: the comparison runs Trellis without
        # them too (anonymous requests, as the peers get). With a token, verification is one
        # cached dictionary lookup per request (auth/jwt.py).
        env["TRELLIS_ROUTER_AUTHORIZATION__DIRECTIVES_ENABLED"] = "false"
        if name == "trellis-dedup":
            env["TRELLIS_ROUTER_TRAFFIC_SHAPING__INBOUND_DEDUPLICATION"] = "true"
        argv = [
            str(ROOT / ".venv" / "bin" / "trellis-router"),
            "serve",
            "--supergraph",
            str(supergraph),
            "--listen",
            f"{HOST}:{port}",
        ]
        return harness.GatewayCommand(name, tuple(argv), url, env, ROOT)
    env.update({"NODE_ENV": "production", "TRELLIS_BENCH_HOME": str(bench_home)})
    options = ["--supergraph", str(supergraph), "--port", str(port), "--host", HOST]
    if name == "apollo-gateway":
        argv = ["node", str(bench_dir / "gateways" / "apollo-gateway.mjs"), *options]
    elif name in ("hive-gateway", "hive-gateway-nodedup"):
        env["HIVE_INBOUND_DEDUP"] = "0" if name == "hive-gateway-nodedup" else "1"
        argv = [str(bench_dir / "gateways" / "hive-gateway.sh"), *options]
    else:
        raise SystemExit(f"unknown gateway {name!r}: use {', '.join(GATEWAYS)}")
    return harness.GatewayCommand(name, tuple(argv), url, env, bench_dir)


def _clean_env() -> dict[str, str]:
    """The environment without Trellis settings (no config server, no registry from env)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each runs every gateway")
    parser.add_argument("--duration", type=float, default=20, help="measured load per run (s)")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up load per run (s)")
    parser.add_argument("--warmup-requests", type=int, default=20, help="sequential requests")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    parser.add_argument(
        "--gateways", default=",".join(GATEWAYS), help="comma-separated, run in this order"
    )
    parser.add_argument("--baseline", help="gateway the ratios are against (default: first)")
    parser.add_argument("--data-dir", type=Path, default=Path("var/bench-invoices"))
    parser.add_argument("--customers", type=int, default=10_000, help="seed size")
    parser.add_argument("--products", type=int, default=2_000, help="seed size")
    parser.add_argument("--invoices", type=int, default=100_000, help="seed size")
    parser.add_argument("--first", type=int, default=100, help="invoices per query")
    parser.add_argument("--pin", action="store_true", help="gateway on CPU 1, the rest on CPU 0")
    parser.add_argument("--out", type=Path, help="results folder (default bench-results/...)")
    args = parser.parse_args(argv)
    args.gateways = [name.strip() for name in args.gateways.split(",") if name.strip()]
    unknown = [name for name in args.gateways if name not in GATEWAYS]
    if unknown or not args.gateways:
        parser.error(f"unknown gateways {unknown}: use {', '.join(GATEWAYS)}")
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds and --duration must be positive")
    return args


def _available_gateways(names: list[str], bench_dir: Path, bench_home: Path) -> list[str]:
    peers = bench_home / "gateways" / "node_modules"
    if peers.is_dir() and (bench_dir / "gateways").is_dir():
        return names
    skipped = [name for name in names if name != "trellis"]
    if skipped:
        print(
            f"note: peer gateways not installed ({peers} or {bench_dir}/gateways missing; "
            f"run {bench_dir}/install.sh): skipping {', '.join(skipped)}"
        )
    return [name for name in names if name == "trellis"]


def _seed(data_dir: Path, args: argparse.Namespace) -> None:
    present = [name for name in SUBGRAPHS if (data_dir / f"{name}.db").exists()]
    if len(present) == len(SUBGRAPHS):
        print(f"databases: {data_dir} (already seeded; delete it to reseed)")
        return
    if present:
        raise SystemExit(f"{data_dir} holds only {present}: delete it and run again to reseed")
    print(
        f"seeding {data_dir}: {args.customers} customers, {args.products} products, "
        f"{args.invoices} invoices ...",
        flush=True,
    )
    command = [
        sys.executable,
        str(ROOT / "dev" / "seed.py"),
        f"--data-dir={data_dir}",
        f"--customers={args.customers}",
        f"--products={args.products}",
        f"--invoices={args.invoices}",
    ]
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
        raise SystemExit("seeding failed (see above)")


def _start_subgraphs(
    processes: harness.Supervisor, data_dir: Path, out_dir: Path, cpus: str | None
) -> dict[str, tuple[harness.ProcessGroup, int]]:
    env = _clean_env()
    env["TRELLIS_SEED_DEMO_DATA"] = "false"
    started: dict[str, tuple[harness.ProcessGroup, int]] = {}
    for name in SUBGRAPHS:
        port = harness.free_port()
        argv = [
            sys.executable,
            "-m",
            f"trellis_{name}",
            "--host",
            HOST,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--registry-url",
            "",
        ]
        group = processes.start(
            name, argv, log_path=out_dir / f"subgraph-{name}.log", env=env, cwd=ROOT, cpus=cpus
        )
        started[name] = (group, port)
    deadline = time.monotonic() + 120
    for name, (group, port) in started.items():
        while not _healthy(port):
            if not group.alive() or time.monotonic() > deadline:
                raise SystemExit(f"subgraph {name} did not start:\n{group.log_tail()}")
            time.sleep(0.2)
    return started


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as response:
            return int(response.status) == 200
    except OSError:
        return False


class SubgraphRequestCounter:
    """Counts the requests the subgraphs served, from their uvicorn access log lines.

    The Trellis subgraphs log one ``"POST /graphql HTTP/1.1" 200`` line per request; the
    counter reads only what was appended since its last call.
    """

    def __init__(self, logs: Sequence[Path]) -> None:
        """Count in these log files (they may not exist yet)."""
        self._offsets = {path: 0 for path in logs}
        self._count = 0

    def __call__(self) -> int:
        """Requests served so far (a running total over every log)."""
        for path, offset in self._offsets.items():
            try:
                with path.open("rb") as log:
                    log.seek(offset)
                    chunk = log.read()
            except OSError:
                continue
            end = chunk.rfind(b"\n") + 1  # a partly written last line waits for the next call
            self._count += chunk[:end].count(b'"POST /graphql ')
            self._offsets[path] = offset + end
        return self._count


def _reference(
    processes: harness.Supervisor,
    commands: Mapping[str, harness.GatewayCommand],
    body: bytes,
    out_dir: Path,
    first: int,
) -> tuple[str, Any]:
    """The reference answer: Trellis's, else the first gateway that answers without errors."""
    for name, command in commands.items():
        group = processes.start(
            f"{name}-reference",
            command.argv,
            log_path=out_dir / f"gateway-{name}-reference.log",
            env=command.env,
            cwd=command.cwd,
        )
        try:
            harness.wait_until_answers(command.url, body, group, accept=ACCEPT)
            status, raw = harness.post(command.url, body, accept=ACCEPT)
        except (harness.BenchmarkError, OSError) as error:
            print(f"reference: {name} failed: {error}")
            continue
        finally:
            processes.stop(group)
        why = _reference_problem(status, raw, first)
        if why is None:
            (out_dir / "reference-answer.json").write_bytes(raw)
            return name, json.loads(raw)
        print(f"reference: {name} answered wrongly: {why}")
        (out_dir / f"answer-{name}.json").write_bytes(raw)
    raise SystemExit("no gateway answered the query correctly")


def _reference_problem(status: int, raw: bytes, first: int) -> str | None:
    if status != 200:
        return f"HTTP {status}: {raw[:500].decode(errors='replace')}"
    try:
        answer = json.loads(raw)
        nodes = answer["data"]["invoices"]["nodes"]
    except (ValueError, KeyError, TypeError):
        return f"unexpected answer: {raw[:500].decode(errors='replace')}"
    if "errors" in answer:
        return "errors: " + json.dumps(answer["errors"])[:500]
    if len(nodes) != first:
        return f"{len(nodes)} invoices, not {first}"
    return None


def _query_note(body: bytes) -> str:
    """Whether the query is the web build's persisted query (same SHA-256 id)."""
    query = json.loads(body)["query"]
    digest = hashlib.sha256(query.encode()).hexdigest()
    manifest = ROOT / "web" / "dist" / "persisted-query-manifest.json"
    try:
        operations = json.loads(manifest.read_text())["operations"]
    except (OSError, ValueError, KeyError):
        return f"query sha256 {digest[:16]} (no web build to compare with)"
    ids = {op.get("name"): op.get("id") for op in operations}
    same = "matches" if ids.get("InvoiceList") == digest else "DIFFERS FROM"
    return f"query sha256 {digest[:16]} {same} the web build's InvoiceList persisted query"


def _write(
    out_dir: Path,
    settings: dict[str, Any],
    records: Sequence[harness.RunRecord],
    summary: str | None = None,
) -> None:
    results = {"settings": settings, "runs": [record.as_json() for record in records]}
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if summary is not None:
        (out_dir / "summary.md").write_text(summary)


def _run(args: argparse.Namespace, processes: harness.Supervisor) -> int:
    bench_dir = Path(os.environ.get("TRELLIS_BENCH_DIR") or "/work/shared/bench")
    bench_home = Path(
        os.environ.get("TRELLIS_BENCH_HOME") or Path.home() / ".cache" / "trellis-bench"
    )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = (args.out or ROOT / "bench-results" / f"invoices-{stamp}").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dir = (ROOT / args.data_dir).resolve()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    names = _available_gateways(args.gateways, bench_dir, bench_home)
    if not names:
        raise SystemExit("no gateway to run")
    baseline = args.baseline or names[0]
    gateway_cpus, load_cpus = ("1", "0") if args.pin else (None, None)
    if args.pin:
        if (os.cpu_count() or 1) < 2:
            raise SystemExit("--pin needs 2 CPUs")
        os.sched_setaffinity(0, {0})  # the harness's own sampling stays off the gateway's CPU
    _seed(data_dir, args)
    body = build_request(first=args.first)
    print(_query_note(body))
    subgraphs = _start_subgraphs(processes, data_dir, out_dir, load_cpus)
    urls = {name: f"http://{HOST}:{port}/graphql" for name, (_, port) in subgraphs.items()}
    supergraph = out_dir / "supergraph.graphql"
    supergraph.write_text(
        rewrite_routing_urls((ROOT / "schema" / "supergraph.graphql").read_text(), urls)
    )
    print("subgraphs: " + ", ".join(f"{name} {url}" for name, url in urls.items()))

    def command(name: str) -> harness.GatewayCommand:
        return gateway_command(name, supergraph, harness.free_port(), bench_dir, bench_home)

    reference_order = ["trellis", *(name for name in names if name != "trellis")]
    reference_from, reference = _reference(
        processes, {name: command(name) for name in reference_order}, body, out_dir, args.first
    )
    print(f"reference answer: {reference_from} ({out_dir / 'reference-answer.json'})")
    check = harness.expect_json(reference)
    plan = harness.LoadPlan(
        body=body,
        accept=ACCEPT,
        connections=args.connections,
        duration_seconds=args.duration,
        warmup_seconds=args.warmup,
        warmup_requests=args.warmup_requests,
        gateway_cpus=gateway_cpus,
        load_cpus=load_cpus,
    )
    settings = {
        **{
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
        },
        "baseline": baseline,
        "reference_from": reference_from,
        "subgraph_urls": urls,
        "gateway_cpus": gateway_cpus,
        "load_cpus": load_cpus,
        "accept": ACCEPT,
    }
    order = harness.abba_order(names, args.rounds)
    print(
        f"{len(order)} runs: {' '.join(f'{name}#{r}' for name, r in order)}; "
        f"{args.connections} connections, {args.warmup_requests} requests + {args.warmup:g} s "
        f"warm-up, {args.duration:g} s load"
        + (
            f"; gateway on CPU {gateway_cpus}, subgraphs and wrk on CPU {load_cpus}"
            if args.pin
            else ""
        )
    )
    print(harness.header_line(), flush=True)
    sg_groups = [group for group, _ in subgraphs.values()]
    counter = SubgraphRequestCounter([group.log_path for group in sg_groups])
    records: list[harness.RunRecord] = []
    for name, round_number in order:
        record = harness.run_gateway(
            processes,
            command(name),
            plan,
            round_number=round_number,
            out_dir=out_dir,
            check=check,
            subgraphs=sg_groups,
            count_subgraph_requests=counter,
        )
        records.append(record)
        print(harness.result_line(record), flush=True)
        _write(out_dir, settings, records)
    table = harness.markdown_table(harness.summarize(records, names, baseline), baseline)
    summary = (
        f"# Invoice list through each gateway ({stamp})\n\n"
        f"{args.rounds} rounds (abba), {args.duration:g} s load after {args.warmup:g} s warm-up, "
        f"{args.connections} connections; query InvoiceList first: {args.first}; "
        + ("pinned: gateway CPU 1, subgraphs + wrk CPU 0" if args.pin else "unpinned")
        + f"; reference answer from {reference_from}.\n\n"
        + table
        + "\n\nCells: median (min-max) over the ok runs. Ratios: of the medians against "
        f"{baseline}, and (in brackets) the range of the per-round ratios. RPS higher is "
        "faster; gw CPU ms/req lower is cheaper. subgraph CPU ms/req: the four Python "
        "subgraphs' CPU per client request over the same window (1000 / it near the RPS "
        "means the subgraphs are the limit). RSS: summed VmHWM of the gateway's processes.\n"
    )
    print("\n" + summary)
    _write(out_dir, settings, records, summary)
    print(f"results in {out_dir}/")
    return 0 if all(record.ok for record in records) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        0 when every run passed its checks, 1 otherwise.
    """
    args = _parse(argv)
    with harness.Supervisor() as processes:

        def on_signal(signum: int, frame: FrameType | None) -> None:
            print(f"\nsignal {signum}: stopping what was started", flush=True)
            processes.stop_all()
            raise SystemExit(130)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        return _run(args, processes)


if __name__ == "__main__":
    sys.exit(main())
