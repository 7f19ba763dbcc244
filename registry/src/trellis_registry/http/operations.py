"""Recorded operations endpoints: ``/v1/operations``."""

from __future__ import annotations

from fastapi import APIRouter

from trellis_registry.http.bodies import (
    OperationReportBody,
    OperationsRecordedBody,
    RecordedOperationBody,
    RecordedOperationsBody,
)
from trellis_registry.http.dependencies import OperationLogDep

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.post("/v1/operations", responses={400: {"description": "A document does not parse."}})
async def record_operations(
    body: list[OperationReportBody], operation_log: OperationLogDep
) -> OperationsRecordedBody:
    """Records operations the router executed; all or nothing (400 when one does not parse)."""
    recorded = await operation_log.record([item.to_report() for item in body])
    return OperationsRecordedBody(recorded=recorded)


@router.get("/v1/operations")
async def list_operations(operation_log: OperationLogDep) -> RecordedOperationsBody:
    """Lists every recorded document with its count and first and last seen times."""
    operations = await operation_log.operations()
    return RecordedOperationsBody(
        operations=[RecordedOperationBody.of(operation) for operation in operations]
    )
