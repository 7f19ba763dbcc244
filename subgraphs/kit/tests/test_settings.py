"""Settings derivation, environment and command-line overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field, ValidationError
from trellis_subgraph import SubgraphDefinition, SubgraphSettings, settings_from_args


class WidgetsSettings(SubgraphSettings):
    subgraph_name = "widgets"

    port: int = Field(default=4999, description="TCP port to listen on.")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in WidgetsSettings.model_fields:
        monkeypatch.delenv(f"TRELLIS_{name.upper()}", raising=False)


def test_defaults_derive_database_and_routing_urls() -> None:
    settings = WidgetsSettings()
    assert settings.database_url == "sqlite+aiosqlite:///var/widgets.db"
    assert settings.routing_url == "http://127.0.0.1:4999/graphql"
    assert settings.health_url == "http://127.0.0.1:4999/health"
    assert settings.instance_id == "widgets-127.0.0.1-4999"
    assert settings.registry_url == "http://127.0.0.1:8761"
    assert settings.heartbeat_interval_seconds == 10.0


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRELLIS_PORT", "5123")
    monkeypatch.setenv("TRELLIS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRELLIS_REGISTRY_URL", "")
    settings = WidgetsSettings()
    assert settings.port == 5123
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/widgets.db"
    assert settings.routing_url == "http://127.0.0.1:5123/graphql"
    assert settings.registry_url is None


def test_explicit_urls_are_kept() -> None:
    settings = WidgetsSettings(
        routing_url="http://widgets.internal/graphql", database_url="sqlite+aiosqlite://"
    )
    assert settings.routing_url == "http://widgets.internal/graphql"
    assert settings.health_url == "http://widgets.internal/health"
    assert settings.database_url == "sqlite+aiosqlite://"


def test_unknown_settings_are_rejected() -> None:
    with pytest.raises(ValidationError):
        WidgetsSettings(colour="blue")  # type: ignore[call-arg]


def test_command_line_overrides() -> None:
    definition = SubgraphDefinition(
        name="widgets",
        schema=None,  # type: ignore[arg-type]
        migrations=Path("unused"),
        seed=None,  # type: ignore[arg-type]
        settings_type=WidgetsSettings,
        distribution="trellis-subgraph",
    )
    argv = ["--host", "0.0.0.0", "--port", "4100"]
    argv += ["--database-url", "sqlite+aiosqlite://", "--registry-url", ""]
    settings = settings_from_args(definition, argv)
    assert (settings.host, settings.port) == ("0.0.0.0", 4100)
    assert settings.database_url == "sqlite+aiosqlite://"
    assert settings.registry_url is None
    assert settings.routing_url == "http://0.0.0.0:4100/graphql"


def test_every_field_is_described() -> None:
    assert all(field.description for field in WidgetsSettings.model_fields.values())
