"""What an operation uses of a schema: `operation_usage`, and which operations a change affects.

The walk follows the operation with a `TypeInfo` against the schema clients use today (the
old API schema) and collects usage keys:

- ``Type.field`` for every field selected (on the type it is selected on), and the field's
  named return type;
- ``Type.field(arg:)`` for every argument passed, ``@directive`` and ``@directive(arg:)`` for
  directives applied;
- ``Enum.VALUE`` for enum values written as literals, ``Input.field`` for input fields written
  in object literals, and the named input types of both;
- for each variable, its named type and everything reachable from it: every value of an enum
  and every field (and nested type) of an input object, since any of them may be sent;
- the root operation type; every fragment's type condition, and for a fragment spread where
  another type is expected, `type_condition_key` (``Parent ... on Condition``).

Elements the schema does not know (an operation that no longer validates) are skipped.

Spec: GraphQL spec section 5 (validation), section 3.10 (input coercion).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLSchema,
    InlineFragmentNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    visit,
)

from trellis_registry.checks.changes import EVERY_OPERATION, SchemaChange, type_condition_key
from trellis_registry.checks.operations import Operation

__all__ = ["affected_operations", "input_type_usage", "operation_usage", "usages_of"]


def input_type_usage(input_type: GraphQLInputType) -> set[str]:
    """Everything a value of an input type may contain.

    Args:
        input_type: A variable's type, e.g. ``[OrderFilter!]``.

    Returns:
        The named types reachable from it, every value of each enum (``Enum.VALUE``) and
        every field of each input object (``Input.field``).
    """
    used: set[str] = set()
    pending = [get_named_type(input_type)]
    while pending:
        named = pending.pop()
        if named.name in used:
            continue
        used.add(named.name)
        if isinstance(named, GraphQLEnumType):
            used.update(f"{named.name}.{value}" for value in named.values)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                used.add(f"{named.name}.{field_name}")
                pending.append(get_named_type(field.type))
    return used


class _UsageVisitor(Visitor):
    """Collects usage keys while a `TypeInfoVisitor` keeps ``type_info`` in step."""

    def __init__(
        self, schema: GraphQLSchema, type_info: TypeInfo, conditions: dict[str, str]
    ) -> None:
        super().__init__()
        self.used: set[str] = set()
        self._schema = schema
        self._type_info = type_info
        self._conditions = conditions
        self._fields: list[str | None] = []

    def enter_operation_definition(self, _node: OperationDefinitionNode, *_args: Any) -> None:
        root = self._type_info.get_type()
        if root is not None:
            self.used.add(get_named_type(root).name)

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        parent = self._type_info.get_parent_type()
        definition = self._type_info.get_field_def()
        name = node.name.value
        if parent is None or definition is None or name.startswith("__"):
            self._fields.append(None)
            return
        coordinate = f"{parent.name}.{name}"
        self.used.add(coordinate)
        self.used.add(get_named_type(definition.type).name)
        self._fields.append(coordinate)

    def leave_field(self, _node: FieldNode, *_args: Any) -> None:
        self._fields.pop()

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        if self._type_info.get_directive() is not None:
            self.used.add(f"@{node.name.value}")

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        directive = self._type_info.get_directive()
        argument = self._type_info.get_argument()
        if argument is None:
            return
        self.used.add(get_named_type(argument.type).name)
        if directive is not None:
            self.used.add(f"@{directive.name}({node.name.value}:)")
        elif self._fields and self._fields[-1] is not None:
            self.used.add(f"{self._fields[-1]}({node.name.value}:)")

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        parent = self._type_info.get_parent_input_type()
        if parent is None:
            return
        named = get_named_type(parent)
        if isinstance(named, GraphQLInputObjectType) and node.name.value in named.fields:
            self.used.add(f"{named.name}.{node.name.value}")
            self.used.add(get_named_type(named.fields[node.name.value].type).name)

    def enter_enum_value(self, node: EnumValueNode, *_args: Any) -> None:
        input_type = self._type_info.get_input_type()
        if input_type is None:
            return
        named = get_named_type(input_type)
        if isinstance(named, GraphQLEnumType):
            self.used.add(named.name)
            self.used.add(f"{named.name}.{node.value}")

    def enter_variable_definition(self, _node: VariableDefinitionNode, *_args: Any) -> None:
        input_type = self._type_info.get_input_type()
        if input_type is not None:
            self.used.update(input_type_usage(input_type))

    def enter_inline_fragment(self, node: InlineFragmentNode, *_args: Any) -> None:
        if node.type_condition is not None:
            self._condition(node.type_condition.name.value)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> None:
        condition = self._conditions.get(node.name.value)
        if condition is not None:
            self._condition(condition)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_args: Any) -> None:
        if self._schema.get_type(node.type_condition.name.value) is not None:
            self.used.add(node.type_condition.name.value)

    def _condition(self, condition: str) -> None:
        if self._schema.get_type(condition) is None:
            return
        self.used.add(condition)
        parent = self._type_info.get_parent_type()
        if parent is not None and parent.name != condition:
            self.used.add(type_condition_key(parent.name, condition))


def operation_usage(operation: Operation, schema: GraphQLSchema) -> frozenset[str]:
    """Collects the usage keys of one operation (see the module docstring).

    Args:
        operation: The operation with its fragments.
        schema: The API schema the operation is written against (the old one in a check).

    Returns:
        The schema coordinates and type-condition keys it uses.
    """
    conditions = {
        definition.name.value: definition.type_condition.name.value
        for definition in operation.document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    type_info = TypeInfo(schema)
    visitor = _UsageVisitor(schema, type_info, conditions)
    visit(operation.document, TypeInfoVisitor(type_info, visitor))
    return frozenset(visitor.used)


def affected_operations(
    change: SchemaChange, usages: Iterable[tuple[Operation, frozenset[str]]]
) -> list[str]:
    """Names the operations a change affects.

    Args:
        change: A change with its ``affects`` keys.
        usages: Each operation with its `operation_usage`.

    Returns:
        The labels (`Operation.label`) of the operations that use any of the keys, without
        duplicates, in the order given.
    """
    keys = set(change.affects)
    if not keys:
        return []
    labels: dict[str, None] = {}
    for operation, used in usages:
        if EVERY_OPERATION in keys or keys & used:
            labels.setdefault(operation.label)
    return list(labels)


def usages_of(
    operations: Sequence[Operation], schema: GraphQLSchema
) -> list[tuple[Operation, frozenset[str]]]:
    """Walks every operation once.

    Args:
        operations: The operations.
        schema: The API schema they are written against.

    Returns:
        Each operation with its `operation_usage`.
    """
    return [(operation, operation_usage(operation, schema)) for operation in operations]
