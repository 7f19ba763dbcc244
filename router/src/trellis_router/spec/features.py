"""Features a supergraph may link, and the versions this router understands.

``@link(for: SECURITY | EXECUTION)`` marks a feature a router must understand to serve the
schema correctly; an unknown one is refused. Features linked without a purpose are metadata.

Spec: Apollo "link" v1.0, ``link__Purpose``; the feature specs at https://specs.apollo.dev.
"""

from __future__ import annotations

from .join import JOIN_IDENTITY, SUPPORTED_JOIN_VERSIONS
from .link import LINK_IDENTITY, SUPPORTED_LINK_VERSIONS

__all__ = [
    "AUTHENTICATED_IDENTITY",
    "CACHE_TAG_IDENTITY",
    "CONTEXT_IDENTITY",
    "COST_IDENTITY",
    "INACCESSIBLE_IDENTITY",
    "KNOWN_FEATURES",
    "POLICY_IDENTITY",
    "REQUIRES_SCOPES_IDENTITY",
    "TAG_IDENTITY",
    "version_text",
]

TAG_IDENTITY = "https://specs.apollo.dev/tag"
INACCESSIBLE_IDENTITY = "https://specs.apollo.dev/inaccessible"
AUTHENTICATED_IDENTITY = "https://specs.apollo.dev/authenticated"
REQUIRES_SCOPES_IDENTITY = "https://specs.apollo.dev/requiresScopes"
POLICY_IDENTITY = "https://specs.apollo.dev/policy"
CONTEXT_IDENTITY = "https://specs.apollo.dev/context"
COST_IDENTITY = "https://specs.apollo.dev/cost"
CACHE_TAG_IDENTITY = "https://specs.apollo.dev/cacheTag"

KNOWN_FEATURES: dict[str, frozenset[tuple[int, int]]] = {
    LINK_IDENTITY: SUPPORTED_LINK_VERSIONS,
    JOIN_IDENTITY: SUPPORTED_JOIN_VERSIONS,
    TAG_IDENTITY: frozenset({(0, 1), (0, 2), (0, 3)}),
    INACCESSIBLE_IDENTITY: frozenset({(0, 1), (0, 2)}),
    AUTHENTICATED_IDENTITY: frozenset({(0, 1)}),
    REQUIRES_SCOPES_IDENTITY: frozenset({(0, 1)}),
    POLICY_IDENTITY: frozenset({(0, 1)}),
    CONTEXT_IDENTITY: frozenset({(0, 1)}),
    COST_IDENTITY: frozenset({(0, 1)}),
    CACHE_TAG_IDENTITY: frozenset({(0, 1)}),
}
"""Feature identity to the versions this router accepts when linked ``for:`` a purpose.

Auth (``authenticated``, ``requiresScopes``, ``policy``), ``cost`` and ``cacheTag`` are accepted
as metadata: their enforcement belongs to router plugins, not to query planning.
"""


def version_text(version: tuple[int, int]) -> str:
    """Format a spec version the way feature URLs do.

    Args:
        version: ``(major, minor)``.

    Returns:
        e.g. ``"v0.5"``.
    """
    return f"v{version[0]}.{version[1]}"
