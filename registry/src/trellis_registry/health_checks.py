"""Active health checks: the registry calls each live instance's health URL.

Spec: Consul's HTTP checks: a 2xx answer within the timeout passes, anything else (another
status, a connection error, a timeout) fails. An instance turns CRITICAL after ``failures``
consecutive failed checks and PASSING again after one passed check; until its first passed
check (or ``failures`` failed ones) it stays UNKNOWN. A CRITICAL instance's effective status
is DOWN (`trellis_registry.instances.Instance.effective_status`), so routing skips it.

Outcomes are stored through `RegistryBackend.set_health` only when they change, so a steady
state costs no writes and no index increases. Consecutive failure counts are kept in memory:
a restarted registry starts counting again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx

from trellis_registry.backend import RegistryBackend
from trellis_registry.clock import Clock, utc_now
from trellis_registry.instances import HealthCheck, Instance

__all__ = ["HealthChecker"]

_log = logging.getLogger(__name__)


class HealthChecker:
    """Checks the health URL of every live instance, concurrently, and records outcomes.

    Args:
        backend: Where instances are listed and outcomes stored.
        lease_ttl: The lease duration (instances whose lease lapsed are not checked).
        clock: The source of the current time.
        timeout_seconds: The limit of one check (connect, send, answer), in seconds.
        failures: Consecutive failed checks before an instance turns CRITICAL (at least 1).

    Raises:
        ValueError: ``failures`` is less than 1 or ``timeout_seconds`` is not positive.

    Example:
        >>> checker = HealthChecker(backend, timedelta(seconds=30), failures=2)
        >>> await checker.run_forever(timedelta(seconds=10))  # doctest: +SKIP
    """

    def __init__(
        self,
        backend: RegistryBackend,
        lease_ttl: timedelta,
        clock: Clock = utc_now,
        *,
        timeout_seconds: float = 2.0,
        failures: int = 2,
    ) -> None:
        if failures < 1:
            raise ValueError("failures must be at least 1")
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self._backend = backend
        self._lease_ttl = lease_ttl
        self._clock = clock
        self._timeout_seconds = timeout_seconds
        self._failures = failures
        self._failed: dict[tuple[str, str], int] = {}

    async def check_once(self, client: httpx.AsyncClient) -> int:
        """Checks every live instance once, concurrently, and stores changed outcomes.

        Args:
            client: The HTTP client the checks go through.

        Returns:
            How many instances' outcomes changed.
        """
        _, instances = await self._backend.list_instances(self._clock() - self._lease_ttl)
        passed = await asyncio.gather(*(self._probe(client, i) for i in instances))
        live = {(i.service, i.instance_id) for i in instances}
        self._failed = {key: count for key, count in self._failed.items() if key in live}
        changed = 0
        for instance, ok in zip(instances, passed, strict=True):
            outcome = self._outcome(instance, ok)
            if outcome is instance.health:
                continue
            stored = await self._backend.set_health(instance.service, instance.instance_id, outcome)
            if stored is not None:
                changed += 1
                _log.info(
                    "health of %s/%s: %s (index %d)",
                    instance.service,
                    instance.instance_id,
                    outcome.value,
                    stored[1],
                )
        return changed

    def _outcome(self, instance: Instance, passed: bool) -> HealthCheck:
        key = (instance.service, instance.instance_id)
        if passed:
            self._failed.pop(key, None)
            return HealthCheck.PASSING
        self._failed[key] = self._failed.get(key, 0) + 1
        if self._failed[key] >= self._failures:
            return HealthCheck.CRITICAL
        return instance.health

    async def _probe(self, client: httpx.AsyncClient, instance: Instance) -> bool:
        try:
            response = await client.get(instance.health_url, timeout=self._timeout_seconds)
        except httpx.HTTPError as error:
            _log.debug("health check of %s failed: %s", instance.health_url, error)
            return False
        return response.is_success

    async def run_forever(self, interval: timedelta) -> None:
        """Runs `check_once` every ``interval`` until cancelled.

        A failing round is logged and retried at the next interval.

        Args:
            interval: Time between the starts of two rounds (a round that takes longer
                delays the next one).
        """
        async with httpx.AsyncClient(follow_redirects=False) as client:
            while True:
                started = asyncio.get_running_loop().time()
                try:
                    await self.check_once(client)
                except Exception:
                    _log.exception("health check round failed")
                elapsed = asyncio.get_running_loop().time() - started
                await asyncio.sleep(max(0.0, interval.total_seconds() - elapsed))
