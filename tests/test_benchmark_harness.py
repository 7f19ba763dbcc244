"""The gateway benchmark harness (``benchmarks/harness.py``) and the invoice benchmark's pieces.

Real parts throughout: wrk's output parser on a captured real wrk run, the summary and ratio
maths on run records, process groups of real processes, and short real runs of the harness
(wrk, /proc sampling, answer checks) against a tiny HTTP GraphQL server on a free port.
The runs skip when ``wrk`` is not installed. Nothing here asserts a speed.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

_spec = importlib.util.spec_from_file_location(
    "trellis_bench_invoices", ROOT / "benchmarks" / "invoices.py"
)
assert _spec is not None and _spec.loader is not None
invoices = importlib.util.module_from_spec(_spec)
sys.modules["trellis_bench_invoices"] = invoices
_spec.loader.exec_module(invoices)
harness = invoices.harness

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

# A real wrk run (2 threads, 4 connections, 1 s) of benchmarks/wrk-post.lua against the tiny
# server below started with ERRORS_FROM=5: from its 5th request on, every other answer has
# "errors" (and so another length).
CAPTURED_WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:18765/graphql
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   358.34us  518.50us  11.46ms   98.13%
    Req/Sec     6.34k   379.29     6.63k    86.36%
  13887 requests in 1.10s, 2.40MB read
Requests/sec:  12623.68
Transfer/sec:      2.19MB
WRK_SUMMARY {"duration_us":1100075,"requests":13887,"bytes":2520587,"socket_errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},"checked":{"responses":13887,"bad_status":0,"graphql_errors":6941,"length_changes":7013,"bad_responses":10450},"latency_us":{"min":80,"mean":358.3,"max":11460,"p50":290,"p90":433,"p95":515,"p99":2253}}
"""

# What wrk prints when nothing listens (exit status 1, and done() never runs).
CAPTURED_WRK_REFUSED = "unable to connect to 127.0.0.1:1 Connection refused\n"

TINY_SERVER = textwrap.dedent(
    """
    import json, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    ERRORS_FROM = int(sys.argv[2])
    served = 0

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self):
            global served
            request = json.loads(self.rfile.read(int(self.headers["content-length"])))
            served += 1
            answer = {"data": {"echo": request["query"], "list": [1, 2, 3]}}
            if ERRORS_FROM and served >= ERRORS_FROM and served % 2:
                answer = {"errors": [{"message": "boom"}], "data": None}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
    """
)


# ---------------------------------------------------------------------------------------------
# wrk output


def test_parse_wrk_output_reads_the_captured_summary():
    result = harness.parse_wrk_output(CAPTURED_WRK_OUTPUT)
    assert result.requests == 13887
    assert result.duration_seconds == 1.1
    assert result.rps == pytest.approx(13887 / 1.100075, abs=0.1)
    assert result.latency_ms == {
        "min": 0.08,
        "mean": 0.36,
        "max": 11.46,
        "p50": 0.29,
        "p90": 0.43,
        "p95": 0.52,
        "p99": 2.25,
    }
    assert result.bytes_read == 2520587
    assert result.graphql_errors == 6941
    assert result.length_changes == 7013
    assert result.bad_status == 0
    # Each bad response once, not the sum of the checks it failed.
    assert result.errors == 10450


def test_parse_wrk_output_counts_socket_errors_but_not_wrks_status_count_twice():
    line = json.loads(CAPTURED_WRK_OUTPUT.splitlines()[-1].removeprefix("WRK_SUMMARY "))
    line["socket_errors"] = {"connect": 1, "read": 2, "write": 0, "status": 7, "timeout": 3}
    line["checked"].update(bad_status=7, graphql_errors=0, length_changes=0, bad_responses=7)
    result = harness.parse_wrk_output("WRK_SUMMARY " + json.dumps(line))
    assert result.errors == 1 + 2 + 3 + 7


@pytest.mark.parametrize(
    "text",
    [
        CAPTURED_WRK_REFUSED,
        CAPTURED_WRK_OUTPUT.replace("WRK_SUMMARY ", "SUMMARY "),
        "WRK_SUMMARY {not json",
        'WRK_SUMMARY {"duration_us": 1}',
    ],
)
def test_parse_wrk_output_without_a_good_summary_raises(text):
    with pytest.raises(harness.WrkOutputError):
        harness.parse_wrk_output(text)


# ---------------------------------------------------------------------------------------------
# summary maths


def record(
    gateway: str, round_number: int, rps: float, cpu_ms: float = 1.0, ok: bool = True, **more: Any
) -> Any:
    return harness.RunRecord(
        gateway=gateway,
        round=round_number,
        ok=ok,
        rps=rps,
        p50_ms=1000 / rps,
        p95_ms=2000 / rps,
        p99_ms=3000 / rps,
        gateway_cpu_ms_per_request=cpu_ms,
        errors=0 if ok else 5,
        **more,
    )


def test_spread_is_median_min_and_max():
    assert harness.spread([3.0, 1.0, 2.0, 10.0]) == harness.Spread(2.5, 1.0, 10.0)
    assert harness.spread([7.0]) == harness.Spread(7.0, 7.0, 7.0)
    assert harness.spread([]) is None


def test_ratio_is_of_medians_with_the_range_of_per_round_ratios():
    base = [record("a", 1, 100), record("a", 2, 200), record("a", 3, 150)]
    mine = [record("b", 1, 300), record("b", 2, 100), record("b", 3, 300)]
    found = harness.ratio(mine, base, "rps")
    assert found is not None
    assert found.of_medians == pytest.approx(300 / 150)
    # Per round: 300/100, 100/200, 300/150.
    assert (found.low, found.high, found.rounds) == (0.5, 3.0, 3)


def test_ratio_pairs_only_rounds_both_have():
    base = [record("a", 1, 100), record("a", 3, 50)]
    mine = [record("b", 1, 200), record("b", 2, 1000)]
    found = harness.ratio(mine, base, "rps")
    assert found is not None
    assert found.of_medians == pytest.approx(600 / 75)
    assert (found.low, found.high, found.rounds) == (2.0, 2.0, 1)
    assert harness.ratio(mine, [], "rps") is None
    assert harness.ratio([record("b", 2, 1)], base, "rps") is None


def test_summarize_leaves_failed_runs_out_and_counts_them():
    records = [
        record("trellis", 1, 100, cpu_ms=4.0),
        record("peer", 1, 50, cpu_ms=20.0),
        record("peer", 2, 70, cpu_ms=12.0),
        record("trellis", 2, 120, cpu_ms=5.0),
        record("peer", 3, 1, ok=False),
        record("trellis", 3, 80, cpu_ms=6.0),
    ]
    trellis, peer = harness.summarize(records, ["trellis", "peer"], baseline="trellis")
    assert (trellis.ok_runs, trellis.failed_runs) == (3, 0)
    assert trellis.metrics["rps"] == harness.Spread(100, 80, 120)
    assert trellis.rps_ratio is None and trellis.cpu_ratio is None
    assert (peer.ok_runs, peer.failed_runs, peer.errors) == (2, 1, 5)
    assert peer.metrics["rps"] == harness.Spread(60, 50, 70)
    assert peer.rps_ratio == harness.Ratio(0.6, 50 / 100, 70 / 120, 2)
    assert peer.cpu_ratio is not None
    assert peer.cpu_ratio.of_medians == pytest.approx(16 / 5)
    assert (peer.cpu_ratio.low, peer.cpu_ratio.high) == (12 / 5, 20 / 4)
    assert "subgraph_requests_per_request" not in peer.metrics  # no values, no cell


def test_markdown_table_has_one_row_per_gateway_with_ratios():
    records = [record("trellis", 1, 100), record("peer", 1, 50), record("peer", 2, 1, ok=False)]
    summaries = harness.summarize(records, ["trellis", "peer", "absent"], baseline="trellis")
    lines = harness.markdown_table(summaries, "trellis").splitlines()
    assert len(lines) == 5
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[:4] == ["gateway", "ok runs", "RPS", "RPS vs trellis"]
    assert lines[1].count("|") == lines[0].count("|")
    trellis = [cell.strip() for cell in lines[2].strip("|").split("|")]
    peer = [cell.strip() for cell in lines[3].strip("|").split("|")]
    absent = [cell.strip() for cell in lines[4].strip("|").split("|")]
    assert len(trellis) == len(peer) == len(absent) == len(header)
    assert trellis[:4] == ["trellis", "1", "100.0 (100.0-100.0)", "1.00x"]
    assert peer[:4] == ["peer", "1 (+1 failed)", "50.0 (50.0-50.0)", "0.50x (0.50-0.50)"]
    assert absent[2:4] == ["-", "-"]


def test_abba_order_reverses_every_other_round():
    assert harness.abba_order(["a", "b", "c"], 3) == [
        ("a", 1),
        ("b", 1),
        ("c", 1),
        ("c", 2),
        ("b", 2),
        ("a", 2),
        ("a", 3),
        ("b", 3),
        ("c", 3),
    ]


# ---------------------------------------------------------------------------------------------
# answers


def test_first_difference_compares_values_and_key_order():
    want = {"data": {"a": [{"x": 1, "y": "s"}, {"x": 2, "y": "t"}]}}
    assert harness.first_difference(json.loads(json.dumps(want)), want) is None
    swapped = {"data": {"a": [{"x": 1, "y": "s"}, {"y": "t", "x": 2}]}}
    assert harness.first_difference(swapped, want) == "$.data.a[1]: keys ['y', 'x'] != ['x', 'y']"
    changed = {"data": {"a": [{"x": 1, "y": "s"}, {"x": 3, "y": "t"}]}}
    assert harness.first_difference(changed, want) == "$.data.a[1].x: 3 != 2"
    shorter = {"data": {"a": [{"x": 1, "y": "s"}]}}
    assert harness.first_difference(shorter, want) == "$.data.a: 1 items != 2"
    assert harness.first_difference({"data": {"a": 1.0}}, {"data": {"a": 1}}) == (
        "$.data.a: 1.0 != 1"
    )


def test_expect_json_reports_status_errors_and_differences():
    check = harness.expect_json({"data": {"n": 1}})
    assert check(200, b'{"data": {"n": 1}}') is None
    assert check(200, b'{"data": {"n": 2}}') == "$.data.n: 2 != 1"
    assert check(200, b'{"errors": [{"message": "no"}]}').startswith("errors: ")
    assert check(500, b"oops") == "HTTP 500: oops"
    assert check(200, b"<html>").startswith("not JSON")


# ---------------------------------------------------------------------------------------------
# processes


def test_process_group_stop_ends_the_whole_group(tmp_path):
    group = harness.ProcessGroup.start(
        "sleepers", ["sh", "-c", "sleep 60 & sleep 60 & wait"], log_path=tmp_path / "s.log"
    )
    try:
        pids: list[int] = []
        deadline = time.monotonic() + 10
        while len(pids) < 3 and time.monotonic() < deadline:
            pids = group.pids()
            time.sleep(0.02)
        assert len(pids) >= 3  # the shell and both sleeps share its group
    finally:
        group.stop(grace_seconds=2.0)
    assert not group.alive()
    assert harness.group_pids(group.pgid) == []


def test_wait_until_answers_raises_when_the_process_exits(tmp_path):
    group = harness.ProcessGroup.start(
        "quitter",
        [sys.executable, "-c", "print('bye'); raise SystemExit(3)"],
        log_path=tmp_path / "q.log",
    )
    url = f"http://127.0.0.1:{harness.free_port()}/graphql"
    with pytest.raises(harness.StartupError, match="quitter exited"):
        harness.wait_until_answers(url, b"{}", group, timeout_seconds=30)
    assert "bye" in group.log_tail()


# ---------------------------------------------------------------------------------------------
# real runs against a tiny GraphQL server


def tiny_gateway(tmp_path: Path, errors_from: int = 0) -> Any:
    script = tmp_path / "tiny_server.py"
    script.write_text(TINY_SERVER)
    port = harness.free_port()
    return harness.GatewayCommand(
        name="tiny",
        argv=(sys.executable, str(script), str(port), str(errors_from)),
        url=f"http://127.0.0.1:{port}/graphql",
    )


def short_plan() -> Any:
    return harness.LoadPlan(
        body=b'{"query":"{ echo }"}',
        connections=4,
        duration_seconds=1,
        warmup_seconds=0,
        warmup_requests=3,
        startup_timeout_seconds=30,
        sample_interval_seconds=0.1,
        cooldown_seconds=0,
    )


@needs_wrk
def test_run_gateway_measures_a_real_server(tmp_path):
    gateway = tiny_gateway(tmp_path)
    reference = {"data": {"echo": "{ echo }", "list": [1, 2, 3]}}
    with harness.Supervisor() as processes:
        sidecar = processes.start(
            "sidecar", ["sleep", "30"], log_path=tmp_path / "sidecar.log"
        )  # stands in for a subgraph: sampled, but idle
        record = harness.run_gateway(
            processes,
            gateway,
            short_plan(),
            round_number=2,
            out_dir=tmp_path,
            check=harness.expect_json(reference),
            subgraphs=[sidecar],
        )
        assert processes.running == [sidecar]  # the gateway and wrk are stopped
    assert record.why is None and record.ok
    assert (record.gateway, record.round) == ("tiny", 2)
    assert record.requests and record.requests > 0
    assert record.errors == 0
    assert record.rps and record.rps > 0
    assert record.p50_ms is not None and record.p50_ms <= record.p95_ms <= record.p99_ms
    assert record.gateway_cpu_ms_per_request is not None
    assert record.gateway_cpu_ms_per_request > 0
    assert record.peak_rss_mb and record.peak_rss_mb > 1  # a Python interpreter's VmHWM
    assert record.subgraph_cpu_ms_per_request is not None
    assert record.subgraph_requests_single is None  # nothing to count them with
    assert (tmp_path / "wrk-tiny-2.log").read_text().count("WRK_SUMMARY ") == 1
    assert json.loads((tmp_path / "request.json").read_bytes()) == {"query": "{ echo }"}
    line = harness.result_line(record)
    assert line.startswith("tiny#2") and line.endswith("ok")


@needs_wrk
def test_run_gateway_fails_a_run_whose_answers_carry_errors_under_load(tmp_path):
    # Answers are right for the start-up probe, the check and the warm-up requests, then
    # every other one has "errors".
    gateway = tiny_gateway(tmp_path, errors_from=10)
    reference = {"data": {"echo": "{ echo }", "list": [1, 2, 3]}}
    with harness.Supervisor() as processes:
        record = harness.run_gateway(
            processes,
            gateway,
            short_plan(),
            round_number=1,
            out_dir=tmp_path,
            check=harness.expect_json(reference),
            count_subgraph_requests=lambda: 0,
        )
    assert not record.ok
    assert record.errors and record.errors > 0
    assert record.why is not None and "failed responses" in record.why
    assert record.subgraph_requests_single == 0
    assert "FAILED" in harness.result_line(record)


@needs_wrk
def test_run_gateway_fails_a_run_whose_answer_differs(tmp_path):
    gateway = tiny_gateway(tmp_path)
    with harness.Supervisor() as processes:
        record = harness.run_gateway(
            processes,
            gateway,
            short_plan(),
            round_number=1,
            out_dir=tmp_path,
            check=harness.expect_json({"data": {"echo": "{ echo }", "list": [1, 2]}}),
        )
        assert processes.running == []
    assert not record.ok and record.rps is None
    assert record.why == "answer differs before the load: $.data.list: 3 items != 2"


# ---------------------------------------------------------------------------------------------
# the invoice benchmark's pieces


def test_rewrite_routing_urls_on_the_committed_supergraph():
    sdl = (ROOT / "schema" / "supergraph.graphql").read_text()
    urls = {
        name: f"http://127.0.0.1:{6000 + i}/graphql" for i, name in enumerate(invoices.SUBGRAPHS)
    }
    rewritten = invoices.rewrite_routing_urls(sdl, urls)
    for name, url in urls.items():
        assert f'@join__graph(name: "{name}", url: "{url}")' in rewritten
    assert ":400" not in rewritten.split("enum join__Graph")[1]
    with pytest.raises(SystemExit):
        invoices.rewrite_routing_urls(sdl, {"nope": "http://x"})


def test_build_request_sends_the_web_operation_with_first_100():
    body = json.loads(invoices.build_request())
    assert list(body) == ["query", "operationName", "variables"]
    assert body["operationName"] == "InvoiceList"
    assert body["variables"] == {"first": 100, "after": None, "status": None}
    assert body["query"].startswith("query InvoiceList(")
    assert "#" not in body["query"]
    manifest = ROOT / "web" / "dist" / "persisted-query-manifest.json"
    if manifest.exists():  # the web build's record of what the app sends
        operations = json.loads(manifest.read_text())["operations"]
        sent = {op["name"]: op["body"] for op in operations}
        assert body["query"] == sent["InvoiceList"]


def test_subgraph_request_counter_reads_only_complete_new_lines(tmp_path):
    log = tmp_path / "subgraph-billing.log"
    counter = invoices.SubgraphRequestCounter([log, tmp_path / "absent.log"])
    assert counter() == 0
    line = b'INFO:     127.0.0.1:5 - "POST /graphql HTTP/1.1" 200 OK\n'
    log.write_bytes(line * 2 + b"INFO:     Started server process [1]\n" + line[:20])
    assert counter() == 2
    with log.open("ab") as out:
        out.write(line[20:] + line)
    assert counter() == 4
    assert counter() == 4
