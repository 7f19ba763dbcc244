"""``apq`` and ``persisted_queries``: automatic persisted queries and trusted documents.

Apollo Router: ``apq.enabled``, ``persisted_queries.enabled``, ``persisted_queries.log_unknown``,
``persisted_queries.safelist.enabled``, ``persisted_queries.safelist.require_id``. Manifest:
Apollo's persisted query manifest (``{"format": "apollo-persisted-query-manifest",
"version": 1, "operations": [{"id", "name", "type", "body"}]}``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from .section import Section

__all__ = ["ApqSettings", "PersistedQueriesSettings", "SafelistSettings"]


class ApqSettings(Section):
    """Automatic persisted queries (``extensions.persistedQuery.sha256Hash``)."""

    enabled: bool = Field(default=True, description="Accept and register APQ hashes.")
    cache_size: int = Field(
        default=1000, ge=1, description="Queries remembered by hash (in memory, LRU)."
    )


class SafelistSettings(Section):
    """Only operations of the manifest run."""

    enabled: bool = Field(
        default=False,
        description="Refuse any operation not in the manifest (QUERY_NOT_IN_SAFELIST, HTTP 403).",
    )
    require_id: bool = Field(
        default=False,
        description="Refuse operations sent as text: clients must send a manifest id.",
    )


class PersistedQueriesSettings(Section):
    """Trusted documents from a persisted query manifest."""

    enabled: bool = Field(
        default=False,
        description="Load manifest_path and accept its ids (extensions.persistedQuery).",
    )
    manifest_path: Path | None = Field(
        default=None,
        description=(
            "The persisted query manifest (JSON, Apollo's format), re-read when it changes. "
            "The web app's build writes web/dist/persisted-query-manifest.json."
        ),
    )
    log_unknown: bool = Field(
        default=False, description="Log operations that are not in the manifest."
    )
    safelist: SafelistSettings = Field(
        default=SafelistSettings(), description="Safelisting: only manifest operations run."
    )

    @model_validator(mode="after")
    def _manifest(self) -> PersistedQueriesSettings:
        if self.enabled and self.manifest_path is None:
            raise ValueError("persisted_queries.enabled needs manifest_path")
        if self.safelist.enabled and not self.enabled:
            raise ValueError("persisted_queries.safelist needs persisted_queries.enabled")
        return self
