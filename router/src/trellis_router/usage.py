"""Operation usage reporting: the router tells the registry which operations clients run.

The registry keeps these "recorded operations" so that a schema check can tell a breaking
change that no client uses from one that breaks a running client (``trellis-registry subgraph
check``; a registry configured to refuse breaking changes refuses a publish that breaks one).
Like Apollo's usage reporting to GraphOS, in spirit; the wire format is Trellis's own:

    POST {registry}/v1/operations
    [{"name": "Invoices" | null, "document": "query Invoices { … }", "count": 3}, …]

Only operations that passed validation and were planned are recorded. Reporting never slows
or fails a request: the recorder is a bounded in-memory map flushed by a background task, and a
registry that cannot be reached only costs a log line (the batch is kept for the next flush).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import orjson

__all__ = ["OperationRecorder", "report_operations"]

_log = logging.getLogger(__name__)


class OperationRecorder:
    """Distinct operations seen since the last flush, with a count each.

    Args:
        max_distinct: the most distinct ``(name, document)`` pairs kept between two flushes;
            more are dropped (and counted in :attr:`dropped`), so memory stays bounded.
    """

    def __init__(self, max_distinct: int = 5000) -> None:
        self.max_distinct = max_distinct
        self._counts: dict[tuple[str | None, str], int] = {}
        self.dropped = 0

    def record(self, document: str, name: str | None) -> None:
        """Count one execution of ``document`` (its text as sent) under ``name``."""
        key = (name, document)
        count = self._counts.get(key)
        if count is not None:
            self._counts[key] = count + 1
        elif len(self._counts) < self.max_distinct:
            self._counts[key] = 1
        else:
            self.dropped += 1

    def take(self) -> list[dict[str, object]]:
        """Return and forget the operations recorded so far.

        Returns:
            ``[{"name", "document", "count"}]`` in first-seen order.
        """
        batch: list[dict[str, object]] = [
            {"name": name, "document": document, "count": count}
            for (name, document), count in self._counts.items()
        ]
        self._counts = {}
        return batch

    def put_back(self, batch: list[dict[str, object]]) -> None:
        """Merge a batch that could not be delivered back into the recorder."""
        for item in batch:
            name = item["name"]
            document = item["document"]
            count = item["count"]
            if not isinstance(document, str) or not isinstance(count, int):
                continue
            key = (name if isinstance(name, str) else None, document)
            if key in self._counts or len(self._counts) < self.max_distinct:
                self._counts[key] = self._counts.get(key, 0) + count


async def report_operations(
    recorder: OperationRecorder,
    registry_url: str,
    interval_seconds: float,
    timeout_seconds: float = 10.0,
) -> None:
    """Flush ``recorder`` to the registry every ``interval_seconds``, forever (cancel to stop;
    a last flush is attempted on cancellation).

    Args:
        recorder: the operations to report.
        registry_url: the registry's base URL, e.g. ``http://127.0.0.1:8761``.
        interval_seconds: seconds between two flushes.
        timeout_seconds: time allowed for one report request, in seconds.
    """
    url = registry_url.rstrip("/") + "/v1/operations"
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            while True:
                await asyncio.sleep(interval_seconds)
                await _flush(session, url, recorder)
        except asyncio.CancelledError:
            await asyncio.shield(_flush(session, url, recorder))
            raise


async def _flush(session: aiohttp.ClientSession, url: str, recorder: OperationRecorder) -> None:
    batch = recorder.take()
    if not batch:
        return
    try:
        async with session.post(
            url, data=orjson.dumps(batch), headers={"content-type": "application/json"}
        ) as response:
            if response.status >= 400:
                _log.warning("operation report refused: HTTP %s", response.status)
                recorder.put_back(batch)
    except (aiohttp.ClientError, TimeoutError) as error:
        _log.warning("operation report failed: %s", error or type(error).__name__)
        recorder.put_back(batch)
