"""Router configuration: the settings model and YAML file loading (:mod:`.settings`), the
settings applied live (:mod:`.runtime`), the config server wiring (:mod:`.live`, imported on
demand).
"""

from __future__ import annotations

from .runtime import LIVE_SETTINGS, RouterRuntime, apply_log_level
from .settings import LOG_LEVELS, RouterSettings, load_settings, settings_class

__all__ = [
    "LIVE_SETTINGS",
    "LOG_LEVELS",
    "RouterRuntime",
    "RouterSettings",
    "apply_log_level",
    "load_settings",
    "settings_class",
]
