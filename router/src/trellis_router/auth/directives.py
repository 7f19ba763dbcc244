"""Read ``@authenticated``, ``@requiresScopes`` and ``@policy`` from a supergraph.

The directives may be renamed (``@link(url: …/requiresScopes/v0.1, as: "scopes")`` or an
``import:`` alias): their names are resolved through the supergraph's ``@link`` applications.
Everything is computed once per supergraph into :class:`AuthorizationRules`: per named type
its own requirements, and per ``(parent type, field)`` the combined requirements a selection
of that field must satisfy:

- the field's own directives,
- its named return type's (lists and non-null unwrapped),
- its parent type's,
- and, when the parent is an interface, the same for the field on every possible runtime
  type, so an interface field cannot reach a protected implementation.

Spec: Apollo Federation "authenticated" v0.1, "requiresScopes" v0.1 (``scopes: [[Scope!]!]!``,
an OR of ANDs), "policy" v0.1 (``policies: [[Policy!]!]!``, an OR of ANDs); Apollo "link" v1.0
(name prefixing, ``as:``, ``import:``); Apollo Router "Authorization" (interfaces and their
implementations).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

from ..spec.features import AUTHENTICATED_IDENTITY, POLICY_IDENTITY, REQUIRES_SCOPES_IDENTITY
from ..spec.link import LinkedFeature
from ..supergraph.links import read_links
from ..supergraph.model import Supergraph

__all__ = ["AuthorizationRules", "DirectiveNames", "Requirement", "Requirements"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """What one schema element (a type or a field definition) asks of the caller.

    Attributes:
        authenticated: ``@authenticated``: the request must carry a valid token.
        scopes: ``@requiresScopes(scopes:)``: one of these sets must be a subset of the
            caller's scopes (None: no such directive).
        policies: ``@policy(policies:)``: one of these sets must be granted in full (None: no
            such directive).
    """

    authenticated: bool = False
    scopes: tuple[frozenset[str], ...] | None = None
    policies: tuple[frozenset[str], ...] | None = None

    def satisfied(
        self, authenticated: bool, scopes: frozenset[str], policies: frozenset[str]
    ) -> bool:
        """Whether a caller with these facts meets this requirement.

        Args:
            authenticated: the caller carries a valid token.
            scopes: the caller's scopes.
            policies: the policies granted to the caller.

        Returns:
            True when every directive present is met (an empty OR list is never met).

        Spec: "requiresScopes" / "policy" v0.1: the outer list is an OR, the inner an AND.
        """
        if self.authenticated and not authenticated:
            return False
        if self.scopes is not None and not any(group <= scopes for group in self.scopes):
            return False
        return self.policies is None or any(group <= policies for group in self.policies)

    @property
    def policy_names(self) -> frozenset[str]:
        """Every policy name this requirement mentions."""
        return frozenset(name for group in self.policies or () for name in group)


Requirements = tuple[Requirement, ...]
"""Requirements that must all hold (an AND)."""


@dataclass(frozen=True, slots=True)
class DirectiveNames:
    """The names the three directives carry in one supergraph (None: not linked).

    Attributes:
        authenticated: e.g. ``"authenticated"``.
        requires_scopes: e.g. ``"requiresScopes"``.
        policy: e.g. ``"policy"``.
    """

    authenticated: str | None
    requires_scopes: str | None
    policy: str | None

    @classmethod
    def from_links(cls, features: Iterable[LinkedFeature]) -> DirectiveNames:
        """Resolve the names from the supergraph's ``@link`` applications.

        Args:
            features: the linked features.

        Returns:
            The local directive names.

        Spec: Apollo "link" v1.0, "Name prefixing": a feature's main directive is named by
        its prefix (``as:``), or by its ``import:`` alias.
        """
        by_identity = {feature.url.identity: feature for feature in features}

        def name(identity: str, spec_name: str) -> str | None:
            feature = by_identity.get(identity)
            return feature.directive_name(spec_name) if feature is not None else None

        return cls(
            authenticated=name(AUTHENTICATED_IDENTITY, "authenticated"),
            requires_scopes=name(REQUIRES_SCOPES_IDENTITY, "requiresScopes"),
            policy=name(POLICY_IDENTITY, "policy"),
        )

    @property
    def any(self) -> bool:
        """True when at least one of the directives is linked."""
        return any((self.authenticated, self.requires_scopes, self.policy))


def _groups(directive: ConstDirectiveNode, argument: str) -> tuple[frozenset[str], ...]:
    for arg in directive.arguments or ():
        if arg.name.value == argument:
            value: Any = value_from_ast_untyped(arg.value)
            if isinstance(value, str):
                return (frozenset({value}),)
            if not isinstance(value, list):
                return ()
            groups = []
            for group in value:
                items = [group] if isinstance(group, str) else group
                if isinstance(items, list):
                    groups.append(frozenset(item for item in items if isinstance(item, str)))
            return tuple(groups)
    return ()


def _requirement(nodes: Iterable[Any], names: DirectiveNames) -> Requirement | None:
    authenticated = False
    scopes: list[frozenset[str]] | None = None
    policies: list[frozenset[str]] | None = None
    for node in nodes:
        for directive in getattr(node, "directives", None) or ():
            name = directive.name.value
            if name == names.authenticated:
                authenticated = True
            elif name == names.requires_scopes:
                scopes = [*(scopes or []), *_groups(directive, "scopes")]
            elif name == names.policy:
                policies = [*(policies or []), *_groups(directive, "policies")]
    if not authenticated and scopes is None and policies is None:
        return None
    return Requirement(
        authenticated=authenticated,
        scopes=tuple(scopes) if scopes is not None else None,
        policies=tuple(policies) if policies is not None else None,
    )


def _nodes(element: Any) -> Iterator[Any]:
    if element.ast_node is not None:
        yield element.ast_node
    yield from getattr(element, "extension_ast_nodes", None) or ()


def _schema_document(schema: GraphQLSchema) -> DocumentNode:
    nodes: list[Any] = [schema.ast_node] if schema.ast_node is not None else []
    nodes.extend(schema.extension_ast_nodes)
    return DocumentNode(definitions=tuple(nodes))


def _dedupe(requirements: Iterable[Requirement]) -> Requirements:
    return tuple(dict.fromkeys(requirements))


class AuthorizationRules:
    """The authorization requirements of one supergraph, computed once.

    Example:
        >>> rules = AuthorizationRules.from_supergraph(supergraph)  # doctest: +SKIP
        >>> rules.field_requirements("Query", "me")  # doctest: +SKIP
        (Requirement(authenticated=True, scopes=None, policies=None),)

    Args:
        api_schema: the API schema operations are validated against (walked by
            :meth:`policies_in`).
        types: per named type, its own requirements (only types that have some).
        fields: per ``(parent type, field name)``, the combined requirements (only fields that
            have some).
    """

    __slots__ = ("_api_schema", "_field_policies", "_fields", "_type_policies", "_types")

    def __init__(
        self,
        api_schema: GraphQLSchema,
        types: dict[str, Requirements],
        fields: dict[tuple[str, str], Requirements],
    ) -> None:
        self._api_schema = api_schema
        self._types = types
        self._fields = fields
        self._type_policies = {
            name: names
            for name, reqs in types.items()
            if (names := frozenset().union(*(r.policy_names for r in reqs)))
        }
        self._field_policies = {
            key: names
            for key, reqs in fields.items()
            if (names := frozenset().union(*(r.policy_names for r in reqs)))
        }

    @classmethod
    def from_supergraph(cls, supergraph: Supergraph) -> AuthorizationRules:
        """Read the directives of a supergraph.

        Args:
            supergraph: the loaded supergraph (its full schema carries the directive
                applications; its API schema is what operations are checked against).

        Returns:
            The rules (:attr:`empty` when the supergraph links none of the directives or
            applies none).
        """
        if not any(
            identity in supergraph.features
            for identity in (AUTHENTICATED_IDENTITY, REQUIRES_SCOPES_IDENTITY, POLICY_IDENTITY)
        ):
            return cls(supergraph.api_schema, {}, {})
        schema = supergraph.schema
        names = DirectiveNames.from_links(read_links(_schema_document(schema)))
        if not names.any:
            return cls(supergraph.api_schema, {}, {})
        own_types: dict[str, Requirement] = {}
        for type_name, named in schema.type_map.items():
            if not type_name.startswith("__"):
                found = _requirement(_nodes(named), names)
                if found is not None:
                    own_types[type_name] = found
        own_fields: dict[tuple[str, str], Requirements] = {}
        composite = [
            named
            for named in schema.type_map.values()
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
            and not named.name.startswith("__")
        ]
        for parent in composite:
            for field_name, field in parent.fields.items():
                parts = (
                    _requirement(_nodes(field), names),
                    own_types.get(get_named_type(field.type).name),
                    own_types.get(parent.name),
                )
                reqs = tuple(r for r in parts if r is not None)
                if reqs:
                    own_fields[(parent.name, field_name)] = reqs
        fields = dict(own_fields)
        for parent in composite:
            if not isinstance(parent, GraphQLInterfaceType):
                continue
            implementations = schema.get_possible_types(parent)
            for field_name in parent.fields:
                combined = _dedupe(
                    requirement
                    for type_name in (parent.name, *(o.name for o in implementations))
                    for requirement in own_fields.get((type_name, field_name), ())
                )
                if combined:
                    fields[(parent.name, field_name)] = combined
        types: dict[str, Requirements] = {
            name: (requirement,) for name, requirement in own_types.items()
        }
        return cls(supergraph.api_schema, types, fields)

    @property
    def empty(self) -> bool:
        """True when no type or field carries a directive: callers skip authorization."""
        return not self._types and not self._fields

    @property
    def has_policies(self) -> bool:
        """True when some ``@policy`` is applied (else :meth:`policies_in` is always empty)."""
        return bool(self._type_policies or self._field_policies)

    def type_requirements(self, type_name: str) -> Requirements:
        """The requirements a type carries itself (checked on fragment type conditions).

        Args:
            type_name: a named type.

        Returns:
            The requirements (empty when none).
        """
        return self._types.get(type_name, ())

    def field_requirements(self, parent: str, field_name: str) -> Requirements:
        """The combined requirements of selecting ``field_name`` on ``parent``.

        Args:
            parent: the parent type the field is selected on (object or interface).
            field_name: the field name.

        Returns:
            The requirements that must all hold (empty when none).
        """
        return self._fields.get((parent, field_name), ())

    def policies_in(
        self, document: DocumentNode, operation: OperationDefinitionNode
    ) -> frozenset[str]:
        """Every policy name the operation's selected fields and types mention.

        The caller asks its policy evaluator about exactly these names before
        :func:`~trellis_router.auth.authorize.authorize_operation`.

        Args:
            document: the parsed document (for fragment definitions).
            operation: the selected operation.

        Returns:
            Policy names (empty when the supergraph applies no ``@policy``).
        """
        if not self.has_policies:
            return frozenset()
        root = self._api_schema.get_root_type(operation.operation)
        if root is None:
            return frozenset()
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        found: set[str] = set()
        self._collect(operation.selection_set, root, fragments, set(), found)
        return frozenset(found)

    def _collect(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        fragments: dict[str, FragmentDefinitionNode],
        seen: set[str],
        found: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                found.update(self._field_policies.get((parent.name, name), ()))
                if selection.selection_set is None or not isinstance(
                    parent, GraphQLObjectType | GraphQLInterfaceType
                ):
                    continue
                field = parent.fields.get(name)
                if field is not None:
                    child = get_named_type(field.type)
                    self._collect(selection.selection_set, child, fragments, seen, found)
            elif isinstance(selection, InlineFragmentNode):
                target = self._condition(selection.type_condition, parent)
                found.update(self._type_policies.get(target.name, ()))
                self._collect(selection.selection_set, target, fragments, seen, found)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:
                    continue
                seen.add(name)
                target = self._condition(fragment.type_condition, parent)
                found.update(self._type_policies.get(target.name, ()))
                self._collect(fragment.selection_set, target, fragments, seen, found)

    def _condition(self, condition: Any, parent: GraphQLNamedType) -> GraphQLNamedType:
        if condition is None:
            return parent
        named = self._api_schema.get_type(condition.name.value)
        return named if named is not None else parent
