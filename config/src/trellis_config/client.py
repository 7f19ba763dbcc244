"""The config client services use: fetch an environment, long-poll, apply changes live.

A service builds its typed settings (pydantic-settings) with the config server as one more
source, below its environment variables::

    live = LiveSettings(RouterSettings, client_from_env("router"), cache_path=Path("var/x.json"))
    settings = live.load()                 # at start, synchronous
    live.subscribe(on_change)              # (old, new, changed field names)
    asyncio.create_task(live.run())        # long-poll and apply changes

With no config server (``client`` None) the settings class behaves as it always did.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar, cast
from urllib.parse import quote

import httpx
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from trellis_config.environment import Environment, PropertySource
from trellis_config.errors import ConfigUnavailableError

__all__ = [
    "ConfigClient",
    "ConfigServerSettingsSource",
    "ConfigUnavailableError",
    "Environment",
    "LiveSettings",
    "PropertySource",
    "client_from_env",
    "settings_with_environment",
]

logger = logging.getLogger(__name__)

S = TypeVar("S", bound=BaseSettings)

Subscriber = Callable[[S, S, frozenset[str]], Awaitable[None] | None]


class ConfigClient:
    """Reads one application's environment from a config server.

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:8888``.
        application: the application name, e.g. ``"router"``.
        profiles: the active profiles (a later profile wins).
        label: a branch, tag or commit, or None for the server's default.
        timeout_seconds: limit of one request (a long poll gets its wait on top).

    Spec: Spring Cloud Config Server, ``GET /{application}/{profile}[/{label}]``.
    """

    def __init__(
        self,
        base_url: str,
        application: str,
        profiles: Sequence[str] = ("default",),
        label: str | None = None,
        *,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.application = application
        self.profiles = tuple(profiles) or ("default",)
        self.label = label
        self.timeout_seconds = timeout_seconds
        self._client: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        """The environment's URL (a ``/`` in the label is sent as ``(_)``, as Spring does)."""
        parts = [self.application, ",".join(self.profiles)]
        if self.label:
            parts.append(self.label.replace("/", "(_)"))
        return self.base_url + "/" + "/".join(quote(part, safe=",()") for part in parts)

    async def fetch(self) -> Environment:
        """Fetch the environment now.

        Returns:
            The environment, with its ETag.

        Raises:
            ConfigUnavailableError: transport error, an answer other than 200, or a bad body.
        """
        environment = await self._get({}, {}, self.timeout_seconds)
        if environment is None:
            raise ConfigUnavailableError("unexpected 304 without If-None-Match", status_code=304)
        return environment

    def fetch_sync(self) -> Environment:
        """Fetch the environment now, blocking (for start-up, inside settings construction).

        Returns:
            The environment, with its ETag.

        Raises:
            ConfigUnavailableError: transport error, an answer other than 200, or a bad body.
        """
        try:
            with httpx.Client(timeout=self.timeout_seconds) as client:
                response = client.get(self.url)
        except httpx.HTTPError as exc:
            raise ConfigUnavailableError(f"config server {self.base_url}: {exc!r}") from None
        environment = self._read(response)
        if environment is None:
            raise ConfigUnavailableError("unexpected 304 without If-None-Match", status_code=304)
        return environment

    async def wait_for_change(
        self, etag: str | None, wait_seconds: float = 30.0
    ) -> Environment | None:
        """Long poll: the environment once it differs from ``etag``.

        Args:
            etag: the ETag of the environment held (quotes included); None fetches at once.
            wait_seconds: how long the server may hold the request.

        Returns:
            The new environment, or None when nothing changed within ``wait_seconds`` (304).

        Raises:
            ConfigUnavailableError: transport error, an answer other than 200 or 304, or a
                bad body.

        Spec: RFC 9110 section 13.1.2 (If-None-Match); Consul blocking queries (``wait``).
        """
        if etag is None:
            return await self.fetch()
        params = {"wait": f"{max(0, round(wait_seconds * 1000))}ms"}
        headers = {"If-None-Match": etag}
        return await self._get(params, headers, wait_seconds + self.timeout_seconds)

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _get(
        self, params: Mapping[str, str], headers: Mapping[str, str], timeout_seconds: float
    ) -> Environment | None:
        if self._client is None:
            self._client = httpx.AsyncClient()
        try:
            response = await self._client.get(
                self.url, params=params, headers=headers, timeout=timeout_seconds
            )
        except httpx.HTTPError as exc:
            raise ConfigUnavailableError(f"config server {self.base_url}: {exc!r}") from None
        return self._read(response)

    def _read(self, response: httpx.Response) -> Environment | None:
        if response.status_code == 304:
            return None
        if response.status_code != 200:
            message = response.text[:500]
            raise ConfigUnavailableError(
                f"config server answered {response.status_code} for {self.url}: {message}",
                status_code=response.status_code,
            )
        try:
            return Environment.from_dict(response.json(), etag=response.headers.get("etag"))
        except ValueError as exc:
            raise ConfigUnavailableError(
                f"config server sent a bad environment for {self.url}: {exc}", status_code=200
            ) from None


def client_from_env(application: str) -> ConfigClient | None:
    """A client configured by environment variables.

    ``TRELLIS_CONFIG_URL`` (unset or empty: no config server), ``TRELLIS_CONFIG_PROFILE``
    (default ``default``; comma-separated for several), ``TRELLIS_CONFIG_LABEL`` (optional).

    Args:
        application: the application name, e.g. ``"router"`` or ``"customers"``.

    Returns:
        The client, or None when ``TRELLIS_CONFIG_URL`` is unset or empty.
    """
    url = os.environ.get("TRELLIS_CONFIG_URL", "").strip()
    if not url:
        return None
    profile_text = os.environ.get("TRELLIS_CONFIG_PROFILE", "")
    profiles = [profile.strip() for profile in profile_text.split(",") if profile.strip()]
    label = os.environ.get("TRELLIS_CONFIG_LABEL", "").strip() or None
    return ConfigClient(url, application, profiles or ("default",), label)


class ConfigServerSettingsSource(PydanticBaseSettingsSource):
    """A pydantic-settings source with the values of an environment from the config server.

    Only keys that name a field of the settings class are used (nested keys such as
    ``peer_urls.inventory`` build dict fields); other keys are ignored (logged at debug) and
    keys the server could not decrypt (``invalid.*``) are logged as errors and left out.

    Args:
        settings_cls: the settings class.
        environment: the environment, or None for no values.
    """

    def __init__(self, settings_cls: type[BaseSettings], environment: Environment | None) -> None:
        super().__init__(settings_cls)
        self.environment = environment

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The value of one field.

        Args:
            field: the field.
            field_name: its name.

        Returns:
            ``(value or None, key, False)``.
        """
        values = self()
        return values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        """The values for the settings class's fields.

        Returns:
            Field name (or alias) → value.
        """
        if self.environment is None:
            return {}
        for key in self.environment.invalid_keys():
            logger.error(
                "config server %s could not decrypt %s; the key is left out",
                self.environment.name,
                key,
            )
        nested = self.environment.nested()
        values: dict[str, Any] = {}
        known: set[str] = set()
        for name, field in self.settings_cls.model_fields.items():
            key = field.alias or name
            known.update({name, key})
            if key in nested:
                values[key] = nested[key]
            elif name in nested:
                values[key] = nested[name]
        ignored = sorted(set(nested) - known)
        if ignored:
            logger.debug(
                "%s ignores config server keys it has no field for: %s",
                self.settings_cls.__name__,
                ", ".join(ignored),
            )
        return values

    def __repr__(self) -> str:
        name = self.environment.name if self.environment else None
        return f"ConfigServerSettingsSource(application={name!r})"


def settings_with_environment(
    settings_type: type[S], environment: Environment | None, overrides: Mapping[str, Any]
) -> S:
    """Build settings with the config server as a source.

    Precedence, highest first: ``overrides`` > environment variables > ``.env`` > the config
    server > secrets files > class defaults. When the class customises its sources, the
    config server goes right after its environment sources.

    Args:
        settings_type: the settings class.
        environment: the environment, or None (local settings only).
        overrides: init values (e.g. CLI flags).

    Returns:
        An instance of ``settings_type`` itself.

    Raises:
        pydantic.ValidationError: a value from any source is invalid.
    """
    if environment is None:
        return settings_type(**overrides)
    base_customise = settings_type.settings_customise_sources

    def customise(
        cls: type[BaseSettings],
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = list(
            base_customise(
                settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
            )
        )
        anchors = [i for i, s in enumerate(sources) if s in (env_settings, dotenv_settings)]
        if not anchors:
            anchors = [i for i, s in enumerate(sources) if s is init_settings]
        position = anchors[-1] + 1 if anchors else 0
        sources.insert(position, ConfigServerSettingsSource(settings_cls, environment))
        return tuple(sources)

    subclass = cast(
        type[S],
        type(
            f"{settings_type.__name__}FromConfigServer",
            (settings_type,),
            {"settings_customise_sources": classmethod(customise), "__module__": __name__},
        ),
    )
    built = subclass(**overrides)
    constructed = settings_type.model_construct(_fields_set=built.model_fields_set, **dict(built))
    return cast(S, constructed)


class LiveSettings(Generic[S]):
    """Typed settings kept up to date from the config server.

    Args:
        settings_type: the settings class (a pydantic-settings ``BaseSettings``).
        client: the config client, or None for local settings only.
        overrides: init values (CLI flags), above every other source.
        cache_path: a JSON file keeping the last environment, used at start when the server
            is unreachable; written with mode 0600 (it may hold decrypted secrets).
        start_attempts: fetch attempts in :meth:`load`.
        start_backoff_seconds: wait before the second attempt; doubles after each.
        wait_seconds: the long poll's wait.
        retry_seconds: wait between attempts while the server is unreachable.
    """

    def __init__(
        self,
        settings_type: type[S],
        client: ConfigClient | None,
        *,
        overrides: Mapping[str, Any] | None = None,
        cache_path: Path | None = None,
        start_attempts: int = 3,
        start_backoff_seconds: float = 0.5,
        wait_seconds: float = 30.0,
        retry_seconds: float = 2.0,
    ) -> None:
        self.settings_type = settings_type
        self.client = client
        self.overrides: dict[str, Any] = dict(overrides or {})
        self.cache_path = cache_path
        self.start_attempts = max(1, start_attempts)
        self.start_backoff_seconds = start_backoff_seconds
        self.wait_seconds = wait_seconds
        self.retry_seconds = retry_seconds
        self._current: S | None = None
        self._environment: Environment | None = None
        self._subscribers: list[Subscriber[S]] = []

    def load(self) -> S:
        """Load the settings at start (synchronous).

        Fetches the environment with up to ``start_attempts`` attempts (backoff doubling from
        ``start_backoff_seconds``) and caches it; when the server stays unreachable uses the
        cache file if any, else local settings only (a warning is logged either way).

        Returns:
            The settings, also available as :attr:`current`.

        Raises:
            pydantic.ValidationError: the settings are invalid (from any source).
        """
        environment: Environment | None = None
        if self.client is not None:
            environment = self._fetch_at_start(self.client)
        settings = settings_with_environment(self.settings_type, environment, self.overrides)
        self._environment = environment
        self._current = settings
        return settings

    def _fetch_at_start(self, client: ConfigClient) -> Environment | None:
        error: ConfigUnavailableError | None = None
        for attempt in range(self.start_attempts):
            if attempt:
                time.sleep(self.start_backoff_seconds * 2 ** (attempt - 1))
            try:
                environment = client.fetch_sync()
            except ConfigUnavailableError as exc:
                error = exc
                continue
            self._write_cache(environment)
            return environment
        cached = self._read_cache(client.application)
        if cached is not None:
            logger.warning(
                "config server unreachable (%s); using the cached environment %s (version %s)",
                error,
                self.cache_path,
                cached.version,
            )
        else:
            logger.warning(
                "config server unreachable (%s); starting with local settings only", error
            )
        return cached

    @property
    def current(self) -> S:
        """The settings now (replaced whole on every applied change).

        Raises:
            RuntimeError: :meth:`load` has not been called.
        """
        if self._current is None:
            raise RuntimeError("LiveSettings.load() must be called first")
        return self._current

    @property
    def environment(self) -> Environment | None:
        """The last environment received: applied, or rejected as invalid (None: none yet)."""
        return self._environment

    def subscribe(self, callback: Subscriber[S]) -> None:
        """Call ``callback(old, new, changed field names)`` after each applied change.

        Args:
            callback: a function or coroutine function; its exceptions are logged.
        """
        self._subscribers.append(callback)

    async def run(self) -> None:
        """Follow the config server forever (returns at once without a client).

        Long-polls for a new environment and applies it: the settings are rebuilt, the
        changed top-level fields found by comparing ``model_dump()``, and when any changed,
        :attr:`current` is replaced, the cache written and the subscribers called. An
        environment that does not validate keeps the old settings (logged as an error). While
        the server is unreachable it retries every ``retry_seconds``, logging once per outage.
        """
        client = self.client
        if client is None:
            return
        if self._current is None:
            await asyncio.to_thread(self.load)
        unreachable = False
        while True:
            held = self._environment
            try:
                if held is not None and held.etag is None:
                    await asyncio.sleep(self.wait_seconds)
                etag = held.etag if held is not None else None
                environment = await client.wait_for_change(etag, self.wait_seconds)
            except ConfigUnavailableError as exc:
                if not unreachable:
                    logger.warning("config server unreachable, retrying: %s", exc)
                    unreachable = True
                await asyncio.sleep(self.retry_seconds)
                continue
            if unreachable:
                logger.info("config server %s reachable again", client.base_url)
                unreachable = False
            if environment is not None:
                await self.apply(environment)

    async def apply(self, environment: Environment) -> frozenset[str]:
        """Apply an environment now (what :meth:`run` does with each new one).

        Args:
            environment: the new environment.

        Returns:
            The changed top-level field names (empty when nothing changed or the
            environment is invalid).
        """
        old = self.current
        self._environment = environment
        try:
            new = settings_with_environment(self.settings_type, environment, self.overrides)
        except ValidationError as exc:
            keys = sorted({".".join(str(p) for p in error["loc"]) for error in exc.errors()})
            logger.error(
                "config server version %s is invalid for %s (keys: %s); keeping the current "
                "settings: %s",
                environment.version,
                self.settings_type.__name__,
                ", ".join(keys),
                exc,
            )
            return frozenset()
        self._write_cache(environment)
        before, after = old.model_dump(), new.model_dump()
        changed = frozenset(name for name in after if before.get(name) != after.get(name))
        if not changed:
            return changed
        self._current = new
        logger.info("applied config server version %s: %s", environment.version, sorted(changed))
        for callback in list(self._subscribers):
            try:
                result = callback(old, new, changed)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("settings subscriber %r failed", callback)
        return changed

    def _write_cache(self, environment: Environment) -> None:
        if self.cache_path is None:
            return
        body = {"etag": environment.etag, "environment": environment.to_dict()}
        temporary = self.cache_path.with_name(f".{self.cache_path.name}.tmp")
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(body, file, indent=1, default=str)
            os.replace(temporary, self.cache_path)
        except OSError as exc:
            logger.warning("cannot write the config cache %s: %s", self.cache_path, exc)

    def _read_cache(self, application: str) -> Environment | None:
        if self.cache_path is None or not self.cache_path.is_file():
            return None
        try:
            body = json.loads(self.cache_path.read_text(encoding="utf-8"))
            etag = body.get("etag")
            environment = Environment.from_dict(
                body.get("environment"), etag if isinstance(etag, str) else None
            )
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("ignoring the unreadable config cache %s: %s", self.cache_path, exc)
            return None
        if environment.name != application:
            logger.warning(
                "ignoring the config cache %s: it holds %r, not %r",
                self.cache_path,
                environment.name,
                application,
            )
            return None
        return environment
