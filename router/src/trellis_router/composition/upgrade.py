"""Federation 1 subgraphs, upgraded the way Apollo's composition upgrades them to Fed 2.

Only the parts of the upgrade that change the supergraph are done: type extensions stop being
extensions (the ``@extends`` directive stays, so ``@extends`` types keep ``extension: true``),
the ``@external`` on key fields of type extensions and on interface fields is removed, and
``@external`` fields nothing uses are removed (a type left without fields is removed too, or
reported as ``TYPE_WITH_ONLY_UNUSED_EXTERNAL`` when something refers to it). A type extension
with no definition in any subgraph is reported (``EXTENSION_WITH_NO_BASE``).

Spec: Apollo ``@apollo/federation-internals`` schema upgrader (``removeExternalOnInterface``,
``removeExternalOnTypeExtensions``, ``removeTypeExtensions``, ``removeUnusedExternals``,
``checkForExtensionWithNoBase``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.fieldset import resolve_field_set
from trellis_router.composition.subgraph import Subgraph, SubgraphType

__all__ = ["upgrade_fed1_subgraph"]


def upgrade_fed1_subgraph(
    subgraph: Subgraph,
    subgraphs: Sequence[Subgraph],
    used: Collection[tuple[str, str]] = frozenset(),
) -> list[CompositionError]:
    """Upgrade a Federation 1 subgraph in place (a Federation 2 subgraph is left alone).

    Args:
        subgraph: The subgraph to upgrade; its types are changed in place.
        subgraphs: Every subgraph being composed (keys of other subgraphs matter for type
            extensions without a key of their own).
        used: ``(type, field)`` pairs the subgraph's ``@key``, ``@requires``, ``@provides``
            or interfaces use (:attr:`~.validate.SubgraphMetadata.used`); other ``@external``
            fields are removed.

    Returns:
        The upgrade errors: ``EXTENSION_WITH_NO_BASE`` for each type extension (root types
        aside) that no subgraph defines, ``TYPE_WITH_ONLY_UNUSED_EXTERNAL`` for each referenced
        type whose fields are all unused externals.

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
    for type_ in subgraph.types.values():
        if type_.kind == "INTERFACE":
            for f in type_.fields.values():
                f.directives = [
                    d for d in f.directives if not (d.federation and d.name == "external")
                ]
    errors.extend(_remove_unused_externals(subgraph, used))
    return errors


def _remove_unused_externals(
    subgraph: Subgraph, used: Collection[tuple[str, str]]
) -> list[CompositionError]:
    """Remove the ``@external`` fields nothing uses; then the types left without fields.

    Returns:
        ``TYPE_WITH_ONLY_UNUSED_EXTERNAL`` for each emptied type something still refers to.

    Spec: Apollo schema upgrader ``removeUnusedExternals``.
    """
    errors: list[CompositionError] = []
    emptied: list[str] = []
    for type_ in subgraph.types.values():
        if type_.kind not in ("OBJECT", "INTERFACE") or not type_.fields:
            continue
        for name in [n for n, f in type_.fields.items() if f.has("external")]:
            if (type_.name, name) not in used:
                del type_.fields[name]
        if not type_.fields:
            emptied.append(type_.name)
    for name in emptied:
        if _is_referenced(subgraph, name):
            errors.append(
                CompositionError(
                    ErrorCode.TYPE_WITH_ONLY_UNUSED_EXTERNAL.value,
                    f"[{subgraph.name}] Type {name} contains only external fields and all those "
                    "fields are all unused (they do not appear in any @key, @provides or "
                    "@requires).",
                )
            )
        else:
            del subgraph.types[name]
    return errors


def _is_referenced(subgraph: Subgraph, name: str) -> bool:
    """Whether a root, field, argument, input field, union or implementation refers to
    type ``name`` in ``subgraph``."""
    if name in subgraph.roots.values():
        return True
    for t in subgraph.types.values():
        if name in t.members or name in t.interfaces:
            return True
        if any(v.type.named == name for v in t.input_fields.values()):
            return True
        for f in t.fields.values():
            if f.type.named == name or any(a.type.named == name for a in f.args.values()):
                return True
    return False


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
