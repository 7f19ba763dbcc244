"""The per-app parts the /graphql endpoint uses besides the pipeline: :class:`RouterServices`.

Built from the settings at start and rebuilt piecewise when they change live: the request
policy (limits, persisted queries, authorization, header rules), the JWT authenticator, the
rate limiter; plus metrics and tracing, which live as long as the app.
"""

from __future__ import annotations

import contextlib
import logging

from ..auth import JwtAuthenticator
from ..configuration import RouterSettings
from ..pipeline.policy import RequestPolicy
from ..telemetry import RouterMetrics, RouterTracing
from .rate_limit import RateLimiter, rate_limiter

__all__ = ["RouterServices"]

_log = logging.getLogger(__name__)

_POLICY_KEYS = frozenset(
    {
        "limits",
        "introspection",
        "apq",
        "persisted_queries",
        "authorization",
        "headers",
        "progressive_override_labels",
    }
)


class RouterServices:
    """Request policy, authenticator, rate limiter, metrics and tracing of one router app.

    Args:
        settings: the settings the app starts with.

    Raises:
        ValueError: the persisted query manifest, a header rule or the policy hook is invalid.
    """

    def __init__(self, settings: RouterSettings) -> None:
        self.policy = RequestPolicy.from_settings(settings)
        jwt = settings.authentication.jwt
        self.authenticator = JwtAuthenticator(jwt) if jwt is not None else None
        limit = settings.traffic_shaping.rate_limit
        self.limiter: RateLimiter | None = rate_limiter(limit) if limit is not None else None
        telemetry = settings.telemetry
        self.metrics = RouterMetrics() if telemetry.metrics.enabled else None
        self.tracing = RouterTracing(telemetry.tracing)
        self._rate_limit = limit
        self._retired: list[RateLimiter] = []

    async def start(self) -> None:
        """Load the JWT keys (a source that fails is logged; tokens it signs are refused)."""
        if self.authenticator is not None:
            await self.authenticator.start()

    async def close(self) -> None:
        """Stop key refreshes, close the rate limiter and flush traces."""
        if self.authenticator is not None:
            await self.authenticator.close()
        for limiter in [*self._retired, *([self.limiter] if self.limiter else [])]:
            with contextlib.suppress(Exception):
                await limiter.close()
        self._retired.clear()
        self.tracing.shutdown()

    def apply(self, settings: RouterSettings, changed: frozenset[str]) -> None:
        """Apply live changes (a :class:`~trellis_router.configuration.RouterRuntime` listener).

        Args:
            settings: the settings now in effect.
            changed: the names of the top-level settings that changed.
        """
        if changed & _POLICY_KEYS:
            try:
                self.policy = RequestPolicy.from_settings(settings)
            except ValueError:
                _log.exception("the new request policy is invalid; keeping the previous one")
        limit = settings.traffic_shaping.rate_limit
        if "traffic_shaping" in changed and limit != self._rate_limit:
            self._rate_limit = limit
            if self.limiter is not None:
                self._retired.append(self.limiter)
            self.limiter = rate_limiter(limit) if limit is not None else None
