"""`OperationLog`: records the operations the router reports and lists them.

See `trellis_registry.operations` for what is kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from graphql import GraphQLError, OperationDefinitionNode, parse

from trellis_registry.backend import RegistryBackend
from trellis_registry.clock import Clock, utc_now
from trellis_registry.errors import InvalidOperationError
from trellis_registry.operations import OperationReport, RecordedOperation, operation_hash

__all__ = ["OperationLog"]


class OperationLog:
    """Records reported operations and lists them.

    Args:
        backend: Where they are stored.
        clock: The source of the current time.
    """

    def __init__(self, backend: RegistryBackend, clock: Clock = utc_now) -> None:
        self._backend = backend
        self._clock = clock

    async def record(self, reports: Sequence[OperationReport]) -> int:
        """Records a batch of reports; all or nothing.

        Args:
            reports: The operations executed.

        Returns:
            How many distinct documents the batch held.

        Raises:
            InvalidOperationError: A document does not parse or holds no operation; nothing
                was recorded.
        """
        named = [_named(report) for report in reports]
        await self._backend.record_operations(named, self._clock())
        return len({operation_hash(report.document) for report in reports})

    async def operations(self) -> list[RecordedOperation]:
        """Returns every recorded document, ordered by hash."""
        return await self._backend.recorded_operations()


def _named(report: OperationReport) -> OperationReport:
    """Check the report's document; name it after its one operation when the client gave no
    ``operationName`` (a document with several operations keeps the given name).

    Raises:
        InvalidOperationError: the document does not parse or holds no operation.
    """
    try:
        parsed = parse(report.document, no_location=True)
    except GraphQLError as error:
        raise InvalidOperationError(error.message) from error
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations:
        raise InvalidOperationError("the document holds no operation")
    if report.name is None and len(operations) == 1 and operations[0].name is not None:
        return dataclasses.replace(report, name=operations[0].name.value)
    return report
