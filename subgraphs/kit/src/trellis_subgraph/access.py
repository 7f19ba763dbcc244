"""Who may call what: the authorization directives the subgraphs put on their fields.

The router enforces them (Apollo Federation ``@requiresScopes`` and ``@policy``, v0.1) before
planning: an unauthorized field is answered with null and ``UNAUTHORIZED_FIELD_OR_TYPE`` and
never reaches the subgraph. Scopes come from the access token's ``scope`` claim (roles map to
scopes in the customers subgraph's ``tokens.SCOPES_BY_ROLE``). The two policies are defined in
the router's ``authorization.policies`` (``config/defaults/router.yml``):

- ``staff``: the token's ``roles`` include ``admin`` or ``clerk``;
- ``owner``: the token's ``roles`` include ``customer`` and it carries ``customer_id``. The
  router then sends that id in :data:`~trellis_subgraph.context.OWNER_HEADER`, and the subgraph
  answers with that customer's data only (:meth:`SubgraphContext.owner`).

Spec: Apollo Federation authorization directives (``@requiresScopes``: a list of alternatives,
each a list of scopes that must all be carried; ``@policy`` likewise with policy names).
"""

from __future__ import annotations

__all__ = ["STAFF_OR_OWNER", "scope"]

STAFF_OR_OWNER: list[list[str]] = [["staff"], ["owner"]]
"""``@policy`` of reads open to staff, and to a customer for its own data."""


def scope(name: str) -> list[list[str]]:
    """The ``@requiresScopes`` argument asking for one scope.

    Args:
        name: A scope such as ``billing:write``.

    Returns:
        ``[[name]]``: one alternative made of that scope.
    """
    return [[name]]
