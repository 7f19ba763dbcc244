"""`OperationLog`: records the operations the router reports and lists them.

See `trellis_registry.operations` for what is kept.
"""

from __future__ import annotations

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
        for report in reports:
            _check_document(report.document)
        await self._backend.record_operations(reports, self._clock())
        return len({operation_hash(report.document) for report in reports})

    async def operations(self) -> list[RecordedOperation]:
        """Returns every recorded document, ordered by hash."""
        return await self._backend.recorded_operations()


def _check_document(document: str) -> None:
    try:
        parsed = parse(document, no_location=True)
    except GraphQLError as error:
        raise InvalidOperationError(error.message) from error
    if not any(isinstance(d, OperationDefinitionNode) for d in parsed.definitions):
        raise InvalidOperationError("the document holds no operation")
