"""``trellis-router serve --workers N``: a supervisor and N real worker processes on one port.

The router runs as a real subprocess on a free port and serves the shop supergraph (the
queries here need no subgraph). Its worker processes are found through ``/proc``: the
children of the supervisor, and which of them hold a socket listening on the port
(``/proc/net/tcp`` inodes matched against ``/proc/<pid>/fd``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trellis_router.workers as workers_module
from trellis_router.cli import app
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; SO_REUSEPORT spreading is Linux's"
)

SUPERGRAPH = Path(__file__).parent / "http" / "shop.supergraph.graphql"
ROUTER = Path(sys.executable).parent / "trellis-router"
TYPENAME = {"data": {"__typename": "Query"}}


@dataclass
class Router:
    """A running ``trellis-router serve --workers N`` and where to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    errors: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> set[int]:
        """The supervisor's live child processes."""
        return _children(self.process.pid)

    def listening(self) -> set[int]:
        """The processes among the supervisor and its children with a socket listening on
        the port."""
        inodes = _listening_inodes(self.port)
        candidates = self.workers() | {self.process.pid}
        return {pid for pid in candidates if _socket_inodes(pid) & inodes}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}


@contextlib.contextmanager
def router(tmp_path: Path, workers: int) -> Iterator[Router]:
    """The router with ``workers`` workers, all of them listening; stopped if still running."""
    port = _free_port()
    log, errors = tmp_path / "router.log", tmp_path / "router.err"
    with log.open("wb") as stdout, errors.open("wb") as stderr:
        process = subprocess.Popen(
            [
                str(ROUTER),
                "serve",
                "--supergraph",
                str(SUPERGRAPH),
                "--listen",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            env=_clean_env(),
            stdout=stdout,
            stderr=stderr,
        )
    running = Router(process, port, log, errors)
    try:
        _until(lambda: len(running.listening()) == workers, "the workers never listened", running)
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()  # its workers stop themselves when it is gone
                process.wait()


def _until(condition: Callable[[], bool], message: str, running: Router) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        if running.process.poll() is not None:
            pytest.fail(
                f"{message}: the router exited {running.process.returncode}: "
                f"{running.errors.read_text()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.05)


def _children(parent: int) -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == parent and state != "Z":
            children.add(int(entry.name))
    return children


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rpartition(":")[2], 16)
        if local_port == port and fields[3] == "0A":  # TCP_LISTEN
            inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    return inodes


def _typename(base: str) -> httpx.Response:
    # A client of its own: a new connection, which the kernel hands to one of the workers.
    with httpx.Client(timeout=10) as client:
        return client.post(f"{base}/graphql", json={"query": "{ __typename }"})


def _stop(running: Router, number: signal.Signals) -> None:
    workers = running.workers()
    running.process.send_signal(number)
    assert running.process.wait(15) == 0, running.errors.read_text()
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.base}/health")


def test_two_workers_serve_one_port_and_stop_on_sigterm(tmp_path: Path) -> None:
    with router(tmp_path, workers=2) as running:
        workers = running.workers()
        assert len(workers) == 2
        assert running.process.pid not in workers
        # Both workers listen on the port; the supervisor never does.
        assert running.listening() == workers
        health = httpx.get(f"{running.base}/health")
        assert health.json() == {"status": "UP"}
        answers = [_typename(running.base) for _ in range(40)]
        assert [answer.json() for answer in answers] == [TYPENAME] * 40
        log = running.log.read_text()
        assert f"router: 2 workers on 127.0.0.1:{running.port}" in log
        _stop(running, signal.SIGTERM)


def test_a_killed_worker_is_replaced(tmp_path: Path) -> None:
    with router(tmp_path, workers=2) as running:
        first = running.workers()
        killed = min(first)
        os.kill(killed, signal.SIGKILL)

        def replaced() -> bool:
            workers = running.workers()
            return len(workers) == 2 and killed not in workers and running.listening() == workers

        _until(replaced, "the killed worker was not replaced", running)
        assert running.workers() & first == first - {killed}
        assert _typename(running.base).json() == TYPENAME
        assert f"(pid {killed}) was killed by SIGKILL; restarting it" in running.log.read_text()
        _stop(running, signal.SIGINT)


def test_an_address_in_use_is_refused_before_forking(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(str(ROUTER), "serve", "--supergraph", str(SUPERGRAPH)),
                *("--listen", f"127.0.0.1:{port}", "--workers", "2"),
            ],
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert "worker 1 started" not in result.stdout


def test_zero_workers_is_refused() -> None:
    unset: dict[str, str | None] = {key: None for key in os.environ if key.startswith("TRELLIS_")}
    result = CliRunner().invoke(
        app, ["serve", "--supergraph", str(SUPERGRAPH), "--workers", "0"], env=unset
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid settings: ")
    assert "workers\n  Input should be greater than or equal to 1" in result.stderr


def test_all_is_curated() -> None:
    assert sorted(workers_module.__all__) == [
        "BACKLOG",
        "RESTART_INTERVAL_SECONDS",
        "WorkerMain",
        "listening_socket",
        "reserve_address",
        "run_workers",
    ]
    for name in workers_module.__all__:
        assert getattr(workers_module, name) is not None
