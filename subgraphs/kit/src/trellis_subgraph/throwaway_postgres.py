"""A private, throwaway PostgreSQL cluster for tests.

:class:`ThrowawayPostgres` runs ``initdb`` in a fresh temporary directory, starts the server on
a free port of 127.0.0.1 with durability switched off (the data is thrown away), and hands out
empty databases as SQLAlchemy async URLs (``postgresql+asyncpg://``). When the environment
variable ``TRELLIS_TEST_POSTGRES_URL`` names an admin URL of an existing server, nothing is
started and the databases are created on that server instead.

The temporary directory goes to ``/dev/shm`` when that is a roomy tmpfs (creating a database
costs ~20 ms there instead of ~200 ms on a slow disk), else to the temporary directory.
PostgreSQL refuses to run as root: when the current user is root, the temporary directory is
given to the ``postgres`` system user and the server binaries run as that user.

Example::

    with ThrowawayPostgres() as server:
        url = await server.create_database()
        ...
        await server.drop_database(make_url(url).database)
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url

__all__ = [
    "EXISTING_SERVER_ENV",
    "PostgresNotFoundError",
    "PostgresStartError",
    "ThrowawayPostgres",
    "find_postgres_bin",
]

EXISTING_SERVER_ENV = "TRELLIS_TEST_POSTGRES_URL"
"""Environment variable naming the admin URL of an existing server to use instead."""

_SYSTEM_USER = "postgres"
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_PORT_ATTEMPTS = 3
_SHM = Path("/dev/shm")
_SHM_MIN_FREE = 1 << 30
_LOG_TAIL_LINES = 30
_VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class PostgresNotFoundError(RuntimeError):
    """No PostgreSQL server binaries (``initdb``, ``pg_ctl``) were found."""


class PostgresStartError(RuntimeError):
    """The throwaway cluster could not be initialised or started."""


def find_postgres_bin(
    path: str | None = None, lib_root: Path = Path("/usr/lib/postgresql")
) -> Path | None:
    """Find the directory holding the PostgreSQL server binaries.

    ``initdb`` and ``pg_ctl`` on ``PATH`` win (symlinks are resolved, so the directory is the
    real one that also holds ``postgres``); otherwise the newest ``<lib_root>/<version>/bin``
    holding both (Debian's layout, which does not put them on ``PATH``).

    Args:
        path: The search path; ``None`` means ``$PATH``.
        lib_root: Where versioned installations live.

    Returns:
        The directory, or ``None`` if there is none.
    """
    initdb = shutil.which("initdb", path=path)
    if initdb is not None:
        directory = Path(initdb).resolve().parent
        if (directory / "pg_ctl").exists():
            return directory
    candidates = [
        bin_dir
        for bin_dir in lib_root.glob("*/bin")
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists()
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda bin_dir: _version_key(bin_dir.parent.name))


def _version_key(version: str) -> tuple[int, ...]:
    """Sort key for a version directory name such as ``15`` or ``9.6``."""
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _quote_identifier(name: str) -> str:
    """Quote a database name for SQL."""
    return '"' + name.replace('"', '""') + '"'


def _asyncpg_dsn(url: URL) -> str:
    """Render a SQLAlchemy URL as a plain ``postgresql://`` DSN for asyncpg."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temporary directory, or an existing server.

    Call :meth:`start` (or use the object as a context manager), then :meth:`create_database`
    for each test; :meth:`stop` stops the server and deletes all its data.

    Args:
        existing_url: Admin URL of an existing server (any ``postgresql`` driver spelling);
            nothing is started and databases are created there.
        use_env: When ``existing_url`` is ``None``, read it from ``TRELLIS_TEST_POSTGRES_URL``.
        bin_dir: Directory of the server binaries; found with :func:`find_postgres_bin` when
            ``None``.
        startup_timeout: Seconds to wait for the server to accept connections.
        base_dir: Where to create the temporary directory; by default ``/dev/shm`` when it is
            a roomy tmpfs (creating a database there is ~10x faster than on disk), else the
            system temporary directory (``/tmp`` when running as root and that directory is
            not reachable by the ``postgres`` user).
    """

    def __init__(
        self,
        existing_url: str | None = None,
        *,
        use_env: bool = True,
        bin_dir: Path | None = None,
        startup_timeout: float = 60.0,
        base_dir: Path | None = None,
    ) -> None:
        if existing_url is None and use_env:
            existing_url = os.environ.get(EXISTING_SERVER_ENV) or None
        self._existing = (
            make_url(existing_url).set(drivername="postgresql+asyncpg") if existing_url else None
        )
        self._bin_dir = bin_dir
        self._startup_timeout = startup_timeout
        self._base_dir = base_dir
        self._root: Path | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def external(self) -> bool:
        """Whether this uses an existing server rather than a throwaway cluster."""
        return self._existing is not None

    @property
    def running(self) -> bool:
        """Whether databases can be created (started, or using an existing server)."""
        return self.external or self._port is not None

    def start(self) -> ThrowawayPostgres:
        """Initialise and start the cluster (does nothing for an existing server).

        Returns:
            ``self``.

        Raises:
            PostgresNotFoundError: If no server binaries are found.
            PostgresStartError: If ``initdb`` fails or the server does not start in time.
        """
        if self.running:
            return self
        bin_dir = self._bin_dir or find_postgres_bin()
        if bin_dir is None:
            raise PostgresNotFoundError(
                "PostgreSQL server binaries not found: no initdb on PATH and no "
                "/usr/lib/postgresql/*/bin; install PostgreSQL (Debian: apt-get install "
                f"postgresql) or set {EXISTING_SERVER_ENV} to an existing server's admin URL"
            )
        self._bin_dir = bin_dir
        self._root = self._make_root()
        atexit.register(self.stop)
        try:
            self._initdb(bin_dir)
            self._start_server(bin_dir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server immediately and delete its directory (nothing for an existing one).

        Safe to call more than once.
        """
        atexit.unregister(self.stop)
        root, self._root = self._root, None
        if root is None:
            return
        if self._port is not None:
            self._port = None
            if self._bin_dir is not None and (root / "data" / "postmaster.pid").exists():
                self._run(
                    [
                        str(self._bin_dir / "pg_ctl"),
                        "stop",
                        "-D",
                        str(root / "data"),
                        "-m",
                        "immediate",
                    ],
                    cwd=root,
                    timeout=30,
                )
        shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- URLs --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port of the server.

        Raises:
            RuntimeError: If the server is not running.
        """
        return self._admin().port or 5432

    @property
    def admin_url(self) -> str:
        """SQLAlchemy async URL of the ``postgres`` database, e.g.
        ``postgresql+asyncpg://postgres@127.0.0.1:54321/postgres``.

        Raises:
            RuntimeError: If the server is not running.
        """
        return self._admin().render_as_string(hide_password=False)

    def url_for(self, name: str) -> str:
        """SQLAlchemy async URL of database ``name`` on this server.

        Args:
            name: The database name.

        Returns:
            The ``postgresql+asyncpg://`` URL.

        Raises:
            RuntimeError: If the server is not running.
        """
        return self._admin().set(database=name).render_as_string(hide_password=False)

    # -- databases ---------------------------------------------------------------------------

    async def create_database(self, name: str | None = None) -> str:
        """Create an empty database.

        Args:
            name: Its name (letters, digits and ``_``); a unique ``trellis_test_…`` name when
                ``None``.

        Returns:
            Its SQLAlchemy async URL.

        Raises:
            ValueError: If ``name`` is not a plain identifier.
            RuntimeError: If the server is not running.
        """
        if name is None:
            name = f"trellis_test_{uuid.uuid4().hex[:16]}"
        _check_name(name)
        connection = await self._connect_admin()
        try:
            await connection.execute(f"CREATE DATABASE {_quote_identifier(name)}")
        finally:
            await connection.close()
        return self.url_for(name)

    async def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting its sessions first; no error if it does not exist.

        Args:
            name: The database name.

        Raises:
            ValueError: If ``name`` is not a plain identifier.
            RuntimeError: If the server is not running.
        """
        _check_name(name)
        connection = await self._connect_admin()
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            force = " WITH (FORCE)" if connection.get_server_version().major >= 13 else ""
            await connection.execute(f"DROP DATABASE IF EXISTS {_quote_identifier(name)}{force}")
        finally:
            await connection.close()

    async def database_exists(self, name: str) -> bool:
        """Whether a database of that name exists.

        Args:
            name: The database name.

        Returns:
            ``True`` if it exists.

        Raises:
            RuntimeError: If the server is not running.
        """
        connection = await self._connect_admin()
        try:
            found = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        finally:
            await connection.close()
        return found is not None

    @asynccontextmanager
    async def temporary_database(self, name: str | None = None) -> AsyncIterator[str]:
        """Create a database for the block and drop it afterwards.

        Args:
            name: Its name; unique when ``None``.

        Yields:
            Its SQLAlchemy async URL.
        """
        url = await self.create_database(name)
        try:
            yield url
        finally:
            await self.drop_database(make_url(url).database or "")

    # -- internals ---------------------------------------------------------------------------

    def _admin(self) -> URL:
        if self._existing is not None:
            return self._existing
        if self._port is None:
            raise RuntimeError("the throwaway PostgreSQL server is not running; call start()")
        return URL.create(
            "postgresql+asyncpg",
            username=_SYSTEM_USER,
            host="127.0.0.1",
            port=self._port,
            database="postgres",
        )

    async def _connect_admin(self) -> Any:
        return await asyncpg.connect(_asyncpg_dsn(self._admin()), timeout=30)

    @staticmethod
    def _system_user() -> pwd.struct_passwd | None:
        """The user to run the binaries as when running as root, else ``None``."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(_SYSTEM_USER)
        except KeyError:
            raise PostgresStartError(
                f"running as root, and PostgreSQL refuses to run as root, but there is no "
                f"{_SYSTEM_USER!r} system user to run it as"
            ) from None

    def _make_root(self) -> Path:
        """Create the temporary directory, owned by the user the server will run as."""
        user = self._system_user()
        base = self._base_dir or _default_base_dir(others_must_enter=user is not None)
        root = Path(tempfile.mkdtemp(prefix="trellis-pg-", dir=base))
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        return root

    def _run(
        self, args: list[str], *, cwd: Path, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run a server binary (as the ``postgres`` user when root), capturing its output."""
        user = self._system_user()
        extra: dict[str, Any] = {}
        if user is not None:
            runuser = shutil.which("runuser")
            if runuser is not None:
                args = [runuser, "-u", user.pw_name, "--", *args]
            else:
                extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        return subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            **extra,
        )

    def _initdb(self, bin_dir: Path) -> None:
        assert self._root is not None
        data = self._root / "data"
        result = self._run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                _SYSTEM_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=self._root,
            timeout=120,
        )
        if result.returncode != 0:
            raise PostgresStartError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )
        settings = "".join(f"{key} = {value}\n" for key, value in _SETTINGS.items())
        socket_dir = str(self._root).replace("'", "''")
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\n# trellis throwaway settings\n{settings}")
            conf.write(f"unix_socket_directories = '{socket_dir}'\n")

    def _start_server(self, bin_dir: Path) -> None:
        assert self._root is not None
        log = self._root / "server.log"
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = _free_port()
            result = self._run(
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self._root / "data"),
                    "-l",
                    str(log),
                    "-o",
                    f"-p {port}",
                    "-w",
                    "-t",
                    str(max(1, round(self._startup_timeout))),
                ],
                cwd=self._root,
                timeout=self._startup_timeout + 30,
            )
            tail = _tail(log)
            if result.returncode == 0 and _accepts_connections(port, timeout=5.0):
                self._port = port
                return
            if attempt < _PORT_ATTEMPTS and "could not bind" in tail:
                continue  # someone took the port meanwhile: try another one
            self._port = port  # so that stop() tries to stop whatever did start
            raise PostgresStartError(
                f"PostgreSQL did not start on 127.0.0.1:{port} within {self._startup_timeout}s "
                f"(pg_ctl exit {result.returncode}).\npg_ctl output:\n{result.stdout}"
                f"{result.stderr}\nserver log ({log}), last lines:\n{tail}"
            )


def _check_name(name: str) -> None:
    if not _VALID_NAME.fullmatch(name):
        raise ValueError(f"not a plain database name: {name!r}")


def _default_base_dir(*, others_must_enter: bool) -> Path:
    """A roomy writable tmpfs (``/dev/shm``) if there is one, else the temporary directory.

    Args:
        others_must_enter: Whether the directory must be reachable by other users (the
            ``postgres`` user, when running as root).
    """
    candidates = [_SHM, Path(tempfile.gettempdir()), Path("/tmp")]
    for candidate in candidates:
        try:
            stat = os.statvfs(candidate)
        except OSError:
            continue
        if candidate == _SHM and stat.f_bavail * stat.f_frsize < _SHM_MIN_FREE:
            continue
        if not os.access(candidate, os.W_OK | os.X_OK):
            continue
        if others_must_enter and not _traversable(candidate):
            continue
        return candidate
    return Path(tempfile.gettempdir())


def _traversable(path: Path) -> bool:
    """Whether every directory down to ``path`` can be entered by other users."""
    return all(
        os.stat(directory).st_mode & 0o001
        for directory in [path.resolve(), *path.resolve().parents]
    )


def _accepts_connections(port: int, *, timeout: float) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port`` within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def _tail(log: Path) -> str:
    """The last lines of the server log, or a note that there is none."""
    try:
        with log.open(encoding="utf-8", errors="replace") as file:
            lines = file.readlines()
    except OSError:
        return "(no server log)"
    return "".join(lines[-_LOG_TAIL_LINES:])
