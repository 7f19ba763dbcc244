"""Several router processes on one address: ``trellis-router serve --workers N``.

The router is CPU-bound Python, so one process uses one core. With ``--workers N`` (N > 1) the
process that ran ``serve`` becomes a supervisor of N worker processes, each a whole router: its
own event loop, app, state, plan cache and subgraph connection pool. How it works:

1. The supervisor checks HOST:PORT is free with a plain bind (``EADDRINUSE``, "Address already
   in use", when anything listens there), then holds the port with a socket bound with
   ``SO_REUSEPORT`` that never listens: it gets no connections, fixes the port when it was 0,
   and keeps the address reserved while workers restart.
2. It forks the workers after the settings and the supergraph are loaded and before any event
   loop, thread or aiohttp session exists (a forked process gets a copy of the parent's memory
   but only the forking thread). Each worker binds its own listening socket to the address
   with ``SO_REUSEPORT``, builds its router and serves; the kernel spreads new connections
   over the listening sockets of the group (hashing the connection's addresses and ports).
3. The supervisor never serves a request. On SIGTERM or SIGINT it sends SIGTERM to every
   worker (each does its own graceful shutdown), waits for them, and exits 0 when all exited
   cleanly. A worker that exits while no stop was asked is restarted, at most once a second per
   worker slot. A worker whose supervisor is gone (killed with SIGKILL) stops itself
   gracefully: it watches a pipe whose write end only the supervisor holds.

SIGINT is passed on as SIGTERM: a Ctrl-C in a terminal already reaches every process of the
foreground group, and uvicorn takes a second SIGINT as "quit now, skip the graceful shutdown".

Platforms: ``SO_REUSEPORT`` load spreading is Linux's (3.9+) and DragonFly BSD's; macOS and the
other BSDs accept the option but may hand every connection to one socket; without the option
at all, :func:`reserve_address` raises :class:`OSError`.

Example:
    >>> def worker(sock: socket.socket) -> None:
    ...     uvicorn.Server(uvicorn.Config(app)).run(sockets=[sock])  # doctest: +SKIP
    >>> status = run_workers("127.0.0.1", 4000, 4, worker)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import NoReturn

import structlog

__all__ = [
    "BACKLOG",
    "RESTART_INTERVAL_SECONDS",
    "WorkerMain",
    "listening_socket",
    "reserve_address",
    "run_workers",
]

_log = logging.getLogger(__name__)

WorkerMain = Callable[[socket.socket], None]
"""Runs one worker's router on its listening socket (in the worker process) and returns, or
raises ``SystemExit(0)``, after a graceful shutdown; any other outcome is a failed worker."""

RESTART_INTERVAL_SECONDS = 1.0
"""The shortest time between two starts of a worker in the same slot, in seconds."""

BACKLOG = 2048
"""Pending connections each worker's socket queues (uvicorn's default backlog)."""

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def reserve_address(host: str, port: int) -> socket.socket:
    """Check that nothing listens on HOST:PORT and hold the address for the workers.

    Args:
        host: an IPv4 or IPv6 address, or a host name.
        port: the TCP port; 0 lets the kernel pick one (read it from ``getsockname()``).

    Returns:
        A socket bound to the address with ``SO_REUSEPORT`` and not listening (it receives no
        connection); close it when the workers are done.

    Raises:
        OSError: the address is in use (``errno.EADDRINUSE``), cannot be bound, or the
            platform has no ``SO_REUSEPORT`` (``errno.ENOPROTOOPT``).
    """
    family = _family(host)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    reserved = socket.socket(family, socket.SOCK_STREAM)
    try:
        _share_port(reserved)
        reserved.bind((host, port))
    except OSError:
        reserved.close()
        raise
    return reserved


def listening_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A socket listening on HOST:PORT with ``SO_REUSEPORT``, for one worker.

    Args:
        host: the address the supervisor reserved.
        port: its port (not 0: every worker must listen on the same port).
        backlog: pending connections to queue.

    Returns:
        The listening socket.

    Raises:
        OSError: the address cannot be bound (another user's socket holds it) or the platform
            has no ``SO_REUSEPORT``.
    """
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        _share_port(sock)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def run_workers(
    host: str,
    port: int,
    count: int,
    worker: WorkerMain,
    *,
    stop_timeout_seconds: float | None = None,
    restart_interval_seconds: float = RESTART_INTERVAL_SECONDS,
) -> int:
    """Serve HOST:PORT with ``count`` forked worker processes until SIGTERM or SIGINT.

    Call it from the main thread of a process that runs no event loop and no other thread.
    The signal handlers of SIGTERM, SIGINT and SIGCHLD are replaced while it runs and restored
    after.

    Args:
        host: the address to listen on.
        port: the port (0: one the kernel picks, the same for every worker).
        count: how many workers (at least 1).
        worker: runs in each worker process with its listening socket (see :data:`WorkerMain`).
        stop_timeout_seconds: after a stop signal, how long to wait for the workers before
            killing them (SIGKILL), in seconds; None waits as long as they take.
        restart_interval_seconds: the shortest time between two starts of a worker in one
            slot, in seconds.

    Returns:
        The supervisor's exit status: 0 when every worker exited with status 0 after the stop
        signal, 1 when one failed or had to be killed.

    Raises:
        OSError: the address is in use or cannot be bound (raised before any fork).
        ValueError: ``count`` is below 1.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    with reserve_address(host, port) as reserved:
        address: tuple[str, int] = reserved.getsockname()[:2]
        shown = f"[{address[0]}]" if ":" in address[0] else address[0]
        _log.info("router: %d workers on %s:%d", count, shown, address[1])
        supervisor = _Supervisor(
            reserved, address, worker, count, stop_timeout_seconds, restart_interval_seconds
        )
        return supervisor.run()


@dataclass(slots=True)
class _Slot:
    """One worker position: its current process (if any) and when it may start again."""

    number: int
    pid: int | None = None
    started: float = float("-inf")
    due: float | None = 0.0
    """Monotonic time from which the slot's worker may be started; None while one runs."""


class _Supervisor:
    """The supervisor's loop: start workers, restart the ones that die, stop them on a signal.

    Signal handlers only set flags; a self-pipe (``signal.set_wakeup_fd``) wakes the loop, which
    does the work (fork, kill, reap) outside any handler.
    """

    def __init__(
        self,
        reserved: socket.socket,
        address: tuple[str, int],
        worker: WorkerMain,
        count: int,
        stop_timeout_seconds: float | None,
        restart_interval_seconds: float,
    ) -> None:
        self._reserved = reserved
        self._address = address
        self._worker = worker
        self._slots = [_Slot(number) for number in range(1, count + 1)]
        self._stop_timeout = stop_timeout_seconds
        self._restart_interval = restart_interval_seconds
        self._stop_signal: int | None = None
        self._stop_deadline: float | None = None
        self._killed = False
        self._failed = False
        self._wake_read, self._wake_write = os.pipe()
        self._alive_read, self._alive_write = os.pipe()

    def run(self) -> int:
        """Supervise until every worker has stopped after a stop signal.

        Returns:
            0 when every worker stopped cleanly, else 1.
        """
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        previous = {number: signal.getsignal(number) for number in (*_STOP_SIGNALS, signal.SIGCHLD)}
        previous_wakeup = signal.set_wakeup_fd(self._wake_write, warn_on_full_buffer=False)
        try:
            for number in _STOP_SIGNALS:
                signal.signal(number, self._on_stop)
            signal.signal(signal.SIGCHLD, _wake_only)
            while self._step():
                self._sleep()
        finally:
            signal.set_wakeup_fd(previous_wakeup)
            for number, handler in previous.items():
                signal.signal(number, handler)
            for fd in (self._wake_read, self._wake_write, self._alive_read, self._alive_write):
                os.close(fd)
        return 1 if self._failed else 0

    def _on_stop(self, number: int, _frame: FrameType | None) -> None:
        if self._stop_signal is None:
            self._stop_signal = number

    def _step(self) -> bool:
        """One pass: reap, then start or stop workers. False once all stopped after a stop."""
        self._reap()
        now = time.monotonic()
        running = [slot for slot in self._slots if slot.pid is not None]
        if self._stop_signal is None:
            for slot in self._slots:
                if slot.due is not None and slot.due <= now:
                    self._start(slot)
            return True
        if not running:
            return False
        if self._stop_deadline is None:
            name = signal.Signals(self._stop_signal).name
            _log.info("router: %s received, stopping %d workers", name, len(running))
            timeout = self._stop_timeout
            self._stop_deadline = now + timeout if timeout is not None else float("inf")
            self._signal(running, signal.SIGTERM)
        elif now >= self._stop_deadline and not self._killed:
            _log.error("router: %d workers still running, killing them", len(running))
            self._killed = True
            self._failed = True
            self._signal(running, signal.SIGKILL)
        return True

    def _sleep(self) -> None:
        """Wait for a signal (a child exited, a stop) or the next restart or stop deadline."""
        now = time.monotonic()
        if self._stop_signal is not None:
            wake = self._stop_deadline if not self._killed else None
        else:
            pending = [slot.due for slot in self._slots if slot.due is not None]
            wake = min(pending) if pending else None
        timeout = None if wake is None or wake == float("inf") else max(0.0, wake - now)
        select.select([self._wake_read], [], [], timeout)
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_read, 512):
                pass

    def _reap(self) -> None:
        """Collect exited workers; schedule a restart of the ones that were not asked to stop."""
        while True:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = next((slot for slot in self._slots if slot.pid == pid), None)
            if slot is None:
                continue
            slot.pid = None
            code = os.waitstatus_to_exitcode(wait_status)
            if self._stop_signal is not None:
                if code != 0:
                    self._failed = True
                    _log.error("router: worker %d (pid %d) %s", slot.number, pid, _ended(code))
                continue
            slot.due = max(time.monotonic(), slot.started + self._restart_interval)
            _log.error(
                "router: worker %d (pid %d) %s; restarting it",
                slot.number,
                pid,
                _ended(code),
                extra={"worker": slot.number, "pid": pid, "status": code},
            )

    def _start(self, slot: _Slot) -> None:
        # Stop signals stay blocked across the fork, so one arriving meanwhile is delivered to
        # the parent's flag or, in the child, to the worker's own handler once it is set.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:
            self._serve(slot, mask)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        slot.pid, slot.started, slot.due = pid, time.monotonic(), None
        _log.info("router: worker %d started (pid %d)", slot.number, pid)

    def _signal(self, slots: list[_Slot], number: int) -> None:
        for slot in slots:
            if slot.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(slot.pid, number)

    def _serve(self, slot: _Slot, mask: set[int | signal.Signals]) -> NoReturn:
        """The worker process: become a plain process again, listen, run ``worker``, exit."""
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for number in _STOP_SIGNALS:
                signal.signal(number, _stop_worker)
            for fd in (self._wake_read, self._wake_write, self._alive_write):
                os.close(fd)
            self._reserved.close()
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            structlog.contextvars.bind_contextvars(worker=slot.number)
            _stop_with_supervisor(self._alive_read)
            sock = listening_socket(*self._address)
            self._worker(sock)
            status = 0
        except SystemExit as exit_:
            status = _exit_status(exit_.code)
        except BaseException:
            _log.exception("router: worker %d failed", slot.number)
        finally:
            with contextlib.suppress(BaseException):
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)


def _stop_with_supervisor(alive: int) -> None:
    """Send this worker SIGTERM when the supervisor is gone (``alive`` reads end of file)."""

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(alive, 1):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def _stop_worker(_number: int, _frame: FrameType | None) -> None:
    """A worker's SIGTERM/SIGINT outside uvicorn's handler (before it serves, after its graceful
    shutdown): exit with status 0."""
    raise SystemExit(0)


def _wake_only(_number: int, _frame: FrameType | None) -> None:
    """SIGCHLD: nothing to do here; the wakeup fd wakes the supervisor's loop."""


def _share_port(sock: socket.socket) -> None:
    reuse_port = getattr(socket, "SO_REUSEPORT", None)
    if reuse_port is None:
        raise OSError(errno.ENOPROTOOPT, "SO_REUSEPORT is not available on this platform")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, reuse_port, 1)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _ended(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
