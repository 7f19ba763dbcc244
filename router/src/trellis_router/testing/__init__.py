"""Test helpers for federation: subgraphs mocked by data, served over real HTTP.

Example:
    >>> from trellis_router.testing import MockSubgraph, serve_mock_subgraphs
    >>> mock = MockSubgraph("hello", "type Query { hello: String }", {"Query": {"hello": "hi"}})
    >>> mock.execute("{ hello }")
    {'data': {'hello': 'hi'}}

Nothing in the router imports this package.
"""

from __future__ import annotations

from .federation import SubgraphMetadata
from .mock import BY_ARGS, MockSubgraph, RecordedRequest
from .server import serve_mock_subgraphs

__all__ = ["BY_ARGS", "MockSubgraph", "RecordedRequest", "SubgraphMetadata", "serve_mock_subgraphs"]
