"""The router settings that change while it runs: :class:`RouterRuntime`.

Applied live (``LIVE_SETTINGS``): subgraph timeouts, retries and ejection, CORS, the request
body limit, query plan exposure, progressive override labels, query deduplication, the plan
cache size (from the next state), the log level, and the sections ``introspection``,
``authorization``, ``headers``, ``limits``, ``csrf``, ``apq``, ``persisted_queries``,
``traffic_shaping`` and ``batching``. Any other key (listen address, supergraph file, registry,
pool size, ``authentication``, ``telemetry``, …) needs a restart: a change is logged and not
applied.

Readers take :attr:`RouterRuntime.settings` once per request (one attribute read); a change
swaps the whole settings object, so a request never sees half of one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .settings import RouterSettings

__all__ = ["LIVE_SETTINGS", "ROUTER_LOGGERS", "RouterRuntime", "apply_log_level"]

_log = logging.getLogger(__name__)

LIVE_SETTINGS = frozenset(
    {
        "subgraph_timeout_seconds",
        "subgraph_connect_timeout_seconds",
        "subgraph_retry_attempts",
        "ejection_seconds",
        "max_ejection_seconds",
        "traffic_shaping_deduplicate_query",
        "progressive_override_labels",
        "max_request_body_bytes",
        "expose_query_plan",
        "plan_cache_size",
        "cors_allow_origins",
        "cors_allow_credentials",
        "cors_allow_headers",
        "cors_max_age_seconds",
        "log_level",
        "introspection",
        "authorization",
        "headers",
        "limits",
        "csrf",
        "apq",
        "persisted_queries",
        "traffic_shaping",
        "batching",
    }
)
"""Settings applied without a restart."""

ROUTER_LOGGERS = ("trellis_router", "trellis_config")
"""The loggers ``log_level`` applies to."""

SettingsListener = Callable[[RouterSettings, frozenset[str]], None]


def apply_log_level(level: int | str) -> None:
    """Set the level of the router's loggers (:data:`ROUTER_LOGGERS`).

    Args:
        level: a :mod:`logging` level number or name (``"DEBUG"``, …).
    """
    for name in ROUTER_LOGGERS:
        logging.getLogger(name).setLevel(level)


class RouterRuntime:
    """Holds the settings in effect and applies changes to them.

    Args:
        settings: the settings the router started with.

    Example:
        >>> runtime = RouterRuntime(RouterSettings())
        >>> sorted(runtime.apply(RouterSettings(expose_query_plan=False)))
        ['expose_query_plan']
    """

    def __init__(self, settings: RouterSettings) -> None:
        self.settings = settings
        self.restart_required: frozenset[str] = frozenset()
        self._listeners: list[SettingsListener] = []

    def on_change(self, listener: SettingsListener) -> None:
        """Call ``listener(settings, changed)`` after each change applied.

        Args:
            listener: receives the new settings in effect and the names applied.
        """
        self._listeners.append(listener)

    def apply(self, new: RouterSettings) -> frozenset[str]:
        """Apply the live keys of ``new``; log the others as needing a restart.

        Args:
            new: the settings wanted now (e.g. after the config server changed).

        Returns:
            The names of the settings whose new values were applied (empty: none changed).
        """
        current = self.settings
        changed = {
            name for name in type(new).model_fields if getattr(new, name) != getattr(current, name)
        }
        applied = frozenset(changed & LIVE_SETTINGS)
        pending = frozenset(changed - LIVE_SETTINGS)
        if pending != self.restart_required and pending:
            _log.warning("not applied, needs a restart: %s", ", ".join(sorted(pending)))
        self.restart_required = pending
        if not applied:
            return applied
        self.settings = current.model_copy(update={name: getattr(new, name) for name in applied})
        if "log_level" in applied:
            apply_log_level(self.settings.log_level)
        _log.info("settings applied: %s", ", ".join(sorted(applied)))
        for listener in self._listeners:
            listener(self.settings, applied)
        return applied
