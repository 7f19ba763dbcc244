"""Access-control changes: ``@authenticated``, ``@requiresScopes`` and ``@policy``.

These directives live in the supergraph, not in the API schema, so they are read from the
supergraph SDL. A requirement added to a type or field that clients already use, or one made
stricter, is breaking (clients lose access); a requirement removed or relaxed is safe.

A requirement is *relaxed* when every client that met the old one meets the new one:
``@requiresScopes`` and ``@policy`` hold alternatives (any one list, all of its items), so the
new alternatives are met when every old alternative contains at least one new alternative;
``@authenticated`` is met by any client that met ``@authenticated`` or ``@requiresScopes``.

Spec: Apollo "authenticated" v0.1, "requiresScopes" v0.1, "policy" v0.1 (router authorization).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    is_interface_type,
    is_object_type,
    value_from_ast_untyped,
)
from trellis_router.spec.features import (
    AUTHENTICATED_IDENTITY,
    POLICY_IDENTITY,
    REQUIRES_SCOPES_IDENTITY,
)
from trellis_router.supergraph.links import read_links

from trellis_registry.checks.changes import ChangeKind, SchemaChange

__all__ = ["AccessRequirement", "access_requirements", "diff_access_control"]

Alternatives = frozenset[frozenset[str]]
"""Any one inner set, all of its items (the ``scopes``/``policies`` argument's shape)."""

_TYPE_NODES = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
)


@dataclass(frozen=True, slots=True)
class AccessRequirement:
    """What a client needs to read one type or field.

    Attributes:
        authenticated: ``@authenticated`` is applied.
        scopes: ``@requiresScopes(scopes:)``, or None when not applied.
        policies: ``@policy(policies:)``, or None when not applied.
    """

    authenticated: bool = False
    scopes: Alternatives | None = None
    policies: Alternatives | None = None

    def merged(self, other: AccessRequirement) -> AccessRequirement:
        """Both requirements at once (directives on a type and on its extension).

        Args:
            other: The other requirement.

        Returns:
            A requirement met only when both are.
        """
        return AccessRequirement(
            authenticated=self.authenticated or other.authenticated,
            scopes=_both(self.scopes, other.scopes),
            policies=_both(self.policies, other.policies),
        )

    def is_met_by_any_client_meeting(self, old: AccessRequirement) -> bool:
        """Whether every client that meets ``old`` also meets this requirement.

        Args:
            old: The requirement clients meet today.

        Returns:
            True when this requirement is the same or looser.
        """
        if self.authenticated and not (old.authenticated or old.scopes is not None):
            return False
        return _implied(old.scopes, self.scopes) and _implied(old.policies, self.policies)

    def describe(self) -> str:
        """The directives, as they would be written, e.g. ``@requiresScopes(scopes: [["a"]])``."""
        parts = ["@authenticated"] if self.authenticated else []
        if self.scopes is not None:
            parts.append(f"@requiresScopes(scopes: {_print(self.scopes)})")
        if self.policies is not None:
            parts.append(f"@policy(policies: {_print(self.policies)})")
        return " ".join(parts)


def _both(first: Alternatives | None, second: Alternatives | None) -> Alternatives | None:
    if first is None or second is None:
        return first if second is None else second
    return frozenset(a | b for a in first for b in second)


def _implied(old: Alternatives | None, new: Alternatives | None) -> bool:
    if new is None:
        return True
    if old is None:
        return False
    return all(any(alternative <= held for alternative in new) for held in old)


def _print(alternatives: Alternatives) -> str:
    inner = sorted(sorted(group) for group in alternatives)
    return (
        "["
        + ", ".join("[" + ", ".join(f'"{item}"' for item in group) + "]" for group in inner)
        + "]"
    )


def _alternatives(directive: ConstDirectiveNode, argument: str) -> Alternatives:
    for node in directive.arguments or ():
        if node.name.value == argument:
            value = value_from_ast_untyped(node.value)
            if isinstance(value, list):
                return frozenset(
                    frozenset(str(item) for item in group)
                    if isinstance(group, list)
                    else frozenset({str(group)})
                    for group in value
                )
    return frozenset()


@dataclass(frozen=True, slots=True)
class _Names:
    authenticated: str | None
    requires_scopes: str | None
    policy: str | None

    def requirement(self, directives: tuple[ConstDirectiveNode, ...]) -> AccessRequirement:
        requirement = AccessRequirement()
        for directive in directives:
            name = directive.name.value
            if name == self.authenticated:
                requirement = requirement.merged(AccessRequirement(authenticated=True))
            elif name == self.requires_scopes:
                scopes = _alternatives(directive, "scopes")
                requirement = requirement.merged(AccessRequirement(scopes=scopes))
            elif name == self.policy:
                policies = _alternatives(directive, "policies")
                requirement = requirement.merged(AccessRequirement(policies=policies))
        return requirement


def _names(document: DocumentNode) -> _Names:
    by_identity = {feature.url.identity: feature for feature in read_links(document)}

    def local(identity: str, name: str) -> str | None:
        feature = by_identity.get(identity)
        return None if feature is None else feature.directive_name(name)

    return _Names(
        authenticated=local(AUTHENTICATED_IDENTITY, "authenticated"),
        requires_scopes=local(REQUIRES_SCOPES_IDENTITY, "requiresScopes"),
        policy=local(POLICY_IDENTITY, "policy"),
    )


def access_requirements(document: DocumentNode) -> dict[str, AccessRequirement]:
    """Reads the access requirements of every type and field of a supergraph.

    Args:
        document: The parsed supergraph SDL.

    Returns:
        Schema coordinate (``Type`` or ``Type.field``) to its requirement; elements without
        one are left out.

    Spec: Apollo "authenticated", "requiresScopes", "policy" v0.1 (names from ``@link``).
    """
    names = _names(document)
    if names == _Names(None, None, None):
        return {}
    found: dict[str, AccessRequirement] = {}

    def add(coordinate: str, directives: tuple[ConstDirectiveNode, ...]) -> None:
        requirement = names.requirement(directives)
        if requirement != AccessRequirement():
            earlier = found.get(coordinate)
            found[coordinate] = requirement if earlier is None else earlier.merged(requirement)

    for definition in document.definitions:
        if not isinstance(definition, _TYPE_NODES):
            continue
        type_name = definition.name.value
        add(type_name, tuple(definition.directives or ()))
        for field in getattr(definition, "fields", None) or ():
            add(f"{type_name}.{field.name.value}", tuple(field.directives or ()))
    return found


def _exists(schema: GraphQLSchema, coordinate: str) -> bool:
    type_name, _, field = coordinate.partition(".")
    named = schema.get_type(type_name)
    if named is None or not field:
        return named is not None
    if is_object_type(named) or is_interface_type(named):
        return field in named.fields
    return False


def diff_access_control(
    old_supergraph: DocumentNode,
    new_supergraph: DocumentNode,
    old_api_schema: GraphQLSchema,
    new_api_schema: GraphQLSchema,
) -> list[SchemaChange]:
    """Compares the access requirements of the types and fields both API schemas have.

    Args:
        old_supergraph: The current supergraph SDL, parsed.
        new_supergraph: The candidate supergraph SDL, parsed.
        old_api_schema: The current API schema (elements missing from it are not compared).
        new_api_schema: The candidate API schema.

    Returns:
        ``AUTH_REQUIREMENT_ADDED``/``_TIGHTENED`` (breaking) and ``_REMOVED``/``_RELAXED``
        (safe) changes, ordered by coordinate.
    """
    old = access_requirements(old_supergraph)
    new = access_requirements(new_supergraph)
    return [
        change
        for coordinate in sorted(set(old) | set(new))
        if _exists(old_api_schema, coordinate) and _exists(new_api_schema, coordinate)
        for change in _requirement_change(coordinate, old.get(coordinate), new.get(coordinate))
    ]


def _requirement_change(
    coordinate: str, old: AccessRequirement | None, new: AccessRequirement | None
) -> Iterator[SchemaChange]:
    if old == new:
        return
    if old is None and new is not None:
        yield SchemaChange(
            ChangeKind.AUTH_REQUIREMENT_ADDED,
            coordinate,
            f"{coordinate} now requires {new.describe()}; clients without it lose access.",
            (coordinate,),
        )
    elif old is not None and new is None:
        yield SchemaChange(
            ChangeKind.AUTH_REQUIREMENT_REMOVED,
            coordinate,
            f"{coordinate} no longer requires {old.describe()}.",
        )
    elif old is not None and new is not None and new.is_met_by_any_client_meeting(old):
        yield SchemaChange(
            ChangeKind.AUTH_REQUIREMENT_RELAXED,
            coordinate,
            f"{coordinate} now requires {new.describe()} instead of {old.describe()} (looser).",
        )
    elif old is not None and new is not None:
        yield SchemaChange(
            ChangeKind.AUTH_REQUIREMENT_TIGHTENED,
            coordinate,
            f"{coordinate} now requires {new.describe()} instead of {old.describe()}; "
            "some clients lose access.",
            (coordinate,),
        )
