"""The request pipeline, one module per stage: parse, validate, operation, variables, plan,
execute; :func:`run_pipeline` chains them.
"""

from __future__ import annotations

from .errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    QUERY_PLANNING_FAILED,
    SERVICE_UNAVAILABLE,
    UNAUTHENTICATED,
    UNAUTHORIZED_FIELD_OR_TYPE,
    RequestError,
)
from .plan import Planner, default_planner
from .request import (
    GraphQLRequest,
    PipelineResult,
    PreparedRequest,
    prepare_request,
    run_pipeline,
)

__all__ = [
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_PLANNING_FAILED",
    "SERVICE_UNAVAILABLE",
    "UNAUTHENTICATED",
    "UNAUTHORIZED_FIELD_OR_TYPE",
    "GraphQLRequest",
    "PipelineResult",
    "Planner",
    "PreparedRequest",
    "RequestError",
    "default_planner",
    "prepare_request",
    "run_pipeline",
]
