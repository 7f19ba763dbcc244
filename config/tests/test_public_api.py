"""The curated ``__all__`` of every module names what exists, and the client contract holds."""

from __future__ import annotations

import importlib
import inspect

import pytest
import trellis_config

MODULES = [
    "trellis_config",
    "trellis_config.cipher",
    "trellis_config.cli",
    "trellis_config.client",
    "trellis_config.environment",
    "trellis_config.errors",
    "trellis_config.longpoll",
    "trellis_config.properties",
    "trellis_config.repository",
    "trellis_config.server",
    "trellis_config.settings",
    "trellis_config.testing",
    "trellis_config.vault",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    assert len(set(module.__all__)) == len(module.__all__)
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


def test_client_contract_signatures():
    from trellis_config import client

    assert list(inspect.signature(client.ConfigClient).parameters) == [
        "base_url",
        "application",
        "profiles",
        "label",
        "timeout_seconds",
    ]
    assert list(inspect.signature(client.LiveSettings).parameters) == [
        "settings_type",
        "client",
        "overrides",
        "cache_path",
        "start_attempts",
        "start_backoff_seconds",
        "wait_seconds",
        "retry_seconds",
    ]
    assert list(inspect.signature(client.ConfigServerSettingsSource).parameters) == [
        "settings_cls",
        "environment",
    ]
    for method in ("fetch", "wait_for_change", "aclose"):
        assert inspect.iscoroutinefunction(getattr(client.ConfigClient, method))
    assert inspect.iscoroutinefunction(client.LiveSettings.run)
    assert trellis_config.create_app is importlib.import_module("trellis_config.server").create_app
