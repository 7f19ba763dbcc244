"""Schema checks: would publishing this subgraph schema break clients?

Stages (``trellis-registry subgraph check``, and the registry's publish refusal):

- `check_subgraph`: compose the candidate with the other subgraphs of a `Baseline` (a schema
  folder, `baseline_from_directory`, or a registry, `baseline_from_registry`);
- `diff_api_schemas` / `diff_supergraphs`: every change of the API schema, with a kind, a
  severity and a schema coordinate, plus access-control changes read from the supergraph;
- `classify_changes`: which operations (`load_operation_files`, recorded ones) use what a
  breaking change affects; unused breaking changes do not fail the check.

Example:
    >>> from graphql import build_schema
    >>> old = build_schema("type Query { a: Int b: Int }")
    >>> new = build_schema("type Query { a: Int }")
    >>> [(c.severity.value, c.coordinate) for c in diff_api_schemas(old, new)]
    [('breaking', 'Query.b')]
"""

from __future__ import annotations

from trellis_registry.checks.access import AccessRequirement, access_requirements
from trellis_registry.checks.changes import ChangeKind, SchemaChange, Severity
from trellis_registry.checks.check import (
    Baseline,
    check_subgraph,
    classify_changes,
    compare_supergraphs,
)
from trellis_registry.checks.diff import diff_api_schemas, diff_supergraphs
from trellis_registry.checks.errors import CheckInputError
from trellis_registry.checks.operations import Operation, load_operation_files, parse_operations
from trellis_registry.checks.report import CheckedChange, CheckReport, CompositionOutcome, Usage
from trellis_registry.checks.sources import baseline_from_directory, baseline_from_registry
from trellis_registry.checks.usage import operation_usage

__all__ = [
    "AccessRequirement",
    "Baseline",
    "ChangeKind",
    "CheckInputError",
    "CheckReport",
    "CheckedChange",
    "CompositionOutcome",
    "Operation",
    "SchemaChange",
    "Severity",
    "Usage",
    "access_requirements",
    "baseline_from_directory",
    "baseline_from_registry",
    "check_subgraph",
    "classify_changes",
    "compare_supergraphs",
    "diff_api_schemas",
    "diff_supergraphs",
    "load_operation_files",
    "operation_usage",
    "parse_operations",
]
