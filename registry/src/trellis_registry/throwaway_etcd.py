"""A private, throwaway etcd cluster for tests.

:class:`ThrowawayEtcd` starts one or three ``etcd`` members on free ports of 127.0.0.1 (a
client and a peer port each), with their data directories in a fresh temporary directory,
waits until every member reports itself healthy, and hands out the client endpoints
(``http://127.0.0.1:PORT``). :meth:`ThrowawayEtcd.kill` kills one member with SIGKILL (the
loss of a member, for failover tests); :meth:`ThrowawayEtcd.stop` kills them all and deletes
the directory.

The temporary directory goes to ``/dev/shm`` when that is a roomy tmpfs (etcd fsyncs its
write-ahead log on every write; on tmpfs that costs nothing), else to the temporary
directory. etcd runs as the current user, root included (unlike PostgreSQL it does not
refuse root).

Tests share one single-member cluster per process through :func:`shared_etcd` and isolate
themselves with a unique key prefix; when etcd is not installed they skip, unless
``TRELLIS_REQUIRE_ETCD=1`` (CI) makes that a failure (:func:`etcd_missing_reason` tells
which).

Example::

    with ThrowawayEtcd(members=3) as cluster:
        backend = EtcdRegistryBackend(cluster.endpoints)
        ...
        cluster.kill(0)
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = [
    "REQUIRE_ETCD_ENV",
    "EtcdNotFoundError",
    "EtcdStartError",
    "ThrowawayEtcd",
    "etcd_missing_reason",
    "find_etcd",
    "shared_etcd",
]

REQUIRE_ETCD_ENV = "TRELLIS_REQUIRE_ETCD"
"""Environment variable; ``1`` turns "etcd is not installed" from a skip into a failure."""

_DEFAULT_BINARY = Path("/usr/bin/etcd")
_SHM = Path("/dev/shm")
_SHM_MIN_FREE = 1 << 30
_START_ATTEMPTS = 3
_LOG_TAIL_LINES = 30
_HEALTH_POLL_SECONDS = 0.05
_STOP_TIMEOUT_SECONDS = 10.0


class EtcdNotFoundError(RuntimeError):
    """No ``etcd`` binary was found."""


class EtcdStartError(RuntimeError):
    """The throwaway cluster did not start or did not become healthy in time."""


def find_etcd(path: str | None = None, fallback: Path = _DEFAULT_BINARY) -> Path | None:
    """Finds the etcd server binary.

    Args:
        path: The search path; ``None`` means ``$PATH``.
        fallback: Where to look when ``etcd`` is not on the search path (Debian's
            ``etcd-server`` package installs ``/usr/bin/etcd``).

    Returns:
        The binary, or ``None`` if there is none.
    """
    found = shutil.which("etcd", path=path)
    if found is not None:
        return Path(found)
    if fallback.is_file() and os.access(fallback, os.X_OK):
        return fallback
    return None


def etcd_missing_reason() -> str | None:
    """Tells why etcd-backed tests cannot run.

    Returns:
        None when the etcd binary is installed, else a message naming the package to
        install (for ``pytest.skip``, or ``pytest.fail`` when ``TRELLIS_REQUIRE_ETCD=1``).
    """
    if find_etcd() is not None:
        return None
    return (
        "etcd is not installed: no etcd on PATH and no /usr/bin/etcd "
        f"(Debian: apt-get install etcd-server); set {REQUIRE_ETCD_ENV}=1 to fail instead"
    )


def _free_port() -> int:
    """Returns a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(slots=True)
class _Member:
    """One etcd member: its name, ports, data directory, log file and process."""

    name: str
    client_port: int
    peer_port: int
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class ThrowawayEtcd:
    """A private etcd cluster of one or three members in a temporary directory.

    Call :meth:`start` (or use the object as a context manager), then read
    :attr:`endpoints`; :meth:`stop` kills every member and deletes all data.

    Args:
        members: How many members (1, or 3 for failover tests).
        binary: The etcd binary; found with :func:`find_etcd` when ``None``.
        startup_timeout: Seconds to wait for every member to report itself healthy.
        base_dir: Where to create the temporary directory; by default ``/dev/shm`` when it is
            a roomy tmpfs, else the system temporary directory.
    """

    def __init__(
        self,
        members: int = 1,
        *,
        binary: Path | None = None,
        startup_timeout: float = 30.0,
        base_dir: Path | None = None,
    ) -> None:
        if members not in (1, 3):
            raise ValueError(f"a throwaway etcd cluster has 1 or 3 members, not {members}")
        self._member_count = members
        self._binary = binary
        self._startup_timeout = startup_timeout
        self._base_dir = base_dir
        self._root: Path | None = None
        self._members: list[_Member] = []
        self._token = ""

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the cluster has been started (and not stopped); killed members count."""
        return bool(self._members)

    def start(self) -> ThrowawayEtcd:
        """Starts every member and waits until each reports itself healthy.

        Ports are chosen free; when a member loses a port to another process meanwhile, the
        cluster is started again on new ports (up to three times).

        Returns:
            ``self``.

        Raises:
            EtcdNotFoundError: If no etcd binary is found.
            EtcdStartError: If a member exits or the cluster is not healthy within
                ``startup_timeout`` seconds (the message holds the members' last log lines).
        """
        if self.running:
            return self
        binary = self._binary or find_etcd()
        if binary is None:
            raise EtcdNotFoundError(etcd_missing_reason())
        self._binary = binary
        for attempt in range(1, _START_ATTEMPTS + 1):
            atexit.register(self.stop)
            self._root = Path(tempfile.mkdtemp(prefix="trellis-etcd-", dir=self._base()))
            self._token = f"trellis-{uuid.uuid4().hex[:12]}"
            self._members = [self._new_member(index) for index in range(self._member_count)]
            try:
                for index in range(self._member_count):
                    self.start_member(index, wait=False)
                self._wait_healthy(range(self._member_count))
                return self
            except EtcdStartError:
                logs = [self.log_tail(index) for index in range(self._member_count)]
                self.stop()
                port_taken = any("address already in use" in log for log in logs)
                if not port_taken or attempt == _START_ATTEMPTS:
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Kills every member and deletes the temporary directory. Safe to call twice."""
        atexit.unregister(self.stop)
        members, self._members = self._members, []
        for member in members:
            _kill(member)
        root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> ThrowawayEtcd:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- members -----------------------------------------------------------------------------

    @property
    def endpoints(self) -> list[str]:
        """The members' client URLs (``http://127.0.0.1:PORT``), in member order, killed
        members included.

        Raises:
            RuntimeError: If the cluster is not running.
        """
        return [member.client_url for member in self._running_members()]

    def endpoint(self, member_index: int) -> str:
        """One member's client URL.

        Args:
            member_index: 0-based member index.

        Returns:
            ``http://127.0.0.1:PORT``.
        """
        return self._member(member_index).client_url

    def is_alive(self, member_index: int) -> bool:
        """Whether a member's process is running.

        Args:
            member_index: 0-based member index.
        """
        return self._member(member_index).alive

    def kill(self, member_index: int) -> None:
        """Kills one member with SIGKILL (no clean shutdown) and waits until it is gone.

        Args:
            member_index: 0-based member index.
        """
        _kill(self._member(member_index))

    def start_member(self, member_index: int, *, wait: bool = True) -> None:
        """Starts a member (again, after `kill`, on its ports and data directory).

        Args:
            member_index: 0-based member index.
            wait: Wait until the member reports itself healthy.

        Raises:
            EtcdStartError: If the member does not become healthy within ``startup_timeout``.
        """
        member = self._member(member_index)
        if member.alive:
            return
        assert self._binary is not None
        if member.log_file is not None:
            member.log_file.close()
        member.log_file = member.log_path.open("ab")
        member.process = subprocess.Popen(
            [str(self._binary), *self._arguments(member)],
            cwd=self._root,
            stdin=subprocess.DEVNULL,
            stdout=member.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self._wait_healthy([member_index])

    def leader_index(self) -> int:
        """Finds the current leader, asking the live members through etcd's JSON gateway.

        Returns:
            The 0-based index of the leader member.

        Raises:
            RuntimeError: If no live member names a leader that is one of the members.
        """
        member_ids: dict[int, int] = {}
        leader: int | None = None
        for index, member in enumerate(self._running_members()):
            if not member.alive:
                continue
            try:
                status = _post_json(f"{member.client_url}/v3/maintenance/status", {})
            except OSError:
                continue
            member_ids[int(status["header"]["member_id"])] = index
            leader = int(status.get("leader", 0)) or leader
        if leader is None or leader not in member_ids:
            raise RuntimeError("no live etcd member names a live leader")
        return member_ids[leader]

    def log_tail(self, member_index: int) -> str:
        """The last lines of a member's log.

        Args:
            member_index: 0-based member index.

        Returns:
            The lines, or a note that there is no log.
        """
        try:
            path = self._member(member_index).log_path
            with path.open(encoding="utf-8", errors="replace") as file:
                lines = file.readlines()
        except (OSError, RuntimeError):
            return "(no etcd log)"
        return "".join(lines[-_LOG_TAIL_LINES:])

    # -- internals ---------------------------------------------------------------------------

    def _base(self) -> Path:
        return self._base_dir or _default_base_dir()

    def _running_members(self) -> list[_Member]:
        if not self._members:
            raise RuntimeError("the throwaway etcd cluster is not running; call start()")
        return self._members

    def _member(self, member_index: int) -> _Member:
        members = self._running_members()
        if not 0 <= member_index < len(members):
            raise IndexError(f"no etcd member {member_index} (there are {len(members)})")
        return members[member_index]

    def _new_member(self, index: int) -> _Member:
        assert self._root is not None
        name = f"member{index}"
        return _Member(
            name=name,
            client_port=_free_port(),
            peer_port=_free_port(),
            data_dir=self._root / name,
            log_path=self._root / f"{name}.log",
        )

    def _arguments(self, member: _Member) -> list[str]:
        cluster = ",".join(f"{other.name}={other.peer_url}" for other in self._members)
        return [
            f"--name={member.name}",
            f"--data-dir={member.data_dir}",
            f"--listen-client-urls={member.client_url}",
            f"--advertise-client-urls={member.client_url}",
            f"--listen-peer-urls={member.peer_url}",
            f"--initial-advertise-peer-urls={member.peer_url}",
            f"--initial-cluster={cluster}",
            "--initial-cluster-state=new",
            f"--initial-cluster-token={self._token}",
            "--logger=zap",
            "--log-outputs=stderr",
        ]

    def _wait_healthy(self, member_indexes: Sequence[int]) -> None:
        deadline = time.monotonic() + self._startup_timeout
        pending = list(member_indexes)
        while pending:
            index = pending[0]
            member = self._member(index)
            if not member.alive:
                code = member.process.returncode if member.process is not None else None
                raise EtcdStartError(
                    f"etcd member {member.name} exited (code {code}) before it became healthy"
                    f"\n{member.name} log ({member.log_path}), last lines:\n{self.log_tail(index)}"
                )
            if _healthy(member.client_url):
                pending.pop(0)
                continue
            if time.monotonic() >= deadline:
                logs = "".join(
                    f"\n{self._member(i).name} log, last lines:\n{self.log_tail(i)}"
                    for i in pending
                )
                raise EtcdStartError(
                    f"etcd member {member.name} ({member.client_url}) was not healthy within "
                    f"{self._startup_timeout}s{logs}"
                )
            time.sleep(_HEALTH_POLL_SECONDS)


def _kill(member: _Member) -> None:
    """SIGKILLs a member's process (its whole session) and waits for it."""
    process, member.process = member.process, None
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not time out
            process.kill()
    if member.log_file is not None:
        member.log_file.close()
        member.log_file = None


def _healthy(client_url: str) -> bool:
    """Whether a member answers ``GET /health`` with ``{"health": "true"}``.

    Spec: etcd's ``/health`` endpoint is true when the member has a leader and can serve a
    linearizable read.
    """
    try:
        with urllib.request.urlopen(f"{client_url}/health", timeout=2.0) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("health") == "true"


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POSTs a JSON body to etcd's gRPC gateway and returns the decoded answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=2.0) as response:
        answer = json.loads(response.read())
    if not isinstance(answer, dict):
        raise OSError(f"unexpected answer from {url}: {answer!r}")
    return answer


def _default_base_dir() -> Path:
    """A roomy writable tmpfs (``/dev/shm``) if there is one, else the temporary directory."""
    try:
        stat = os.statvfs(_SHM)
    except OSError:
        return Path(tempfile.gettempdir())
    roomy = stat.f_bavail * stat.f_frsize >= _SHM_MIN_FREE
    if roomy and os.access(_SHM, os.W_OK | os.X_OK):
        return _SHM
    return Path(tempfile.gettempdir())


_shared: ThrowawayEtcd | None = None
_shared_lock = threading.Lock()


def shared_etcd() -> ThrowawayEtcd:
    """Returns a single-member throwaway etcd shared by the whole process.

    Started on first use and stopped when the process exits, so a test session pays for one
    etcd start; tests isolate themselves with a unique key prefix.

    Returns:
        The running cluster.

    Raises:
        EtcdNotFoundError: If no etcd binary is found.
        EtcdStartError: If it does not start.
    """
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = ThrowawayEtcd(members=1).start()
        return _shared
