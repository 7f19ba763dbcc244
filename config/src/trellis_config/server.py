"""The config server: Spring Cloud Config's HTTP API over a git repository or a folder.

Routes:
    ``GET /{application}/{profiles}[/{label}]``  the environment (ETag; long poll with
        ``If-None-Match`` and ``?wait=30s``: 304 when nothing changed in time).
    ``POST /encrypt``, ``POST /decrypt``          text in, text out (404 without a key, 400
        for a token no key decrypts); surrounding whitespace of the body is stripped.
    ``POST /refresh``                             rescan now; the keys changed since the last
        refresh (or start), on the default label; wakes the long polls.
    ``GET /health``                               ``{"status": "UP"}``.
    ``GET /``                                     a small page listing the files.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from trellis_config.cipher import Cipher, decrypt_properties
from trellis_config.environment import (
    Environment,
    PropertySource,
    content_etag,
    file_precedence,
)
from trellis_config.errors import (
    ConfigServerError,
    ConfigSourceError,
    EncryptionKeyMissingError,
    InvalidCipherError,
    LabelNotFoundError,
    VaultUnavailableError,
)
from trellis_config.longpoll import ChangeFeed, etag_matches, parse_wait
from trellis_config.properties import parse_yaml_properties
from trellis_config.repository import ConfigRepository, Snapshot, open_repository
from trellis_config.settings import ConfigServerSettings
from trellis_config.vault import VaultBackend

__all__ = ["ConfigServer", "RefreshResult", "create_app"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What ``POST /refresh`` found.

    Attributes:
        version: the default label's version now.
        changed: ``"<file>:<key>"`` for every key added, removed or changed, sorted.
    """

    version: str
    changed: tuple[str, ...]


@lru_cache(maxsize=512)
def _parse(name: str, data: bytes) -> Mapping[str, Any]:
    return parse_yaml_properties(name, data)


def _snapshot_properties(snapshot: Snapshot) -> dict[str, Mapping[str, Any]]:
    """Flat properties of every file of a snapshot; unreadable files count as empty."""
    out: dict[str, Mapping[str, Any]] = {}
    for name, data in snapshot.files.items():
        try:
            out[name] = _parse(name, data)
        except ConfigSourceError as exc:
            logger.error("%s", exc)
            out[name] = {}
    return out


def _diff(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    changed: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        changed.extend(
            f"{name}:{key}"
            for key in sorted(set(old) | set(new))
            if key not in old or key not in new or old[key] != new[key]
        )
    return changed


class ConfigServer:
    """Resolves environments and follows the repository for changes.

    Args:
        settings: the server settings.
        repository: the configuration files.
        cipher: the ``{cipher}`` keys, or None.
        vault: the Vault backend, or None.

    Create it inside the event loop that serves it (it owns an asyncio condition).
    """

    def __init__(
        self,
        settings: ConfigServerSettings,
        repository: ConfigRepository,
        cipher: Cipher | None,
        vault: VaultBackend | None,
    ) -> None:
        self.settings = settings
        self.repository = repository
        self.cipher = cipher
        self.vault = vault
        self.feed = ChangeFeed()
        self._fingerprint: str | None = None
        self._baseline: dict[str, Mapping[str, Any]] | None = None
        self._refresh_lock = asyncio.Lock()

    async def environment(
        self, application: str, profiles: Sequence[str], label: str | None
    ) -> Environment:
        """Resolve the environment of an application.

        Args:
            application: e.g. ``"router"``.
            profiles: e.g. ``["dev", "eu"]`` (a later profile wins).
            label: a branch, tag or commit, or None for the default label.

        Returns:
            The environment, Vault sources first, then files by Spring precedence; its etag
            hashes the property sources.

        Raises:
            LabelNotFoundError: unknown label.
            ConfigSourceError: a file of this application cannot be parsed.
            VaultUnavailableError: Vault is configured and cannot be read.

        Spec: Spring Cloud Config Server, ``/{application}/{profile}[/{label}]``.
        """
        snapshot = await asyncio.to_thread(self.repository.snapshot, label)
        sources: list[PropertySource] = []
        if self.vault is not None:
            sources.extend(await asyncio.to_thread(self.vault.read_sources, application, profiles))
        for base in file_precedence(application, profiles):
            for suffix in _SUFFIXES:
                name = base + suffix
                data = snapshot.files.get(name)
                if data is None:
                    continue
                origin = f"{snapshot.origin}/{name}"
                properties = decrypt_properties(origin, _parse(name, data), self.cipher)
                sources.append(PropertySource(name=origin, source=properties))
        return Environment(
            name=application,
            profiles=tuple(profiles),
            label=label,
            version=snapshot.version,
            property_sources=tuple(sources),
            etag=content_etag(sources),
        )

    async def wait_for_change(
        self,
        application: str,
        profiles: Sequence[str],
        label: str | None,
        if_none_match: str,
        wait_seconds: float,
    ) -> tuple[Environment, bool]:
        """Long poll: wait until the environment no longer matches ``if_none_match``.

        Args:
            application: the application name.
            profiles: the active profiles.
            label: the label, or None.
            if_none_match: the client's ``If-None-Match`` header value.
            wait_seconds: the longest wait.

        Returns:
            The latest environment, and whether it differs from ``if_none_match`` (False: it
            still matched when ``wait_seconds`` ran out).

        Raises:
            LabelNotFoundError, ConfigSourceError, VaultUnavailableError: as
                :meth:`environment`.

        Spec: Consul HTTP API, blocking queries (the pattern, with ETags as the index).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            generation = self.feed.generation
            environment = await self.environment(application, profiles, label)
            if environment.etag is None or not etag_matches(if_none_match, environment.etag):
                return environment, True
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self.feed.wait_past(generation, remaining):
                return environment, False

    async def scan(self) -> bool:
        """Check the repository once; wake the long polls when it may have changed.

        With Vault configured the long polls are woken on every scan (Vault has no cheap
        change token), and each compares its environment again.

        Returns:
            True when the repository's fingerprint changed.
        """
        fingerprint = await asyncio.to_thread(self.repository.fingerprint)
        changed = self._fingerprint is not None and fingerprint != self._fingerprint
        self._fingerprint = fingerprint
        if changed or self.vault is not None:
            await self.feed.advance()
        return changed

    async def run_scanner(self) -> None:
        """Scan every ``scan_interval_seconds`` until cancelled; errors are logged."""
        while True:
            await asyncio.sleep(self.settings.scan_interval_seconds)
            try:
                await self.scan()
            except Exception:
                logger.exception("scanning %s failed", self.settings.repository)

    async def start(self) -> None:
        """Take the first fingerprint and the refresh baseline (at server start)."""
        await self.scan()
        try:
            snapshot = await asyncio.to_thread(self.repository.snapshot, None)
        except LabelNotFoundError as exc:
            logger.warning("default label: %s", exc)
            return
        self._baseline = _snapshot_properties(snapshot)

    async def refresh(self) -> RefreshResult:
        """Rescan now and report the keys changed since the previous refresh (or start).

        Returns:
            The default label's version and the changed ``"<file>:<key>"`` entries (raw
            values compared, so a new ciphertext counts as a change).

        Raises:
            LabelNotFoundError: the default label names nothing.
        """
        async with self._refresh_lock:
            await self.scan()
            snapshot = await asyncio.to_thread(self.repository.snapshot, None)
            current = _snapshot_properties(snapshot)
            changed = _diff(self._baseline or {}, current)
            self._baseline = current
            await self.feed.advance()
        if changed:
            logger.info("refresh at %s: %d changed keys", snapshot.version[:12], len(changed))
        return RefreshResult(version=snapshot.version, changed=tuple(changed))

    async def file_names(self) -> list[str]:
        """The files on the default label (for the index page).

        Returns:
            Sorted file names, empty when the default label names nothing.
        """
        try:
            snapshot = await asyncio.to_thread(self.repository.snapshot, None)
        except LabelNotFoundError:
            return []
        return sorted(snapshot.files)


async def _unless_disconnected(request: Request, work: Awaitable[T]) -> T | None:
    """Run ``work`` until done, or until the client disconnects (then None)."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    if task.cancelled():
        return None
    return task.result()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": status, "message": message}, status_code=status)


def create_app(settings: ConfigServerSettings | None = None) -> FastAPI:
    """Build the ASGI application.

    Opens the repository (creating it from the defaults on first start) and loads the keys
    before returning, so a bad setting fails here, not at the first request.

    Args:
        settings: the server settings (default: from the environment).

    Returns:
        The FastAPI application; ``app.state.config_server`` is the :class:`ConfigServer`
        once the lifespan has started.

    Raises:
        ConfigServerError: the repository cannot be opened or created, or the key file is not
            private (mode 0600) or holds an invalid key.
    """
    settings = settings or ConfigServerSettings()
    cipher = Cipher.from_settings(settings)
    vault = VaultBackend.from_settings(settings)
    repository = open_repository(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = ConfigServer(settings, repository, cipher, vault)
        app.state.config_server = server
        await server.start()
        scanner = asyncio.create_task(server.run_scanner(), name="config-scanner")
        try:
            yield
        finally:
            scanner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scanner

    app = FastAPI(title="Trellis config server", lifespan=lifespan, docs_url=None, redoc_url=None)

    def server_of(request: Request) -> ConfigServer:
        server: ConfigServer = request.app.state.config_server
        return server

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "UP"}

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        names = await server_of(request).file_names()
        rows = "".join(f"<li>{html.escape(name)}</li>" for name in names)
        return HTMLResponse(
            "<!doctype html><title>Trellis config server</title><h1>Trellis config server</h1>"
            f"<p>Source: {html.escape(settings.source)}, default label "
            f"{html.escape(settings.default_label)}.</p><ul>{rows}</ul>"
            "<p>GET /{application}/{profile}[/{label}]</p>"
        )

    @app.post("/encrypt")
    async def encrypt(request: Request) -> Response:
        if cipher is None:
            return _error(404, str(EncryptionKeyMissingError("no encryption key is configured")))
        text = (await request.body()).decode("utf-8", errors="replace")
        return PlainTextResponse(cipher.encrypt(text.strip()))

    @app.post("/decrypt")
    async def decrypt(request: Request) -> Response:
        if cipher is None:
            return _error(404, "no encryption key is configured")
        text = (await request.body()).decode("utf-8", errors="replace")
        try:
            return PlainTextResponse(cipher.decrypt(text))
        except InvalidCipherError as exc:
            return _error(400, str(exc))

    @app.post("/refresh")
    async def refresh(request: Request) -> Response:
        try:
            result = await server_of(request).refresh()
        except ConfigServerError as exc:
            return _error(500, str(exc))
        return JSONResponse({"version": result.version, "changed": list(result.changed)})

    async def serve(
        request: Request, application: str, profiles: str, label: str | None
    ) -> Response:
        server = server_of(request)
        names = [profile.strip() for profile in profiles.split(",") if profile.strip()]
        names = names or ["default"]
        if_none_match = request.headers.get("if-none-match")
        try:
            wait = parse_wait(request.query_params.get("wait", "0s"), settings.max_wait_seconds)
            if if_none_match:
                outcome = await _unless_disconnected(
                    request,
                    server.wait_for_change(application, names, label, if_none_match, wait),
                )
                if outcome is None:
                    return Response(status_code=304)
                environment, changed = outcome
            else:
                environment, changed = await server.environment(application, names, label), True
        except ValueError as exc:
            return _error(400, str(exc))
        except LabelNotFoundError as exc:
            return _error(404, str(exc))
        except VaultUnavailableError as exc:
            return _error(503, str(exc))
        except ConfigServerError as exc:
            return _error(500, str(exc))
        headers = {"ETag": environment.etag or "", "Cache-Control": "no-cache"}
        if not changed:
            return Response(status_code=304, headers=headers)
        return JSONResponse(environment.to_dict(), headers=headers)

    @app.get("/{application}/{profiles}")
    async def environment(request: Request, application: str, profiles: str) -> Response:
        return await serve(request, application, profiles, None)

    @app.get("/{application}/{profiles}/{label}")
    async def labelled_environment(
        request: Request, application: str, profiles: str, label: str
    ) -> Response:
        return await serve(request, application, profiles, label)

    return app
