"""A small library for gateway A/B benchmarks: processes, /proc sampling, wrk, summaries.

Standard library only (no project imports), so any benchmark script can use it. One run of
one gateway (:func:`run_gateway`):

1. start the gateway command in its own process group (optionally under ``taskset -c``),
2. wait until ``POST`` to its URL answers, check the answer (values and field order),
3. warm up: sequential requests, then a short wrk load,
4. the measured load: wrk (closed loop, N connections, ``--timeout 60s``, ``wrk-post.lua``
   checking every response is HTTP 200 without ``"errors"``) while a thread samples CPU time
   (utime + stime) and VmHWM of the gateway's, the subgraphs' and wrk's process groups
   from ``/proc``,
5. check the answer again, stop the process group (SIGTERM, then SIGKILL).

Runs alternate between gateways (:func:`abba_order`) and are summarised per gateway with
medians, min-max and ratios against a baseline (:func:`summarize`, :func:`markdown_table`).
Everything is printed and written; nothing is asserted.

Errors::

    BenchmarkError          anything the harness cannot do
    ├── StartupError        a process exited or did not answer in time
    └── WrkOutputError      wrk printed no (or a malformed) WRK_SUMMARY line

Linux only (``/proc``, ``taskset``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "WRK_SCRIPT",
    "AnswerCheck",
    "BenchmarkError",
    "GatewayCommand",
    "GatewaySummary",
    "GroupUsage",
    "LoadPlan",
    "Metric",
    "ProcessGroup",
    "Ratio",
    "RunRecord",
    "Spread",
    "StartupError",
    "Supervisor",
    "Usage",
    "UsageMonitor",
    "WrkOutputError",
    "WrkResult",
    "abba_order",
    "expect_json",
    "first_difference",
    "free_port",
    "group_pids",
    "header_line",
    "markdown_table",
    "parse_wrk_output",
    "post",
    "ratio",
    "result_line",
    "run_gateway",
    "run_wrk",
    "spread",
    "summarize",
    "taskset",
    "wait_until_answers",
]

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk-post.lua"
"""The wrk script: POSTs ``$WRK_BODY_FILE``, checks every response, prints ``WRK_SUMMARY``."""

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_SUMMARY_PREFIX = "WRK_SUMMARY "


class BenchmarkError(Exception):
    """Something the harness could not do; the message says what and where to look."""


class StartupError(BenchmarkError):
    """A started process exited, or did not answer within its start-up time."""


class WrkOutputError(BenchmarkError):
    """wrk's output has no well-formed ``WRK_SUMMARY`` line (wrk or the Lua script failed)."""


# --------------------------------------------------------------------------------------------
# processes


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now.

    Args:
        host: The interface to bind.

    Returns:
        A port number (the kernel's pick of an ephemeral port).
    """
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def taskset(cpus: str | None) -> list[str]:
    """The argv prefix that pins a command to ``cpus``.

    Args:
        cpus: A taskset CPU list such as ``"1"`` or ``"0,2-3"``; None for no pinning.

    Returns:
        ``["taskset", "-c", cpus]``, or ``[]`` when ``cpus`` is None.
    """
    return ["taskset", "-c", cpus] if cpus else []


@dataclass(frozen=True, slots=True)
class _Stat:
    pgrp: int
    state: str
    cpu_ticks: int


def _read_stat(pid: int) -> _Stat | None:
    """Fields of ``/proc/<pid>/stat``: process group, state, utime + stime (clock ticks)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            text = stat_file.read().decode("utf-8", "replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    # After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt
    # cmajflt utime stime ...  (proc(5); utime and stime are fields 14 and 15 of the line).
    return _Stat(pgrp=int(fields[2]), state=fields[0], cpu_ticks=int(fields[11]) + int(fields[12]))


def _read_vm_hwm_kb(pid: int) -> int:
    """``VmHWM`` (peak resident set size) of a process in KiB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status_file:
            for line in status_file:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _scan(pgids: Mapping[int, str]) -> dict[str, dict[int, int]]:
    """CPU ticks of every live process of the given process groups, by group name and pid."""
    found: dict[str, dict[int, int]] = {name: {} for name in pgids.values()}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        stat = _read_stat(int(entry.name))
        if stat is not None and stat.pgrp in pgids and stat.state != "Z":
            found[pgids[stat.pgrp]][int(entry.name)] = stat.cpu_ticks
    return found


def group_pids(pgid: int) -> list[int]:
    """The live (non-zombie) processes of a process group.

    Args:
        pgid: The process group id.

    Returns:
        Their pids, in ``/proc`` order.
    """
    return list(_scan({pgid: "group"})["group"])


class ProcessGroup:
    """A command started as the leader of a new process group (and session).

    Everything it starts stays in the group unless it creates its own session, so stopping
    the group stops the gateway with its workers or the shell that ``exec``s it.

    Attributes:
        name: A label for logs and errors.
        popen: The leader process.
        log_path: Where its stdout and stderr go.
    """

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path) -> None:
        """Wrap an already started group leader (use :meth:`start`)."""
        self.name = name
        self.popen = popen
        self.log_path = log_path

    @classmethod
    def start(
        cls,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        cpus: str | None = None,
    ) -> ProcessGroup:
        """Start ``argv`` (under ``taskset -c cpus`` when given) in its own process group.

        Args:
            name: A label for logs and errors.
            argv: The command.
            log_path: File that receives stdout and stderr (appended).
            env: The whole environment; the harness's own when None.
            cwd: Working directory; the current one when None.
            cpus: taskset CPU list, or None for no pinning.

        Returns:
            The started group.

        Raises:
            OSError: When the command cannot be executed.
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                [*taskset(cpus), *argv],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        return cls(name, popen, log_path)

    @property
    def pgid(self) -> int:
        """The process group id (the leader's pid: ``start_new_session`` made it lead one)."""
        return self.popen.pid

    def pids(self) -> list[int]:
        """The group's live processes (the leader once it has exited is not among them)."""
        self.popen.poll()  # reap the leader if it exited, so it does not linger as a zombie
        return group_pids(self.pgid)

    def alive(self) -> bool:
        """Whether any process of the group still runs."""
        return bool(self.pids())

    def log_tail(self, characters: int = 2000) -> str:
        """The end of the group's log, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def stop(self, grace_seconds: float = 5.0) -> None:
        """SIGTERM the whole group, wait up to ``grace_seconds``, then SIGKILL what is left.

        Args:
            grace_seconds: Time the group gets to exit after SIGTERM.
        """
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.alive():
            self._signal(signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5.0)

    def _signal(self, signum: int) -> None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signum)


class Supervisor:
    """The process groups one benchmark started; stops every one still running on exit.

    Example:
        >>> with Supervisor() as processes:
        ...     group = processes.start("server", ["sleep", "60"], log_path=Path("/tmp/s.log"))
    """

    def __init__(self) -> None:
        """Start with no processes."""
        self.running: list[ProcessGroup] = []

    def __enter__(self) -> Supervisor:
        """Return self."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop every group still running."""
        self.stop_all()

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        cpus: str | None = None,
    ) -> ProcessGroup:
        """:meth:`ProcessGroup.start`, remembering the group (same arguments and errors)."""
        group = ProcessGroup.start(name, argv, log_path=log_path, env=env, cwd=cwd, cpus=cpus)
        self.running.append(group)
        return group

    def stop(self, group: ProcessGroup, grace_seconds: float = 5.0) -> None:
        """Stop one group (see :meth:`ProcessGroup.stop`) and forget it."""
        group.stop(grace_seconds)
        if group in self.running:
            self.running.remove(group)

    def stop_all(self, grace_seconds: float = 3.0) -> None:
        """Stop every remembered group, last started first."""
        for group in reversed(list(self.running)):
            self.stop(group, grace_seconds)


# --------------------------------------------------------------------------------------------
# HTTP


def post(
    url: str, body: bytes, *, accept: str = "application/json", timeout_seconds: float = 30.0
) -> tuple[int, bytes]:
    """POST a JSON body.

    Args:
        url: The GraphQL endpoint.
        body: The JSON request body.
        accept: The ``Accept`` header.
        timeout_seconds: Socket timeout.

    Returns:
        ``(HTTP status, response body)``; error statuses are returned, not raised.

    Raises:
        OSError: When the exchange fails (connection refused, timeout, ...).
    """
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"content-type": "application/json", "accept": accept},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def wait_until_answers(
    url: str,
    body: bytes,
    group: ProcessGroup,
    *,
    accept: str = "application/json",
    timeout_seconds: float = 90.0,
) -> float:
    """Poll ``POST url`` until it answers HTTP 200.

    Args:
        url: The GraphQL endpoint.
        body: The JSON request body to send.
        group: The process that should answer; its exit ends the wait.
        accept: The ``Accept`` header.
        timeout_seconds: How long to wait.

    Returns:
        Seconds waited.

    Raises:
        StartupError: When the group exits or the time is up (with the log's tail).
    """
    started = time.monotonic()
    while True:
        try:
            status, _ = post(url, body, accept=accept, timeout_seconds=10.0)
            if status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        if not group.alive():
            raise StartupError(
                f"{group.name} exited ({group.popen.returncode}); {group.log_path}:\n"
                f"{group.log_tail()}"
            )
        if time.monotonic() - started > timeout_seconds:
            raise StartupError(
                f"{group.name} did not answer POST {url} within {timeout_seconds:.0f} s; "
                f"{group.log_path}:\n{group.log_tail()}"
            )
        time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# answers

AnswerCheck = Callable[[int, bytes], str | None]
"""``check(status, body) -> None`` when the answer is right, else why it is not."""


def first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """The first place where two JSON values differ, comparing values and object key order.

    Args:
        got: A decoded JSON value (dicts keep their key order).
        want: The expected value.
        path: The path of these values, for the message (JSONPath-like: ``$.data.a[3].b``).

    Returns:
        None when equal, else ``"<path>: <what differs>"``.
    """
    if type(got) is not type(want):
        return f"{path}: {_short(got)} != {_short(want)}"
    if isinstance(got, dict):
        if list(got) != list(want):
            return f"{path}: keys {list(got)} != {list(want)}"
        for key in got:
            difference = first_difference(got[key], want[key], f"{path}.{key}")
            if difference is not None:
                return difference
        return None
    if isinstance(got, list):
        for index, (item, wanted) in enumerate(zip(got, want, strict=False)):
            difference = first_difference(item, wanted, f"{path}[{index}]")
            if difference is not None:
                return difference
        if len(got) != len(want):
            return f"{path}: {len(got)} items != {len(want)}"
        return None
    return None if got == want else f"{path}: {_short(got)} != {_short(want)}"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 100 else text[:97] + "..."


def expect_json(reference: Any) -> AnswerCheck:
    """A check that the answer is HTTP 200, JSON, and equal to ``reference`` in order.

    Args:
        reference: The expected decoded JSON answer.

    Returns:
        The :data:`AnswerCheck`.
    """

    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}: {body[:300].decode(errors='replace')}"
        try:
            answer = json.loads(body)
        except ValueError:
            return f"not JSON: {body[:300].decode(errors='replace')}"
        if isinstance(answer, dict) and "errors" in answer:
            return "errors: " + _short(answer["errors"])
        return first_difference(answer, reference)

    return check


# --------------------------------------------------------------------------------------------
# sampling CPU and memory


@dataclass(frozen=True, slots=True)
class GroupUsage:
    """What some process groups used over a sampling window.

    Attributes:
        cpu_seconds: User + system CPU time of their processes over the window (s).
        cpu_pct: ``cpu_seconds`` over the window, in % of one CPU.
        peak_rss_mb: Highest sum of VmHWM over their processes at any sample (MiB).
        processes: Most processes seen at once.
    """

    cpu_seconds: float
    cpu_pct: float
    peak_rss_mb: float
    processes: int


@dataclass(frozen=True, slots=True)
class Usage:
    """What a :class:`UsageMonitor` measured.

    Attributes:
        window_seconds: Time from the first to the last sample (s).
        groups: Usage by group name.
        machine_busy_pct: CPU the whole machine used, in % of one CPU.
        other_pct: ``machine_busy_pct`` minus the groups' CPU: other work (noise).
    """

    window_seconds: float
    groups: dict[str, GroupUsage]
    machine_busy_pct: float
    other_pct: float


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from the first line of /proc/stat."""
    with open("/proc/stat") as stat_file:
        values = [int(value) for value in stat_file.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass(slots=True)
class _Sample:
    at: float
    cpu: dict[str, dict[int, int]]
    hwm_kb: dict[str, int]
    busy_ticks: int


class UsageMonitor(threading.Thread):
    """Samples process groups' CPU time and VmHWM from ``/proc`` every interval.

    A process that starts during the window counts from zero; one that exits between two
    samples counts up to its last sample.

    Example:
        >>> monitor = UsageMonitor({"gateway": [gateway.pgid]})
        >>> monitor.start()
        >>> ...  # the load
        >>> usage = monitor.finish()
    """

    def __init__(self, groups: Mapping[str, Sequence[int]], interval_seconds: float = 0.25):
        """Prepare to sample.

        Args:
            groups: Process group ids by group name (e.g. ``{"subgraphs": [pgid, ...]}``).
            interval_seconds: Time between samples.
        """
        super().__init__(daemon=True)
        self._pgids = {pgid: name for name, pgids in groups.items() for pgid in pgids}
        self._names = list(groups)
        self._interval = interval_seconds
        self._done = threading.Event()
        self.samples: list[_Sample] = []

    def _sample(self) -> _Sample:
        cpu = _scan(self._pgids)
        for name in self._names:
            cpu.setdefault(name, {})
        hwm = {name: sum(_read_vm_hwm_kb(pid) for pid in pids) for name, pids in cpu.items()}
        return _Sample(time.monotonic(), cpu, hwm, _machine_ticks()[0])

    def run(self) -> None:
        """Sample until :meth:`finish`."""
        while not self._done.is_set():
            self.samples.append(self._sample())
            self._done.wait(self._interval)

    def finish(self) -> Usage:
        """Stop sampling, take a last sample, and sum up.

        Returns:
            The usage over the window.
        """
        self._done.set()
        self.join()
        self.samples.append(self._sample())
        return _usage(self.samples, self._names)


def _usage(samples: Sequence[_Sample], names: Sequence[str]) -> Usage:
    window = max(samples[-1].at - samples[0].at, 1e-9)
    groups: dict[str, GroupUsage] = {}
    for name in names:
        first = samples[0].cpu[name]
        last: dict[int, int] = {}
        for sample in samples:
            last.update(sample.cpu[name])
        ticks = sum(value - first.get(pid, 0) for pid, value in last.items())
        seconds = ticks / _CLOCK_TICKS
        groups[name] = GroupUsage(
            cpu_seconds=round(seconds, 3),
            cpu_pct=round(100.0 * seconds / window, 1),
            peak_rss_mb=round(max(sample.hwm_kb[name] for sample in samples) / 1024, 1),
            processes=max(len(sample.cpu[name]) for sample in samples),
        )
    busy = 100.0 * (samples[-1].busy_ticks - samples[0].busy_ticks) / _CLOCK_TICKS / window
    ours = sum(group.cpu_pct for group in groups.values())
    return Usage(round(window, 2), groups, round(busy, 1), round(max(0.0, busy - ours), 1))


@contextmanager
def _monitoring(
    groups: Mapping[str, Sequence[int]] | None, interval_seconds: float
) -> Iterator[list[Usage]]:
    """Run a monitor around a block; the list it yields holds the usage afterwards."""
    result: list[Usage] = []
    if groups is None:
        yield result
        return
    monitor = UsageMonitor(groups, interval_seconds)
    monitor.start()
    try:
        yield result
    finally:
        result.append(monitor.finish())


# --------------------------------------------------------------------------------------------
# wrk


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run, as ``wrk-post.lua`` summarised it.

    Attributes:
        requests: Completed requests.
        duration_seconds: Length of the load (s).
        rps: ``requests / duration_seconds``.
        latency_ms: ``min``, ``mean``, ``p50``, ``p90``, ``p95``, ``p99``, ``max`` (ms).
        bytes_read: Bytes read (headers and bodies).
        socket_errors: wrk's counts: ``connect``, ``read``, ``write``, ``status`` (non-2xx/3xx),
            ``timeout``.
        bad_status: Responses whose status was not 200.
        graphql_errors: Responses whose body contained ``"errors"``.
        length_changes: Responses whose length differed from the first one.
        bad_responses: Responses that failed any of those three checks (each counted once).
    """

    requests: int
    duration_seconds: float
    rps: float
    latency_ms: dict[str, float]
    bytes_read: int
    socket_errors: dict[str, int]
    bad_status: int
    graphql_errors: int
    length_changes: int
    bad_responses: int

    @property
    def errors(self) -> int:
        """Failed exchanges plus bad responses (wrk's ``status`` count is among the latter)."""
        sockets = sum(count for kind, count in self.socket_errors.items() if kind != "status")
        return sockets + self.bad_responses


def parse_wrk_output(text: str) -> WrkResult:
    """Read the ``WRK_SUMMARY`` line that ``wrk-post.lua`` prints at the end of wrk's output.

    Args:
        text: wrk's whole stdout and stderr.

    Returns:
        The result; latencies converted from microseconds to milliseconds.

    Raises:
        WrkOutputError: When the line is missing or malformed (the message quotes the output).
    """
    line = next(
        (line for line in text.splitlines() if line.startswith(_SUMMARY_PREFIX)),
        None,
    )
    if line is None:
        raise WrkOutputError(f"wrk printed no {_SUMMARY_PREFIX.strip()} line:\n{text[-2000:]}")
    try:
        summary = json.loads(line[len(_SUMMARY_PREFIX) :])
        duration = summary["duration_us"] / 1e6
        checked = summary["checked"]
        return WrkResult(
            requests=int(summary["requests"]),
            duration_seconds=round(duration, 3),
            rps=round(summary["requests"] / duration, 1) if duration > 0 else 0.0,
            latency_ms={
                key: round(float(value) / 1000, 2) for key, value in summary["latency_us"].items()
            },
            bytes_read=int(summary["bytes"]),
            socket_errors={key: int(value) for key, value in summary["socket_errors"].items()},
            bad_status=int(checked["bad_status"]),
            graphql_errors=int(checked["graphql_errors"]),
            length_changes=int(checked["length_changes"]),
            bad_responses=int(checked["bad_responses"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WrkOutputError(f"malformed {line!r}: {error}") from error


def run_wrk(
    processes: Supervisor,
    url: str,
    body_file: Path,
    *,
    seconds: float,
    log_path: Path,
    connections: int = 50,
    threads: int = 1,
    timeout_seconds: float = 60.0,
    accept: str = "application/json",
    cpus: str | None = None,
    monitor: Mapping[str, Sequence[int]] | None = None,
    sample_interval_seconds: float = 0.25,
) -> tuple[WrkResult, Usage | None]:
    """Run wrk with ``wrk-post.lua``: a closed loop of ``connections`` POSTing ``body_file``.

    Args:
        processes: Where the wrk process group is registered while it runs.
        url: The endpoint.
        body_file: The JSON request body.
        seconds: Load duration (s); wrk takes whole seconds, so it is rounded up.
        log_path: wrk's output file (kept for inspection).
        connections: Concurrent connections, each sending its next request on an answer.
        threads: wrk threads.
        timeout_seconds: Per-request timeout; a slower answer counts as a timeout error.
        accept: The ``Accept`` header sent.
        cpus: taskset CPU list for wrk, or None.
        monitor: Process groups to sample during the load (wrk's is added as ``"wrk"``);
            None for no sampling.
        sample_interval_seconds: Time between samples.

    Returns:
        ``(wrk's result, usage or None)``.

    Raises:
        WrkOutputError: When wrk printed no summary (see ``log_path``).
        OSError: When wrk cannot be executed.
    """
    whole_seconds = max(1, int(-(-seconds // 1)))
    env = {**os.environ, "WRK_BODY_FILE": str(body_file.resolve()), "WRK_ACCEPT": accept}
    argv = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={whole_seconds}s",
        f"--timeout={int(timeout_seconds)}s",
        f"--script={WRK_SCRIPT}",
        url,
    ]
    log_path.unlink(missing_ok=True)
    group = processes.start("wrk", argv, log_path=log_path, env=env, cpus=cpus)
    groups = None if monitor is None else {**monitor, "wrk": [group.pgid]}
    with _monitoring(groups, sample_interval_seconds) as usage:
        try:
            group.popen.wait(timeout=whole_seconds + timeout_seconds + 30)
        except subprocess.TimeoutExpired:
            pass
        finally:
            processes.stop(group)
    result = parse_wrk_output(log_path.read_text(errors="replace"))
    return result, (usage[0] if usage else None)


# --------------------------------------------------------------------------------------------
# one run of one gateway


@dataclass(frozen=True, slots=True)
class GatewayCommand:
    """How to start one gateway and where it answers.

    Attributes:
        name: The gateway's name in results (e.g. ``trellis``).
        argv: The command.
        url: Its GraphQL endpoint once started, e.g. ``http://127.0.0.1:5000/graphql``.
        env: The whole environment of the command.
        cwd: Its working directory (the current one when None).
    """

    name: str
    argv: tuple[str, ...]
    url: str
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path | None = None


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """The request and the load of every run.

    Attributes:
        body: The JSON request body (every request is this one).
        accept: The ``Accept`` header of every request.
        connections: wrk connections (closed loop: each waits for its answer).
        threads: wrk threads.
        duration_seconds: Measured load per run (s).
        warmup_seconds: wrk load before the measured one (s); 0 for none.
        warmup_requests: Sequential requests before the warm-up load.
        request_timeout_seconds: wrk's per-request timeout (s).
        gateway_cpus: taskset CPU list for the gateway, or None.
        load_cpus: taskset CPU list for wrk, or None.
        startup_timeout_seconds: How long a gateway may take to answer after start (s).
        sample_interval_seconds: /proc sampling interval (s).
        cooldown_seconds: Pause after stopping a gateway (s).
    """

    body: bytes
    accept: str = "application/json"
    connections: int = 50
    threads: int = 1
    duration_seconds: float = 20.0
    warmup_seconds: float = 5.0
    warmup_requests: int = 20
    request_timeout_seconds: float = 60.0
    gateway_cpus: str | None = None
    load_cpus: str | None = None
    startup_timeout_seconds: float = 90.0
    sample_interval_seconds: float = 0.25
    cooldown_seconds: float = 1.0


@dataclass(slots=True)
class RunRecord:
    """The result of one run of one gateway (None where the run did not get that far).

    Attributes:
        gateway: The gateway's name.
        round: The round, from 1.
        ok: Whether both answer checks passed and no response failed during the load.
        why: Why the run failed, or None.
        startup_seconds: Time until it first answered (s).
        requests: Requests completed in the measured load.
        rps: Requests per second of the measured load.
        p50_ms: Median latency (ms), from wrk.
        p95_ms: 95th percentile latency (ms).
        p99_ms: 99th percentile latency (ms).
        max_ms: Slowest request (ms).
        errors: Failed exchanges and bad responses during the measured load.
        gateway_cpu_ms_per_request: Gateway CPU time / requests (ms).
        gateway_cpu_pct: Gateway CPU over the load, in % of one CPU.
        peak_rss_mb: Highest sum of VmHWM over the gateway's processes (MiB).
        subgraph_cpu_ms_per_request: The subgraph processes' CPU time / requests (ms).
        subgraph_cpu_pct: Subgraphs' CPU over the load, in % of one CPU.
        wrk_cpu_pct: wrk's CPU over the load, in % of one CPU.
        other_cpu_pct: CPU of everything else on the machine, in % of one CPU (noise).
        subgraph_requests_single: Subgraph requests one query made alone (the plan's size),
            when the caller can count subgraph requests.
        subgraph_requests_per_request: Subgraph requests per client request under the load
            (below ``subgraph_requests_single`` when the gateway deduplicates).
    """

    gateway: str
    round: int
    ok: bool = False
    why: str | None = None
    startup_seconds: float | None = None
    requests: int | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    errors: int | None = None
    gateway_cpu_ms_per_request: float | None = None
    gateway_cpu_pct: float | None = None
    peak_rss_mb: float | None = None
    subgraph_cpu_ms_per_request: float | None = None
    subgraph_cpu_pct: float | None = None
    wrk_cpu_pct: float | None = None
    other_cpu_pct: float | None = None
    subgraph_requests_single: int | None = None
    subgraph_requests_per_request: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (field names as keys)."""
        return asdict(self)


def run_gateway(
    processes: Supervisor,
    gateway: GatewayCommand,
    plan: LoadPlan,
    *,
    round_number: int,
    out_dir: Path,
    check: AnswerCheck,
    subgraphs: Sequence[ProcessGroup] = (),
    count_subgraph_requests: Callable[[], int] | None = None,
) -> RunRecord:
    """One run: start, check, warm up, measure, check again, stop.

    Logs go to ``out_dir``: ``gateway-<name>-<round>.log``, ``wrk-<name>-<round>.log`` and
    ``wrk-warmup-<name>-<round>.log``; the request body to ``out_dir/request.json``.

    Args:
        processes: Where the started groups are registered.
        gateway: The gateway to run.
        plan: The request and load.
        round_number: The round, for names and the record.
        out_dir: Directory for logs.
        check: Judges the gateway's answer before and after the load.
        subgraphs: The subgraphs' process groups, sampled alongside the gateway.
        count_subgraph_requests: Returns how many requests the subgraphs have served so far
            (any monotonic count), for the ``subgraph_requests_*`` fields; None to skip them.

    Returns:
        The record; ``ok`` False with ``why`` when a check, the start or the load failed.
    """
    record = RunRecord(gateway=gateway.name, round=round_number)
    tag = f"{gateway.name}-{round_number}"
    body_file = out_dir / "request.json"
    body_file.write_bytes(plan.body)
    group = processes.start(
        gateway.name,
        gateway.argv,
        log_path=out_dir / f"gateway-{tag}.log",
        env=gateway.env,
        cwd=gateway.cwd,
        cpus=plan.gateway_cpus,
    )
    try:
        record.startup_seconds = round(
            wait_until_answers(
                gateway.url,
                plan.body,
                group,
                accept=plan.accept,
                timeout_seconds=plan.startup_timeout_seconds,
            ),
            2,
        )
        count = count_subgraph_requests or (lambda: 0)
        before = count()
        why = check(*post(gateway.url, plan.body, accept=plan.accept))
        if count_subgraph_requests is not None:
            time.sleep(0.2)  # let the subgraphs' access logs catch up
            record.subgraph_requests_single = count() - before
        if why is not None:
            record.why = f"answer differs before the load: {why}"
            return record
        for _ in range(plan.warmup_requests):
            post(gateway.url, plan.body, accept=plan.accept, timeout_seconds=60.0)
        wrk_options: dict[str, Any] = {
            "connections": plan.connections,
            "threads": plan.threads,
            "timeout_seconds": plan.request_timeout_seconds,
            "accept": plan.accept,
            "cpus": plan.load_cpus,
        }
        if plan.warmup_seconds > 0:
            run_wrk(
                processes,
                gateway.url,
                body_file,
                seconds=plan.warmup_seconds,
                log_path=out_dir / f"wrk-warmup-{tag}.log",
                **wrk_options,
            )
        before = count()
        result, usage = run_wrk(
            processes,
            gateway.url,
            body_file,
            seconds=plan.duration_seconds,
            log_path=out_dir / f"wrk-{tag}.log",
            monitor={"gateway": [group.pgid], "subgraphs": [sg.pgid for sg in subgraphs]},
            sample_interval_seconds=plan.sample_interval_seconds,
            **wrk_options,
        )
        if usage is None:
            raise BenchmarkError("no usage sampled during the load")
        _fill(record, result, usage)
        if count_subgraph_requests is not None:
            served = count() - before
            record.subgraph_requests_per_request = round(served / max(result.requests, 1), 2)
        after = check(*post(gateway.url, plan.body, accept=plan.accept))
        if result.errors:
            record.why = (
                f"{result.errors} failed responses: socket {result.socket_errors}, "
                f"status {result.bad_status}, errors {result.graphql_errors}, "
                f"length changes {result.length_changes}"
            )
        elif result.requests == 0:
            record.why = "no request completed"
        elif after is not None:
            record.why = f"answer differs after the load: {after}"
        record.ok = record.why is None
        return record
    except (BenchmarkError, OSError) as error:
        record.why = f"{type(error).__name__}: {error}"
        return record
    finally:
        processes.stop(group)
        time.sleep(plan.cooldown_seconds)


def _fill(record: RunRecord, result: WrkResult, usage: Usage) -> None:
    gateway = usage.groups["gateway"]
    subgraphs = usage.groups["subgraphs"]
    requests = max(result.requests, 1)
    record.requests = result.requests
    record.rps = result.rps
    record.p50_ms = result.latency_ms["p50"]
    record.p95_ms = result.latency_ms["p95"]
    record.p99_ms = result.latency_ms["p99"]
    record.max_ms = result.latency_ms["max"]
    record.errors = result.errors
    record.gateway_cpu_ms_per_request = round(1000 * gateway.cpu_seconds / requests, 3)
    record.gateway_cpu_pct = gateway.cpu_pct
    record.peak_rss_mb = gateway.peak_rss_mb
    record.subgraph_cpu_ms_per_request = round(1000 * subgraphs.cpu_seconds / requests, 3)
    record.subgraph_cpu_pct = subgraphs.cpu_pct
    record.wrk_cpu_pct = usage.groups["wrk"].cpu_pct
    record.other_cpu_pct = usage.other_pct


# --------------------------------------------------------------------------------------------
# order and summary


def abba_order(gateways: Sequence[str], rounds: int) -> list[tuple[str, int]]:
    """The order of runs: every round runs each gateway once, every other round reversed.

    ``A B, B A, A B, ...`` cancels a slow drift of the machine between gateways.

    Args:
        gateways: Gateway names.
        rounds: Number of rounds (>= 1).

    Returns:
        ``(gateway, round)`` pairs, rounds numbered from 1.
    """
    order: list[tuple[str, int]] = []
    for round_number in range(1, rounds + 1):
        names = list(gateways) if round_number % 2 else list(reversed(gateways))
        order.extend((name, round_number) for name in names)
    return order


Metric = Literal[
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "gateway_cpu_ms_per_request",
    "gateway_cpu_pct",
    "peak_rss_mb",
    "subgraph_cpu_ms_per_request",
    "subgraph_requests_per_request",
]
"""A numeric field of :class:`RunRecord` that summaries and ratios read."""


@dataclass(frozen=True, slots=True)
class Spread:
    """Median and range of one metric over runs.

    Attributes:
        median: The median.
        low: The smallest value.
        high: The largest value.
    """

    median: float
    low: float
    high: float


def spread(values: Sequence[float]) -> Spread | None:
    """Median, min and max.

    Args:
        values: The values (any order).

    Returns:
        The spread, or None when there are no values.
    """
    if not values:
        return None
    return Spread(statistics.median(values), min(values), max(values))


@dataclass(frozen=True, slots=True)
class Ratio:
    """One gateway against the baseline on one metric.

    Attributes:
        of_medians: The gateway's median / the baseline's median.
        low: The smallest per-round ratio (run of round i / baseline's run of round i).
        high: The largest per-round ratio.
        rounds: How many rounds had an ok run of both.
    """

    of_medians: float
    low: float
    high: float
    rounds: int


def _values(records: Sequence[RunRecord], metric: Metric) -> list[float]:
    return [value for r in records if (value := getattr(r, metric)) is not None]


def ratio(
    records: Sequence[RunRecord], baseline: Sequence[RunRecord], metric: Metric
) -> Ratio | None:
    """Compare a gateway's ok runs with the baseline's on one metric.

    Args:
        records: The gateway's ok runs.
        baseline: The baseline's ok runs.
        metric: The field to compare.

    Returns:
        The ratio of medians with the range of per-round ratios, or None when either side has
        no value, a baseline median is 0, or no round has an ok run of both.
    """
    mine, theirs = _values(records, metric), _values(baseline, metric)
    if not mine or not theirs or statistics.median(theirs) == 0:
        return None
    by_round = {r.round: getattr(r, metric) for r in baseline}
    paired = [
        value / by_round[r.round]
        for r in records
        if (value := getattr(r, metric)) is not None and by_round.get(r.round)
    ]
    if not paired:
        return None
    return Ratio(
        statistics.median(mine) / statistics.median(theirs), min(paired), max(paired), len(paired)
    )


@dataclass(frozen=True, slots=True)
class GatewaySummary:
    """One gateway over all its runs.

    Attributes:
        gateway: Its name.
        ok_runs: Runs that passed.
        failed_runs: Runs that failed (left out of every figure).
        metrics: Spread of each metric over the ok runs (a metric without values is absent).
        rps_ratio: RPS against the baseline (higher is faster), None for the baseline.
        cpu_ratio: Gateway CPU ms per request against the baseline (lower is cheaper).
        errors: Failed responses summed over the ok runs (0 by definition) and failed runs.
    """

    gateway: str
    ok_runs: int
    failed_runs: int
    metrics: dict[str, Spread]
    rps_ratio: Ratio | None
    cpu_ratio: Ratio | None
    errors: int


_METRICS: tuple[Metric, ...] = (
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "gateway_cpu_ms_per_request",
    "gateway_cpu_pct",
    "peak_rss_mb",
    "subgraph_cpu_ms_per_request",
    "subgraph_requests_per_request",
)


def summarize(
    records: Sequence[RunRecord], gateways: Sequence[str], baseline: str
) -> list[GatewaySummary]:
    """Per gateway: spreads of every metric over its ok runs and ratios to the baseline.

    Args:
        records: Every run.
        gateways: Gateway names, in table order.
        baseline: The gateway the ratios are against.

    Returns:
        One summary per gateway, in ``gateways`` order.
    """
    ok = {name: [r for r in records if r.gateway == name and r.ok] for name in gateways}
    summaries = []
    for name in gateways:
        runs = ok[name]
        metrics: dict[str, Spread] = {
            metric: found for metric in _METRICS if (found := spread(_values(runs, metric)))
        }
        is_baseline = name == baseline
        summaries.append(
            GatewaySummary(
                gateway=name,
                ok_runs=len(runs),
                failed_runs=sum(1 for r in records if r.gateway == name and not r.ok),
                metrics=metrics,
                rps_ratio=None if is_baseline else ratio(runs, ok.get(baseline, []), "rps"),
                cpu_ratio=None
                if is_baseline
                else ratio(runs, ok.get(baseline, []), "gateway_cpu_ms_per_request"),
                errors=sum(r.errors or 0 for r in records if r.gateway == name),
            )
        )
    return summaries


def _cell(found: Spread | None, digits: int) -> str:
    if found is None:
        return "-"
    return f"{found.median:.{digits}f} ({found.low:.{digits}f}-{found.high:.{digits}f})"


def _ratio_cell(found: Ratio | None, is_baseline: bool) -> str:
    if is_baseline:
        return "1.00x"
    if found is None:
        return "-"
    return f"{found.of_medians:.2f}x ({found.low:.2f}-{found.high:.2f})"


def markdown_table(summaries: Sequence[GatewaySummary], baseline: str) -> str:
    """The summaries as a markdown table: ``median (min-max)`` cells and ratio columns.

    Args:
        summaries: From :func:`summarize`.
        baseline: The gateway the ratios are against (its ratio cells read ``1.00x``).

    Returns:
        The table (header, rule and one row per gateway), without a trailing newline.
    """
    lines = [
        "| gateway | ok runs | RPS | RPS vs "
        + baseline
        + " | p50 ms | p95 ms | p99 ms | gw CPU ms/req | gw CPU ms/req vs "
        + baseline
        + " | gw CPU % | gw peak RSS MB | subgraph CPU ms/req | subgraph req/req | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for summary in summaries:
        m = summary.metrics.get
        base = summary.gateway == baseline
        failed = f" (+{summary.failed_runs} failed)" if summary.failed_runs else ""
        lines.append(
            f"| {summary.gateway} | {summary.ok_runs}{failed} | {_cell(m('rps'), 1)} | "
            f"{_ratio_cell(summary.rps_ratio, base)} | {_cell(m('p50_ms'), 0)} | "
            f"{_cell(m('p95_ms'), 0)} | {_cell(m('p99_ms'), 0)} | "
            f"{_cell(m('gateway_cpu_ms_per_request'), 2)} | "
            f"{_ratio_cell(summary.cpu_ratio, base)} | {_cell(m('gateway_cpu_pct'), 0)} | "
            f"{_cell(m('peak_rss_mb'), 0)} | {_cell(m('subgraph_cpu_ms_per_request'), 2)} | "
            f"{_cell(m('subgraph_requests_per_request'), 2)} | "
            f"{summary.errors} |"
        )
    return "\n".join(lines)


def header_line() -> str:
    """The column header of :func:`result_line`."""
    return (
        f"{'run':<28} {'RPS':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'gwms/req':>8} {'gwCPU%':>6} "
        f"{'gwRSS':>6} {'sgms/req':>8} {'sgCPU%':>6} {'wrk%':>5} {'other%':>6} {'sg/req':>6} "
        f"{'sg/1':>4} {'err':>4}  status"
    )


def result_line(record: RunRecord) -> str:
    """One run on one line, under :func:`header_line`."""
    name = f"{record.gateway}#{record.round}"
    if record.rps is None:
        return f"{name:<28} FAILED: {record.why}"
    status = "ok" if record.ok else f"FAILED: {record.why}"
    return (
        f"{name:<28} {record.rps:>7.1f} {record.p50_ms or 0:>7.1f} {record.p95_ms or 0:>7.1f} "
        f"{record.p99_ms or 0:>7.1f} {record.gateway_cpu_ms_per_request or 0:>8.2f} "
        f"{record.gateway_cpu_pct or 0:>6.0f} {record.peak_rss_mb or 0:>6.0f} "
        f"{record.subgraph_cpu_ms_per_request or 0:>8.2f} {record.subgraph_cpu_pct or 0:>6.0f} "
        f"{record.wrk_cpu_pct or 0:>5.0f} {record.other_cpu_pct or 0:>6.0f} "
        f"{_optional(record.subgraph_requests_per_request, 6, 2)} "
        f"{_optional(record.subgraph_requests_single, 4, 0)} {record.errors or 0:>4}  {status}"
    )


def _optional(value: float | None, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"
