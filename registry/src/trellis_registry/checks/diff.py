"""Breaking-change detection on two API schemas: `diff_api_schemas`.

graphql-core's `find_schema_changes` finds removals, type changes, additions, default value
changes, union and interface membership and directive changes; each of its changes is mapped
here to a `ChangeKind` and a schema coordinate. Added on top: deprecations (added, removed,
reason changed), descriptions (with exact coordinates; graphql-core's own description changes
are replaced), and root operation types.

Severities that differ from graphql-core's: an optional argument or optional input field
added is *safe* (no existing operation passes it, so none can notice), not dangerous.

Spec: GraphQL "Schema Coordinates"; graphql-js ``findBreakingChanges``/``findDangerousChanges``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_required_argument,
    is_required_input_field,
    parse,
)
from graphql.utilities.find_schema_changes import (
    BreakingChangeType,
    DangerousChangeType,
    SafeChangeType,
    find_schema_changes,
)
from trellis_router.supergraph import Supergraph

from trellis_registry.checks.access import diff_access_control
from trellis_registry.checks.changes import (
    EVERY_OPERATION,
    ChangeKind,
    SchemaChange,
    type_condition_key,
)

__all__ = ["diff_api_schemas", "diff_supergraphs"]

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"

_Built = tuple[ChangeKind, str, tuple[str, ...]]
"""A change's kind, coordinate and ``affects`` keys."""

_Builder = Callable[[re.Match[str], GraphQLSchema, GraphQLSchema], _Built]
"""Builds `_Built` from a matched graphql-core message and the old and new schemas."""


@dataclass(frozen=True, slots=True)
class _Rule:
    """How one graphql-core change type becomes a `SchemaChange`."""

    pattern: re.Pattern[str]
    build: _Builder


def _rx(text: str) -> re.Pattern[str]:
    return re.compile("^" + text.replace("NAME", _NAME))


def _is_input_type(schema: GraphQLSchema, name: str) -> bool:
    return is_input_object_type(schema.get_type(name))


def _input_value(
    schema: GraphQLSchema, type_name: str, field: str, arg: str | None
) -> GraphQLArgument | GraphQLInputField | None:
    named = schema.get_type(type_name)
    if isinstance(named, GraphQLInputObjectType):
        input_field: GraphQLInputField | None = named.fields.get(field)
        return input_field
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        definition = named.fields.get(field)
        return None if definition is None or arg is None else definition.args.get(arg)
    return None


def _is_required(value: GraphQLArgument | GraphQLInputField | None) -> bool:
    if isinstance(value, GraphQLArgument):
        return is_required_argument(value)
    return isinstance(value, GraphQLInputField) and is_required_input_field(value)


def _became_required(
    old: GraphQLSchema, new: GraphQLSchema, type_name: str, field: str, arg: str | None = None
) -> bool:
    """Whether an argument or input field that was optional is required now."""
    return not _is_required(_input_value(old, type_name, field, arg)) and _is_required(
        _input_value(new, type_name, field, arg)
    )


def _type_rule(kind: ChangeKind) -> _Rule:
    def build(match: re.Match[str], _old: GraphQLSchema, _new: GraphQLSchema) -> _Built:
        return kind, match["type"], (match["type"],)

    return _Rule(_rx(r"(?:Standard scalar )?(?P<type>NAME) (?:was removed|changed from)"), build)


def _field_removed(match: re.Match[str], old: GraphQLSchema, _new: GraphQLSchema) -> _Built:
    coordinate = f"{match['type']}.{match['field']}"
    if _is_input_type(old, match["type"]):
        return ChangeKind.INPUT_FIELD_REMOVED, coordinate, (coordinate,)
    return ChangeKind.FIELD_REMOVED, coordinate, (coordinate,)


def _field_type_changed(match: re.Match[str], old: GraphQLSchema, new: GraphQLSchema) -> _Built:
    type_name, field = match["type"], match["field"]
    coordinate = f"{type_name}.{field}"
    if not _is_input_type(old, type_name):
        return ChangeKind.FIELD_TYPE_CHANGED, coordinate, (coordinate,)
    affects = (
        (coordinate, type_name) if _became_required(old, new, type_name, field) else (coordinate,)
    )
    return ChangeKind.INPUT_FIELD_TYPE_CHANGED, coordinate, affects


def _field_type_changed_safely(
    match: re.Match[str], old: GraphQLSchema, _new: GraphQLSchema
) -> _Built:
    coordinate = f"{match['type']}.{match['field']}"
    if _is_input_type(old, match["type"]):
        return ChangeKind.INPUT_FIELD_TYPE_CHANGED_SAFELY, coordinate, ()
    return ChangeKind.FIELD_TYPE_CHANGED_SAFELY, coordinate, ()


def _arg_type_changed(match: re.Match[str], old: GraphQLSchema, new: GraphQLSchema) -> _Built:
    if match["directive"] is not None:
        coordinate = f"@{match['directive']}({match['arg']}:)"
        return ChangeKind.DIRECTIVE_ARG_TYPE_CHANGED, coordinate, (coordinate,)
    field = f"{match['type']}.{match['field']}"
    coordinate = f"{field}({match['arg']}:)"
    required = _became_required(old, new, match["type"], match["field"], match["arg"])
    return (
        ChangeKind.ARG_TYPE_CHANGED,
        coordinate,
        (coordinate, field) if required else (coordinate,),
    )


def _simple(
    kind: ChangeKind,
    coordinate: Callable[[re.Match[str]], str],
    affects: Callable[[re.Match[str]], tuple[str, ...]] = lambda _match: (),
) -> _Builder:
    def build(match: re.Match[str], _old: GraphQLSchema, _new: GraphQLSchema) -> _Built:
        return kind, coordinate(match), affects(match)

    return build


def _type_field(match: re.Match[str]) -> str:
    return f"{match['type']}.{match['field']}"


def _field_arg(match: re.Match[str]) -> str:
    return f"{match['type']}.{match['field']}({match['arg']}:)"


def _directive(match: re.Match[str]) -> str:
    return f"@{match['directive']}"


def _directive_arg(match: re.Match[str]) -> str:
    return f"@{match['directive']}({match['arg']}:)"


_FIELD_ARG = r"(?:@(?P<directive>NAME)|(?P<type>NAME)\.(?P<field>NAME))\((?P<arg>NAME):\)"

_RULES: dict[Enum, tuple[_Rule, ...]] = {
    BreakingChangeType.TYPE_REMOVED: (_type_rule(ChangeKind.TYPE_REMOVED),),
    BreakingChangeType.TYPE_CHANGED_KIND: (_type_rule(ChangeKind.TYPE_KIND_CHANGED),),
    SafeChangeType.TYPE_ADDED: (
        _Rule(
            _rx(r"(?P<type>NAME) was added"), _simple(ChangeKind.TYPE_ADDED, lambda m: m["type"])
        ),
    ),
    BreakingChangeType.TYPE_REMOVED_FROM_UNION: (
        _Rule(
            _rx(r"(?P<member>NAME) was removed from union type (?P<type>NAME)"),
            _simple(
                ChangeKind.UNION_MEMBER_REMOVED,
                lambda m: m["type"],
                lambda m: (type_condition_key(m["type"], m["member"]),),
            ),
        ),
    ),
    DangerousChangeType.TYPE_ADDED_TO_UNION: (
        _Rule(
            _rx(r"(?P<member>NAME) was added to union type (?P<type>NAME)"),
            _simple(ChangeKind.UNION_MEMBER_ADDED, lambda m: m["type"], lambda m: (m["type"],)),
        ),
    ),
    BreakingChangeType.VALUE_REMOVED_FROM_ENUM: (
        _Rule(
            _rx(r"Enum value (?P<type>NAME)\.(?P<field>NAME) was removed"),
            _simple(ChangeKind.ENUM_VALUE_REMOVED, _type_field, lambda m: (_type_field(m),)),
        ),
    ),
    DangerousChangeType.VALUE_ADDED_TO_ENUM: (
        _Rule(
            _rx(r"Enum value (?P<type>NAME)\.(?P<field>NAME) was added"),
            _simple(ChangeKind.ENUM_VALUE_ADDED, _type_field, lambda m: (m["type"],)),
        ),
    ),
    BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED: (
        _Rule(
            _rx(r"(?P<type>NAME) no longer implements interface (?P<interface>NAME)"),
            _simple(
                ChangeKind.INTERFACE_IMPLEMENTATION_REMOVED,
                lambda m: m["type"],
                lambda m: (
                    type_condition_key(m["interface"], m["type"]),
                    type_condition_key(m["type"], m["interface"]),
                ),
            ),
        ),
    ),
    DangerousChangeType.IMPLEMENTED_INTERFACE_ADDED: (
        _Rule(
            _rx(r"(?P<interface>NAME) added to interfaces implemented by (?P<type>NAME)"),
            _simple(
                ChangeKind.INTERFACE_IMPLEMENTATION_ADDED,
                lambda m: m["type"],
                lambda m: (m["interface"],),
            ),
        ),
    ),
    BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED: (
        _Rule(
            _rx(r"A required field (?P<type>NAME)\.(?P<field>NAME) was added"),
            _simple(ChangeKind.INPUT_FIELD_ADDED_REQUIRED, _type_field, lambda m: (m["type"],)),
        ),
    ),
    DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED: (
        _Rule(
            _rx(r"An optional field (?P<type>NAME)\.(?P<field>NAME) was added"),
            _simple(ChangeKind.INPUT_FIELD_ADDED, _type_field),
        ),
    ),
    BreakingChangeType.FIELD_REMOVED: (
        _Rule(_rx(r"Field (?P<type>NAME)\.(?P<field>NAME) was removed"), _field_removed),
    ),
    SafeChangeType.FIELD_ADDED: (
        _Rule(
            _rx(r"Field (?P<type>NAME)\.(?P<field>NAME) was added"),
            _simple(ChangeKind.FIELD_ADDED, _type_field),
        ),
    ),
    BreakingChangeType.FIELD_CHANGED_KIND: (
        _Rule(_rx(r"Field (?P<type>NAME)\.(?P<field>NAME) changed type"), _field_type_changed),
    ),
    SafeChangeType.FIELD_CHANGED_KIND_SAFE: (
        _Rule(
            _rx(r"Field (?P<type>NAME)\.(?P<field>NAME) changed type"),
            _field_type_changed_safely,
        ),
    ),
    DangerousChangeType.INPUT_FIELD_DEFAULT_VALUE_CHANGE: (
        _Rule(
            _rx(r"(?P<type>NAME)\.(?P<field>NAME) (?:defaultValue|has changed)"),
            _simple(ChangeKind.INPUT_FIELD_DEFAULT_CHANGED, _type_field, lambda m: (m["type"],)),
        ),
    ),
    SafeChangeType.INPUT_FIELD_DEFAULT_VALUE_ADDED: (
        _Rule(
            _rx(r"(?P<type>NAME)\.(?P<field>NAME) added a defaultValue"),
            _simple(ChangeKind.INPUT_FIELD_DEFAULT_ADDED, _type_field),
        ),
    ),
    BreakingChangeType.REQUIRED_ARG_ADDED: (
        _Rule(
            _rx(r"A required argument (?P<type>NAME)\.(?P<field>NAME)\((?P<arg>NAME):\)"),
            _simple(ChangeKind.ARG_ADDED_REQUIRED, _field_arg, lambda m: (_type_field(m),)),
        ),
    ),
    DangerousChangeType.OPTIONAL_ARG_ADDED: (
        _Rule(
            _rx(r"An optional argument (?P<type>NAME)\.(?P<field>NAME)\((?P<arg>NAME):\)"),
            _simple(ChangeKind.ARG_ADDED, _field_arg),
        ),
    ),
    BreakingChangeType.ARG_REMOVED: (
        _Rule(
            _rx(r"Argument (?P<type>NAME)\.(?P<field>NAME)\((?P<arg>NAME):\) was removed"),
            _simple(ChangeKind.ARG_REMOVED, _field_arg, lambda m: (_field_arg(m),)),
        ),
    ),
    BreakingChangeType.ARG_CHANGED_KIND: (
        _Rule(_rx(r"Argument " + _FIELD_ARG + " has changed type"), _arg_type_changed),
    ),
    SafeChangeType.ARG_CHANGED_KIND_SAFE: (
        _Rule(
            _rx(r"Argument @(?P<directive>NAME)\((?P<arg>NAME):\) has changed type"),
            _simple(ChangeKind.DIRECTIVE_ARG_TYPE_CHANGED_SAFELY, _directive_arg),
        ),
        _Rule(
            _rx(r"Argument (?P<type>NAME)\.(?P<field>NAME)\((?P<arg>NAME):\) has changed type"),
            _simple(ChangeKind.ARG_TYPE_CHANGED_SAFELY, _field_arg),
        ),
    ),
    DangerousChangeType.ARG_DEFAULT_VALUE_CHANGE: (
        _Rule(
            _rx(r"@(?P<directive>NAME)\((?P<arg>NAME):\)"),
            _simple(
                ChangeKind.DIRECTIVE_ARG_DEFAULT_CHANGED, _directive_arg, lambda m: (_directive(m),)
            ),
        ),
        _Rule(
            _rx(r"(?P<type>NAME)\.(?P<field>NAME)\((?P<arg>NAME):\)"),
            _simple(ChangeKind.ARG_DEFAULT_CHANGED, _field_arg, lambda m: (_type_field(m),)),
        ),
    ),
    SafeChangeType.ARG_DEFAULT_VALUE_ADDED: (
        _Rule(
            _rx(r"@(?P<directive>NAME)\((?P<arg>NAME):\)"),
            _simple(ChangeKind.DIRECTIVE_ARG_DEFAULT_ADDED, _directive_arg),
        ),
        _Rule(
            _rx(r"(?P<type>NAME)\.(?P<field>NAME)\((?P<arg>NAME):\)"),
            _simple(ChangeKind.ARG_DEFAULT_ADDED, _field_arg),
        ),
    ),
    BreakingChangeType.DIRECTIVE_REMOVED: (
        _Rule(
            _rx(r"Directive @(?P<directive>NAME) was removed"),
            _simple(ChangeKind.DIRECTIVE_REMOVED, _directive, lambda m: (_directive(m),)),
        ),
    ),
    SafeChangeType.DIRECTIVE_ADDED: (
        _Rule(
            _rx(r"Directive @(?P<directive>NAME) was added"),
            _simple(ChangeKind.DIRECTIVE_ADDED, _directive),
        ),
    ),
    BreakingChangeType.DIRECTIVE_ARG_REMOVED: (
        _Rule(
            _rx(r"Argument @(?P<directive>NAME)\((?P<arg>NAME):\) was removed"),
            _simple(
                ChangeKind.DIRECTIVE_ARG_REMOVED, _directive_arg, lambda m: (_directive_arg(m),)
            ),
        ),
    ),
    BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED: (
        _Rule(
            _rx(r"A required argument @(?P<directive>NAME)\((?P<arg>NAME):\)"),
            _simple(
                ChangeKind.DIRECTIVE_ARG_ADDED_REQUIRED, _directive_arg, lambda m: (_directive(m),)
            ),
        ),
    ),
    SafeChangeType.OPTIONAL_DIRECTIVE_ARG_ADDED: (
        _Rule(
            _rx(r"An optional argument @(?P<directive>NAME)\((?P<arg>NAME):\)"),
            _simple(ChangeKind.DIRECTIVE_ARG_ADDED, _directive_arg),
        ),
    ),
    BreakingChangeType.DIRECTIVE_REPEATABLE_REMOVED: (
        _Rule(
            _rx(r"Repeatable flag was removed from @(?P<directive>NAME)"),
            _simple(
                ChangeKind.DIRECTIVE_REPEATABLE_REMOVED, _directive, lambda m: (_directive(m),)
            ),
        ),
    ),
    SafeChangeType.DIRECTIVE_REPEATABLE_ADDED: (
        _Rule(
            _rx(r"Repeatable flag was added to @(?P<directive>NAME)"),
            _simple(ChangeKind.DIRECTIVE_REPEATABLE_ADDED, _directive),
        ),
    ),
    BreakingChangeType.DIRECTIVE_LOCATION_REMOVED: (
        _Rule(
            _rx(r"NAME was removed from @(?P<directive>NAME)"),
            _simple(ChangeKind.DIRECTIVE_LOCATION_REMOVED, _directive, lambda m: (_directive(m),)),
        ),
    ),
    SafeChangeType.DIRECTIVE_LOCATION_ADDED: (
        _Rule(
            _rx(r"NAME was added to @(?P<directive>NAME)"),
            _simple(ChangeKind.DIRECTIVE_LOCATION_ADDED, _directive),
        ),
    ),
}


def _map_change(
    change_type: Enum, message: str, old: GraphQLSchema, new: GraphQLSchema
) -> SchemaChange:
    for rule in _RULES.get(change_type, ()):
        match = rule.pattern.match(message)
        if match is not None:
            kind, coordinate, affects = rule.build(match, old, new)
            return SchemaChange(kind, coordinate, message, affects)
    # A change graphql-core reports that no rule maps (a newer graphql-core): keep it, and
    # when it is breaking let it count against every operation rather than none.
    if isinstance(change_type, BreakingChangeType):
        return SchemaChange(ChangeKind.OTHER_BREAKING, "", message, (EVERY_OPERATION,))
    if isinstance(change_type, DangerousChangeType):
        return SchemaChange(ChangeKind.OTHER_DANGEROUS, "", message, (EVERY_OPERATION,))
    return SchemaChange(ChangeKind.OTHER_SAFE, "", message)


def diff_api_schemas(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    """Lists every change from one API schema to the next.

    Args:
        old: The API schema clients use today.
        new: The API schema after the change.

    Returns:
        The changes: graphql-core's (breaking, dangerous, safe) first, in its order, then
        root operation types, deprecations and descriptions. Each has a kind, a severity, a
        schema coordinate and a message; breaking and dangerous ones say which coordinates an
        operation must use to be affected.

    Spec: GraphQL spec section 3 (type system); graphql-js ``findSchemaChanges``.

    Example:
        >>> from graphql import build_schema
        >>> old = build_schema("type Query { a: Int b: Int }")
        >>> new = build_schema("type Query { a: Int }")
        >>> [(c.kind.value, c.coordinate) for c in diff_api_schemas(old, new)]
        [('FIELD_REMOVED', 'Query.b')]
    """
    changes = [
        _map_change(change.type, change.description, old, new)
        for change in find_schema_changes(old, new)
        if change.type is not SafeChangeType.DESCRIPTION_CHANGED
    ]
    changes.extend(_root_type_changes(old, new))
    changes.extend(_element_changes(old, new))
    return changes


def _root_type_changes(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[SchemaChange]:
    for operation, old_root, new_root in (
        ("query", old.query_type, new.query_type),
        ("mutation", old.mutation_type, new.mutation_type),
        ("subscription", old.subscription_type, new.subscription_type),
    ):
        if old_root is not None and new_root is None:
            yield SchemaChange(
                ChangeKind.ROOT_TYPE_REMOVED,
                old_root.name,
                f"The schema no longer has a {operation} root type (was {old_root.name}).",
                (old_root.name,),
            )
        elif old_root is not None and new_root is not None and old_root.name != new_root.name:
            yield SchemaChange(
                ChangeKind.ROOT_TYPE_CHANGED,
                old_root.name,
                f"The {operation} root type changed from {old_root.name} to {new_root.name}.",
                (old_root.name,),
            )
        elif old_root is None and new_root is not None:
            yield SchemaChange(
                ChangeKind.ROOT_TYPE_ADDED,
                new_root.name,
                f"The schema now has a {operation} root type, {new_root.name}.",
            )


_Element = GraphQLField | GraphQLArgument | GraphQLEnumValue | GraphQLInputField

_DEPRECATION_KINDS: dict[str, tuple[ChangeKind, ChangeKind]] = {
    "field": (ChangeKind.FIELD_DEPRECATED, ChangeKind.FIELD_UNDEPRECATED),
    "argument": (ChangeKind.ARG_DEPRECATED, ChangeKind.ARG_UNDEPRECATED),
    "enum value": (ChangeKind.ENUM_VALUE_DEPRECATED, ChangeKind.ENUM_VALUE_UNDEPRECATED),
    "input field": (ChangeKind.INPUT_FIELD_DEPRECATED, ChangeKind.INPUT_FIELD_UNDEPRECATED),
}


def _persisted_elements(
    old: GraphQLSchema, new: GraphQLSchema
) -> Iterator[tuple[str, str, _Element, _Element]]:
    """Yields ``(what, coordinate, old, new)`` for fields, arguments, enum values and input
    fields present in both schemas (on types of the same kind)."""
    for name, old_type in old.type_map.items():
        new_type = new.type_map.get(name)
        if name.startswith("__") or new_type is None:
            continue
        if (is_object_type(old_type) and is_object_type(new_type)) or (
            is_interface_type(old_type) and is_interface_type(new_type)
        ):
            for field_name, old_field in old_type.fields.items():
                new_field = new_type.fields.get(field_name)
                if new_field is None:
                    continue
                yield "field", f"{name}.{field_name}", old_field, new_field
                for arg_name, old_arg in old_field.args.items():
                    new_arg = new_field.args.get(arg_name)
                    if new_arg is not None:
                        yield "argument", f"{name}.{field_name}({arg_name}:)", old_arg, new_arg
        elif isinstance(old_type, GraphQLEnumType) and isinstance(new_type, GraphQLEnumType):
            for value_name, old_value in old_type.values.items():
                new_value = new_type.values.get(value_name)
                if new_value is not None:
                    yield "enum value", f"{name}.{value_name}", old_value, new_value
        elif isinstance(old_type, GraphQLInputObjectType) and isinstance(
            new_type, GraphQLInputObjectType
        ):
            for field_name, old_input in old_type.fields.items():
                new_input = new_type.fields.get(field_name)
                if new_input is not None:
                    yield "input field", f"{name}.{field_name}", old_input, new_input


def _element_changes(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[SchemaChange]:
    for what, coordinate, old_element, new_element in _persisted_elements(old, new):
        yield from _deprecation_changes(what, coordinate, old_element, new_element)
        yield from _description_change(
            what, coordinate, old_element.description, new_element.description
        )
    for name, old_type in old.type_map.items():
        new_type = new.type_map.get(name)
        if new_type is not None and not name.startswith("__"):
            yield from _description_change("type", name, old_type.description, new_type.description)
    for old_directive in old.directives:
        new_directive = new.get_directive(old_directive.name)
        if new_directive is None:
            continue
        coordinate = f"@{old_directive.name}"
        yield from _description_change(
            "directive", coordinate, old_directive.description, new_directive.description
        )
        for arg_name, old_arg in old_directive.args.items():
            new_arg = new_directive.args.get(arg_name)
            if new_arg is not None:
                yield from _description_change(
                    "argument",
                    f"{coordinate}({arg_name}:)",
                    old_arg.description,
                    new_arg.description,
                )


def _deprecation_changes(
    what: str, coordinate: str, old: _Element, new: _Element
) -> Iterator[SchemaChange]:
    deprecated, undeprecated = _DEPRECATION_KINDS[what]
    before, after = old.deprecation_reason, new.deprecation_reason
    if before is None and after is not None:
        yield SchemaChange(
            deprecated,
            coordinate,
            f"The {what} {coordinate} was deprecated: {after}",
            (coordinate,),
        )
    elif before is not None and after is None:
        yield SchemaChange(
            undeprecated, coordinate, f"The {what} {coordinate} is no longer deprecated."
        )
    elif before is not None and after is not None and before != after:
        yield SchemaChange(
            ChangeKind.DEPRECATION_REASON_CHANGED,
            coordinate,
            f"The deprecation reason of the {what} {coordinate} changed to: {after}",
        )


def _description_change(
    what: str, coordinate: str, before: str | None, after: str | None
) -> Iterator[SchemaChange]:
    if before == after:
        return
    if before is None:
        message = f"A description was added to the {what} {coordinate}."
    elif after is None:
        message = f"The description of the {what} {coordinate} was removed."
    else:
        message = f"The description of the {what} {coordinate} changed."
    yield SchemaChange(ChangeKind.DESCRIPTION_CHANGED, coordinate, message)


def diff_supergraphs(old: Supergraph, new: Supergraph) -> list[SchemaChange]:
    """Lists every change clients of two supergraphs can notice.

    Args:
        old: The current supergraph (`trellis_router.supergraph.load_supergraph`).
        new: The candidate supergraph.

    Returns:
        `diff_api_schemas` of their API schemas, then the access-control changes
        (``@authenticated``, ``@requiresScopes``, ``@policy``) read from their SDL.
    """
    changes = diff_api_schemas(old.api_schema, new.api_schema)
    changes.extend(
        diff_access_control(
            parse(old.sdl, no_location=True),
            parse(new.sdl, no_location=True),
            old.api_schema,
            new.api_schema,
        )
    )
    return changes
