"""A running subgraph follows its settings in the config server (real server, real files)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from pydantic import Field
from trellis_config.client import ConfigClient, LiveSettings
from trellis_config.settings import ConfigServerSettings
from trellis_config.testing import ConfigServerThread
from trellis_subgraph import Peers, StaticPeerDirectory, SubgraphSettings
from trellis_subgraph.app import follow_live_settings, peer_policy
from trellis_subgraph.context import SubgraphServices
from trellis_subgraph.database import Database


class WidgetsSettings(SubgraphSettings):
    subgraph_name = "widgets"
    port: int = Field(default=4999, description="TCP port to listen on.")


async def test_changed_keys_apply_while_serving_and_restart_only_keys_wait(
    tmp_path: Path, monkeypatch
) -> None:
    for name in ("TRELLIS_PEER_TIMEOUT_SECONDS", "TRELLIS_LOG_LEVEL", "TRELLIS_PORT"):
        monkeypatch.delenv(name, raising=False)
    files = tmp_path / "config"
    files.mkdir()
    (files / "widgets.yml").write_text("peer_timeout_seconds: 3\nlog_level: INFO\n")
    server_settings = ConfigServerSettings(
        repository=files, source="directory", scan_interval_seconds=0.1
    )
    root = logging.getLogger()
    level = root.level
    with ConfigServerThread(server_settings) as server:
        live = LiveSettings(
            WidgetsSettings,
            ConfigClient(server.base_url, "widgets"),
            overrides={"data_dir": tmp_path},
            wait_seconds=5,
        )
        settings = live.load()
        assert settings.peer_timeout_seconds == 3
        database = Database.connect(f"sqlite+aiosqlite:///{tmp_path}/widgets.db")
        peers = Peers(StaticPeerDirectory({}), peer_policy(settings))
        services = SubgraphServices(database=database, peers=peers, settings=settings)
        live.subscribe(follow_live_settings(services, "widgets"))
        running = asyncio.create_task(live.run())
        try:
            await asyncio.sleep(0.3)
            (files / "widgets.yml").write_text(
                "peer_timeout_seconds: 0.5\nlog_level: DEBUG\nport: 5000\n"
            )
            deadline = time.monotonic() + 5
            while services.settings.peer_timeout_seconds != 0.5:
                assert time.monotonic() < deadline, "the change never arrived"
                await asyncio.sleep(0.05)
            assert peers.policy.timeout_seconds == 0.5
            assert peers.client("inventory").policy.timeout_seconds == 0.5
            assert root.level == logging.DEBUG
            assert services.settings.port == 4999  # restart-only: kept until a restart
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            root.setLevel(level)
            await peers.aclose()
            await database.dispose()
