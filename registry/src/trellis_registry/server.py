"""`RegistryServer`: uvicorn's server, ending blocking queries when it begins to shut down.

uvicorn's graceful shutdown waits for the requests in flight before it runs the app's
lifespan shutdown; a blocking query may wait up to 10 minutes, so the server first makes
every one answer at once (`trellis_registry.http.app.end_blocking_queries`).
"""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from trellis_registry.http.app import end_blocking_queries

__all__ = ["RegistryServer"]


class RegistryServer(uvicorn.Server):
    """A `uvicorn.Server` for an app `trellis_registry.http.create_app` built.

    Args:
        config: The uvicorn configuration.
        app: The registry app (the same one ``config`` serves).

    Example:
        >>> app = create_app(settings)
        >>> RegistryServer(uvicorn.Config(app, port=8761), app).run()  # doctest: +SKIP
    """

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._registry_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Ends blocking queries in flight, then shuts down as uvicorn does.

        Args:
            sockets: The sockets uvicorn was given, if any.
        """
        end_blocking_queries(self._registry_app)
        await super().shutdown(sockets)
