"""The whole-system test kit: free ports, real processes, health waits, request recording,
clean teardown (TERM, then KILL after a timeout).

The ``system`` fixture starts the registry, the three subgraphs (each behind a recording proxy
whose URL it advertises as its routing URL) and the router following the registry.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SUBGRAPHS = ("customers", "inventory", "billing")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A started process with its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    args: list[str]
    env: dict[str, str] | None

    def stop(self, timeout: float = 10.0) -> None:
        """TERM the process group, then KILL it after ``timeout`` seconds."""
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)


@dataclass
class Processes:
    """Processes started by one fixture, stopped in reverse order."""

    workdir: Path
    started: list[Process] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Process:
        """Start ``args`` in its own process group, output to ``<workdir>/<name>.log``."""
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                args,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        process = Process(name, popen, log, args, env)
        self.started.append(process)
        return process

    def restart(self, process: Process) -> Process:
        """Start a stopped process again with the same command (replacing it in the list)."""
        process.stop()
        self.started.remove(process)
        return self.start(process.name, process.args, process.env)

    def stop_all(self) -> None:
        """Stop every process, last started first."""
        for process in reversed(self.started):
            process.stop()

    def logs(self) -> str:
        """The tail of every process log, for failure messages."""
        return "\n".join(
            f"--- {p.name} ---\n{p.log.read_text(errors='replace')[-3000:]}" for p in self.started
        )


def wait_until(check: Any, what: str, processes: Processes, timeout: float = 60.0) -> Any:
    """Call ``check()`` every 0.2 s until it returns a truthy value; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        for process in processes.started:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} exited while waiting for {what}\n{processes.logs()}")
        try:
            value = check()
            if value:
                return value
        except (httpx.HTTPError, OSError, ValueError, KeyError) as error:
            last_error = error
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what} ({last_error})\n{processes.logs()}")


@dataclass
class Subgraph:
    """One running subgraph: its own URL and the recording proxy's."""

    name: str
    url: str
    proxy_url: str
    recording: Path

    def recorded(self) -> list[dict[str, Any]]:
        """Request bodies the proxy forwarded, oldest first."""
        if not self.recording.exists():
            return []
        return [json.loads(line) for line in self.recording.read_text().splitlines() if line]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.recording.write_text("")

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ask the subgraph directly (not through the proxy); returns ``data``."""
        response = httpx.post(self.url, json={"query": query, "variables": variables or {}})
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]  # type: ignore[no-any-return]


@dataclass
class System:
    """A running Trellis: registry, subgraphs, router."""

    registry_url: str
    router_url: str
    subgraphs: dict[str, Subgraph]
    processes: Processes

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        """POST a query to the router; returns the whole JSON response."""
        response = httpx.post(
            f"{self.router_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        return response.json()  # type: ignore[no-any-return]

    def restart(self, process: Process) -> None:
        """Restart a stopped process and wait until the router answers again."""
        self.processes.restart(process)
        wait_until(
            lambda: "errors" not in self.graphql("{ invoices { items { product { name } } } }"),
            f"{process.name} back",
            self.processes,
        )


def start_subgraph(processes: Processes, name: str, registry_url: str, workdir: Path) -> Subgraph:
    """Start one subgraph behind a recording proxy; the proxy URL is its routing URL."""
    port, proxy_port = free_port(), free_port()
    recording = workdir / f"{name}.requests.jsonl"
    url = f"http://127.0.0.1:{port}/graphql"
    proxy_url = f"http://127.0.0.1:{proxy_port}/graphql"
    processes.start(
        f"{name}-proxy",
        [
            sys.executable,
            str(ROOT / "tests" / "recording_proxy.py"),
            str(proxy_port),
            url,
            str(recording),
        ],
    )
    processes.start(
        name,
        [
            sys.executable,
            "-m",
            f"trellis_{name}",
            "--port",
            str(port),
            "--registry-url",
            registry_url,
            "--routing-url",
            proxy_url,
            "--data-dir",
            str(workdir / "data"),
        ],
        env={"TRELLIS_HEARTBEAT_INTERVAL_SECONDS": "1"},
    )
    return Subgraph(name, url, proxy_url, recording)


@pytest.fixture
def new_port() -> Any:
    """The :func:`free_port` helper as a fixture."""
    return free_port


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Start the whole system on free ports; stop it at the end of the session."""
    workdir = tmp_path_factory.mktemp("system")
    processes = Processes(workdir)
    try:
        registry_port = free_port()
        registry_url = f"http://127.0.0.1:{registry_port}"
        processes.start(
            "registry",
            [
                str(BIN / "trellis-registry"),
                "serve",
                "--port",
                str(registry_port),
                "--database-url",
                f"sqlite+aiosqlite:///{workdir}/registry.db",
            ],
        )
        wait_until(
            lambda: httpx.get(f"{registry_url}/health").status_code == 200, "registry", processes
        )
        subgraphs = {
            name: start_subgraph(processes, name, registry_url, workdir) for name in SUBGRAPHS
        }
        wait_until(
            lambda: len(httpx.get(f"{registry_url}/v1/subgraphs").json()["subgraphs"]) == 3,
            "three published subgraphs",
            processes,
        )
        router_port = free_port()
        router_url = f"http://127.0.0.1:{router_port}"
        processes.start(
            "router",
            [
                str(BIN / "trellis-router"),
                "serve",
                "--registry",
                registry_url,
                "--listen",
                f"127.0.0.1:{router_port}",
            ],
            env={"TRELLIS_ROUTER_POLL_INTERVAL_SECONDS": "0.5"},
        )
        system = System(registry_url, router_url, subgraphs, processes)
        wait_until(
            lambda: "errors" not in system.graphql("{ invoices { customer { name } } }"),
            "the router serving the composed supergraph",
            processes,
        )
        yield system
    finally:
        processes.stop_all()
