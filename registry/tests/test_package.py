"""The public surface and the settings contract."""

from __future__ import annotations

import pydantic
import pytest
import trellis_registry
from trellis_registry import RegistrySettings
from trellis_registry.http.subgraphs import etag_matches


def test_all_is_curated_and_importable() -> None:
    assert trellis_registry.__all__ == sorted(trellis_registry.__all__)
    for name in trellis_registry.__all__:
        assert getattr(trellis_registry, name) is not None


def test_settings_defaults() -> None:
    settings = RegistrySettings()
    assert (settings.port, settings.database_url, settings.lease_ttl_seconds) == (
        8761,
        "sqlite+aiosqlite:///var/registry.db",
        30.0,
    )


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_REGISTRY_PORT", "9001")
    monkeypatch.setenv("TRELLIS_REGISTRY_LEASE_TTL_SECONDS", "2.5")
    settings = RegistrySettings()
    assert (settings.port, settings.lease_ttl_seconds) == (9001, 2.5)


def test_settings_reject_unknown_and_invalid_values() -> None:
    with pytest.raises(pydantic.ValidationError):
        RegistrySettings.model_validate({"prot": 1})
    with pytest.raises(pydantic.ValidationError):
        RegistrySettings(lease_ttl_seconds=0)


def test_every_setting_is_described() -> None:
    assert all(field.description for field in RegistrySettings.model_fields.values())


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
    ],
)
def test_etag_matching(header: str, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches
