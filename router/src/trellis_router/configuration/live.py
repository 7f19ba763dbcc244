"""The router's settings followed from the config server (``trellis_config.client``).

When ``TRELLIS_CONFIG_URL`` names a config server, ``trellis-router serve`` reads its settings
from application ``router`` (profiles ``TRELLIS_CONFIG_PROFILE``, label
``TRELLIS_CONFIG_LABEL``), long-polls for new versions and applies the changed keys that can
change live (:mod:`.runtime`); the others are logged as needing a restart.

Precedence: flags > environment > config server > ``--config`` YAML file > defaults (see
:mod:`.settings`).

Example:
    >>> live = live_router_settings({"listen": "127.0.0.1:4000"})  # doctest: +SKIP
    >>> settings = live.load() if live is not None else load_settings()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trellis_config.client import LiveSettings, client_from_env

from .settings import RouterSettings, settings_class

__all__ = ["CONFIG_APPLICATION", "live_router_settings"]

CONFIG_APPLICATION = "router"
"""The router's application name on the config server."""


def live_router_settings(
    overrides: Mapping[str, Any],
    config_file: Path | None = None,
    cache_path: Path | None = None,
) -> LiveSettings[RouterSettings] | None:
    """The router's live settings, when a config server is configured.

    Call ``load()`` on the result to read the settings at start (synchronous).

    Args:
        overrides: explicit values (CLI flags), above every other source; None values are
            dropped.
        config_file: an optional ``--config`` YAML file (below the config server).
        cache_path: a JSON file keeping the last environment the server gave, used when it
            cannot be reached at start (None: no cache).

    Returns:
        The live settings (not loaded yet), or None when ``TRELLIS_CONFIG_URL`` is unset.

    Raises:
        FileNotFoundError: ``config_file`` does not exist.
    """
    client = client_from_env(CONFIG_APPLICATION)
    if client is None:
        return None
    explicit = {key: value for key, value in overrides.items() if value is not None}
    return LiveSettings(
        settings_class(config_file), client, overrides=explicit, cache_path=cache_path
    )
