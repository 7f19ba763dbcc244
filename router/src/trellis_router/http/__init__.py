"""The router's HTTP layer: ``/graphql`` (GraphQL over HTTP), ``/health``, ``/ready``, CORS."""

from __future__ import annotations

from .app import SettingsFeed, create_app
from .cors import CorsMiddleware
from .graphql import GRAPHQL_RESPONSE_JSON, GraphQLEndpoint

__all__ = [
    "GRAPHQL_RESPONSE_JSON",
    "CorsMiddleware",
    "GraphQLEndpoint",
    "SettingsFeed",
    "create_app",
]
