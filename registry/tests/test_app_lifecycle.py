"""Start-up with an unreachable store, the store the settings name, and the new settings."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from trellis_registry import RegistrySettings, SqlRegistryBackend
from trellis_registry.http.app import store_for
from trellis_registry.testing import eventually, serve_in_process

REGISTRATION = {
    "instance_id": "c-1",
    "routing_url": "http://127.0.0.1:4001/graphql",
    "health_url": "http://127.0.0.1:4001/health",
}


async def test_the_registry_answers_while_its_store_cannot_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The database's folder cannot be created while a file has its name.
    blocker = tmp_path / "state"
    blocker.write_text("not a folder")
    settings = RegistrySettings(
        database_url=f"sqlite+aiosqlite:///{blocker / 'registry.db'}",
        expiry_sweep_interval_seconds=3600.0,
    )
    with caplog.at_level(logging.WARNING, logger="trellis_registry.http.app"):
        async with serve_in_process(settings) as client:
            health = await client.get("/health")
            assert (health.status_code, health.json()) == (503, {"status": "STARTING"})
            for method, path in [
                ("GET", "/v1/services"),
                ("GET", "/v1/routing-urls"),
                ("GET", "/v1/supergraph"),
                ("GET", "/"),
                ("POST", "/v1/services/customers/instances"),
            ]:
                response = await client.request(method, path, json=REGISTRATION)
                assert response.status_code == 503, path
                assert response.headers["retry-after"] == "1"
                assert "starting" in response.json()["detail"]
            await eventually(lambda: "still unreachable (attempt 2)" in caplog.text)

            blocker.unlink()

            async def is_up() -> bool:
                return (await client.get("/health")).status_code == 200

            await eventually(is_up)
            assert (await client.get("/health")).json() == {"status": "UP"}
            registered = await client.post("/v1/services/customers/instances", json=REGISTRATION)
            assert registered.status_code == 200
    assert "the registry store is unreachable" in caplog.text
    assert (blocker / "registry.db").exists()


def test_the_settings_name_the_store(tmp_path: Path) -> None:
    sql = store_for(RegistrySettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"))
    assert isinstance(sql, SqlRegistryBackend)
    etcd = store_for(
        RegistrySettings(etcd_endpoints=["http://127.0.0.1:2379"], etcd_prefix="/test/")
    )
    assert type(etcd).__name__ == "EtcdRegistryBackend"
    assert type(etcd).__module__ == "trellis_registry.etcd_backend"


def test_new_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = RegistrySettings()
    assert (
        defaults.health_checks,
        defaults.health_check_interval_seconds,
        defaults.health_check_timeout_seconds,
        defaults.health_check_failures,
        defaults.etcd_endpoints,
        defaults.etcd_prefix,
    ) == (False, 10.0, 2.0, 2, [], "/trellis/registry/")
    monkeypatch.setenv(
        "TRELLIS_REGISTRY_ETCD_ENDPOINTS", '["http://10.0.0.1:2379", "http://10.0.0.2:2379"]'
    )
    monkeypatch.setenv("TRELLIS_REGISTRY_HEALTH_CHECKS", "true")
    settings = RegistrySettings()
    assert settings.etcd_endpoints == ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]
    assert settings.health_checks is True


async def test_the_dashboard_and_health_of_a_running_registry(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "UP"}
    assert (await client.get("/")).status_code == 200
