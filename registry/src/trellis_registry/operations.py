"""Recorded operation values: what clients actually send, as the router reports it.

The router reports the operations it executed (``POST /v1/operations``); the registry keeps
each distinct document once (keyed by the sha256 of its text) with how many times it was
reported and when it was first and last seen. Schema checks and the publish refusal use
them to tell breaking changes clients use from ones nobody uses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

__all__ = ["OperationReport", "RecordedOperation", "operation_hash"]


def operation_hash(document: str) -> str:
    """The id of a recorded document.

    Args:
        document: The GraphQL document text, exactly as executed.

    Returns:
        The sha256 hex digest of its UTF-8 bytes (the persisted-query hash convention).
    """
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class OperationReport:
    """An operation the router executed, ``count`` times since its last report.

    Attributes:
        name: The operation name that was executed, or None for an anonymous operation.
        document: The GraphQL document text.
        count: How many executions this report stands for (at least 1).
    """

    name: str | None
    document: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class RecordedOperation:
    """One distinct recorded document.

    Attributes:
        hash: `operation_hash` of ``document``.
        name: The operation name last reported with it (None when anonymous).
        document: The GraphQL document text.
        count: Executions reported in total.
        first_seen_at: When it was first reported, UTC.
        last_seen_at: When it was last reported, UTC.
    """

    hash: str
    name: str | None
    document: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
