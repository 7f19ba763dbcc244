"""Query plan execution: fetches, representations, flatten, response merge, null propagation.

Public entry points: :func:`prepare_operation` (once per cached plan) and
:func:`execute_operation` (per request), over the :class:`SubgraphClient` seam.
"""

from __future__ import annotations

from .balancer import BalancingSubgraphClient, BoundSubgraphClient, LoadBalancer, RoutingUrls
from .client import AiohttpSubgraphClient, FetchFailure, SubgraphClient, SubgraphFetchError
from .dedupe import DedupingSubgraphClient
from .operation import PreparedOperation, execute_operation, prepare_operation
from .response import RESPONSE_VALIDATION_FAILED
from .run import SUBREQUEST_HTTP_ERROR, PlanTracer, SubgraphHeaders

__all__ = [
    "RESPONSE_VALIDATION_FAILED",
    "SUBREQUEST_HTTP_ERROR",
    "AiohttpSubgraphClient",
    "BalancingSubgraphClient",
    "BoundSubgraphClient",
    "DedupingSubgraphClient",
    "FetchFailure",
    "LoadBalancer",
    "PlanTracer",
    "PreparedOperation",
    "RoutingUrls",
    "SubgraphClient",
    "SubgraphFetchError",
    "SubgraphHeaders",
    "execute_operation",
    "prepare_operation",
]
