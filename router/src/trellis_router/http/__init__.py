"""The router's HTTP layer: ``/graphql`` (GraphQL over HTTP), ``/health``, ``/ready``."""

from __future__ import annotations

from .app import create_app
from .graphql import GRAPHQL_RESPONSE_JSON, GraphQLEndpoint

__all__ = ["GRAPHQL_RESPONSE_JSON", "GraphQLEndpoint", "create_app"]
