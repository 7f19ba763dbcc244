"""Federation 1 subgraphs, upgraded the way Apollo's composition upgrades them to Fed 2.

Only the parts of the upgrade that change the supergraph are done: type extensions stop being
extensions (the ``@extends`` directive stays, so ``@extends`` types keep ``extension: true``),
and the ``@external`` on key fields of type extensions is removed.

Spec: Apollo ``@apollo/federation-internals`` schema upgrader (``removeExternalOnTypeExtensions``,
``removeTypeExtensions``).
"""

from __future__ import annotations

from collections.abc import Sequence

from trellis_router.composition.fieldset import resolve_field_set
from trellis_router.composition.subgraph import Subgraph, SubgraphType

__all__ = ["upgrade_fed1_subgraph"]


def upgrade_fed1_subgraph(subgraph: Subgraph, subgraphs: Sequence[Subgraph]) -> None:
    """Upgrade a Federation 1 subgraph in place (a Federation 2 subgraph is left alone).

    Args:
        subgraph: The subgraph to upgrade; its types are changed in place.
        subgraphs: Every subgraph being composed (keys of other subgraphs matter for type
            extensions without a key of their own).
    """
    if not subgraph.is_fed1:
        return
    for type_ in subgraph.types.values():
        if not _is_type_extension(type_):
            continue
        for name in _key_field_names(subgraph, type_, subgraphs):
            f = type_.fields.get(name)
            if f is not None:
                f.directives = [
                    d for d in f.directives if not (d.federation and d.name == "external")
                ]
        type_.directives = [(d, False) for d, _ in type_.directives]


def _is_type_extension(type_: SubgraphType) -> bool:
    """``isFederationTypeExtension``: an object or interface with ``@extends`` or only extended."""
    if type_.kind not in ("OBJECT", "INTERFACE"):
        return False
    return bool(type_.applied("extends")) or not type_.has_definition


def _key_field_names(
    subgraph: Subgraph, type_: SubgraphType, subgraphs: Sequence[Subgraph]
) -> set[str]:
    """Fields of ``type_`` itself its keys select; without keys, those of other subgraphs'
    first key on the type."""
    keys = [(subgraph, k) for k in type_.applied("key")]
    if not keys:
        for other in subgraphs:
            other_type = other.types.get(type_.name)
            if other is subgraph or other_type is None or other_type.kind != type_.kind:
                continue
            other_keys = other_type.applied("key")
            if other_keys:
                keys.append((other, other_keys[0]))
    names: set[str] = set()
    for owner, key in keys:
        selected, _ = resolve_field_set(owner, type_.name, key.arguments.get("fields"))
        names.update(s.field.name for s in selected if s.parent == type_.name)
    return names
