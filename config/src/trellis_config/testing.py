"""Test helpers: a real config server on a free port, in a thread of its own.

The server runs its own event loop in a background thread, so tests may call blocking client
code (``LiveSettings.load``) from their own event loop without deadlock.

Example:
    >>> with ConfigServerThread(ConfigServerSettings(repository=path)) as server:
    ...     httpx.get(server.base_url + "/router/default").json()
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from trellis_config.server import create_app
from trellis_config.settings import ConfigServerSettings

__all__ = ["ConfigServerThread", "bound_socket"]


def bound_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to a free port and not yet listening.

    Connections to it are refused until a server starts on it, which lets a test know the
    server's URL before the server exists.

    Args:
        host: the interface.

    Returns:
        The bound socket (``getsockname()[1]`` is the port).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


class ConfigServerThread:
    """``trellis-config serve`` in a background thread.

    Args:
        settings: the server settings (host and port are ignored: the socket decides).
        sock: a bound socket to serve on (default: a new one on a free port).
        start_timeout_seconds: how long :meth:`start` waits for the server to listen.

    Raises:
        ConfigServerError: from :func:`~trellis_config.server.create_app` (bad settings).
    """

    def __init__(
        self,
        settings: ConfigServerSettings,
        *,
        sock: socket.socket | None = None,
        start_timeout_seconds: float = 10.0,
    ) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.socket = sock or bound_socket(settings.host)
        host, port = self.socket.getsockname()[:2]
        self.base_url = f"http://{host}:{port}"
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            ws="none",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self._start_timeout_seconds = start_timeout_seconds
        self._thread = threading.Thread(target=self._serve, name="config-server", daemon=True)

    def _serve(self) -> None:
        self.server.run(sockets=[self.socket])

    def start(self) -> ConfigServerThread:
        """Start serving and wait until the server listens.

        Returns:
            self.

        Raises:
            RuntimeError: the server did not start within the start timeout.
        """
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout_seconds
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the config server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread (open long polls are cut after 1 s)."""
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> ConfigServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
