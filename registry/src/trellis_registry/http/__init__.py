"""The registry's HTTP API (FastAPI): discovery under ``/v1/services``, the schema registry
under ``/v1/subgraphs`` and ``/v1/supergraph``, routing URLs for the router, the dashboard
at ``/``, and ``/health``."""

from __future__ import annotations

from trellis_registry.http.app import create_app, end_blocking_queries

__all__ = ["create_app", "end_blocking_queries"]
