"""What the router enforces on every request, built once per settings: :class:`RequestPolicy`.

The HTTP layer builds one from the settings in effect (and a new one when they change) and
hands it to :func:`~trellis_router.pipeline.run_pipeline` with the caller's identity.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..auth import Identity, PolicyEvaluator
from ..configuration import RouterSettings
from ..configuration.authorization import AuthorizationSettings
from ..configuration.limits import LimitsSettings
from .headers import HeaderPropagation
from .persisted import PersistedQueries

__all__ = ["RequestPolicy"]


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """The request checks in effect.

    Attributes:
        limits: operation limits (size, tokens, depth, height, aliases, root fields).
        introspection: answer ``__schema``/``__type`` (False: ``INTROSPECTION_DISABLED``).
        persisted: APQ and the trusted-document manifest (None: neither).
        authorization: directive enforcement settings.
        policies: decides ``@policy`` names for an identity.
        headers: header propagation rules for subgraph requests.
        override_labels: custom progressive ``@override`` labels switched on.
    """

    limits: LimitsSettings
    introspection: bool
    persisted: PersistedQueries | None
    authorization: AuthorizationSettings
    policies: PolicyEvaluator
    headers: HeaderPropagation
    override_labels: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: RouterSettings) -> RequestPolicy:
        """Build the policy of ``settings``.

        Args:
            settings: the router settings in effect.

        Returns:
            The policy.

        Raises:
            ValueError: the persisted query manifest cannot be read, or a header rule's
                regular expression or the policy hook is invalid.
        """
        persisted = None
        if settings.apq.enabled or settings.persisted_queries.enabled:
            persisted = PersistedQueries(
                settings.apq,
                settings.persisted_queries,
                max_document_bytes=settings.limits.max_document_bytes,
            )
        return cls(
            limits=settings.limits,
            introspection=settings.introspection,
            persisted=persisted,
            authorization=settings.authorization,
            policies=PolicyEvaluator(settings.authorization),
            headers=HeaderPropagation(settings.headers),
            override_labels=settings.progressive_override_labels,
        )

    def granted_policies(self, policies: frozenset[str], identity: Identity) -> frozenset[str]:
        """The ``@policy`` names granted to ``identity`` among ``policies``."""
        if not policies:
            return policies
        return self.policies.granted(policies, identity)
