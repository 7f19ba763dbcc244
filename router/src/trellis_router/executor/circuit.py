"""Circuit breakers, one per subgraph instance (routing URL): :class:`CircuitBreakers`.

States of one instance's circuit::

    closed     requests flow; consecutive failures are counted (a success resets the count)
    open       after failure_threshold consecutive failures: no request for open_seconds
    half_open  after open_seconds: one trial request at a time; its success closes the
               circuit, its failure opens it again for open_seconds

A failure is a connection failure, a reset, a timeout or an HTTP status >= 500 (see
:func:`is_failure`); any other answer (2xx, 4xx, a body that is not JSON) shows the instance is
up and counts as a success. A trial that ends without either (the request was cancelled)
leaves the circuit half-open for the next trial.

The state is keyed by URL and only kept for instances that failed lately (a closed circuit
without failures is forgotten), so memory stays bounded by the failing instances.

Spec: the circuit breaker pattern (Nygard, *Release It!*; Resilience4j's CLOSED / OPEN /
HALF_OPEN with a permitted number of calls in half-open state, here one); Envoy's outlier
detection (``consecutive_5xx``, ``consecutive_gateway_failure``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from ..configuration.traffic_shaping import CircuitBreakerSettings
from .client import SubgraphFetchError

__all__ = ["CircuitBreakers", "CircuitState", "is_failure"]

_log = logging.getLogger(__name__)

CircuitState: TypeAlias = Literal["closed", "open", "half_open"]
"""The state of one instance's circuit."""


def is_failure(error: SubgraphFetchError) -> bool:
    """True when ``error`` counts against the instance's circuit.

    Args:
        error: a failed subgraph request.

    Returns:
        True for a connection failure, a reset, a timeout or an HTTP status >= 500.
    """
    if error.kind == "status":
        return error.status is not None and error.status >= 500
    return error.kind != "response"


@dataclass(slots=True)
class _Circuit:
    failures: int = 0
    opened_at: float | None = None  # None: closed
    trial: bool = False  # a half-open trial request is in flight


class CircuitBreakers:
    """The circuits of every subgraph instance, keyed by routing URL (long-lived).

    Each call takes the breaker settings of the instance's subgraph, so a settings change
    applies at once. Not thread-safe: use it from one event loop.

    Args:
        clock: monotonic clock in seconds (tests may pass their own).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}

    @property
    def tracked(self) -> bool:
        """True when some instance has failed lately (a circuit not plainly closed)."""
        return bool(self._circuits)

    def state(self, url: str, settings: CircuitBreakerSettings) -> CircuitState:
        """The state of ``url``'s circuit now.

        Args:
            url: a routing URL.
            settings: the breaker settings of its subgraph.

        Returns:
            ``closed``, ``open`` or ``half_open`` (``closed`` when breakers are disabled).
        """
        circuit = self._circuits.get(url)
        if not settings.enabled or circuit is None or circuit.opened_at is None:
            return "closed"
        if self._clock() - circuit.opened_at < settings.open_seconds:
            return "open"
        return "half_open"

    def refuses(self, url: str, settings: CircuitBreakerSettings) -> bool:
        """True when a request to ``url`` would not be admitted now (no side effect).

        Args:
            url: a routing URL.
            settings: the breaker settings of its subgraph.

        Returns:
            True while the circuit is open, or half-open with its trial in flight.
        """
        state = self.state(url, settings)
        return state == "open" or (state == "half_open" and self._circuits[url].trial)

    def admit(self, url: str, settings: CircuitBreakerSettings) -> bool:
        """Ask to send one request to ``url``.

        In the half-open state the admitted request is the trial: the caller must end it with
        :meth:`succeeded`, :meth:`failed` or :meth:`release`.

        Args:
            url: a routing URL.
            settings: the breaker settings of its subgraph.

        Returns:
            True when the request may be sent.
        """
        state = self.state(url, settings)
        if state == "closed":
            return True
        circuit = self._circuits[url]
        if state == "open" or circuit.trial:
            return False
        circuit.trial = True
        _log.info("circuit of %s half-open: sending a trial request", url)
        return True

    def succeeded(self, url: str) -> None:
        """Record an answer from ``url``: its circuit closes and its failure count resets.

        Args:
            url: the routing URL that answered.
        """
        circuit = self._circuits.pop(url, None)
        if circuit is not None and circuit.opened_at is not None:
            _log.info("circuit of %s closed: it answers again", url)

    def failed(self, url: str, settings: CircuitBreakerSettings, reason: str = "") -> None:
        """Record a failure of ``url`` (see :func:`is_failure`); may open its circuit.

        Args:
            url: the routing URL that failed.
            settings: the breaker settings of its subgraph.
            reason: why (logged).
        """
        if not settings.enabled:
            self._circuits.pop(url, None)
            return
        circuit = self._circuits.get(url)
        if circuit is None:
            circuit = self._circuits[url] = _Circuit()
        circuit.failures += 1
        if circuit.trial or (
            circuit.opened_at is None and circuit.failures >= settings.failure_threshold
        ):
            circuit.trial = False
            circuit.opened_at = self._clock()
            _log.warning(
                "circuit of %s open for %.1f s after %d consecutive failures: %s",
                url,
                settings.open_seconds,
                circuit.failures,
                reason or "request failed",
            )

    def release(self, url: str) -> None:
        """End a request to ``url`` that neither succeeded nor failed (e.g. cancelled).

        A half-open circuit admits the next trial.

        Args:
            url: the routing URL.
        """
        circuit = self._circuits.get(url)
        if circuit is not None:
            circuit.trial = False

    def open_urls(self, settings: CircuitBreakerSettings) -> frozenset[str]:
        """The URLs whose circuit is open now (under ``settings``).

        Args:
            settings: breaker settings to judge every URL by.
        """
        return frozenset(url for url in self._circuits if self.state(url, settings) == "open")
