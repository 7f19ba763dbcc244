"""Long polls: the ``?wait=`` duration, ``If-None-Match`` matching, and the change feed.

A client that already holds an environment asks again with ``If-None-Match: <etag>`` and
``?wait=30s``; the server answers as soon as the resolved environment differs, or 304 when the
wait runs out. The server's scanner advances the :class:`ChangeFeed` whenever the repository
(or Vault) may have changed, waking every waiter to compare again.
"""

from __future__ import annotations

import asyncio
import re

__all__ = ["ChangeFeed", "etag_matches", "parse_wait"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_wait(text: str, cap_seconds: float) -> float:
    """Parse a Consul-style duration.

    Args:
        text: e.g. ``"500ms"``, ``"10s"``, ``"1m"``; a bare number is seconds.
        cap_seconds: the longest wait allowed.

    Returns:
        The duration in seconds, at most ``cap_seconds``.

    Raises:
        ValueError: not a duration.

    Spec: Consul HTTP API, blocking queries (``wait`` parameter).
    """
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"invalid wait duration {text!r}; use e.g. 500ms, 30s or 1m")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return min(seconds, cap_seconds)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header value matches an entity tag (weak comparison).

    Args:
        if_none_match: the header value: ``*`` or a comma-separated list of tags.
        etag: the current tag, quotes included.

    Returns:
        True when the header lists the tag (``W/`` prefixes ignored) or is ``*``.

    Spec: RFC 9110 section 13.1.2 (If-None-Match uses the weak comparison).
    """
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


class ChangeFeed:
    """A generation counter that waiters can block on.

    Create it inside the event loop that uses it.
    """

    def __init__(self) -> None:
        self._generation = 0
        self._condition = asyncio.Condition()

    @property
    def generation(self) -> int:
        """The current generation (advanced by every :meth:`advance`)."""
        return self._generation

    async def advance(self) -> None:
        """Start a new generation and wake every waiter."""
        async with self._condition:
            self._generation += 1
            self._condition.notify_all()

    async def wait_past(self, generation: int, timeout_seconds: float) -> bool:
        """Wait until the generation differs from ``generation``.

        Args:
            generation: the generation the caller last looked at.
            timeout_seconds: the longest wait.

        Returns:
            True when the generation moved on, False on timeout.
        """
        try:
            async with asyncio.timeout(timeout_seconds), self._condition:
                await self._condition.wait_for(lambda: self._generation != generation)
        except TimeoutError:
            return False
        return True
