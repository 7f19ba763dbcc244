"""Remove the fields and fragments a caller may not select, before planning.

The operation is walked with its fragments: a field whose combined requirements fail (see
:class:`~trellis_router.auth.directives.AuthorizationRules`) is removed and reported; an inline
fragment or fragment spread whose type condition carries failing requirements is removed and
reported at its parent's path; a field whose selection set ends up empty is removed, and so is
a fragment that ends up empty. ``__typename`` (and introspection) is always allowed. Fragment
definitions and variable definitions no longer used are dropped, so the filtered document still
validates against the API schema. When no root field remains the result is :attr:`empty` and
its document selects ``{ __typename }`` only.

The result depends only on the document, the operation name, whether the caller is
authenticated, its scopes and its granted policies: callers may cache it on those.

Spec: Apollo Router "Authorization" (unauthorized fields are removed from the query and
answered with ``null`` and an ``UNAUTHORIZED_FIELD_OR_TYPE`` error whose path uses ``@`` for
list items); Apollo Federation "authenticated", "requiresScopes", "policy" v0.1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    Node,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_list_type,
    is_non_null_type,
)
from graphql.utilities import get_operation_ast

from .directives import AuthorizationRules, Requirements
from .identity import Identity

__all__ = [
    "UNAUTHORIZED_CODE",
    "UNAUTHORIZED_MESSAGE",
    "AuthorizationResult",
    "authorize_operation",
]

UNAUTHORIZED_CODE = "UNAUTHORIZED_FIELD_OR_TYPE"
"""``extensions.code`` of the error for each removed field or fragment."""

UNAUTHORIZED_MESSAGE = "Unauthorized field or type"
"""The message of that error."""

Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuthorizationResult:
    """What the caller may execute of one operation.

    Attributes:
        document: the filtered document (the same object as the input when nothing was
            removed); it holds the selected operation and the fragments it still uses.
        errors: one GraphQL error per removed field or fragment path:
            ``{"message": "Unauthorized field or type", "path": [...], "extensions":
            {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}``; paths are response keys with ``"@"``
            for list items.
        key: a stable text naming what was removed (``""`` when nothing was), for the
            plan-cache key.
        empty: no field is left to execute (the document then selects ``{ __typename }``).
    """

    document: DocumentNode
    errors: tuple[dict[str, Any], ...]
    key: str
    empty: bool


@dataclass(frozen=True, slots=True)
class _Walked:
    """A filtered selection set (None: nothing left) and what was removed, relative paths."""

    selection_set: SelectionSetNode | None
    removed: tuple[Path, ...]
    errors: tuple[Path, ...]


_TYPENAME_ONLY = SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),))


def _list_depth(type_: Any) -> int:
    depth = 0
    while is_list_type(type_) or is_non_null_type(type_):
        if is_list_type(type_):
            depth += 1
        type_ = type_.of_type
    return depth


class _Walker:
    """Filters one operation; fragments are filtered once and their removals re-based."""

    def __init__(
        self,
        rules: AuthorizationRules,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        authenticated: bool,
        scopes: frozenset[str],
        policies: frozenset[str],
    ) -> None:
        self.rules = rules
        self.schema = schema
        self.fragments = fragments
        self.authenticated = authenticated
        self.scopes = scopes
        self.policies = policies
        self.filtered: dict[str, _Walked] = {}
        self._in_progress: set[str] = set()

    def allowed(self, requirements: Requirements) -> bool:
        return all(
            r.satisfied(self.authenticated, self.scopes, self.policies) for r in requirements
        )

    def condition(self, node: InlineFragmentNode | FragmentDefinitionNode, parent: Any) -> Any:
        if node.type_condition is None:
            return parent
        named = self.schema.get_type(node.type_condition.name.value)
        return named if named is not None else parent

    def walk(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> _Walked:
        kept: list[SelectionNode] = []
        removed: list[Path] = []
        errors: list[Path] = []
        changed = False
        for selection in selection_set.selections:
            result: SelectionNode | None
            if isinstance(selection, FieldNode):
                result = self.field(selection, parent, removed, errors)
            elif isinstance(selection, InlineFragmentNode):
                result = self.inline(selection, parent, removed, errors)
            elif isinstance(selection, FragmentSpreadNode):
                result = self.spread(selection, parent, removed, errors)
            else:  # pragma: no cover - the AST has no other selection kinds
                result = selection
            if result is not selection:
                changed = True
            if result is not None:
                kept.append(result)
        if not kept:
            return _Walked(None, tuple(removed), tuple(errors))
        if not changed:
            return _Walked(selection_set, tuple(removed), tuple(errors))
        new = dataclasses.replace(selection_set, selections=tuple(kept))
        return _Walked(new, tuple(removed), tuple(errors))

    def field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        removed: list[Path],
        errors: list[Path],
    ) -> FieldNode | None:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return node
        definition = parent.fields.get(name)
        if definition is None:
            return node
        key = node.alias.value if node.alias is not None else name
        if not self.allowed(self.rules.field_requirements(parent.name, name)):
            removed.append((key,))
            errors.append((key,))
            return None
        if node.selection_set is None:
            return node
        inner = self.walk(node.selection_set, get_named_type(definition.type))
        prefix = (key,) + ("@",) * _list_depth(definition.type)
        removed.extend(prefix + path for path in inner.removed)
        errors.extend(prefix + path for path in inner.errors)
        if inner.selection_set is None:
            return None
        if inner.selection_set is node.selection_set:
            return node
        return dataclasses.replace(node, selection_set=inner.selection_set)

    def inline(
        self,
        node: InlineFragmentNode,
        parent: GraphQLNamedType,
        removed: list[Path],
        errors: list[Path],
    ) -> InlineFragmentNode | None:
        target = self.condition(node, parent)
        if not self.allowed(self.rules.type_requirements(target.name)):
            removed.append((f"... on {target.name}",))
            errors.append(())
            return None
        inner = self.walk(node.selection_set, target)
        removed.extend(inner.removed)
        errors.extend(inner.errors)
        if inner.selection_set is None:
            return None
        if inner.selection_set is node.selection_set:
            return node
        return dataclasses.replace(node, selection_set=inner.selection_set)

    def spread(
        self,
        node: FragmentSpreadNode,
        parent: GraphQLNamedType,
        removed: list[Path],
        errors: list[Path],
    ) -> FragmentSpreadNode | None:
        name = node.name.value
        fragment = self.fragments.get(name)
        if fragment is None or name in self._in_progress:
            return node
        target = self.condition(fragment, parent)
        if not self.allowed(self.rules.type_requirements(target.name)):
            removed.append((f"...{name}",))
            errors.append(())
            return None
        walked = self.fragment(name, fragment, target)
        removed.extend(walked.removed)
        errors.extend(walked.errors)
        return node if walked.selection_set is not None else None

    def fragment(
        self, name: str, fragment: FragmentDefinitionNode, target: GraphQLNamedType
    ) -> _Walked:
        walked = self.filtered.get(name)
        if walked is None:
            self._in_progress.add(name)
            walked = self.walk(fragment.selection_set, target)
            self._in_progress.discard(name)
            self.filtered[name] = walked
        return walked


def _error(path: Path) -> dict[str, Any]:
    return {
        "message": UNAUTHORIZED_MESSAGE,
        "path": list(path),
        "extensions": {"code": UNAUTHORIZED_CODE},
    }


def _collect_usage(
    node: Node,
    fragments: dict[str, FragmentDefinitionNode],
    spreads: set[str],
    variables: set[str],
) -> None:
    """Fragment names spread and variable names used under ``node``, transitively."""
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, FragmentSpreadNode):
            name = current.name.value
            if name not in spreads and name in fragments:
                spreads.add(name)
                stack.append(fragments[name])
        elif isinstance(current, VariableNode):
            variables.add(current.name.value)
            continue
        for key in current.keys:
            if key in ("loc", "variable_definitions"):
                continue
            value = getattr(current, key, None)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, tuple | list):
                stack.extend(item for item in value if isinstance(item, Node))


def _filtered_document(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    selection_set: SelectionSetNode,
    filtered: dict[str, FragmentDefinitionNode],
) -> DocumentNode:
    body = dataclasses.replace(operation, selection_set=selection_set)
    spreads: set[str] = set()
    variables: set[str] = set()
    _collect_usage(body, filtered, spreads, variables)
    definitions = body.variable_definitions or ()
    used = tuple(d for d in definitions if d.variable.name.value in variables)
    if len(used) != len(definitions):
        body = dataclasses.replace(body, variable_definitions=used)
    kept: list[Any] = []
    for definition in document.definitions:
        if definition is operation:
            kept.append(body)
        elif isinstance(definition, FragmentDefinitionNode) and definition.name.value in spreads:
            kept.append(filtered[definition.name.value])
    return DocumentNode(definitions=tuple(kept))


def _unique(paths: Iterable[Path]) -> tuple[Path, ...]:
    return tuple(dict.fromkeys(paths))


def authorize_operation(
    rules: AuthorizationRules,
    api_schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    identity: Identity,
    granted_policies: frozenset[str],
) -> AuthorizationResult:
    """Filter an operation down to what this caller may select.

    Example:
        >>> result = authorize_operation(rules, api_schema, document, None, ANONYMOUS,
        ...                              frozenset())  # doctest: +SKIP
        >>> [e["path"] for e in result.errors]  # doctest: +SKIP
        [['me']]

    Args:
        rules: the supergraph's rules (:meth:`AuthorizationRules.from_supergraph`).
        api_schema: the API schema the document was validated against.
        document: the parsed, validated document.
        operation_name: the operation to run (None: the only one).
        identity: the caller (only ``authenticated`` and ``scopes`` are read).
        granted_policies: the policies granted to the caller (from
            :meth:`PolicyEvaluator.granted` over :meth:`AuthorizationRules.policies_in`).

    Returns:
        The filtered document, one error per removed path, the removal key and whether
        anything is left to execute. Unchanged (same document, no errors) when the rules are
        empty, the operation is not found, or everything is allowed.

    Spec: Apollo Router "Authorization": fields requiring authentication, scopes or policies
    the request lacks are removed before planning; an interface field is allowed only when
    allowed on every implementation.
    """
    if rules.empty:
        return AuthorizationResult(document, (), "", False)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return AuthorizationResult(document, (), "", False)
    root = api_schema.get_root_type(operation.operation)
    if root is None:
        return AuthorizationResult(document, (), "", False)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walker = _Walker(
        rules, api_schema, fragments, identity.authenticated, identity.scopes, granted_policies
    )
    walked = walker.walk(operation.selection_set, root)
    if not walked.removed:
        return AuthorizationResult(document, (), "", False)
    errors = tuple(_error(path) for path in _unique(walked.errors))
    key = ";".join(sorted({"/".join(path) for path in walked.removed}))
    filtered = {
        name: dataclasses.replace(fragments[name], selection_set=result.selection_set)
        if result.selection_set is not fragments[name].selection_set
        and result.selection_set is not None
        else fragments[name]
        for name, result in walker.filtered.items()
    }
    if walked.selection_set is None:
        empty_document = _filtered_document(document, operation, _TYPENAME_ONLY, filtered)
        return AuthorizationResult(empty_document, errors, key, True)
    new_document = _filtered_document(document, operation, walked.selection_set, filtered)
    return AuthorizationResult(new_document, errors, key, False)
