"""The client against a real config server: fetch, long poll, LiveSettings."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import stat
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from trellis_config.client import (
    ConfigClient,
    ConfigServerSettingsSource,
    ConfigUnavailableError,
    Environment,
    LiveSettings,
    PropertySource,
    client_from_env,
)
from trellis_config.testing import bound_socket


class SampleSettings(BaseSettings):
    """A settings class like the services' (env prefix TEST_)."""

    model_config = SettingsConfigDict(env_prefix="TEST_", extra="forbid")

    timeout_seconds: float = Field(default=1.0, gt=0, description="A timeout (seconds).")
    name: str = Field(default="local", description="A name.")
    origins: list[str] = Field(default_factory=list, description="A list.")
    peers: dict[str, str] = Field(default_factory=dict, description="A map.")


ROUTER_YML = """\
timeout_seconds: 5
origins: [https://a.example, https://b.example]
peers:
  inventory: http://inventory
unknown_key: ignored
"""


@contextlib.asynccontextmanager
async def running(live: LiveSettings[Any]) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(live.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if live.client is not None:
            await live.client.aclose()


async def eventually(condition, timeout_seconds: float = 10.0) -> None:
    async with asyncio.timeout(timeout_seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


def test_fetch_sync_and_errors(git_repo, start_server):
    git_repo.commit({"router.yml": ROUTER_YML, "application.yml": "name: shared\n"})
    server = start_server()
    environment = ConfigClient(server.base_url, "router", ["dev", "eu"]).fetch_sync()
    assert environment.name == "router"
    assert environment.profiles == ("dev", "eu")
    assert environment.etag and environment.etag.startswith('"')
    assert environment.flattened()["origins[1]"] == "https://b.example"
    assert environment.nested()["peers"] == {"inventory": "http://inventory"}

    with pytest.raises(ConfigUnavailableError) as missing:
        ConfigClient(server.base_url, "router", label="nope").fetch_sync()
    assert missing.value.status_code == 404
    sock = bound_socket()
    try:
        port = sock.getsockname()[1]
        with pytest.raises(ConfigUnavailableError) as refused:
            ConfigClient(f"http://127.0.0.1:{port}", "router").fetch_sync()
        assert refused.value.status_code is None
    finally:
        sock.close()


async def test_wait_for_change_returns_none_on_timeout_and_new_environment(git_repo, start_server):
    git_repo.commit({"router.yml": "timeout_seconds: 5\n"})
    server = start_server()
    client = ConfigClient(server.base_url, "router")
    try:
        first = await client.fetch()
        assert await client.wait_for_change(first.etag, wait_seconds=0.2) is None
        changed = asyncio.create_task(client.wait_for_change(first.etag, wait_seconds=20))
        await asyncio.sleep(0.2)
        git_repo.commit({"router.yml": "timeout_seconds: 6\n"})
        environment = await asyncio.wait_for(changed, 25)
        assert environment is not None
        assert environment.flattened() == {"timeout_seconds": 6}
    finally:
        await client.aclose()


def test_live_settings_load_precedence(git_repo, start_server, monkeypatch):
    git_repo.commit({"router.yml": ROUTER_YML, "application.yml": "name: shared\n"})
    server = start_server()
    live = LiveSettings(SampleSettings, ConfigClient(server.base_url, "router"))
    settings = live.load()
    assert type(settings) is SampleSettings
    assert settings == SampleSettings(
        timeout_seconds=5,
        name="shared",
        origins=["https://a.example", "https://b.example"],
        peers={"inventory": "http://inventory"},
    )
    assert live.current is settings

    monkeypatch.setenv("TEST_TIMEOUT_SECONDS", "9")
    from_env = LiveSettings(SampleSettings, ConfigClient(server.base_url, "router")).load()
    assert from_env.timeout_seconds == 9
    assert from_env.name == "shared"

    overridden = LiveSettings(
        SampleSettings, ConfigClient(server.base_url, "router"), overrides={"timeout_seconds": 11}
    ).load()
    assert overridden.timeout_seconds == 11


def test_without_a_client_settings_are_local(monkeypatch):
    monkeypatch.setenv("TEST_NAME", "from-env")
    live = LiveSettings(SampleSettings, None, overrides={"timeout_seconds": 2})
    assert live.load() == SampleSettings(timeout_seconds=2, name="from-env")
    asyncio.run(live.run())  # returns at once
    with pytest.raises(RuntimeError):
        _ = LiveSettings(SampleSettings, None).current


async def test_live_change_is_applied_and_subscribers_called(git_repo, start_server):
    git_repo.commit({"router.yml": ROUTER_YML})
    server = start_server()
    live = LiveSettings(SampleSettings, ConfigClient(server.base_url, "router"), wait_seconds=10)
    live.load()
    calls: list[tuple[float, float, frozenset[str]]] = []
    async_calls: list[frozenset[str]] = []

    def broken(old, new, changed):
        raise RuntimeError("a subscriber bug")

    async def record_async(old, new, changed):
        async_calls.append(changed)

    live.subscribe(broken)
    live.subscribe(
        lambda old, new, changed: calls.append((old.timeout_seconds, new.timeout_seconds, changed))
    )
    live.subscribe(record_async)
    async with running(live):
        git_repo.commit(
            {"router.yml": ROUTER_YML.replace("timeout_seconds: 5", "timeout_seconds: 7")}
        )
        await eventually(lambda: bool(async_calls))
        assert calls == [(5.0, 7.0, frozenset({"timeout_seconds"}))]
        assert live.current.timeout_seconds == 7
        assert live.current.origins == ["https://a.example", "https://b.example"]

        # A change to keys the class does not have applies nothing and calls nobody.
        version = git_repo.commit(
            {
                "router.yml": ROUTER_YML.replace("timeout_seconds: 5", "timeout_seconds: 7")
                + "other: 1\n"
            }
        )
        await eventually(
            lambda: live.environment is not None and live.environment.version == version
        )
        # The loop survived the broken subscriber: a further change is applied too.
        git_repo.commit({"router.yml": "origins: []\n"})
        await eventually(lambda: len(async_calls) == 2)
    assert async_calls[1] == frozenset({"timeout_seconds", "origins", "peers"})
    assert live.current == SampleSettings()


async def test_invalid_value_keeps_the_old_settings(git_repo, start_server, caplog):
    git_repo.commit({"router.yml": "timeout_seconds: 5\n"})
    server = start_server()
    live = LiveSettings(SampleSettings, ConfigClient(server.base_url, "router"), wait_seconds=10)
    before = live.load()
    changes: list[frozenset[str]] = []
    live.subscribe(lambda old, new, changed: changes.append(changed))
    async with running(live):
        with caplog.at_level(logging.ERROR, logger="trellis_config.client"):
            bad = git_repo.commit({"router.yml": "timeout_seconds: -1\n"})
            await eventually(
                lambda: live.environment is not None and live.environment.version == bad
            )
        assert live.current is before
        assert changes == []
        assert any("timeout_seconds" in record.getMessage() for record in caplog.records)
        git_repo.commit({"router.yml": "timeout_seconds: 3\n"})
        await eventually(lambda: live.current.timeout_seconds == 3)
    assert changes == [frozenset({"timeout_seconds"})]


def test_server_down_at_start_uses_the_cache(git_repo, start_server, tmp_path):
    git_repo.commit({"router.yml": ROUTER_YML})
    cache = tmp_path / "cache" / "router.json"
    server = start_server()
    first = LiveSettings(SampleSettings, ConfigClient(server.base_url, "router"), cache_path=cache)
    loaded = first.load()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert json.loads(cache.read_text())["environment"]["name"] == "router"
    base_url = server.base_url
    server.stop()

    offline = LiveSettings(
        SampleSettings,
        ConfigClient(base_url, "router", timeout_seconds=0.5),
        cache_path=cache,
        start_attempts=2,
        start_backoff_seconds=0.01,
    )
    assert offline.load() == loaded
    assert offline.environment is not None and offline.environment.etag is not None

    # A cache of another application is not used.
    other = LiveSettings(
        SampleSettings,
        ConfigClient(base_url, "customers", timeout_seconds=0.5),
        cache_path=cache,
        start_attempts=1,
    )
    assert other.load() == SampleSettings()


async def test_server_appearing_later_is_applied(git_repo, start_server, caplog):
    git_repo.commit({"router.yml": ROUTER_YML})
    sock = bound_socket()
    port = sock.getsockname()[1]
    live = LiveSettings(
        SampleSettings,
        ConfigClient(f"http://127.0.0.1:{port}", "router", timeout_seconds=1),
        start_attempts=1,
        wait_seconds=10,
        retry_seconds=0.05,
    )
    assert live.load() == SampleSettings()
    changes: list[frozenset[str]] = []
    live.subscribe(lambda old, new, changed: changes.append(changed))
    with caplog.at_level(logging.WARNING, logger="trellis_config.client"):
        async with running(live):
            await asyncio.sleep(0.3)  # several failed attempts
            start_server(sock=sock)
            await eventually(lambda: live.current.timeout_seconds == 5)
    assert changes == [frozenset({"timeout_seconds", "origins", "peers"})]
    unreachable = [r for r in caplog.records if "unreachable, retrying" in r.getMessage()]
    assert len(unreachable) == 1


def test_settings_source_leaves_out_invalid_and_unknown_keys(caplog):
    environment = Environment(
        name="router",
        profiles=("default",),
        label=None,
        version=None,
        property_sources=(
            PropertySource("high", {"invalid.name": "<n/a>", "peers.b": "B", "extra": 1}),
            PropertySource("low", {"name": "low", "peers.a": "A", "origins[0]": "x"}),
        ),
    )
    with caplog.at_level(logging.DEBUG, logger="trellis_config.client"):
        values = ConfigServerSettingsSource(SampleSettings, environment)()
    assert values == {"name": "low", "peers": {"a": "A", "b": "B"}, "origins": ["x"]}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "name" in errors[0].getMessage()
    assert any("extra" in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)
    assert ConfigServerSettingsSource(SampleSettings, None)() == {}


def test_client_from_env(monkeypatch):
    monkeypatch.delenv("TRELLIS_CONFIG_URL", raising=False)
    assert client_from_env("router") is None
    monkeypatch.setenv("TRELLIS_CONFIG_URL", "")
    assert client_from_env("router") is None
    monkeypatch.setenv("TRELLIS_CONFIG_URL", "http://config:8888/")
    client = client_from_env("router")
    assert client is not None
    assert (client.profiles, client.label) == (("default",), None)
    assert client.url == "http://config:8888/router/default"
    monkeypatch.setenv("TRELLIS_CONFIG_PROFILE", "dev, eu")
    monkeypatch.setenv("TRELLIS_CONFIG_LABEL", "release/1")
    client = client_from_env("router")
    assert client is not None
    assert client.url == "http://config:8888/router/dev,eu/release(_)1"
