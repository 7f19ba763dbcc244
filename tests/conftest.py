"""The whole-system test kit: free ports, real processes, health waits, request recording,
clean teardown (TERM, then KILL after a timeout).

The ``system`` fixture starts the registry, the four subgraphs (each behind a recording proxy
whose URL it advertises as its routing URL) and the router following the registry, every
subgraph on its default SQLite database; ``system_postgres`` starts the same on PostgreSQL (one
database per subgraph on a throwaway cluster).
"""

from __future__ import annotations

import asyncio
import contextlib
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
SUBGRAPHS = ("customers", "inventory", "billing", "orders")
READY_QUERY = "{ invoices(first: 1) { nodes { customer { name } items { product { name } } } } }"
ROUTER_CONFIG = ROOT / "config" / "defaults" / "router.yml"
"""The router settings ``make up`` serves from the config server (policies, header rules); the
JWT section comes from the environment (:func:`router_auth_env`, like the Procfile)."""
DEMO_PASSWORDS = {
    "admin": "trellis-admin-demo",
    "clerk": "trellis-clerk-demo",
    "ada": "trellis-ada-demo",
    "grace": "trellis-grace-demo",
}
"""The demo accounts the customers subgraph seeds (README), by username."""
CONFIG_ENCRYPT_KEY = "tL0oG3sQ2x7pJv1hYk9cW4nR8uE6aZ5bD0fM2iT7qXs="
"""The config servers' Fernet key in these tests (``{cipher}`` values: POST /encrypt)."""
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    accessToken refreshToken expiresIn account { id username roles customer { id } }
  }
}
"""
SUBGRAPH_ENV = {
    "TRELLIS_HEARTBEAT_INTERVAL_SECONDS": "1",
    "TRELLIS_PEER_CACHE_SECONDS": "1",
    "TRELLIS_SAGA_RECOVERY_INTERVAL_SECONDS": "0.5",
    "TRELLIS_OUTBOX_INTERVAL_SECONDS": "0.5",
}


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

    def recorded_headers(self) -> list[dict[str, str]]:
        """Headers of the requests the proxy forwarded (lower-case names), oldest first."""
        path = self.recording.with_name(self.recording.name + ".headers")
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.recording.write_text("")
        self.recording.with_name(self.recording.name + ".headers").write_text("")

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ask the subgraph directly (not through the proxy); returns ``data``."""
        response = httpx.post(
            self.url, json={"query": query, "variables": variables or {}}, timeout=30
        )
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
    config_url: str | None = None
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)

    def login(self, username: str, password: str | None = None) -> dict[str, Any]:
        """Log in through the router (``password`` defaults to the demo account's); returns
        the ``login`` payload. Raises ``ValueError`` when the router answers with errors."""
        body = httpx.post(
            f"{self.router_url}/graphql",
            json={
                "query": LOGIN,
                "variables": {
                    "username": username,
                    "password": password if password is not None else DEMO_PASSWORDS[username],
                },
            },
            timeout=30,
        ).json()
        if body.get("errors") or not body.get("data"):
            raise ValueError(f"login of {username} failed: {body}")
        return body["data"]["login"]  # type: ignore[no-any-return]

    def token(self, username: str = "admin") -> str:
        """An access token of a demo account, logged in once and renewed a minute before it
        expires."""
        cached = self._tokens.get(username)
        if cached is not None and cached[1] > time.monotonic() + 60:
            return cached[0]
        payload = self.login(username)
        token = payload["accessToken"]
        self._tokens[username] = (token, time.monotonic() + payload["expiresIn"])
        return token  # type: ignore[no-any-return]

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: str | None = "admin",
        **headers: str,
    ) -> dict[str, Any]:
        """POST a query to the router; returns the whole JSON response.

        The request carries the access token of the demo account ``as_user`` (the admin by
        default: every scope) unless ``as_user`` is None (anonymous) or an ``authorization``
        header is given."""
        if as_user is not None and not any(name.lower() == "authorization" for name in headers):
            headers = {**headers, "authorization": f"Bearer {self.token(as_user)}"}
        response = httpx.post(
            f"{self.router_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        return response.json()  # type: ignore[no-any-return]

    def process(self, name: str) -> Process:
        """The running process called ``name`` (``inventory``, ``inventory-proxy``, ...)."""
        return next(p for p in self.processes.started if p.name == name)

    def restart(self, process: Process) -> None:
        """Restart a stopped process and wait until the router answers again."""
        self.processes.restart(process)
        wait_until(
            lambda: "errors" not in self.graphql(READY_QUERY),
            f"{process.name} back",
            self.processes,
        )


def start_subgraph(
    processes: Processes,
    name: str,
    registry_url: str,
    workdir: Path,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
) -> Subgraph:
    """Start one subgraph behind a recording proxy; the proxy URL is its routing URL.

    ``env`` adds to `SUBGRAPH_ENV` (e.g. ``TRELLIS_CONFIG_URL``)."""
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
            *(["--database-url", database_url] if database_url else []),
        ],
        env={**SUBGRAPH_ENV, **(env or {})},
    )
    return Subgraph(name, url, proxy_url, recording)


def start_config_server(processes: Processes, workdir: Path, port: int | None = None) -> str:
    """Start ``trellis-config serve`` on ``port`` (a free one when None) with its git
    repository in ``<workdir>/config-repo`` (created from ``config/defaults/``); returns its
    base URL once it answers."""
    port = port if port is not None else free_port()
    processes.start(
        "config",
        [
            str(BIN / "trellis-config"),
            "serve",
            "--port",
            str(port),
            "--repository",
            str(workdir / "config-repo"),
        ],
        env={
            "TRELLIS_CONFIG_SERVER_SCAN_INTERVAL_SECONDS": "0.25",
            "TRELLIS_CONFIG_SERVER_ENCRYPT_KEY": CONFIG_ENCRYPT_KEY,
        },
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/health").status_code == 200, "config server", processes)
    return url


def router_auth_env(customers: Subgraph) -> dict[str, str]:
    """The router's JWT settings for the JWKS of ``customers`` (as the Procfile gives them)."""
    origin = customers.url.removesuffix("/graphql")
    jwt = {
        "jwks": [{"url": f"{origin}/.well-known/jwks.json", "poll_interval_seconds": 5}],
        "issuers": ["trellis"],
        "audiences": ["trellis-router"],
        "algorithms": ["ES256", "RS256"],
    }
    return {"TRELLIS_ROUTER_AUTHENTICATION__JWT": json.dumps(jwt)}


def start_router(
    processes: Processes, registry_url: str, env: dict[str, str], customers: Subgraph
) -> str:
    """Start ``trellis-router serve`` following ``registry_url`` on a free port, without
    waiting for it, with the settings ``make up`` gives it (:data:`ROUTER_CONFIG`, the JWKS of
    ``customers``); returns its base URL."""
    port = free_port()
    processes.start(
        "router",
        [
            str(BIN / "trellis-router"),
            "serve",
            "--config",
            str(ROUTER_CONFIG),
            "--registry",
            registry_url,
            "--listen",
            f"127.0.0.1:{port}",
        ],
        env={
            "TRELLIS_ROUTER_POLL_INTERVAL_SECONDS": "0.5",
            **router_auth_env(customers),
            **env,
        },
    )
    return f"http://127.0.0.1:{port}"


def start_web(
    processes: Processes, dist: Path, router_url: str, registry_url: str, port: int | None = None
) -> str:
    """Start ``trellis-web serve`` for the build in ``dist`` on ``port`` (a free one when None),
    pointing the app at ``router_url`` (base URL) and linking ``registry_url``; returns its base
    URL once it answers."""
    port = port if port is not None else free_port()
    processes.start(
        "web",
        [
            str(BIN / "trellis-web"),
            "serve",
            "--port",
            str(port),
            "--dist",
            str(dist),
            "--router-url",
            f"{router_url}/graphql",
            "--registry-url",
            f"{registry_url}/",
        ],
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/health").status_code == 200, "trellis-web", processes)
    return url


@pytest.fixture
def new_port() -> Any:
    """The :func:`free_port` helper as a fixture."""
    return free_port


@contextlib.contextmanager
def start_system(
    workdir: Path,
    database_urls: dict[str, str] | None = None,
    *,
    with_config_server: bool = False,
    registry_args: list[str] | None = None,
    router_env: dict[str, str] | None = None,
) -> Iterator[System]:
    """Start registry, subgraphs and router on free ports; stop them all on exit.

    Args:
        workdir: Directory for logs, recordings and SQLite files.
        database_urls: Subgraph name to database URL; SQLite files in ``workdir`` when omitted.
        with_config_server: Also start the config server; every service then reads its
            settings from it (``TRELLIS_CONFIG_URL``); ``System.config_url`` names it.
        registry_args: Replace the registry's store options (default: a SQLite file in
            ``workdir``), e.g. ``["--etcd-endpoint", "http://127.0.0.1:2379"]``.
        router_env: Extra environment of the router (e.g. ``TRELLIS_ROUTER_CORS_ALLOW_ORIGINS``).
    """
    processes = Processes(workdir)
    try:
        config_url = start_config_server(processes, workdir) if with_config_server else None
        service_env = {"TRELLIS_CONFIG_URL": config_url} if config_url else {}
        registry_port = free_port()
        registry_url = f"http://127.0.0.1:{registry_port}"
        processes.start(
            "registry",
            [
                str(BIN / "trellis-registry"),
                "serve",
                "--port",
                str(registry_port),
                *(
                    registry_args
                    if registry_args is not None
                    else ["--database-url", f"sqlite+aiosqlite:///{workdir}/registry.db"]
                ),
            ],
            env=service_env,
        )
        wait_until(
            lambda: httpx.get(f"{registry_url}/health").status_code == 200, "registry", processes
        )
        subgraphs = {
            name: start_subgraph(
                processes,
                name,
                registry_url,
                workdir,
                (database_urls or {}).get(name),
                env=service_env,
            )
            for name in SUBGRAPHS
        }
        wait_until(
            lambda: (
                len(httpx.get(f"{registry_url}/v1/subgraphs").json()["subgraphs"]) == len(SUBGRAPHS)
            ),
            "every subgraph published",
            processes,
        )
        router_url = start_router(
            processes, registry_url, {**service_env, **(router_env or {})}, subgraphs["customers"]
        )
        system = System(registry_url, router_url, subgraphs, processes, config_url)
        wait_until(
            lambda: "errors" not in system.graphql(READY_QUERY),
            "the router serving the composed supergraph",
            processes,
        )
        yield system
    finally:
        processes.stop_all()


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system on SQLite, for the session."""
    with start_system(tmp_path_factory.mktemp("system")) as running:
        yield running


@pytest.fixture(scope="session")
def system_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system with every subgraph on its own PostgreSQL database, for the session.

    Skipped without PostgreSQL binaries unless ``TRELLIS_REQUIRE_POSTGRES=1`` (CI).
    """
    from trellis_subgraph.throwaway_postgres import (
        EXISTING_SERVER_ENV,
        ThrowawayPostgres,
        find_postgres_bin,
    )

    if not os.environ.get(EXISTING_SERVER_ENV) and find_postgres_bin() is None:
        reason = "PostgreSQL server binaries not found"
        if os.environ.get("TRELLIS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}, but TRELLIS_REQUIRE_POSTGRES=1 requires PostgreSQL tests")
        pytest.skip(reason)
    with ThrowawayPostgres() as server:
        urls = {name: asyncio.run(server.create_database(f"system_{name}")) for name in SUBGRAPHS}
        with start_system(tmp_path_factory.mktemp("system_postgres"), urls) as running:
            yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def any_system(request: pytest.FixtureRequest) -> System:
    """The whole system on SQLite, then on PostgreSQL."""
    name = "system" if request.param == "sqlite" else "system_postgres"
    running: System = request.getfixturevalue(name)
    return running
