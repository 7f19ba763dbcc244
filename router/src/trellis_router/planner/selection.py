"""Subgraph selection sets under construction: ordered, merge-by-response-key, mutable.

The planner fills these while walking the client operation, then prints them as subgraph
operations. Field order is kept: keys and ``__typename`` the planner adds go first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionSetNode,
    VariableNode,
    print_ast,
)

from .plan import RequiresField, RequiresInlineFragment, RequiresSelection

__all__ = ["SelectionSet", "SubgraphField", "SubgraphFragment"]


@dataclass(eq=False, slots=True)
class SubgraphField:
    """A field in a subgraph selection set."""

    name: str
    alias: str | None
    arguments: tuple[ArgumentNode, ...]
    directives: tuple[DirectiveNode, ...]
    selections: SelectionSet | None

    @property
    def response_key(self) -> str:
        """Alias or name."""
        return self.alias or self.name


@dataclass(eq=False, slots=True)
class SubgraphFragment:
    """An inline fragment in a subgraph selection set."""

    type_condition: str | None
    directives: tuple[DirectiveNode, ...]
    selections: SelectionSet


def _enforced(directive: DirectiveNode, conditions: tuple[tuple[str, str], ...]) -> bool:
    name = directive.name.value
    if name not in ("skip", "include"):
        return False
    for argument in directive.arguments or ():
        value = argument.value
        if argument.name.value == "if" and isinstance(value, VariableNode):
            return (name, value.name.value) in conditions
    return False


def _directives_key(directives: tuple[DirectiveNode, ...]) -> str:
    return "".join(print_ast(d) for d in directives) if directives else ""


def _arguments_key(arguments: tuple[ArgumentNode, ...]) -> str:
    return "".join(print_ast(a) for a in arguments) if arguments else ""


@dataclass(eq=False, slots=True)
class SelectionSet:
    """An ordered selection set; fields merge by (response key, arguments, directives)."""

    items: dict[str, SubgraphField | SubgraphFragment] = field(default_factory=dict)

    def add_field(
        self,
        name: str,
        alias: str | None = None,
        arguments: tuple[ArgumentNode, ...] = (),
        directives: tuple[DirectiveNode, ...] = (),
        *,
        composite: bool = False,
        front: bool = False,
    ) -> SubgraphField:
        """Return the field with this response key, adding it when missing.

        Args:
            name: field name.
            alias: client alias.
            arguments: argument nodes.
            directives: executable directives to keep on the field.
            composite: the field has a sub-selection.
            front: insert before the existing items (keys and ``__typename``).

        Returns:
            The existing or new field.
        """
        key = f"{alias or name}|{_arguments_key(arguments)}|{_directives_key(directives)}"
        existing = self.items.get(key)
        if isinstance(existing, SubgraphField):
            if composite and existing.selections is None:
                existing.selections = SelectionSet()
            return existing
        created = SubgraphField(
            name, alias, arguments, directives, SelectionSet() if composite else None
        )
        if front:
            self.items = {key: created, **self.items}
        else:
            self.items[key] = created
        return created

    def add_fragment(
        self, type_condition: str | None, directives: tuple[DirectiveNode, ...] = ()
    ) -> SubgraphFragment:
        """Return the inline fragment with this type condition and directives, adding it."""
        key = f"... on {type_condition}|{_directives_key(directives)}"
        existing = self.items.get(key)
        if isinstance(existing, SubgraphFragment):
            return existing
        created = SubgraphFragment(type_condition, directives, SelectionSet())
        self.items[key] = created
        return created

    def prepend_fields(self, selection: SelectionSetNode) -> None:
        """Add a field set's fields (keys, ``__typename``) at the front, in their order."""
        added: dict[str, SubgraphField | SubgraphFragment] = {}
        rest = dict(self.items)
        for node in selection.selections:
            if not isinstance(node, FieldNode):
                continue
            key = f"{node.name.value}||"
            existing = rest.pop(key, None)
            item = (
                existing
                if isinstance(existing, SubgraphField)
                else SubgraphField(node.name.value, None, (), (), None)
            )
            if node.selection_set is not None:
                if item.selections is None:
                    item.selections = SelectionSet()
                item.selections.prepend_fields(node.selection_set)
            added[key] = item
        self.items = {**added, **rest}

    def merge(self, other: SelectionSet) -> None:
        """Add ``other``'s selections (merged by key, in order) to this selection set."""
        for key, item in other.items.items():
            mine = self.items.get(key)
            if mine is None:
                self.items[key] = item
            elif isinstance(mine, SubgraphField) and isinstance(item, SubgraphField):
                if item.selections is not None:
                    if mine.selections is None:
                        mine.selections = item.selections
                    else:
                        mine.selections.merge(item.selections)
            elif isinstance(mine, SubgraphFragment) and isinstance(item, SubgraphFragment):
                mine.selections.merge(item.selections)

    def strip_conditions(self, conditions: tuple[tuple[str, str], ...]) -> None:
        """Remove ``@include(if: $v)`` / ``@skip(if: $v)`` directives already enforced by a
        Condition node around the fetch; an inline fragment left bare is flattened.

        Args:
            conditions: ``(directive name, variable name)`` pairs in force.
        """
        items: dict[str, SubgraphField | SubgraphFragment] = {}
        for key, item in self.items.items():
            kept = tuple(d for d in item.directives if not _enforced(d, conditions))
            if isinstance(item, SubgraphFragment):
                item.selections.strip_conditions(conditions)
                if item.type_condition is None and not kept:
                    items.update(item.selections.items)
                    continue
                item.directives = kept
            else:
                item.directives = kept
                if item.selections is not None:
                    item.selections.strip_conditions(conditions)
            items[key] = item
        self.items = items

    def is_empty(self) -> bool:
        """True when nothing is selected."""
        return not self.items

    def to_ast(self) -> SelectionSetNode:
        """The selection set as a graphql-core AST node."""
        out: list[FieldNode | InlineFragmentNode] = []
        for item in self.items.values():
            if isinstance(item, SubgraphField):
                out.append(
                    FieldNode(
                        alias=NameNode(value=item.alias) if item.alias else None,
                        name=NameNode(value=item.name),
                        arguments=item.arguments,
                        directives=item.directives,
                        selection_set=item.selections.to_ast() if item.selections else None,
                    )
                )
            else:
                out.append(
                    InlineFragmentNode(
                        type_condition=NamedTypeNode(name=NameNode(value=item.type_condition))
                        if item.type_condition
                        else None,
                        directives=item.directives,
                        selection_set=item.selections.to_ast(),
                    )
                )
        return SelectionSetNode(selections=tuple(out))

    def to_requires(self) -> tuple[RequiresSelection, ...]:
        """The selection set as ``requires`` selections of a FetchNode."""
        out: list[RequiresSelection] = []
        for item in self.items.values():
            if isinstance(item, SubgraphField):
                out.append(
                    RequiresField(
                        name=item.name,
                        alias=item.alias,
                        selections=item.selections.to_requires() if item.selections else (),
                    )
                )
            else:
                out.append(
                    RequiresInlineFragment(
                        type_condition=item.type_condition,
                        selections=item.selections.to_requires(),
                    )
                )
        return tuple(out)
