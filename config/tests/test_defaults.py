"""config/defaults: every {app}.yml key is a field of that service's settings, and each
service's settings build from what the server serves for it."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path
from typing import cast

import pytest
import yaml
from pydantic_settings import BaseSettings
from trellis_config.client import ConfigClient, settings_with_environment
from trellis_config.properties import flatten
from trellis_config.repository import ensure_git_repository

DEFAULTS = Path(__file__).resolve().parents[1] / "defaults"

SETTINGS = {
    "router": "trellis_router.configuration.settings:RouterSettings",
    "registry": "trellis_registry.settings:RegistrySettings",
    "customers": "trellis_customers.settings:CustomersSettings",
    "inventory": "trellis_inventory.settings:InventorySettings",
    "billing": "trellis_billing.settings:BillingSettings",
    "orders": "trellis_orders.settings:OrdersSettings",
}


def settings_class(application: str) -> type[BaseSettings]:
    module_name, _, name = SETTINGS[application].partition(":")
    return cast(type[BaseSettings], getattr(importlib.import_module(module_name), name))


def test_the_expected_files_exist():
    names = {path.name for path in DEFAULTS.glob("*.yml")}
    assert names == {f"{app}.yml" for app in SETTINGS} | {
        "application.yml",
        "application-dev.yml",
        "customers-production.yml",
    }


def test_the_production_profile_refuses_demo_secrets():
    data = yaml.safe_load((DEFAULTS / "customers-production.yml").read_text())
    assert set(data) <= set(settings_class("customers").model_fields)
    assert data == {"auth_allow_demo_secrets": False, "seed_demo_data": False}


@pytest.mark.parametrize("application", sorted(SETTINGS))
def test_application_files_only_hold_known_fields(application):
    data = yaml.safe_load((DEFAULTS / f"{application}.yml").read_text()) or {}
    fields = settings_class(application).model_fields
    assert set(data) <= set(fields), set(data) - set(fields)
    for key in flatten(data):
        assert "url" not in key and key not in {"host", "port", "listen"}, key


def test_every_service_builds_its_settings_from_the_served_defaults(tmp_path, start_server):
    server = start_server(repository=tmp_path / "repo", defaults_path=DEFAULTS)
    for application in SETTINGS:
        for profiles in (["default"], ["dev"]):
            environment = ConfigClient(server.base_url, application, profiles).fetch_sync()
            assert environment.property_sources
            settings: BaseSettings = settings_with_environment(
                settings_class(application), environment, {}
            )
            assert type(settings) is settings_class(application)


def test_a_repository_given_by_a_relative_path_commits_the_defaults(tmp_path, monkeypatch):
    """``make up`` passes ``--repository var/config-repo``: the first commit holds the files."""
    monkeypatch.chdir(tmp_path)
    assert ensure_git_repository(Path("var/config-repo"), DEFAULTS)
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", "HEAD"],
        cwd=tmp_path / "var" / "config-repo",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(listed) == sorted(path.name for path in DEFAULTS.glob("*.yml"))
