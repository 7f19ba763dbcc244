"""Query planning: operation -> :class:`~trellis_router.planner.plan.QueryPlan`.

Stages (one module each): ``normalize`` (operation normalisation) -> ``query_graph`` (where each
field resolves, key edges) -> ``fetch_graph`` (fetch dependency graph built by walking the
operation) -> ``build`` (plan nodes, names, printed operations).
"""

from __future__ import annotations

from graphql import DocumentNode

from ..supergraph import Supergraph
from .build import build_query_plan
from .errors import PlanningError
from .fetch_graph import build_fetch_graph
from .normalize import normalize_operation
from .plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    RequiresField,
    RequiresInlineFragment,
    RequiresSelection,
    SequenceNode,
)

__all__ = [
    "ConditionNode",
    "FetchNode",
    "FlattenNode",
    "ParallelNode",
    "PlanNode",
    "PlanningError",
    "QueryPlan",
    "RequiresField",
    "RequiresInlineFragment",
    "RequiresSelection",
    "SequenceNode",
    "plan_operation",
]


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None,
    override_labels: frozenset[str] = frozenset(),
) -> QueryPlan:
    """Plan one operation of a document over a supergraph.

    Args:
        supergraph: the loaded supergraph.
        document: the client document, already validated against the API schema.
        operation_name: the operation to plan (None when the document has exactly one).
        override_labels: progressive ``@override`` labels active for this request (a labelled
            override moves its field to the new subgraph only when its label is active).

    Returns:
        The query plan.

    Raises:
        PlanningError: no plan can serve the operation.

    Spec: Apollo Federation 2 query planning.
    """
    operation = normalize_operation(supergraph.schema, document, operation_name)
    return build_query_plan(build_fetch_graph(supergraph, operation, override_labels))
