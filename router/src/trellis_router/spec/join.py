"""The ``join`` spec (specs.apollo.dev/join v0.2 to v0.5): how a supergraph maps to subgraphs.

Spec: Apollo "join" v0.2-v0.5. ``join__Graph`` enumerates subgraphs; ``@join__type``,
``@join__field``, ``@join__implements``, ``@join__unionMember`` and ``@join__enumValue`` say which
subgraph defines which element.
"""

from __future__ import annotations

__all__ = ["JOIN_IDENTITY", "SUPPORTED_JOIN_VERSIONS", "graph_enum_value_for"]

JOIN_IDENTITY = "https://specs.apollo.dev/join"

SUPPORTED_JOIN_VERSIONS: frozenset[tuple[int, int]] = frozenset({(0, 2), (0, 3), (0, 4), (0, 5)})
"""Join versions this router executes (v0.1 is Federation 1 only and out of scope)."""


def graph_enum_value_for(subgraph_name: str) -> str:
    """Return the ``join__Graph`` enum value Apollo's composition writes for a subgraph name.

    Args:
        subgraph_name: e.g. ``"inventory-v2"``.

    Returns:
        The enum value, e.g. ``"INVENTORY_V2"``: upper-cased, non-word characters replaced by
        ``_``, prefixed with ``_`` when it would start with a digit.
    """
    out = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in subgraph_name.upper())
    if out and out[0].isdigit():
        out = "_" + out
    return out
