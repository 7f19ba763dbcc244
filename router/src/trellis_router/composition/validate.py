"""Per-subgraph validation of federation directives, before merging.

Checks one subgraph at a time, as Apollo's ``FederationBlueprint.onValidation`` does: ``@key``,
``@requires`` and ``@provides`` field sets, ``@external`` usage, interface keys and
``@interfaceObject``, ``@shareable`` placement, ``@context``/``@fromContext``, ``@cost`` and
``@listSize``, authorization directives on interfaces, and the single-subgraph parts of
``@override``. It also records what the merge needs to know about each subgraph (key fields,
provided fields, required fields, used fields).

Spec: Apollo Federation directives reference
(https://www.apollographql.com/docs/federation/federated-schemas/federated-directives) and
composition error codes (https://www.apollographql.com/docs/graphos/reference/federation/errors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NoReturn

from graphql import FieldNode, GraphQLError, InlineFragmentNode, OperationDefinitionNode, parse
from graphql import print_ast as print_graphql
from graphql.language import SelectionSetNode

from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.fieldset import SelectedField, resolve_field_set
from trellis_router.composition.subgraph import (
    Applied,
    Field,
    InputValue,
    Subgraph,
    SubgraphType,
    TypeRef,
)

__all__ = ["SubgraphMetadata", "validate_subgraph"]

Coordinate = tuple[str, str]
_LABEL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT_RE = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")
_CONTEXT_NAME_RE = re.compile(r"^[A-Za-z]\w*$")
_CONTEXT_REFERENCE_RE = re.compile(r"^[\s,]*\$[\s,]*([A-Za-z_]\w*)(.*)$", re.S)
_COMPOSITE = ("OBJECT", "INTERFACE", "UNION")
_AUTH_DIRECTIVES = ("authenticated", "requiresScopes", "policy")

#: The error codes of each field set problem kind, per directive.
_FIELD_SET_CODES: dict[str, dict[str, ErrorCode]] = {
    "key": {
        "invalid": ErrorCode.KEY_INVALID_FIELDS,
        "not_string": ErrorCode.KEY_INVALID_FIELDS_TYPE,
        "directive": ErrorCode.KEY_DIRECTIVE_IN_FIELDS_ARG,
        "has_args": ErrorCode.KEY_FIELDS_HAS_ARGS,
        "invalid_type": ErrorCode.KEY_FIELDS_SELECT_INVALID_TYPE,
    },
    "requires": {
        "invalid": ErrorCode.REQUIRES_INVALID_FIELDS,
        "not_string": ErrorCode.REQUIRES_INVALID_FIELDS_TYPE,
        "directive": ErrorCode.REQUIRES_DIRECTIVE_IN_FIELDS_ARG,
        "missing_external": ErrorCode.REQUIRES_FIELDS_MISSING_EXTERNAL,
        "unsupported_on_interface": ErrorCode.REQUIRES_UNSUPPORTED_ON_INTERFACE,
    },
    "provides": {
        "invalid": ErrorCode.PROVIDES_INVALID_FIELDS,
        "not_string": ErrorCode.PROVIDES_INVALID_FIELDS_TYPE,
        "directive": ErrorCode.PROVIDES_DIRECTIVE_IN_FIELDS_ARG,
        "has_args": ErrorCode.PROVIDES_FIELDS_HAS_ARGS,
        "missing_external": ErrorCode.PROVIDES_FIELDS_MISSING_EXTERNAL,
        "unsupported_on_interface": ErrorCode.PROVIDES_UNSUPPORTED_ON_INTERFACE,
    },
}


@dataclass(slots=True)
class SubgraphMetadata:
    """What merging needs to know about one subgraph beyond its types.

    Attributes:
        key_fields: ``(type, field)`` selected by some ``@key`` (shareable by definition).
        provided: ``(type, field)`` selected by some ``@provides``.
        required: ``(type, field)`` selected by some ``@requires``.
        used: ``(type, field)`` that federation directives or interfaces use: selected by a
            ``@key``, ``@requires``, ``@provides`` or ``@fromContext`` (an interface field
            with its implementations), or implementing an interface field.
            Spec: Apollo ``collectUsedFields``.
    """

    key_fields: set[Coordinate] = field(default_factory=set)
    provided: set[Coordinate] = field(default_factory=set)
    required: set[Coordinate] = field(default_factory=set)
    used: set[Coordinate] = field(default_factory=set)


def validate_subgraph(subgraph: Subgraph) -> tuple[SubgraphMetadata, list[CompositionError]]:
    """Validate one subgraph's federation directives.

    Args:
        subgraph: The parsed subgraph.

    Returns:
        The subgraph's metadata and the errors found (empty when valid), in Apollo's order:
        field sets, contexts, externals, interface keys, interface objects, ``@shareable``,
        cost, authorization, then ``@override``.

    Spec: Apollo ``FederationBlueprint.onValidation`` (KEY_*, REQUIRES_*, PROVIDES_*,
    EXTERNAL_ON_INTERFACE, EXTERNAL_UNUSED, EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE,
    INTERFACE_KEY_NOT_ON_IMPLEMENTATION, INTERFACE_OBJECT_USAGE_ERROR, INVALID_SHAREABLE_USAGE,
    CONTEXT_*, NO_CONTEXT_IN_SELECTION, COST_APPLIED_TO_INTERFACE_FIELD, LIST_SIZE_*,
    AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE) and the single-subgraph ``@override`` rules of
    Apollo's merge (OVERRIDE_ON_INTERFACE, OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE,
    OVERRIDE_FROM_SELF_ERROR, OVERRIDE_LABEL_INVALID).
    """
    validator = _Validator(subgraph)
    try:
        validator.run()
    except _Aborted as aborted:
        # Apollo throws these two out of its validation: the error is then the only one.
        return validator.metadata, [aborted.error]
    return validator.metadata, validator.errors


class _Aborted(Exception):
    """Internal: an error that stops the subgraph's validation (Apollo throws it)."""

    def __init__(self, error: CompositionError) -> None:
        super().__init__(error.message)
        self.error = error


class _Validator:
    """One subgraph's validation: the rules as methods, errors and metadata collected."""

    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        self.metadata = SubgraphMetadata()
        self.errors: list[CompositionError] = []
        self.fed2 = not subgraph.is_fed1
        self.fake_externals = self._fake_externals()

    def error(self, code: ErrorCode, message: str) -> None:
        self.errors.append(CompositionError(code.value, f"[{self.subgraph.name}] {message}"))

    def _abort(self, code: ErrorCode, message: str) -> NoReturn:
        raise _Aborted(CompositionError(code.value, f"[{self.subgraph.name}] {message}"))

    def run(self) -> None:
        types = list(self.subgraph.types.values())
        for type_ in types:
            self._check_keys(type_)
        for type_ in types:
            for f in type_.fields.values():
                for requires in _applied(f.directives, "requires"):
                    self._check_requires(type_, f, requires)
        for type_ in types:
            for f in type_.fields.values():
                for provides in _applied(f.directives, "provides"):
                    self._check_provides(type_, f, provides)
        self._collect_interface_implementations()
        if not self.fed2:
            self._check_overrides()
            return
        self._check_contexts()
        self._check_externals()
        self._check_interface_keys()
        self._check_interface_objects()
        self._check_shareable()
        self._check_cost()
        self._check_auth()
        self._check_overrides()

    # ----------------------------------------------------------------- externals and usage

    def _fake_externals(self) -> set[Coordinate]:
        """Key fields of type extensions marked ``@external``: not really external.

        Spec: Apollo ``ExternalTester.collectFakeExternals``.
        """
        fake: set[Coordinate] = set()
        for type_ in self.subgraph.types.values():
            extends = bool(type_.applied("extends"))
            for key, on_extension in type_.directives:
                if not (key.federation and key.name == "key") or not (on_extension or extends):
                    continue
                selected, _ = resolve_field_set(
                    self.subgraph, type_.name, key.arguments.get("fields")
                )
                fake.update((s.parent, s.field.name) for s in selected if s.field.has("external"))
        return fake

    def is_external(self, type_name: str, f: Field) -> bool:
        """``@external`` on the field or (Fed 2) on its type, unless a fake external.

        Spec: Apollo ``ExternalTester.isExternal``.
        """
        type_ = self.subgraph.types.get(type_name)
        on_type = self.fed2 and type_ is not None and bool(type_.applied("external"))
        return (f.has("external") or on_type) and (type_name, f.name) not in self.fake_externals

    def _use(self, selected: Iterable[SelectedField]) -> None:
        """Mark selected fields used, an interface field with its implementations'."""
        for s in selected:
            self.metadata.used.add((s.parent, s.field.name))
            parent = self.subgraph.types.get(s.parent)
            if parent is not None and parent.kind == "INTERFACE":
                for implementation in self._implementations(s.parent):
                    if s.field.name in implementation.fields:
                        self.metadata.used.add((implementation.name, s.field.name))

    def _implementations(self, interface: str) -> list[SubgraphType]:
        return [
            t
            for t in self.subgraph.types.values()
            if t.kind == "OBJECT" and interface in t.interfaces
        ]

    def _collect_interface_implementations(self) -> None:
        for type_ in self.subgraph.types.values():
            for interface in type_.interfaces:
                declared = self.subgraph.types.get(interface)
                if declared is not None:
                    self.metadata.used.update(
                        (type_.name, name) for name in declared.fields if name in type_.fields
                    )

    def _check_externals(self) -> None:
        """Spec: Apollo ``validateNoExternalOnInterfaceFields`` (EXTERNAL_ON_INTERFACE) and
        ``validateAllExternalFieldsUsed`` (EXTERNAL_UNUSED)."""
        types = [t for t in self.subgraph.types.values() if t.kind in ("OBJECT", "INTERFACE")]
        for type_ in types:
            if type_.kind != "INTERFACE":
                continue
            for f in type_.fields.values():
                if self.is_external(type_.name, f):
                    self.error(
                        ErrorCode.EXTERNAL_ON_INTERFACE,
                        f'Interface type field "{type_.name}.{f.name}" is marked @external but '
                        "@external is not allowed on interface fields (it is nonsensical).",
                    )
        for type_ in types:
            for f in type_.fields.values():
                if not self.is_external(type_.name, f):
                    continue
                if (type_.name, f.name) in self.metadata.used:
                    continue
                self.error(
                    ErrorCode.EXTERNAL_UNUSED,
                    f'Field "{type_.name}.{f.name}" is marked @external but is not used in any '
                    "federation directive (@key, @provides, @requires) or to satisfy an "
                    "interface; the field declaration has no use and should be removed (or the "
                    "field should not be @external).",
                )

    # ------------------------------------------------------------------------- field sets

    def _check_keys(self, type_: SubgraphType) -> None:
        """Spec: Apollo ``validateAllFieldSet`` for ``@key`` (KEY_* codes)."""
        for key in type_.applied("key"):
            described = f'On type "{type_.name}", for {print_graphql(key.node)}: '
            if (
                type_.kind == "INTERFACE"
                and self.fed2
                and self.subgraph.federation_version < (2, 3)
            ):
                self.error(
                    ErrorCode.KEY_UNSUPPORTED_ON_INTERFACE,
                    f'Cannot use @key on interface "{type_.name}": @key is not yet supported on '
                    "interfaces",
                )
            fields = key.arguments.get("fields")
            selected, problem = resolve_field_set(
                self.subgraph, type_.name, fields, directive="key"
            )
            self._use(selected)
            if problem is not None:
                self.error(_FIELD_SET_CODES["key"][problem.kind], described + problem.message)
                continue
            self.metadata.key_fields.update((s.parent, s.field.name) for s in selected)

    def _check_requires(self, type_: SubgraphType, f: Field, requires: Applied) -> None:
        """Spec: Apollo ``validateAllFieldSet`` for ``@requires`` (REQUIRES_* codes)."""
        self._check_selection(type_, f, type_.name, requires, "requires")

    def _check_provides(self, type_: SubgraphType, f: Field, provides: Applied) -> None:
        """Spec: Apollo ``validateAllFieldSet`` for ``@provides`` (PROVIDES_* codes,
        EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE)."""
        coordinate = f"{type_.name}.{f.name}"
        if self.fed2 and self.is_external(type_.name, f):
            self._abort(
                ErrorCode.EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE,
                f'Cannot have both @provides and @external on field "{coordinate}"',
            )
        target = self.subgraph.types.get(f.type.named)
        if target is None or target.kind not in _COMPOSITE:
            message = (
                f'Invalid @provides directive on field "{coordinate}": field has type '
                f'"{f.type}" which is not a Composite Type'
            )
            if self.fed2:
                self._abort(ErrorCode.PROVIDES_ON_NON_OBJECT_FIELD, message)
            self.error(ErrorCode.PROVIDES_ON_NON_OBJECT_FIELD, message)
            return
        self._check_selection(type_, f, target.name, provides, "provides")

    def _check_selection(
        self, type_: SubgraphType, f: Field, parent: str, directive: Applied, kind: str
    ) -> None:
        codes = _FIELD_SET_CODES[kind]
        coordinate = f"{type_.name}.{f.name}"
        described = f'On field "{coordinate}", for {print_graphql(directive.node)}: '
        if type_.kind == "INTERFACE" and self.fed2:
            self.error(
                codes["unsupported_on_interface"],
                f'Cannot use @{kind} on field "{coordinate}" of parent type "{type_.name}": '
                f"@{kind} is not yet supported within interfaces",
            )
        selected, problem = resolve_field_set(
            self.subgraph, parent, directive.arguments.get("fields"), directive=kind
        )
        self._use(selected)
        if problem is not None and problem.kind in ("invalid", "not_string"):
            self.error(codes[problem.kind], described + problem.message)
            return
        if problem is not None:
            self.error(codes[problem.kind], described + problem.message)
        target = self.metadata.required if kind == "requires" else self.metadata.provided
        for s in selected:
            external = self.is_external(s.parent, s.field)
            if not external and s.leaf and not s.under_external and self.fed2:
                self.error(codes["missing_external"], described + self._not_external(s, kind))
                return
            # Non-@external fields nested under an @external one are the subgraph's own: they
            # are not "provided" (they stay subject to the sharing rules).
            if external or kind == "requires" or not self.fed2:
                target.add((s.parent, s.field.name))

    def _not_external(self, s: SelectedField, kind: str) -> str:
        coordinate = f"{s.parent}.{s.field.name}"
        if (s.parent, s.field.name) in self.fake_externals:
            return (
                f'field "{coordinate}" should not be part of a @{kind} since it is already '
                '"effectively" provided by this subgraph (while it is marked @external, it is '
                "a @key field of an extension type, which are not internally considered "
                "external for historical/backward compatibility reasons)"
            )
        return (
            f'field "{coordinate}" should not be part of a @{kind} since it is already '
            "provided by this subgraph (it is not marked @external)"
        )

    # ---------------------------------------------------- interface keys, interface objects

    def _check_interface_keys(self) -> None:
        """Spec: Apollo ``validateKeyOnInterfacesAreAlsoOnAllImplementations``
        (INTERFACE_KEY_NOT_ON_IMPLEMENTATION)."""
        for interface in self.subgraph.types.values():
            if interface.kind != "INTERFACE":
                continue
            implementations = self._implementations(interface.name)
            for key in interface.applied("key"):
                fields = _normalised_field_set(key.arguments.get("fields"))
                missing: list[str] = []
                unresolvable: list[str] = []
                for implementation in implementations:
                    match = next(
                        (
                            k
                            for k in implementation.applied("key")
                            if _normalised_field_set(k.arguments.get("fields")) == fields
                        ),
                        None,
                    )
                    if match is None:
                        missing.append(implementation.name)
                    elif key.arguments.get("resolvable") is not False and (
                        match.arguments.get("resolvable") is False
                    ):
                        unresolvable.append(implementation.name)
                described = f'Key {print_graphql(key.node)} on interface type "{interface.name}"'
                if missing:
                    self.error(
                        ErrorCode.INTERFACE_KEY_NOT_ON_IMPLEMENTATION,
                        f"{described} is missing on implementation {_types_list(missing)}.",
                    )
                elif unresolvable:
                    self.error(
                        ErrorCode.INTERFACE_KEY_NOT_ON_IMPLEMENTATION,
                        f"{described} should be resolvable on all implementation types, but is "
                        'declared with argument "@key(resolvable:)" set to false in '
                        f"{_types_list(unresolvable)}.",
                    )

    def _check_interface_objects(self) -> None:
        """Spec: Apollo ``validateInterfaceObjectsAreOnEntities`` (INTERFACE_OBJECT_USAGE_ERROR)."""
        for type_ in self.subgraph.types.values():
            if type_.applied("interfaceObject") and not type_.applied("key"):
                self.error(
                    ErrorCode.INTERFACE_OBJECT_USAGE_ERROR,
                    "The @interfaceObject directive can only be applied to entity types but "
                    f'type "{type_.name}" has no @key in this subgraph.',
                )

    # --------------------------------------------------------------------------- shareable

    def _check_shareable(self) -> None:
        """Spec: Apollo ``validateShareableNotRepeatedOnSameDeclaration`` and the
        object-fields-only rule (INVALID_SHAREABLE_USAGE)."""
        for type_ in self.subgraph.types.values():
            if type_.kind != "OBJECT":
                continue
            if any(len(_applied(block, "shareable")) > 1 for block in type_.blocks):
                self.error(
                    ErrorCode.INVALID_SHAREABLE_USAGE,
                    _duplicate_shareable(f'the same type declaration of "{type_.name}"'),
                )
            for f in type_.fields.values():
                if len(_applied(f.directives, "shareable")) > 1:
                    self.error(
                        ErrorCode.INVALID_SHAREABLE_USAGE,
                        _duplicate_shareable(f'field "{type_.name}.{f.name}"'),
                    )
        for type_ in self.subgraph.types.values():
            if type_.kind == "OBJECT":
                continue
            for f in type_.fields.values():
                for _ in _applied(f.directives, "shareable"):
                    self.error(
                        ErrorCode.INVALID_SHAREABLE_USAGE,
                        f'Invalid use of @shareable on field "{type_.name}.{f.name}": only '
                        "object type fields can be marked with @shareable",
                    )

    # ------------------------------------------------------------------------ cost, auth

    def _check_cost(self) -> None:
        """Spec: Apollo ``validateCostNotAppliedToInterface`` and the ``@listSize`` checks
        (COST_APPLIED_TO_INTERFACE_FIELD, LIST_SIZE_*)."""
        for type_ in self.subgraph.types.values():
            for f in type_.fields.values():
                coordinate = f"{type_.name}.{f.name}"
                if type_.kind == "INTERFACE" and _applied(f.directives, "cost"):
                    self.error(
                        ErrorCode.COST_APPLIED_TO_INTERFACE_FIELD,
                        f'@cost cannot be applied to interface "{coordinate}"',
                    )
                for list_size in _applied(f.directives, "listSize"):
                    self._check_list_size(coordinate, f, list_size)

    def _check_list_size(self, coordinate: str, f: Field, list_size: Applied) -> None:
        args = list_size.arguments
        sized_fields = args.get("sizedFields") or []
        if not sized_fields and not _is_list(f.type):
            self.error(ErrorCode.LIST_SIZE_APPLIED_TO_NON_LIST, f'"{coordinate}" is not a list')
        assumed = args.get("assumedSize")
        if isinstance(assumed, int) and assumed < 0:
            self.error(
                ErrorCode.LIST_SIZE_INVALID_ASSUMED_SIZE,
                f'Assumed size of "{coordinate}" cannot be negative',
            )
        for name in args.get("slicingArguments") or []:
            argument = f.args.get(name)
            if argument is None:
                self.error(
                    ErrorCode.LIST_SIZE_INVALID_SLICING_ARGUMENT,
                    f'Slicing argument "{name}" is not an argument of "{coordinate}"',
                )
            elif str(argument.type) not in ("Int", "Int!"):
                self.error(
                    ErrorCode.LIST_SIZE_INVALID_SLICING_ARGUMENT,
                    f'Slicing argument "{coordinate}({name}:)" must be Int or Int!',
                )
        if not sized_fields:
            return
        target = self.subgraph.types.get(f.type.named)
        if target is None or target.kind not in _COMPOSITE:
            self.error(
                ErrorCode.LIST_SIZE_INVALID_SIZED_FIELD,
                f'Sized fields cannot be used because "{f.type}" is not a composite type',
            )
            return
        for name in sized_fields:
            sized = target.fields.get(name)
            if sized is None:
                self.error(
                    ErrorCode.LIST_SIZE_INVALID_SIZED_FIELD,
                    f'Sized field "{name}" is not a field on type "{target.name}"',
                )
            elif not _is_list(sized.type):
                self.error(
                    ErrorCode.LIST_SIZE_APPLIED_TO_NON_LIST,
                    f'Sized field "{target.name}.{name}" is not a list',
                )

    def _check_auth(self) -> None:
        """Spec: Apollo ``validateNoAuthenticationOnInterfaces``
        (AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE)."""
        for name in _AUTH_DIRECTIVES:
            for type_ in self.subgraph.types.values():
                kind = (
                    "interface"
                    if type_.kind == "INTERFACE"
                    else "interface object"
                    if type_.applied("interfaceObject")
                    else None
                )
                if kind is not None:
                    for applied in type_.applied(name):
                        self._auth_error(applied, kind, type_.name)
                if type_.kind == "INTERFACE":
                    for f in type_.fields.values():
                        for applied in _applied(f.directives, name):
                            self._auth_error(applied, "field", f"{type_.name}.{f.name}")

    def _auth_error(self, applied: Applied, kind: str, coordinate: str) -> None:
        local = applied.node.name.value
        self.error(
            ErrorCode.AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE,
            f'Invalid use of @{local} on {kind} "{coordinate}": @{local} cannot be applied on '
            "interfaces, interface fields and interface objects",
        )

    # ---------------------------------------------------------------------------- contexts

    def _check_contexts(self) -> None:
        """Spec: Apollo ``onValidation`` context checks (CONTEXT_NAME_INVALID, CONTEXT_NOT_SET,
        NO_CONTEXT_IN_SELECTION, CONTEXT_INVALID_SELECTION, CONTEXT_NO_RESOLVABLE_KEY)."""
        locations: dict[str, list[str]] = {}
        for type_ in self.subgraph.types.values():
            for context in type_.applied("context"):
                name = context.arguments.get("name")
                if not isinstance(name, str):
                    continue
                if "_" in name:
                    self.error(
                        ErrorCode.CONTEXT_NAME_INVALID,
                        f'Context name "{name}" may not contain an underscore.',
                    )
                elif _CONTEXT_NAME_RE.match(name) is None:
                    self.error(
                        ErrorCode.CONTEXT_NAME_INVALID,
                        f'Context name "{name}" is invalid. It should have only alphanumeric '
                        "characters.",
                    )
                locations.setdefault(name, []).append(type_.name)
        for type_ in self.subgraph.types.values():
            for f in type_.fields.values():
                for argument in f.args.values():
                    for from_context in _applied(argument.directives, "fromContext"):
                        self._check_from_context(type_, f, argument, from_context, locations)

    def _check_from_context(
        self,
        type_: SubgraphType,
        f: Field,
        argument: InputValue,
        from_context: Applied,
        locations: dict[str, list[str]],
    ) -> None:
        coordinate = f"{type_.name}.{f.name}({argument.name}:)"
        if type_.kind != "OBJECT":
            self.error(
                ErrorCode.CONTEXT_NOT_SET,
                "@fromContext argument cannot be used on a field that exists on an abstract "
                f'type "{coordinate}".',
            )
            return
        for interface in type_.interfaces:
            declared = self.subgraph.types.get(interface)
            if declared is not None and f.name in declared.fields:
                self.error(
                    ErrorCode.CONTEXT_NOT_SET,
                    "@fromContext argument cannot be used on a field implementing an interface "
                    f'field "{interface}.{f.name}".',
                )
        if argument.default is not None:
            self.error(
                ErrorCode.CONTEXT_NOT_SET,
                f'@fromContext arguments may not have a default value: "{coordinate}".',
            )
        value = from_context.arguments.get("field")
        reference = _CONTEXT_REFERENCE_RE.match(value) if isinstance(value, str) else None
        if reference is None or not reference.group(2).strip():
            self.error(
                ErrorCode.NO_CONTEXT_IN_SELECTION,
                f'@fromContext argument does not reference a context "{value}".',
            )
            return
        context, selection = reference.group(1), reference.group(2)
        types = locations.get(context)
        for location in types or ():
            self._use(_selected_in_context(self.subgraph, selection, location))
        if types is None:
            self.error(
                ErrorCode.CONTEXT_NOT_SET,
                f'Context "{context}" is used at location "{coordinate}" but is never set.',
            )
        else:
            problem = _ContextSelection(self.subgraph, context, coordinate, argument.type).check(
                selection, types
            )
            if problem is not None:
                self.error(ErrorCode.CONTEXT_INVALID_SELECTION, problem)
        if not any(k.arguments.get("resolvable") is not False for k in type_.applied("key")):
            self.error(
                ErrorCode.CONTEXT_NO_RESOLVABLE_KEY,
                f'Object "{type_.name}" has no resolvable key but has a field with a contextual '
                "argument.",
            )

    # ---------------------------------------------------------------------------- override

    def _check_overrides(self) -> None:
        """The ``@override`` rules that need only this subgraph.

        Apollo checks these while merging (its messages carry no ``[subgraph]`` prefix); a
        label is checked even when the source subgraph is unknown.

        Spec: Apollo ``Merger.validateOverride`` (OVERRIDE_ON_INTERFACE,
        OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE, OVERRIDE_FROM_SELF_ERROR,
        OVERRIDE_LABEL_INVALID).
        """
        name = self.subgraph.name
        for type_ in self.subgraph.types.values():
            for f in type_.fields.values():
                override = f.first("override")
                if override is None:
                    continue
                coordinate = f"{type_.name}.{f.name}"
                if type_.kind == "INTERFACE":
                    self._merge_error(
                        ErrorCode.OVERRIDE_ON_INTERFACE,
                        f'@override cannot be used on field "{coordinate}" on subgraph "{name}": '
                        "@override is not supported on interface type fields.",
                    )
                    continue
                if type_.applied("interfaceObject"):
                    self._merge_error(
                        ErrorCode.OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE,
                        "@override is not yet supported on fields of @interfaceObject types: "
                        f'cannot be used on field "{coordinate}" on subgraph "{name}".',
                    )
                    continue
                source = override.arguments.get("from")
                if source == name:
                    self._merge_error(
                        ErrorCode.OVERRIDE_FROM_SELF_ERROR,
                        f'Source and destination subgraphs "{source}" are the same for '
                        f'overridden field "{coordinate}"',
                    )
                    continue
                if self.is_external(type_.name, f):
                    # Apollo names the directive as the source subgraph's schema does; we
                    # cannot see it here, so we use the name of an unimported @external.
                    self._merge_error(
                        ErrorCode.OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE,
                        f'@override cannot be used on field "{coordinate}" on subgraph "{name}" '
                        f'since "{coordinate}" on "{name}" is marked with directive '
                        '"@federation__external"',
                    )
                    continue
                self._check_label(coordinate, override.arguments.get("label"))

    def _check_label(self, coordinate: str, label: object) -> None:
        if label is None:
            return
        valid = isinstance(label, str) and (
            _LABEL_RE.match(label) is not None or _PERCENT_RE.match(label) is not None
        )
        if not valid:
            self._merge_error(
                ErrorCode.OVERRIDE_LABEL_INVALID,
                f'Invalid @override label "{label}" on field "{coordinate}" on subgraph '
                f'"{self.subgraph.name}": labels must start with a letter and after that may '
                "contain alphanumerics, underscores, minuses, colons, periods, or slashes. "
                'Alternatively, labels may be of the form "percent(x)" where x is a float '
                "between 0-100 inclusive.",
            )

    def _merge_error(self, code: ErrorCode, message: str) -> None:
        self.errors.append(CompositionError(code.value, message))


class _ContextSelection:
    """Checks a ``@fromContext`` selection against the types that set the context.

    Spec: Apollo ``validateFieldValue`` and ``validateSelectionFormat``.
    """

    def __init__(self, subgraph: Subgraph, context: str, coordinate: str, expected: TypeRef):
        self.subgraph = subgraph
        self.prefix = f'Context "{context}" is used in "{coordinate}" but the selection is invalid'
        self.expected = expected

    def check(self, selection: str, locations: list[str]) -> str | None:
        """The first problem with ``selection`` (an error message), or ``None``."""
        source = selection if selection.strip().startswith("{") else "{" + selection + "}"
        try:
            document = parse(source, no_location=True)
        except GraphQLError as error:
            return f"{self.prefix}: {error.message}"
        operation = document.definitions[0]
        if not isinstance(operation, OperationDefinitionNode):
            return f"{self.prefix}: fragment spread is not allowed"
        selections = operation.selection_set.selections
        if not selections:
            return f"{self.prefix}: no selection is made"
        if isinstance(selections[0], FieldNode):
            if len(selections) != 1:
                return f"{self.prefix}: multiple selections are made"
            for location in locations:
                problem = self._check_field(operation.selection_set, location)
                if problem is not None:
                    return problem
            return None
        if not all(isinstance(s, InlineFragmentNode) for s in selections):
            return f"{self.prefix}: multiple fields could be selected"
        return None

    def _check_field(self, selection_set: SelectionSetNode, location: str) -> str | None:
        try:
            resolved = self._resolve(selection_set, location)
        except _SelectionError as error:
            return f"{self.prefix} for type {location}. Error: {error}"
        if resolved is None or not _implements(resolved, self.expected):
            return (
                f'{self.prefix}: the type of the selection "{resolved}" does not match the '
                f'expected type "{self.expected}"'
            )
        return None

    def _resolve(self, selection_set: SelectionSetNode, parent: str) -> TypeRef | None:
        """The type a selection resolves to (lists kept, non-null dropped), ``None`` when
        its fields resolve to different types."""
        parent_type = self.subgraph.types.get(parent)
        resolved: list[TypeRef | None] = []
        for selection in selection_set.selections:
            if not isinstance(selection, FieldNode):
                resolved.append(None)
                continue
            if selection.directives or selection.alias:
                raise _SelectionError("directives and aliases are not allowed in the selection")
            definition = parent_type.fields.get(selection.name.value) if parent_type else None
            if definition is None:
                raise _SelectionError(
                    f'Cannot query field "{selection.name.value}" on type "{parent}".'
                )
            if selection.selection_set is not None:
                inner = self._resolve(selection.selection_set, definition.type.named)
                resolved.append(None if inner is None else _rewrap_lists(definition.type, inner))
            else:
                named = TypeRef("named", name=definition.type.named)
                resolved.append(_rewrap_lists(definition.type, named))
        first = resolved[0] if resolved else None
        return first if all(str(r) == str(first) for r in resolved) else None


class _SelectionError(Exception):
    """Internal: a ``@fromContext`` selection does not resolve against a context type."""


def _selected_in_context(subgraph: Subgraph, selection: str, location: str) -> list[SelectedField]:
    """The fields a ``@fromContext`` selection reads from a context type (those that resolve).

    Spec: Apollo ``collectUsedFieldsForFromContext``.
    """
    source = selection if selection.strip().startswith("{") else "{" + selection + "}"
    try:
        document = parse(source, no_location=True)
    except GraphQLError:
        return []
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode):
        return []
    selected: list[SelectedField] = []

    def walk(selection_set: SelectionSetNode, parent: str) -> None:
        parent_type = subgraph.types.get(parent)
        for node in selection_set.selections:
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else parent
                walk(node.selection_set, condition)
            elif isinstance(node, FieldNode) and parent_type is not None:
                definition = parent_type.fields.get(node.name.value)
                if definition is None:
                    continue
                selected.append(SelectedField(parent, definition))
                if node.selection_set is not None:
                    walk(node.selection_set, definition.type.named)

    walk(operation.selection_set, location)
    return selected


def _rewrap_lists(original: TypeRef, resolved: TypeRef) -> TypeRef:
    """``resolved`` wrapped in the lists of ``original`` (its non-nulls dropped).

    Spec: Apollo ``wrapResolvedType``.
    """
    if original.kind == "named":
        return resolved
    inner = _rewrap_lists(original.inner, resolved)
    return TypeRef("list", of_type=inner) if original.kind == "list" else inner


def _implements(field_type: TypeRef, expected: TypeRef) -> bool:
    """Spec: Apollo ``isValidImplementationFieldType``."""
    if field_type.kind == "non_null":
        inner = expected.inner if expected.kind == "non_null" else expected
        return _implements(field_type.inner, inner)
    if field_type.kind == "list" and expected.kind == "list":
        return _implements(field_type.inner, expected.inner)
    return (
        field_type.kind == "named"
        and expected.kind == "named"
        and (field_type.name == expected.name)
    )


def _applied(directives: Iterable[Applied], name: str) -> list[Applied]:
    return [d for d in directives if d.federation and d.name == name]


def _is_list(type_: TypeRef) -> bool:
    return type_.kind == "list" or (type_.kind == "non_null" and type_.inner.kind == "list")


def _duplicate_shareable(what: str) -> str:
    return (
        f"Invalid duplicate application of @shareable on {what}: @shareable is only repeatable "
        "on types so it can be used simultaneously on a type definition and its extensions, but "
        "it should not be duplicated on the same definition/extension declaration"
    )


def _types_list(names: list[str]) -> str:
    """Apollo's ``printHumanReadableList`` with the ``type``/``types`` prefix."""
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"type {quoted[0]}"
    return f"types {', '.join(quoted[:-1])} and {quoted[-1]}"


def _normalised_field_set(fields: object) -> str | None:
    """A field set printed canonically, to compare two keys; ``None`` when it does not parse."""
    if not isinstance(fields, str):
        return None
    try:
        return print_graphql(parse("{" + fields + "}", no_location=True))
    except GraphQLError:
        return None
