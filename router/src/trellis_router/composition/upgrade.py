"""Federation 1 subgraphs, upgraded the way Apollo's composition upgrades them to Fed 2.

Only the parts of the upgrade that change the supergraph are done: type extensions stop being
extensions (the ``@extends`` directive stays, so ``@extends`` types keep ``extension: true``),
and the ``@external`` on key fields of type extensions is removed. A type extension with no
definition in any subgraph is reported (``EXTENSION_WITH_NO_BASE``).

Spec: Apollo ``@apollo/federation-internals`` schema upgrader (``removeExternalOnTypeExtensions``,
``removeTypeExtensions``, ``checkForExtensionWithNoBase``).
"""

from __future__ import annotations

from collections.abc import Sequence

from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.fieldset import resolve_field_set
from trellis_router.composition.subgraph import Subgraph, SubgraphType

__all__ = ["upgrade_fed1_subgraph"]


def upgrade_fed1_subgraph(
    subgraph: Subgraph, subgraphs: Sequence[Subgraph]
) -> list[CompositionError]:
    """Upgrade a Federation 1 subgraph in place (a Federation 2 subgraph is left alone).

    Args:
        subgraph: The subgraph to upgrade; its types are changed in place.
        subgraphs: Every subgraph being composed (keys of other subgraphs matter for type
            extensions without a key of their own).

    Returns:
        The upgrade errors: ``EXTENSION_WITH_NO_BASE`` for each type extension (root types
        aside) that no subgraph defines.

    Spec: Apollo schema upgrader (``SchemaUpgrader.upgrade``).
    """
    if not subgraph.is_fed1:
        return []
    errors: list[CompositionError] = []
    for type_ in subgraph.types.values():
        if not _is_type_extension(type_):
            continue
        if type_.name not in subgraph.roots.values() and not _defined_elsewhere(
            subgraph, type_, subgraphs
        ):
            errors.append(
                CompositionError(
                    ErrorCode.EXTENSION_WITH_NO_BASE.value,
                    f'[{subgraph.name}] Type "{type_.name}" is an extension type, but there is '
                    f'no type definition for "{type_.name}" in any subgraph.',
                )
            )
        for name in _key_field_names(subgraph, type_, subgraphs):
            f = type_.fields.get(name)
            if f is not None:
                f.directives = [
                    d for d in f.directives if not (d.federation and d.name == "external")
                ]
        type_.directives = [(d, False) for d, _ in type_.directives]
    return errors


def _defined_elsewhere(
    subgraph: Subgraph, type_: SubgraphType, subgraphs: Sequence[Subgraph]
) -> bool:
    """Whether another subgraph has a (non-extension) definition of ``type_``."""
    for other in subgraphs:
        other_type = other.types.get(type_.name)
        if other is not subgraph and other_type is not None and other_type.has_definition:
            return True
    return False


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
