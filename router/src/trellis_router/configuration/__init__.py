"""Router configuration (settings model, YAML file loading)."""

from __future__ import annotations

from .settings import RouterSettings, load_settings

__all__ = ["RouterSettings", "load_settings"]
