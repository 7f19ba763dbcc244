"""Merge validated subgraphs into one supergraph model, adding the join spec metadata.

Types merge by name; fields of objects and interfaces by union (output types take the most
general type), arguments and input fields by intersection (input types take the most
restrictive type), enum values by usage, union members by union. Each type gets one
``@join__type`` per subgraph (one per ``@key``); a field gets ``@join__field`` only where it
is not plainly in every subgraph defining its parent type.

Spec: Apollo Federation, "Composition rules"
(https://www.apollographql.com/docs/graphos/reference/federation/composition-rules) and the
join spec (https://specs.apollo.dev/join/v0.5).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import DirectiveDefinitionNode, StringValueNode, print_ast

from trellis_router.composition.composed_directives import (
    ComposedDirectives,
    plan_composed_directives,
)
from trellis_router.composition.errors import (
    CompositionError,
    CompositionHint,
    ErrorCode,
    HintCode,
)
from trellis_router.composition.model import (
    DirectiveApp,
    GraphValue,
    MergedDirective,
    MergedEnumValue,
    MergedField,
    MergedInputValue,
    MergedSupergraph,
    MergedType,
    gql_string,
)
from trellis_router.composition.subgraph import (
    Applied,
    Field,
    InputValue,
    Subgraph,
    SubgraphType,
    TypeKind,
    TypeRef,
)
from trellis_router.composition.validate import SubgraphMetadata

__all__ = ["graph_enum_names", "inaccessible_problems", "join_version_for", "merge_subgraphs"]

_IGNORED = r"(?:[\n\r\t ,]|#[^\n\r]*(?![^\n\r]))*"
#: ``@fromContext(field:)``: ``$`` and the context name, then the selection (Apollo's
#: ``parseContext``).
_CONTEXT_RE = re.compile(rf"^{_IGNORED}\${_IGNORED}([A-Za-z_]\w*(?!\w))([\s\S]*)$")

_KIND_NAMES: dict[TypeKind, str] = {
    "OBJECT": "Object Type",
    "INTERFACE": "Interface Type",
    "UNION": "Union Type",
    "ENUM": "Enum Type",
    "INPUT_OBJECT": "Input Object Type",
    "SCALAR": "Scalar Type",
}


def graph_enum_names(names: Sequence[str]) -> list[str]:
    """The ``join__Graph`` enum value for each subgraph name.

    Upper-cased, non-word characters replaced by ``_``, ``_`` before a leading digit and after
    a trailing ``_<digits>``; names that collide get ``_1``, ``_2``, ... in subgraph order.

    Args:
        names: Subgraph names, in subgraph order.

    Returns:
        The enum value names, in the same order.

    Spec: join spec, ``join__Graph``; Apollo composition's name sanitizing.
    """
    sanitized = []
    for name in names:
        value = re.sub(r"\W", "_", name, flags=re.ASCII)
        if re.match(r"^\d", value):
            value = "_" + value
        if re.search(r"_\d+$", value):
            value += "_"
        sanitized.append(value.upper())
    counts = Counter(sanitized)
    seen: Counter[str] = Counter()
    result = []
    for value in sanitized:
        if counts[value] > 1:
            seen[value] += 1
            result.append(f"{value}_{seen[value]}")
        else:
            result.append(value)
    return result


def join_version_for(federation_version: tuple[int, int]) -> tuple[int, int]:
    """The join spec version Apollo writes for the highest federation version linked.

    Args:
        federation_version: ``(major, minor)``, e.g. ``(2, 11)``.

    Returns:
        ``(0, 3)`` up to Federation 2.6, ``(0, 4)`` for 2.7, ``(0, 5)`` from 2.8.
    """
    if federation_version >= (2, 8):
        return (0, 5)
    if federation_version >= (2, 7):
        return (0, 4)
    return (0, 3)


def merge_subgraphs(
    subgraphs: Sequence[Subgraph], metadata: Sequence[SubgraphMetadata]
) -> tuple[MergedSupergraph, list[CompositionError], list[CompositionHint]]:
    """Merge subgraphs (already validated one by one) into a supergraph model.

    Args:
        subgraphs: The subgraphs, in ``join__Graph`` order.
        metadata: Each subgraph's metadata from validation, same order.

    Returns:
        The merged supergraph, the merge errors and the hints. The supergraph is meaningful
        only when there are no errors. ``@composeDirective`` errors stop the merge before it
        starts, as in Apollo.
    """
    composed, errors, hints = plan_composed_directives(subgraphs)
    merger = _Merger(subgraphs, metadata, composed)
    merger.check_import_names()
    merger.errors.extend(errors)
    merger.hints.extend(hints)
    return merger.run(), merger.errors, merger.hints


@dataclass(slots=True)
class _Overrides:
    """How ``@override`` splits the sources of one field (source indexes).

    Attributes:
        used: Overridden copies still used by the from-subgraph (keys, requires, provides,
            interfaces): kept with ``usedOverridden: true``.
        unused: Overridden copies nothing uses: dropped unless labelled.
        labels: Progressive override labels, on the overriding and the overridden copy.
    """

    used: set[int] = field(default_factory=set)
    unused: set[int] = field(default_factory=set)
    labels: dict[int, str] = field(default_factory=dict)


class _Merger:
    def __init__(
        self,
        subgraphs: Sequence[Subgraph],
        metadata: Sequence[SubgraphMetadata],
        composed: ComposedDirectives,
    ):
        self.subgraphs = subgraphs
        self.metadata = metadata
        self.composed = composed
        self.graphs = graph_enum_names([s.name for s in subgraphs])
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []
        self.supertypes: dict[str, set[str]] = {}
        self.input_usage: dict[str, str] = {}
        self.output_usage: dict[str, str] = {}
        self.features: set[str] = set()
        self.uses_context = False

    def error(self, code: ErrorCode, message: str) -> None:
        self.errors.append(CompositionError(code.value, message))

    def hint(self, code: HintCode, message: str) -> None:
        self.hints.append(CompositionHint(code.value, message))

    def names(self, indexes: Sequence[int]) -> str:
        quoted = [f'"{self.subgraphs[i].name}"' for i in indexes]
        if len(quoted) == 1:
            return f"subgraph {quoted[0]}"
        return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]

    def distribution(
        self,
        values: Sequence[tuple[int, str]],
        supergraph_value: str,
        first: Callable[[str, str | None], str],
        other: Callable[[str, str], str],
    ) -> list[str]:
        """Apollo's mismatch report: subgraphs grouped by value, the supergraph's value first.

        Args:
            values: ``(subgraph index, printed value)`` per subgraph to report.
            supergraph_value: The value the supergraph uses.
            first: Prints the supergraph's value and the subgraphs having it (if any).
            other: Prints another value and the subgraphs having it.

        Returns:
            The printed groups, the supergraph's first.

        Spec: Apollo composition ``MismatchReporter.reportMismatch``.
        """
        groups: dict[str, list[int]] = {}
        for idx, value in values:
            groups.setdefault(value, []).append(idx)
        having = groups.get(supergraph_value)
        parts = [first(supergraph_value, self.names(having) if having else None)]
        parts.extend(
            other(v, self.names(ixs)) for v, ixs in groups.items() if v != supergraph_value
        )
        return parts

    def mismatch_error(
        self,
        code: ErrorCode,
        message: str,
        values: Sequence[tuple[int, str]],
        supergraph_value: str,
    ) -> None:
        """Report ``message`` + ``<value> in <subgraphs> but <value> in <subgraphs> ...``."""
        parts = self.distribution(
            values, supergraph_value, lambda v, n: f"{v} in {n}", lambda v, n: f"{v} in {n}"
        )
        self.error(code, message + _join(parts, " and ", " but "))

    def mismatch_hint(
        self,
        code: HintCode,
        message: str,
        values: Sequence[tuple[int, str]],
        supergraph_value: str,
        first: Callable[[str, str | None], str],
        other: Callable[[str, str], str],
    ) -> None:
        """Report a hint as Apollo's ``reportMismatchHint`` words it (ends with a dot)."""
        parts = self.distribution(values, supergraph_value, first, other)
        self.hint(code, message + parts[0] + _join(parts[1:], " and ") + ".")

    def presence_hint(
        self, code: HintCode, message: str, what: str, having: Sequence[int], among: Sequence[int]
    ) -> None:
        """``<what> is defined in <subgraphs> but not in <subgraphs>.`` hints."""
        missing = [i for i in among if i not in having]
        self.hint(
            code,
            f"{message}{what} is defined in {self.names(having)} but not in {self.names(missing)}.",
        )

    # -- driver -------------------------------------------------------------------------

    def check_import_names(self) -> None:
        """A merged federation directive must have the same name in every subgraph using it.

        Spec: Apollo composition ``validateCoreDirectiveInfo`` (LINK_IMPORT_NAME_MISMATCH).
        """
        for spec_name in sorted(_MERGED_FEDERATION):
            used: list[tuple[int, str]] = []
            for idx, subgraph in enumerate(self.subgraphs):
                local = _applied_name(subgraph, spec_name)
                if local is not None:
                    used.append((idx, local))
            for position, (_, local) in enumerate(used[1:], start=1):
                if local == used[0][1]:
                    continue
                version = max(self.subgraphs[i].federation_version for i, _ in used)
                url = f"https://specs.apollo.dev/federation/v{version[0]}.{version[1]}"
                self.mismatch_error(
                    ErrorCode.LINK_IMPORT_NAME_MISMATCH,
                    f'The "@{spec_name}" directive (from {url}) is imported with mismatched name '
                    "between subgraphs: it is imported as ",
                    [(i, f'"@{name}"') for i, name in used],
                    f'"@{used[position][1]}"',
                )
                break

    def run(self) -> MergedSupergraph:
        if self.errors:
            return self._supergraph({}, {}, [])
        sources: dict[str, list[tuple[int, SubgraphType]]] = {}
        for idx, subgraph in enumerate(self.subgraphs):
            for type_ in subgraph.types.values():
                sources.setdefault(type_.name, []).append((idx, type_))
                self._record_usage(type_)
        types: dict[str, MergedType] = {}
        for name, type_sources in sources.items():
            kind = self._merged_kind(name, type_sources)
            if kind is None:
                continue
            merged = self._merge_type(name, kind, type_sources)
            if merged is not None:
                types[name] = merged
        self._add_interface_object_fields(types)
        directives = self._merge_directive_definitions()
        roots = {
            kind: name
            for kind, name in (
                ("query", "Query"),
                ("mutation", "Mutation"),
                ("subscription", "Subscription"),
            )
            if name in types
        }
        if not types.get("Query") or not types["Query"].fields:
            self.error(
                ErrorCode.NO_QUERIES,
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        if not self.errors:
            self._check_interface_keys(types)
            self._check_interface_fields(types)
            self._check_transitive_auth(types)
        if not self.errors:
            for code, message in inaccessible_problems(types, roots):
                self.error(code, message)
            self._check_directive_inaccessible(directives)
        return self._supergraph(types, roots, directives)

    def _supergraph(
        self,
        types: dict[str, MergedType],
        roots: dict[str, str],
        directives: list[MergedDirective],
    ) -> MergedSupergraph:
        version = max((s.federation_version for s in self.subgraphs), default=(2, 0))
        graphs = [
            GraphValue(e, s.name, s.url) for e, s in zip(self.graphs, self.subgraphs, strict=True)
        ]
        return MergedSupergraph(
            join_version_for(version),
            graphs,
            types,
            roots,
            features=self.features,
            uses_context=self.uses_context,
            directives=directives,
            links=[feature.link() for feature in self.composed.features],
        )

    # -- directive definitions -----------------------------------------------------------

    def _merge_directive_definitions(self) -> list[MergedDirective]:
        """The custom directive definitions the supergraph keeps.

        Composed directives (``@composeDirective``) are copied from the subgraph linking their
        feature's latest version; other directives with executable locations are merged
        across subgraphs (:meth:`_merge_executable`).

        Returns:
            The kept definitions.

        Spec: Apollo composition ``mergeDirectiveDefinition`` (``mergeCustomCoreDirective``,
        ``mergeExecutableDirectiveDefinition``).
        """
        result = []
        for name, (idx, node) in self.composed.definitions.items():
            arguments = self.subgraphs[idx].directive_arguments.get(node.name.value, {})
            args = self._merge_input_values(f"@{name}", [(idx, arguments)], argument=True)
            description = node.description.value if node.description else None
            locations = [location.value for location in node.locations]
            result.append(MergedDirective(name, args, node.repeatable, locations, description))
        names: list[str] = []
        for subgraph in self.subgraphs:
            for name, node in subgraph.directive_definitions.items():
                if (
                    name not in names
                    and name not in self.composed.definitions
                    and name not in subgraph.directive_names
                    and name not in _BUILT_IN_DIRECTIVES
                    and _executable_locations(node)
                ):
                    names.append(name)
        for name in names:
            merged = self._merge_executable(name)
            if merged is not None:
                result.append(merged)
        return result

    def _merge_executable(self, name: str) -> MergedDirective | None:
        """Merge an executable directive: kept only if every subgraph defines it, with the
        executable locations common to all, repeatable only if repeatable everywhere.

        Spec: Apollo composition ``mergeExecutableDirectiveDefinition``
        (hints INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE, NO_EXECUTABLE_DIRECTIVE_INTERSECTION,
        INCONSISTENT_EXECUTABLE_DIRECTIVE_REPEATABLE, INCONSISTENT_EXECUTABLE_DIRECTIVE_LOCATIONS).
        """
        what = f'Executable directive "@{name}"'
        nodes = [s.directive_definitions.get(name) for s in self.subgraphs]
        present = [(i, n) for i, n in enumerate(nodes) if n is not None]
        locations: list[str] | None = None
        for node in nodes:
            if node is None:
                self.presence_hint(
                    HintCode.INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE,
                    f"{what} will not be part of the supergraph as it does not appear in all "
                    "subgraphs: ",
                    "it",
                    [i for i, _ in present],
                    range(len(nodes)),
                )
                return None
            own = _executable_locations(node)
            locations = own if locations is None else [x for x in locations if x in own]
            if not locations:
                self.mismatch_hint(
                    HintCode.NO_EXECUTABLE_DIRECTIVE_INTERSECTION,
                    f"{what} has no location that is common to all subgraphs: ",
                    [(i, _location_string(_executable_locations(n))) for i, n in present],
                    "",
                    lambda _, __: (
                        "it will not appear in the supergraph as there no intersection between "
                    ),
                    lambda v, n: f"{v} in {n}",
                )
                return None
        assert locations is not None
        repeatable = all(n.repeatable for _, n in present)
        if not repeatable and any(n.repeatable for _, n in present):
            self.mismatch_hint(
                HintCode.INCONSISTENT_EXECUTABLE_DIRECTIVE_REPEATABLE,
                f"{what} will not be marked repeatable in the supergraph as it is inconsistently "
                "marked repeatable in subgraphs: ",
                [(i, "yes" if n.repeatable else "no") for i, n in present],
                "no",
                lambda _, n: f"it is not repeatable in {n}",
                lambda _, n: f" but is repeatable in {n}",
            )
        if any(_executable_locations(n) != locations for _, n in present):
            self.mismatch_hint(
                HintCode.INCONSISTENT_EXECUTABLE_DIRECTIVE_LOCATIONS,
                f"{what} has inconsistent locations across subgraphs ",
                [(i, _location_string(_executable_locations(n))) for i, n in present],
                _location_string(locations),
                lambda v, n: (
                    f"and will use {v} (intersection of all subgraphs) in the "
                    "supergraph, but has: " + (f"{v} in {n} and " if n else "")
                ),
                lambda v, n: f"{v} in {n}",
            )
        description = self._description(
            f"@{name}",
            [(i, n.description.value if n.description else None) for i, n in present],
        )
        args = self._merge_input_values(
            f"@{name}",
            [(i, self.subgraphs[i].directive_arguments.get(name, {})) for i, _ in present],
            argument=True,
        )
        return MergedDirective(name, args, repeatable, locations, description)

    def _check_directive_inaccessible(self, directives: list[MergedDirective]) -> None:
        """``@inaccessible`` on a kept directive's arguments.

        A composed directive (a core feature's) may not use it at all; an executable one not
        on a required argument.

        Spec: Apollo ``validateInaccessibleElements`` (DISALLOWED_INACCESSIBLE,
        REQUIRED_INACCESSIBLE).
        """
        for d in directives:
            hidden = [a for a in d.args if DirectiveApp("inaccessible") in a.directives]
            if hidden and d.name in self.composed.definitions:
                self.error(
                    ErrorCode.DISALLOWED_INACCESSIBLE,
                    f'Core feature directive "@{d.name}" cannot use @inaccessible.',
                )
                continue
            for a in hidden:
                if a.type.kind == "non_null" and a.default is None:
                    self.error(
                        ErrorCode.REQUIRED_INACCESSIBLE,
                        f'Argument "@{d.name}({a.name}:)" is @inaccessible but is a required '
                        "argument of its directive.",
                    )

    def _check_interface_keys(self, types: dict[str, MergedType]) -> None:
        """A subgraph with a resolvable ``@key`` on an interface must define every
        implementation the supergraph has.

        Spec: Apollo composition ``validateInterfaceKeys``
        (INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE).
        """
        for interface in types.values():
            if interface.kind != "INTERFACE":
                continue
            implementations = [
                t.name
                for t in types.values()
                if t.kind == "OBJECT" and interface.name in t.interfaces
            ]
            for subgraph in self.subgraphs:
                source = subgraph.types.get(interface.name)
                if source is None or source.kind != "INTERFACE":
                    continue
                key = next(
                    (
                        k
                        for k in source.applied("key")
                        if k.arguments.get("resolvable") is not False
                    ),
                    None,
                )
                if key is None:
                    continue
                missing = [
                    name
                    for name in implementations
                    if name not in subgraph.types
                    or interface.name not in subgraph.types[name].interfaces
                ]
                if not missing:
                    continue
                listed = _join([f'"{name}"' for name in missing])
                self.error(
                    ErrorCode.INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE,
                    f'[{subgraph.name}] Interface type "{interface.name}" has a resolvable key '
                    f'({print_ast(key.node)}) in subgraph "{subgraph.name}" but that subgraph is '
                    "missing some of the supergraph implementation types of "
                    f'"{interface.name}". Subgraph "{subgraph.name}" should define '
                    f"{'type' if len(missing) == 1 else 'types'} {listed} (and have "
                    f'{"it" if len(missing) == 1 else "them"} implement "{interface.name}").',
                )

    def _check_interface_fields(self, types: dict[str, MergedType]) -> None:
        """Every field of a merged interface must exist on each merged implementation.

        Spec: Apollo composition ``postMergeValidations`` (INTERFACE_FIELD_NO_IMPLEM).
        """
        for t in types.values():
            for interface_name in t.interfaces:
                interface = types.get(interface_name)
                if interface is None:
                    continue
                names = {f.name for f in t.fields}
                for itf_field in interface.fields:
                    if itf_field.name in names:
                        continue
                    declaring = [
                        i
                        for i, s in enumerate(self.subgraphs)
                        if (d := s.types.get(interface_name)) is not None
                        and d.kind == "INTERFACE"
                        and itf_field.name in d.fields
                    ]
                    implementing = [
                        i
                        for i, s in enumerate(self.subgraphs)
                        if (d := s.types.get(t.name)) is not None and interface_name in d.interfaces
                    ]
                    self.error(
                        ErrorCode.INTERFACE_FIELD_NO_IMPLEM,
                        f'Interface field "{interface_name}.{itf_field.name}" is declared in '
                        f'{self.names(declaring)} but type "{t.name}", which implements '
                        f'"{interface_name}" only in {self.names(implementing)} does not have '
                        f'field "{itf_field.name}".',
                    )

    def _check_transitive_auth(self, types: dict[str, MergedType]) -> None:
        """A field whose ``@requires`` reads protected data carries the same requirements.

        Requirements compared: the ``@authenticated``/``@requiresScopes``/``@policy``
        applications on a selected field and on its return type must all be on the requiring
        field or its parent type.

        Spec: Apollo composition ``AuthValidator.validateRequiresFieldSet``
        (MISSING_TRANSITIVE_AUTH_REQUIREMENTS).
        """
        if not self.features & {"authenticated", "requiresScopes", "policy"}:
            return
        for subgraph in self.subgraphs:
            for t in subgraph.types.values():
                for f in t.fields.values():
                    requires = f.first("requires")
                    if requires is None:
                        continue
                    have = _auth(types.get(t.name), f.name)
                    for parent, name in _selected_fields(
                        types, t.name, str(requires.arguments.get("fields", ""))
                    ):
                        if _auth(types.get(parent), name) <= have:
                            continue
                        self.error(
                            ErrorCode.MISSING_TRANSITIVE_AUTH_REQUIREMENTS,
                            f'[{subgraph.name}] Field "{t.name}.{f.name}" does not specify '
                            "necessary @authenticated, @requiresScopes and/or @policy auth "
                            f'requirements to access the transitive field "{parent}.{name}" '
                            "data from @requires selection set.",
                        )
                        break

    def _provided_by_interface_object(self, interface: str, name: str) -> bool:
        """Whether some subgraph resolves ``interface.name`` through an ``@interfaceObject``."""
        for subgraph in self.subgraphs:
            t = subgraph.types.get(interface)
            if t is None or t.kind != "OBJECT" or not t.applied("interfaceObject"):
                continue
            f = t.fields.get(name)
            if f is not None and not f.has("external"):
                return True
        return False

    def _add_interface_object_fields(self, types: dict[str, MergedType]) -> None:
        """Copy the fields interface objects add to an interface onto its implementations.

        The copy keeps the interface field's type, description, arguments and non-join
        directives, and gets a bare ``@join__field`` (no subgraph resolves it on the
        implementation itself).

        Spec: Apollo composition ``addMissingInterfaceObjectFieldsToImplementations``.
        """
        for t in types.values():
            if t.kind != "OBJECT":
                continue
            for interface_name in t.interfaces:
                interface = types.get(interface_name)
                if interface is None:
                    continue
                for itf_field in interface.fields:
                    if any(f.name == itf_field.name for f in t.fields):
                        continue
                    if not self._provided_by_interface_object(interface_name, itf_field.name):
                        continue
                    t.fields.append(
                        MergedField(
                            itf_field.name,
                            itf_field.type,
                            [_copy_input_value(a) for a in itf_field.args],
                            itf_field.description,
                            [
                                *(d for d in itf_field.directives if not _is_join(d)),
                                DirectiveApp("join__field"),
                            ],
                        )
                    )

    def _record_usage(self, type_: SubgraphType) -> None:
        for f in type_.fields.values():
            self.output_usage.setdefault(f.type.named, f"{type_.name}.{f.name}")
            for a in f.args.values():
                self.input_usage.setdefault(a.type.named, f"{type_.name}.{f.name}({a.name}:)")
        for i in type_.input_fields.values():
            self.input_usage.setdefault(i.type.named, f"{type_.name}.{i.name}")
        for interface in type_.interfaces:
            self.supertypes.setdefault(type_.name, set()).add(interface)
        for member in type_.members:
            self.supertypes.setdefault(member, set()).add(type_.name)

    def _merged_kind(self, name: str, sources: list[tuple[int, SubgraphType]]) -> TypeKind | None:
        def effective(t: SubgraphType) -> TypeKind:
            return "INTERFACE" if t.kind == "OBJECT" and t.applied("interfaceObject") else t.kind

        first_idx, first = sources[0]
        kind = effective(first)
        for idx, t in sources[1:]:
            if effective(t) != kind:
                self.error(
                    ErrorCode.TYPE_KIND_MISMATCH,
                    f'Type "{name}" has mismatched kind: it is defined as '
                    f'{_KIND_NAMES[first.kind]} in subgraph "{self.subgraphs[first_idx].name}" '
                    f'but {_KIND_NAMES[t.kind]} in subgraph "{self.subgraphs[idx].name}"',
                )
                return None
        return kind

    def _merge_type(
        self, name: str, kind: TypeKind, sources: list[tuple[int, SubgraphType]]
    ) -> MergedType | None:
        merged = MergedType(
            name,
            kind,
            description=self._description(name, [(i, t.description) for i, t in sources]),
        )
        if kind in ("OBJECT", "INTERFACE"):
            merged.directives.extend(self._join_implements(sources, merged))
        merged.directives.extend(self._join_types(sources))
        if kind in ("OBJECT", "INTERFACE"):
            merged.fields = self._merge_fields(name, sources)
        elif kind == "UNION":
            merged.directives.extend(self._merge_members(sources, merged))
        elif kind == "ENUM":
            merged.values = self._merge_enum(name, sources)
        elif kind == "INPUT_OBJECT":
            merged.input_fields = self._merge_input_fields(name, sources)
        merged.directives.extend(
            self._kept_directives(name, [(i, [d for d, _ in t.directives]) for i, t in sources])
        )
        merged.directives.extend(self._contexts(sources))
        return merged

    def _contexts(self, sources: list[tuple[int, SubgraphType]]) -> list[DirectiveApp]:
        """``@context(name: "<subgraph>__<name>")`` for each ``@context`` of each subgraph.

        Spec: context spec v0.1; Apollo's ``@context`` composition prefixes the subgraph name.
        """
        result: list[DirectiveApp] = []
        for idx, t in sources:
            for context in t.applied("context"):
                name = f"{self.subgraphs[idx].name}__{context.arguments.get('name')}"
                app = DirectiveApp("context", (("name", gql_string(name)),))
                if app not in result:
                    result.append(app)
        if result:
            self.uses_context = True
        return result

    # -- type level -----------------------------------------------------------------------

    def _join_types(self, sources: list[tuple[int, SubgraphType]]) -> list[DirectiveApp]:
        result = []
        for idx, t in sources:
            graph = ("graph", self.graphs[idx])
            interface_object = t.kind == "OBJECT" and bool(t.applied("interfaceObject"))
            extends = bool(t.applied("extends"))
            keys = [(d, ext) for d, ext in t.directives if d.federation and d.name == "key"]
            if not keys:
                args: list[tuple[str, str]] = [graph]
                if interface_object:
                    args.append(("isInterfaceObject", "true"))
                result.append(DirectiveApp("join__type", tuple(args)))
            for key, on_extension in keys:
                args = [graph, ("key", gql_string(str(key.arguments.get("fields", ""))))]
                if on_extension or extends:
                    args.append(("extension", "true"))
                if key.arguments.get("resolvable") is False:
                    args.append(("resolvable", "false"))
                if interface_object:
                    args.append(("isInterfaceObject", "true"))
                result.append(DirectiveApp("join__type", tuple(args)))
        return result

    def _join_implements(
        self, sources: list[tuple[int, SubgraphType]], merged: MergedType
    ) -> list[DirectiveApp]:
        result = []
        for idx, t in sources:
            for interface in t.interfaces:
                if interface not in merged.interfaces:
                    merged.interfaces.append(interface)
                result.append(
                    DirectiveApp(
                        "join__implements",
                        (("graph", self.graphs[idx]), ("interface", gql_string(interface))),
                    )
                )
        return result

    def _merge_members(
        self, sources: list[tuple[int, SubgraphType]], merged: MergedType
    ) -> list[DirectiveApp]:
        """Members by union; ``@join__unionMember`` member by member, then subgraph by subgraph.

        Spec: Apollo composition ``mergeUnion`` / ``addJoinUnionMember``.
        """
        for _, t in sources:
            for member in t.members:
                if member not in merged.members:
                    merged.members.append(member)
        for member in merged.members:
            having = [i for i, t in sources if member in t.members]
            if len(having) < len(sources):
                self.presence_hint(
                    HintCode.INCONSISTENT_UNION_MEMBER,
                    f'Union type "{merged.name}" includes member type "{member}" in some but not '
                    "all defining subgraphs: ",
                    f'"{member}"',
                    having,
                    [i for i, _ in sources],
                )
        return [
            DirectiveApp(
                "join__unionMember",
                (("graph", self.graphs[idx]), ("member", gql_string(member))),
            )
            for member in merged.members
            for idx, t in sources
            if member in t.members
        ]

    def _description(self, coordinate: str, values: list[tuple[int, str | None]]) -> str | None:
        present = [v for _, v in values if v]
        if not present:
            return None
        counts = Counter(present)
        best = max(counts.values())
        chosen = next(v for v in present if counts[v] == best)
        if len(counts) > 1:

            def text(description: str) -> str:
                body = description.replace("\n", "\n  ", 1)
                return f'  """\n  {body}\n  """'

            parts = self.distribution(
                [(i, v) for i, v in values if v],
                chosen,
                lambda v, n: f"The supergraph will use description (from {n}):\n{text(v)}",
                lambda v, n: f"\nIn {n}, the description is:\n{text(v)}",
            )
            self.hint(
                HintCode.INCONSISTENT_DESCRIPTION,
                f'Element "{coordinate}" has inconsistent descriptions across subgraphs. '
                + parts[0]
                + _join(parts[1:], " and "),
            )
        return chosen

    def _kept_directives(
        self, coordinate: str, per_source: Sequence[tuple[int, Sequence[Applied]]]
    ) -> list[DirectiveApp]:
        """The directive applications the supergraph keeps on one element, merged.

        ``@tag`` (repeatable: union), ``@inaccessible``, ``@authenticated``,
        ``@requiresScopes``/``@policy`` (DNF conjunction), ``@cost`` (max), ``@listSize``
        (per-argument strategies), ``@deprecated``/``@specifiedBy`` (most frequent), and
        directives composed with ``@composeDirective`` where a subgraph defining the element
        composes them (repeatable: union; else the most frequent).

        Args:
            coordinate: The element's coordinate, for hints.
            per_source: Each subgraph's applications on the element.

        Returns:
            The applications to print, in first-seen order.

        Spec: Apollo composition ``mergeAppliedDirective``; federation
        ``ARGUMENT_COMPOSITION_STRATEGIES``.
        """
        composed = {
            d.name
            for idx, directives in per_source
            for d in directives
            if not d.federation and self.composed.composes(idx, d.name)
        }
        grouped: dict[str, list[tuple[int, Applied]]] = {}
        for idx, directives in per_source:
            for d in directives:
                if _kept_name(d) is not None or (not d.federation and d.name in composed):
                    grouped.setdefault(d.name, []).append((idx, d))
        result: list[DirectiveApp] = []
        for name, applications in grouped.items():
            if name in _FEATURES:
                self.features.add(_FEATURES[name])
            if name in composed:
                result.extend(self._merge_composed(coordinate, name, applications))
            elif name == "tag":
                for _, d in applications:
                    app = DirectiveApp("tag", (("name", _py_value(d.arguments.get("name"))),))
                    if app not in result:
                        result.append(app)
            elif name in ("inaccessible", "authenticated"):
                result.append(DirectiveApp(name))
            else:
                result.append(self._merge_non_repeatable(coordinate, name, applications))
        return result

    def _merge_composed(
        self, coordinate: str, name: str, applications: list[tuple[int, Applied]]
    ) -> list[DirectiveApp]:
        """Merge the applications of a composed directive on one element.

        Repeatable: every distinct application (arguments compared with defaults filled in),
        first-seen order; non-repeatable: the most frequent one (hint when they differ).

        Spec: Apollo composition ``mergeAppliedDirective``.
        """
        source = self.composed.definitions.get(name)
        repeatable = source is not None and source[1].repeatable
        defaults: dict[str, str] = {}
        if source is not None:
            arguments = self.subgraphs[source[0]].directive_arguments.get(source[1].name.value)
            for argument in (arguments or {}).values():
                if argument.default is not None:
                    defaults[argument.name] = print_ast(argument.default)

        def key(d: Applied) -> tuple[tuple[str, str], ...]:
            return tuple(sorted({**defaults, **dict(_written(d))}.items()))

        if not repeatable:
            return [self._merge_non_repeatable(coordinate, name, applications, key)]
        result: list[DirectiveApp] = []
        seen: set[tuple[tuple[str, str], ...]] = set()
        for _, d in applications:
            if key(d) not in seen:
                seen.add(key(d))
                result.append(DirectiveApp(name, _written(d)))
        return result

    def _merge_non_repeatable(
        self,
        coordinate: str,
        name: str,
        applications: list[tuple[int, Applied]],
        key: Callable[[Applied], object] | None = None,
    ) -> DirectiveApp:
        same = key or _written
        distinct: list[Applied] = []
        counts: list[int] = []
        for _, d in applications:
            for position, known in enumerate(distinct):
                if same(known) == same(d):
                    counts[position] += 1
                    break
            else:
                distinct.append(d)
                counts.append(1)
        if len(distinct) == 1:
            return DirectiveApp(name, _written(distinct[0]))
        strategies = _STRATEGIES.get(name)
        if strategies is None:
            chosen = distinct[counts.index(max(counts))]

            def describe(d: Applied) -> str:
                args = _written(d)
                if not args:
                    return "no arguments"
                return "arguments {" + ", ".join(f"{k}: {v}" for k, v in args) + "}"

            self.mismatch_hint(
                HintCode.INCONSISTENT_NON_REPEATABLE_DIRECTIVE_ARGUMENTS,
                f'Non-repeatable directive @{name} is applied to "{coordinate}" in multiple '
                "subgraphs but with incompatible arguments. ",
                [(i, describe(d)) for i, d in applications],
                describe(chosen),
                lambda v, n: f"The supergraph will use {v} (from {n}), but found ",
                lambda v, n: f"{v} in {n}",
            )
            return DirectiveApp(name, _written(chosen))
        arguments: list[tuple[str, str]] = []
        for argument, (strategy, default) in strategies.items():
            values = [d.arguments.get(argument, default) for d in distinct]
            merged = _merge_argument(strategy, values)
            if merged is not None:
                arguments.append((argument, _py_value(merged)))
        used = ", ".join(f'"{a}": {strategy}' for a, (strategy, _) in strategies.items())
        self.hint(
            HintCode.MERGED_NON_REPEATABLE_DIRECTIVE_ARGUMENTS,
            f'Directive @{name} is applied to "{coordinate}" in multiple subgraphs with different '
            f"arguments. Merging strategies used by arguments: {{ {used} }}",
        )
        return DirectiveApp(name, tuple(arguments))

    # -- fields ---------------------------------------------------------------------------

    def _merge_fields(
        self, parent: str, sources: list[tuple[int, SubgraphType]]
    ) -> list[MergedField]:
        by_name: dict[str, list[tuple[int, Field]]] = {}
        for idx, t in sources:
            for f in t.fields.values():
                by_name.setdefault(f.name, []).append((idx, f))
        parent_count = len(sources)
        value_type = self._value_type(parent, sources)
        merged = []
        for name, field_sources in by_name.items():
            if value_type is not None and len(field_sources) < parent_count:
                self._value_type_field_hint(parent, name, value_type, sources, field_sources)
            result = self._merge_field(
                parent,
                name,
                field_sources,
                parent_count,
                sharing=sources[0][1].kind == "OBJECT",
            )
            if result is not None:
                merged.append(result)
        return merged

    def _value_type(self, parent: str, sources: list[tuple[int, SubgraphType]]) -> str | None:
        """``"non-entity object"``/``"interface"`` for value types (fields hinted), else ``None``.

        Also hints ``INCONSISTENT_ENTITY`` for an object with a key in some subgraphs only.

        Spec: Apollo composition ``hintOnInconsistentEntity``,
        ``hintOnInconsistentValueTypeField``.
        """
        keyed = [i for i, t in sources if t.applied("key")]
        kind = sources[0][1].kind
        if kind == "OBJECT" and any(t.applied("interfaceObject") for _, t in sources):
            return None
        if keyed and len(keyed) < len(sources) and kind == "OBJECT":
            unkeyed = [i for i, _ in sources if i not in keyed]
            self.hint(
                HintCode.INCONSISTENT_ENTITY,
                f'Type "{parent}" is declared as an entity (has a @key applied) in some but not '
                f"all defining subgraphs: it has no @key in {self.names(unkeyed)} but has some "
                f"@key in {self.names(keyed)}.",
            )
        if keyed or parent in ("Query", "Mutation", "Subscription"):
            return None
        return "non-entity object" if kind == "OBJECT" else "interface"

    def _value_type_field_hint(
        self,
        parent: str,
        name: str,
        description: str,
        sources: list[tuple[int, SubgraphType]],
        field_sources: list[tuple[int, Field]],
    ) -> None:
        having = [i for i, _ in field_sources]
        for idx, t in sources:
            if idx in having or t.applied("interfaceObject"):
                continue
            if t.fields and all(f.has("external") for f in t.fields.values()):
                continue
            if description == "interface" and self._provided_by_interface_object(parent, name):
                continue
            self.presence_hint(
                HintCode.INCONSISTENT_INTERFACE_VALUE_TYPE_FIELD
                if description == "interface"
                else HintCode.INCONSISTENT_OBJECT_VALUE_TYPE_FIELD,
                f'Field "{parent}.{name}" of {description} type "{parent}" is defined in some but '
                f'not all subgraphs that define "{parent}": ',
                f'"{parent}.{name}"',
                having,
                [i for i, _ in sources],
            )
            return

    def _merge_field(
        self,
        parent: str,
        name: str,
        sources: list[tuple[int, Field]],
        parent_count: int,
        *,
        sharing: bool,
    ) -> MergedField | None:
        coordinate = f"{parent}.{name}"
        overrides = self._overrides(coordinate, sources)
        base = [(i, f) for i, f in sources if not f.has("external")]
        if not base:
            self.error(
                ErrorCode.EXTERNAL_MISSING_ON_BASE,
                f'Field "{coordinate}" is marked @external on all the subgraphs in which '
                f"it is listed ({self.names([i for i, _ in sources])}).",
            )
            return None
        if sharing:  # interface fields are not resolved by anyone
            self._check_sharing(parent, name, sources, overrides.used | overrides.unused)
        merged_type = self._merge_output_type(coordinate, base)
        if merged_type is None:
            return None
        all_equal = len({str(f.type) for _, f in sources}) == 1
        contextual = self._contextual_arguments(coordinate, sources)
        needs_join = (
            not all_equal
            or bool(contextual)
            or len(sources) != parent_count
            or bool(overrides.used or overrides.unused or overrides.labels)
            or any(f.has("external") or f.has("requires") or f.has("provides") for _, f in sources)
        )
        directives = self._join_fields(sources, overrides, all_equal) if (needs_join) else []
        directives = _inaccessible_first(
            directives,
            self._kept_directives(
                coordinate, [(i, f.directives) for i, f in sources if not f.has("external")]
            ),
        )
        args = [a for a in self._merge_args(coordinate, base) if a.name not in contextual]
        externals = [(i, f) for i, f in sources if f.has("external")]
        if externals:
            base_equal = len({str(f.type) for _, f in base}) == 1
            self._check_externals(coordinate, sources, externals, merged_type, args, base_equal)
        description = self._description(coordinate, [(i, f.description) for i, f in sources])
        return MergedField(name, merged_type, args, description, directives)

    def _check_externals(
        self,
        coordinate: str,
        sources: list[tuple[int, Field]],
        externals: list[tuple[int, Field]],
        merged_type: TypeRef,
        args: list[MergedInputValue],
        base_equal: bool,
    ) -> None:
        """An ``@external`` copy must match the field it stands for; no merged directive on it.

        Spec: Apollo composition ``validateExternalFields`` (EXTERNAL_TYPE_MISMATCH,
        EXTERNAL_ARGUMENT_MISSING, EXTERNAL_ARGUMENT_TYPE_MISMATCH,
        EXTERNAL_ARGUMENT_DEFAULT_MISMATCH) and ``validateAndFilterExternal``
        (MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL).
        """
        for idx, f in externals:
            for d in f.directives:
                if _kept_name(d) is not None or (
                    not d.federation and self.composed.composes(idx, d.name)
                ):
                    self.error(
                        ErrorCode.MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL,
                        f"[{self.subgraphs[idx].name}] Cannot apply merged directive "
                        f'{print_ast(d.node)} to external field "{coordinate}"',
                    )
        if any(
            f.type != merged_type
            and (base_equal or self._general(merged_type, f.type) != merged_type)
            for _, f in externals
        ):
            self.mismatch_error(
                ErrorCode.EXTERNAL_TYPE_MISMATCH,
                f'Type of field "{coordinate}" is incompatible across subgraphs (where marked '
                "@external): it has ",
                [(i, f'type "{f.type}"') for i, f in sources],
                f'type "{merged_type}"',
            )
        for arg in args:
            where = f"{coordinate}({arg.name}:)"
            having = [(i, f.args[arg.name]) for i, f in sources if arg.name in f.args]
            copies = [f.args.get(arg.name) for _, f in externals]
            if any(c is None for c in copies):
                declared = [i for i, _ in having]
                missing = [i for i in range(len(self.subgraphs)) if i not in declared]
                self.error(
                    ErrorCode.EXTERNAL_ARGUMENT_MISSING,
                    f'Field "{coordinate}" is missing argument "{where}" in some subgraphs where '
                    f'it is marked @external: argument "{where}" is declared in '
                    f"{self.names(declared)} but not in {self.names(missing)} (where "
                    f'"{coordinate}" is @external).',
                )
            present = [c for c in copies if c is not None]
            if any(
                c.type != arg.type and self._restrictive(arg.type, c.type) != c.type
                for c in present
            ):
                self.mismatch_error(
                    ErrorCode.EXTERNAL_ARGUMENT_TYPE_MISMATCH,
                    f'Type of argument "{where}" is incompatible across subgraphs (where '
                    f'"{coordinate}" is marked @external): it has ',
                    [(i, f'type "{a.type}"') for i, a in having],
                    f'type "{arg.type}"',
                )
            if any(_print_default(c) != arg.default for c in present):

                def default(value: str | None) -> str:
                    return "no default value" if value is None else f"default value {value}"

                self.mismatch_error(
                    ErrorCode.EXTERNAL_ARGUMENT_DEFAULT_MISMATCH,
                    f'Argument "{where}" has incompatible defaults across subgraphs (where '
                    f'"{coordinate}" is marked @external): it has ',
                    [(i, default(_print_default(a))) for i, a in having],
                    default(arg.default),
                )

    def _overrides(self, coordinate: str, sources: list[tuple[int, Field]]) -> _Overrides:
        """Classify the sources of a field by ``@override``.

        Spec: Apollo composition ``validateOverride``: a from-subgraph copy still used by
        ``@key``/``@requires``/``@provides`` or an interface is "used overridden", otherwise
        "unused overridden"; a valid label goes on both copies (progressive override).
        """
        result = _Overrides()
        present = {self.subgraphs[i].name: i for i, _ in sources}
        known = {s.name for s in self.subgraphs}
        for idx, f in sources:
            override = f.first("override")
            if override is None:
                continue
            source_name = override.arguments.get("from")
            here = self.subgraphs[idx].name
            if source_name not in known:
                self.hint(
                    HintCode.FROM_SUBGRAPH_DOES_NOT_EXIST,
                    f'Source subgraph "{source_name}" for field "{coordinate}" on subgraph '
                    f'"{here}" does not exist.',
                )
                continue
            source_idx = present.get(source_name) if isinstance(source_name, str) else None
            if source_idx is None:
                self.hint(
                    HintCode.OVERRIDE_DIRECTIVE_CAN_BE_REMOVED,
                    f'Field "{coordinate}" on subgraph "{here}" no longer exists in the from '
                    "subgraph. The @override directive can be removed.",
                )
                continue
            source_field = dict(sources)[source_idx]
            if source_field.has("override"):
                self.error(
                    ErrorCode.OVERRIDE_SOURCE_HAS_OVERRIDE,
                    f'Field "{coordinate}" on subgraph "{here}" is also marked with directive '
                    f'@override in subgraph "{source_name}". Only one @override directive is '
                    "allowed per field.",
                )
                continue
            parent = coordinate.split(".", 1)[0]
            if source_field.has("external"):
                self.hint(
                    HintCode.OVERRIDE_DIRECTIVE_CAN_BE_REMOVED,
                    f'Field "{coordinate}" on subgraph "{here}" is not resolved anymore by the '
                    f'from subgraph (it is marked "@external" in "{source_name}"). The @override '
                    "directive can be removed.",
                )
            elif (parent, f.name) in self.metadata[source_idx].used:
                result.used.add(source_idx)
            else:
                result.unused.add(source_idx)
            label = override.arguments.get("label")
            if isinstance(label, str):
                result.labels[idx] = label
                result.labels[source_idx] = label
            if not source_field.has("external"):
                self._override_hint(coordinate, source_name, source_idx in result.used, label)
        return result

    def _override_hint(
        self, coordinate: str, source_name: str, used: bool, label: object | None
    ) -> None:
        """``OVERRIDDEN_FIELD_CAN_BE_REMOVED`` or, with a label, ``OVERRIDE_MIGRATION_IN_PROGRESS``.

        Spec: Apollo composition ``validateOverride``.
        """
        still_used = (
            "It is still used in some federation directive(s) (@key, @requires, and/or "
            "@provides) and/or to satisfy interface constraint(s)"
        )
        if isinstance(label, str):
            message = (
                f'Field "{coordinate}" on subgraph "{source_name}" is currently being migrated '
                f"via progressive @override. {still_used}. Once the migration is complete, "
                "consider marking it @external explicitly or removing it along with its "
                "references."
                if used
                else f'Field "{coordinate}" is currently being migrated with progressive '
                f"@override. Once the migration is complete, remove the field from subgraph "
                f'"{source_name}".'
            )
            self.hint(HintCode.OVERRIDE_MIGRATION_IN_PROGRESS, message)
            return
        message = (
            f'Field "{coordinate}" on subgraph "{source_name}" is overridden. {still_used}, '
            "but consider marking it @external explicitly or removing it along with its "
            "references."
            if used
            else f'Field "{coordinate}" on subgraph "{source_name}" is overridden. Consider '
            "removing it."
        )
        self.hint(HintCode.OVERRIDDEN_FIELD_CAN_BE_REMOVED, message)

    def _check_sharing(
        self,
        parent: str,
        name: str,
        sources: list[tuple[int, Field]],
        overridden: set[int],
    ) -> None:
        resolving: list[int] = []
        non_shareable: list[int] = []
        for idx, f in sources:
            if idx in overridden:
                continue
            meta = self.metadata[idx]
            provided = (parent, name) in meta.provided
            if f.has("external") and not provided:
                continue
            resolving.append(idx)
            shareable = (
                f.has("shareable")
                or f.block_shareable
                or provided
                or (parent, name) in meta.key_fields
                or self.subgraphs[idx].is_fed1
            )
            if not shareable:
                non_shareable.append(idx)
        if len(resolving) > 1 and non_shareable:
            where = (
                "in all of them"
                if len(non_shareable) == len(resolving)
                else (f"in {self.names(non_shareable)}")
            )
            self.error(
                ErrorCode.INVALID_FIELD_SHARING,
                f'Non-shareable field "{parent}.{name}" is resolved from multiple '
                f"subgraphs: it is resolved from {self.names(resolving)} and defined as "
                f"non-shareable {where}",
            )

    def _join_fields(
        self, sources: list[tuple[int, Field]], overrides: _Overrides, all_equal: bool
    ) -> list[DirectiveApp]:
        """One ``@join__field`` per source, unused overridden copies left out unless labelled.

        Spec: Apollo composition ``addJoinField``; join spec v0.5 ``@join__field``.
        """
        result = []
        for idx, f in sources:
            label = overrides.labels.get(idx)
            if idx in overrides.unused and label is None:
                continue
            args: list[tuple[str, str]] = [("graph", self.graphs[idx])]
            requires = f.first("requires")
            if requires is not None:
                args.append(("requires", gql_string(str(requires.arguments.get("fields")))))
            provides = f.first("provides")
            if provides is not None:
                args.append(("provides", gql_string(str(provides.arguments.get("fields")))))
            override = f.first("override")
            if override is not None:
                args.append(("override", gql_string(str(override.arguments.get("from")))))
            if not all_equal:
                args.append(("type", gql_string(str(f.type))))
            if f.has("external"):
                args.append(("external", "true"))
            if idx in overrides.used:
                args.append(("usedOverridden", "true"))
            if label is not None:
                args.append(("overrideLabel", gql_string(label)))
            context_arguments = self._context_arguments(idx, f)
            if context_arguments:
                args.append(("contextArguments", "[" + ", ".join(context_arguments) + "]"))
            result.append(DirectiveApp("join__field", tuple(args)))
        return result

    def _context_arguments(self, idx: int, f: Field) -> list[str]:
        """The printed ``join__ContextArgument`` values of a field's ``@fromContext`` arguments.

        Spec: join spec v0.5 ``contextArguments``; the context is ``<subgraph>__<name>`` and
        the selection the text after ``$<name>`` in ``@fromContext(field:)``.
        """
        result = []
        for a in f.args.values():
            directive = _from_context(a)
            if directive is None:
                continue
            match = _CONTEXT_RE.match(str(directive.arguments.get("field", "")))
            if match is None:
                continue
            context = f"{self.subgraphs[idx].name}__{match.group(1)}"
            result.append(
                f"{{context: {gql_string(context)}, name: {gql_string(a.name)}, "
                f"type: {gql_string(str(a.type))}, selection: {gql_string(match.group(2))}}}"
            )
        return result

    # -- types of fields and arguments ----------------------------------------------------

    def _merge_output_type(
        self, coordinate: str, sources: list[tuple[int, Field]]
    ) -> TypeRef | None:
        merged = sources[0][1].type
        for idx, f in sources[1:]:
            general = self._general(merged, f.type)
            if general is None:
                first_idx, first = sources[0]
                self.error(
                    ErrorCode.FIELD_TYPE_MISMATCH,
                    f'Type of field "{coordinate}" is incompatible across subgraphs: it '
                    f'has type "{first.type}" in subgraph '
                    f'"{self.subgraphs[first_idx].name}" but type "{f.type}" in subgraph '
                    f'"{self.subgraphs[idx].name}"',
                )
                return None
            merged = general
        if len({str(f.type) for _, f in sources}) > 1:
            self._compatible_type_hint(
                HintCode.INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE,
                f'Type of field "{coordinate}" is inconsistent but compatible across subgraphs: ',
                coordinate,
                [(i, str(f.type)) for i, f in sources],
                merged,
                "subtype",
            )
        return merged

    def _compatible_type_hint(
        self,
        code: HintCode,
        message: str,
        coordinate: str,
        types: list[tuple[int, str]],
        merged: TypeRef,
        relation: str,
    ) -> None:
        """``INCONSISTENT_BUT_COMPATIBLE_*_TYPE``: the type used and where others differ.

        Spec: Apollo composition ``mergeTypeReference``.
        """

        def first(value: str, names: str | None) -> str:
            source = f" (from {names})" if names else ""
            return f'will use type "{value}"{source} in supergraph but '

        self.mismatch_hint(
            code,
            message,
            types,
            str(merged),
            first,
            lambda v, n: f'"{coordinate}" has {relation} "{v}" in {n}',
        )

    def _general(self, a: TypeRef, b: TypeRef) -> TypeRef | None:
        """The most general of two output types, or ``None`` when incompatible."""
        if a == b:
            return a
        if a.kind == "non_null" and b.kind == "non_null":
            inner = self._general(a.inner, b.inner)
            return TypeRef("non_null", of_type=inner) if inner else None
        if a.kind == "non_null":
            return self._general(a.inner, b)
        if b.kind == "non_null":
            return self._general(a, b.inner)
        if a.kind == "list" and b.kind == "list":
            inner = self._general(a.inner, b.inner)
            return TypeRef("list", of_type=inner) if inner else None
        if a.kind == "named" and b.kind == "named":
            if b.name in self.supertypes.get(a.name, ()):
                return b
            if a.name in self.supertypes.get(b.name, ()):
                return a
        return None

    @staticmethod
    def _restrictive(a: TypeRef, b: TypeRef) -> TypeRef | None:
        """The most restrictive of two input types, or ``None`` when incompatible."""
        if a == b:
            return a
        if a.kind == "non_null" or b.kind == "non_null":
            inner = _Merger._restrictive(
                a.inner if a.kind == "non_null" else a, b.inner if b.kind == "non_null" else b
            )
            return TypeRef("non_null", of_type=inner) if inner else None
        if a.kind == "list" and b.kind == "list":
            inner = _Merger._restrictive(a.inner, b.inner)
            return TypeRef("list", of_type=inner) if inner else None
        return None

    def _merge_args(
        self, coordinate: str, sources: list[tuple[int, Field]]
    ) -> list[MergedInputValue]:
        contextual = {
            name for _, f in sources for name, a in f.args.items() if _from_context(a) is not None
        }
        return self._merge_input_values(
            coordinate,
            [(i, {n: a for n, a in f.args.items() if n not in contextual}) for i, f in sources],
            argument=True,
        )

    def _contextual_arguments(self, coordinate: str, sources: list[tuple[int, Field]]) -> set[str]:
        """Names of the arguments some subgraph sets with ``@fromContext`` (left out of the
        supergraph); a required non-contextual copy of one is an error.

        Spec: Apollo composition ``addArgumentsShallow``
        (CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS).
        """
        contextual = {
            name for _, f in sources for name, a in f.args.items() if _from_context(a) is not None
        }
        for name in contextual:
            self.uses_context = True
            for _, f in sources:
                a = f.args.get(name)
                if a is None or _from_context(a) is not None:
                    continue
                if a.type.kind == "non_null" and a.default is None:
                    self.error(
                        ErrorCode.CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS,
                        f'Argument "{coordinate}({name}:)" is contextual in at least one '
                        f'subgraph but in "{coordinate}({name}:)" it does not have '
                        "@fromContext, is not nullable and has no default value.",
                    )
                else:
                    self.hint(
                        HintCode.CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS,
                        f'Contextual argument "{coordinate}({name}:)" will not be included in '
                        "the supergraph since it is contextual in at least one subgraph",
                    )
        return contextual

    def _merge_input_values(
        self,
        coordinate: str,
        sources: list[tuple[int, dict[str, InputValue]]],
        *,
        argument: bool,
    ) -> list[MergedInputValue]:
        by_name: dict[str, list[tuple[int, InputValue]]] = {}
        for idx, values in sources:
            for value in values.values():
                by_name.setdefault(value.name, []).append((idx, value))
        result = []
        for name, value_sources in by_name.items():
            where = f"{coordinate}({name}:)" if argument else f"{coordinate}.{name}"
            if len(value_sources) < len(sources):
                self._missing_input_value(where, sources, value_sources, argument)
                continue
            merged = self._merge_input_value(where, name, value_sources, argument)
            if merged is not None:
                result.append(merged)
        return result

    def _missing_input_value(
        self,
        where: str,
        sources: list[tuple[int, dict[str, InputValue]]],
        present: list[tuple[int, InputValue]],
        argument: bool,
    ) -> None:
        having = [i for i, _ in present]
        missing = [i for i, _ in sources if i not in having]
        required = [i for i, v in present if v.type.kind == "non_null" and v.default is None]
        what = "Argument" if argument else "Input object field"
        if required:
            code = (
                ErrorCode.REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH
                if argument
                else (ErrorCode.REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH)
            )
            self.error(
                code,
                f'{what} "{where}" is required in some subgraphs but does not '
                f"appear in all subgraphs: it is required in {self.names(required)} but "
                f"does not appear in {self.names(missing)}",
            )
            return
        if argument:
            self.hint(
                HintCode.INCONSISTENT_ARGUMENT_PRESENCE,
                f'Optional argument "{where}" will not be included in the supergraph as it '
                f"does not appear in all subgraphs: it is defined in {self.names(having)} but "
                f"not in {self.names(missing)}.",
            )
            return
        parent, name = where.rsplit(".", 1)
        self.hint(
            HintCode.INCONSISTENT_INPUT_OBJECT_FIELD,
            f'Input object field "{name}" will not be added to "{parent}" in the supergraph as '
            f"it does not appear in all subgraphs: it is defined in {self.names(having)} but "
            f"not in {self.names(missing)}.",
        )

    def _merge_input_value(
        self,
        where: str,
        name: str,
        sources: list[tuple[int, InputValue]],
        argument: bool,
    ) -> MergedInputValue | None:
        merged_type: TypeRef | None = sources[0][1].type
        for idx, v in sources[1:]:
            assert merged_type is not None
            merged_type = self._restrictive(merged_type, v.type)
            if merged_type is None:
                code = (
                    ErrorCode.FIELD_ARGUMENT_TYPE_MISMATCH
                    if argument
                    else (ErrorCode.FIELD_TYPE_MISMATCH)
                )
                self.error(
                    code,
                    f'Type of {"argument" if argument else "field"} "{where}" is '
                    f'incompatible across subgraphs: it has type "{sources[0][1].type}" '
                    f'in subgraph "{self.subgraphs[sources[0][0]].name}" but type '
                    f'"{v.type}" in subgraph "{self.subgraphs[idx].name}"',
                )
                return None
        assert merged_type is not None
        if len({str(v.type) for _, v in sources}) > 1:
            self._compatible_type_hint(
                HintCode.INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE
                if argument
                else HintCode.INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE,
                f'Type of {"argument" if argument else "field"} "{where}" is inconsistent but '
                "compatible across subgraphs: ",
                where,
                [(i, str(v.type)) for i, v in sources],
                merged_type,
                "supertype",
            )
        ok, default = self._merge_default(where, sources, "Argument" if argument else "Input field")
        if not ok:
            return None
        description = self._description(where, [(i, v.description) for i, v in sources])
        directives = self._kept_directives(where, [(i, v.directives) for i, v in sources])
        if not argument and len({str(v.type) for _, v in sources}) > 1:
            joins = [
                DirectiveApp(
                    "join__field",
                    (("graph", self.graphs[i]), ("type", gql_string(str(v.type)))),
                )
                for i, v in sources
            ]
            directives = _inaccessible_first(joins, directives)
        return MergedInputValue(name, merged_type, default, description, directives)

    def _merge_default(
        self, where: str, sources: list[tuple[int, InputValue]], kind: str
    ) -> tuple[bool, str | None]:
        """Merge default values: all equal, or missing in some (hint, no default), or an error.

        Returns:
            ``(ok, printed default or None)``.

        Spec: Apollo composition ``mergeDefaultValue`` (FIELD_ARGUMENT_DEFAULT_MISMATCH,
        INPUT_FIELD_DEFAULT_MISMATCH, hint INCONSISTENT_DEFAULT_VALUE_PRESENCE).
        """
        printed = [(i, _print_default(v)) for i, v in sources]
        defined = [d for _, d in printed if d is not None]
        if not defined:
            return True, None
        if len(set(defined)) > 1:
            code = (
                ErrorCode.FIELD_ARGUMENT_DEFAULT_MISMATCH
                if kind == "Argument"
                else ErrorCode.INPUT_FIELD_DEFAULT_MISMATCH
            )
            self.mismatch_error(
                code,
                f'{kind} "{where}" has incompatible default values across subgraphs: it has ',
                [
                    (i, "no default value" if d is None else f"default value {d}")
                    for i, d in printed
                ],
                f"default value {defined[0]}",
            )
            return False, None
        if len(defined) == len(printed):
            return True, defined[0]
        self.mismatch_hint(
            HintCode.INCONSISTENT_DEFAULT_VALUE_PRESENCE,
            f'{kind} "{where}" has a default value in only some subgraphs: ',
            [(i, d or "") for i, d in printed],
            "",
            lambda _, n: (
                f"will not use a default in the supergraph (there is no default in {n}) but "
            ),
            lambda v, n: f'"{where}" has default value {v} in {n}',
        )
        return True, None

    def _merge_input_fields(
        self, name: str, sources: list[tuple[int, SubgraphType]]
    ) -> list[MergedInputValue]:
        fields = self._merge_input_values(
            name, [(i, t.input_fields) for i, t in sources], argument=False
        )
        common = [
            f for f in sources[0][1].input_fields if all(f in t.input_fields for _, t in sources)
        ]
        if not common:
            self.error(
                ErrorCode.EMPTY_MERGED_INPUT_TYPE,
                f'None of the fields of input object type "{name}" are consistently '
                "defined in all the subgraphs defining that type. As only fields common "
                "to all subgraphs are merged, this would result in an empty type.",
            )
        return fields

    # -- enums ----------------------------------------------------------------------------

    def _merge_enum(
        self, name: str, sources: list[tuple[int, SubgraphType]]
    ) -> list[MergedEnumValue]:
        by_value: dict[str, list[int]] = {}
        for idx, t in sources:
            for value in t.values:
                by_value.setdefault(value, []).append(idx)
        as_input = self.input_usage.get(name)
        as_output = self.output_usage.get(name)
        all_idx = [i for i, _ in sources]
        if not as_input and not as_output:
            self.hint(
                HintCode.UNUSED_ENUM_TYPE,
                f'Enum type "{name}" is defined but unused. It will be included in the supergraph '
                'with all the values appearing in any subgraph ("as if" it was only used as an '
                "output type).",
            )
        kept = []
        for value, having in by_value.items():
            if len(having) == len(sources):
                kept.append(value)
                continue
            missing = [i for i in all_idx if i not in having]
            if as_input and as_output:
                self.error(
                    ErrorCode.ENUM_VALUE_MISMATCH,
                    f'Enum type "{name}" is used as both input type (for example, as type '
                    f'of "{as_input}") and output type (for example, as type of '
                    f'"{as_output}"), but value "{value}" is not defined in all the '
                    f'subgraphs defining "{name}": "{value}" is defined in '
                    f"{self.names(having)} but not in {self.names(missing)}",
                )
            elif as_input:
                self.hint(
                    HintCode.INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM,
                    f'Value "{value}" of enum type "{name}" will not be part of the '
                    "supergraph as it is not defined in all the subgraphs defining "
                    f'"{name}": "{value}" is defined in {self.names(having)} but not in '
                    f"{self.names(missing)}.",
                )
            else:
                kept.append(value)
                self.hint(
                    HintCode.INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM,
                    f'Value "{value}" of enum type "{name}" has been added to the '
                    "supergraph but is only defined in a subset of the subgraphs defining "
                    f'"{name}": "{value}" is defined in {self.names(having)} but not in '
                    f"{self.names(missing)}.",
                )
        if not kept:
            self.error(
                ErrorCode.EMPTY_MERGED_ENUM_TYPE,
                f'None of the values of enum type "{name}" are defined consistently in '
                "all the subgraphs defining that type. As only values common to all "
                "subgraphs are merged, this would result in an empty type.",
            )
        result = []
        for value in kept:
            having = by_value[value]
            definitions = [(i, t.values[value]) for i, t in sources if value in t.values]
            directives = [
                DirectiveApp("join__enumValue", (("graph", self.graphs[i]),)) for i in having
            ]
            directives = _inaccessible_first(
                directives,
                self._kept_directives(
                    f"{name}.{value}", [(i, v.directives) for i, v in definitions]
                ),
            )
            description = self._description(
                f"{name}.{value}", [(i, v.description) for i, v in definitions]
            )
            result.append(MergedEnumValue(value, description, directives))
        return result


#: Spec features a kept directive brings into the supergraph (``@link``ed by :mod:`.print`).
_FEATURES = {
    "tag": "tag",
    "inaccessible": "inaccessible",
    "authenticated": "authenticated",
    "requiresScopes": "requiresScopes",
    "policy": "policy",
    "cost": "cost",
    "listSize": "cost",
}
#: Federation directives merged into the supergraph (Apollo's merged federation directives).
_MERGED_FEDERATION = frozenset(_FEATURES)
#: Merge strategy and default of each argument of the non-repeatable merged directives.
_STRATEGIES: dict[str, dict[str, tuple[str, object]]] = {
    "requiresScopes": {"scopes": ("DNF_CONJUNCTION", None)},
    "policy": {"policies": ("DNF_CONJUNCTION", None)},
    "cost": {"weight": ("MAX", None)},
    "listSize": {
        "assumedSize": ("NULLABLE_MAX", None),
        "slicingArguments": ("NULLABLE_UNION", None),
        "sizedFields": ("NULLABLE_UNION", None),
        "requireOneSlicingArgument": ("NULLABLE_AND", True),
    },
}


#: GraphQL's own directives: never merged as custom directives.
_BUILT_IN_DIRECTIVES = frozenset(
    {"deprecated", "specifiedBy", "include", "skip", "oneOf", "defer", "stream", "link"}
)
_EXECUTABLE_LOCATIONS = frozenset(
    {
        "QUERY",
        "MUTATION",
        "SUBSCRIPTION",
        "FIELD",
        "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION",
    }
)


def _executable_locations(node: DirectiveDefinitionNode) -> list[str]:
    """The executable locations of a directive definition, sorted by name."""
    return sorted(
        location.value for location in node.locations if location.value in _EXECUTABLE_LOCATIONS
    )


def _location_string(locations: list[str]) -> str:
    """``location "QUERY"`` or ``locations "FIELD, QUERY"`` (Apollo's ``locationString``)."""
    if len(locations) == 1:
        return f'location "{locations[0]}"'
    return f'locations "{", ".join(locations)}"'


def _applied_name(subgraph: Subgraph, spec_name: str) -> str | None:
    """The name under which ``subgraph`` applies federation directive ``spec_name``, if it
    applies it anywhere."""
    applications: list[Applied] = list(subgraph.schema_directives)
    for t in subgraph.types.values():
        applications.extend(d for d, _ in t.directives)
        for f in t.fields.values():
            applications.extend(f.directives)
            for a in f.args.values():
                applications.extend(a.directives)
        for v in t.input_fields.values():
            applications.extend(v.directives)
        for e in t.values.values():
            applications.extend(e.directives)
    for d in applications:
        if d.federation and d.name == spec_name:
            return d.node.name.value
    return None


def _kept_name(d: Applied) -> str | None:
    """The name of a directive the supergraph keeps, or ``None`` for one it drops."""
    if d.federation:
        return d.name if d.name in _MERGED_FEDERATION else None
    return d.name if d.name in ("deprecated", "specifiedBy") else None


def _written(d: Applied) -> tuple[tuple[str, str], ...]:
    """A directive's arguments as written: ``(name, printed value)`` pairs."""
    return tuple((a.name.value, print_ast(a.value)) for a in d.node.arguments or ())


def _py_value(value: object) -> str:
    """Print a plain Python value (from ``value_from_ast_untyped``) as a GraphQL value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return gql_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_py_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_py_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _merge_argument(strategy: str, values: list[Any]) -> Any:
    """Merge the values of one directive argument across distinct applications.

    Spec: federation ``ARGUMENT_COMPOSITION_STRATEGIES`` (MAX, NULLABLE_MAX, NULLABLE_UNION,
    NULLABLE_AND, DNF_CONJUNCTION).
    """
    if strategy == "MAX":
        return max(values)
    if strategy == "DNF_CONJUNCTION":
        return _dnf_conjunction(values)
    present = [v for v in values if v is not None]
    if not present:
        return None
    if strategy == "NULLABLE_MAX":
        return max(present)
    if strategy == "NULLABLE_AND":
        return all(present)
    union: list[Any] = []
    for value in present:
        union.extend(v for v in value if v not in union)
    return union


def _dnf_conjunction(values: list[list[list[str]]]) -> list[list[str]]:
    """AND of requirement lists in disjunctive normal form (outer OR, inner AND).

    Each input is normalised (inner lists sorted, outer sorted by JSON text, duplicates
    dropped); the result is the cross product of the disjunctions, each conjunction sorted
    and deduplicated, conjunctions subsumed by a shorter one dropped.

    Spec: federation ``dnfConjunction`` (``@requiresScopes``, ``@policy``).
    """

    def key(item: object) -> str:
        return json.dumps(item, separators=(",", ":"), ensure_ascii=False)

    normalised: list[list[list[str]]] = []
    for value in values:
        disjunction = sorted((sorted(inner) for inner in (value or [[]])), key=key)
        if key(disjunction) not in {key(n) for n in normalised}:
            normalised.append(disjunction)
    if not normalised:
        return []
    result = normalised[0]
    for current in normalised[1:]:
        accumulated: list[list[str]] = []
        for left in result:
            for right in current:
                candidate = sorted([*left, *(e for e in right if e not in left)])
                if candidate not in accumulated:
                    accumulated.append(candidate)
        accumulated.sort(key=len)
        result = []
        for candidate in accumulated:
            if not any(set(r) <= set(candidate) for r in result):
                result.append(candidate)
    return result


_AUTH_NAMES = frozenset({"authenticated", "requiresScopes", "policy"})
_TOKEN_RE = re.compile(r"\.\.\.|[A-Za-z_]\w*|[{}()]|\"(?:[^\"\\]|\\.)*\"|[^\s,A-Za-z_{}()]+")


def _auth(t: MergedType | None, field_name: str) -> set[DirectiveApp]:
    """The auth applications guarding a merged field: on the field, its parent type."""
    if t is None:
        return set()
    found = {d for d in t.directives if d.name in _AUTH_NAMES}
    for f in t.fields:
        if f.name == field_name:
            found.update(d for d in f.directives if d.name in _AUTH_NAMES)
    return found


def _selected_fields(
    types: dict[str, MergedType], parent: str, selection: str
) -> list[tuple[str, str]]:
    """``(type, field)`` of every field a field set selects, nested ones included.

    Arguments and directives are skipped; ``... on T`` switches the parent type.
    """
    tokens = _TOKEN_RE.findall(selection)
    result: list[tuple[str, str]] = []
    stack = [parent]
    last_type: str | None = None
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token == "(":
            depth = 1
            while position < len(tokens) and depth:
                depth += {"(": 1, ")": -1}.get(tokens[position], 0)
                position += 1
        elif token == "...":
            if position + 1 < len(tokens) and tokens[position] == "on":
                last_type = tokens[position + 1]
                position += 2
        elif token == "{":
            stack.append(last_type or stack[-1])
        elif token == "}":
            if len(stack) > 1:
                stack.pop()
        elif token[0].isalpha() or token[0] == "_":
            owner = types.get(stack[-1])
            result.append((stack[-1], token))
            merged = next((f for f in owner.fields if f.name == token), None) if owner else None
            last_type = merged.type.named if merged else None
    return result


def inaccessible_problems(
    types: dict[str, MergedType], roots: dict[str, str]
) -> list[tuple[ErrorCode, str]]:
    """Check the merged supergraph's ``@inaccessible`` applications against the API schema.

    Args:
        types: The merged types by name.
        roots: Root kind -> type name.

    Returns:
        ``(code, message)`` per problem, in Apollo's words.

    Spec: inaccessible spec v0.2, "Validation" (QUERY_ROOT_TYPE_INACCESSIBLE,
    REFERENCED_INACCESSIBLE, ONLY_INACCESSIBLE_CHILDREN, IMPLEMENTED_BY_INACCESSIBLE,
    REQUIRED_INACCESSIBLE, DEFAULT_VALUE_USES_INACCESSIBLE).
    """

    def hidden(directives: list[DirectiveApp]) -> bool:
        return any(d.name == "inaccessible" for d in directives)

    hidden_types = {name for name, t in types.items() if hidden(t.directives)}
    problems: list[tuple[ErrorCode, str]] = []

    def referenced(type_ref: TypeRef, by: str) -> None:
        if type_ref.named in hidden_types:
            problems.append(
                (
                    ErrorCode.REFERENCED_INACCESSIBLE,
                    f'Type "{type_ref.named}" is @inaccessible but is referenced by "{by}", '
                    "which is in the API schema.",
                )
            )

    def check_value(value: MergedInputValue, where: str, argument: bool) -> None:
        if hidden(value.directives):
            if value.type.kind == "non_null" and value.default is None:
                problems.append(
                    (
                        ErrorCode.REQUIRED_INACCESSIBLE,
                        f'Argument "{where}" is @inaccessible but is a required argument of its '
                        "field."
                        if argument
                        else f'Input field "{where}" is @inaccessible but is a required input '
                        "field of its type.",
                    )
                )
            return
        referenced(value.type, where)
        enum = types.get(value.type.named)
        if value.default is None or enum is None or enum.kind != "ENUM":
            return
        used = set(re.findall(r"[A-Za-z_]\w*", value.default))
        for enum_value in enum.values:
            if enum_value.name in used and hidden(enum_value.directives):
                problems.append(
                    (
                        ErrorCode.DEFAULT_VALUE_USES_INACCESSIBLE,
                        f'Enum value "{enum.name}.{enum_value.name}" is @inaccessible but is used '
                        f'in the default value of "{where}", which is in the API schema.',
                    )
                )

    query = roots.get("query")
    if query in hidden_types:
        problems.append(
            (
                ErrorCode.QUERY_ROOT_TYPE_INACCESSIBLE,
                f'Type "{query}" is @inaccessible but is the root query type, which must be in '
                "the API schema.",
            )
        )
    for t in types.values():
        if t.name in hidden_types:
            continue
        children = {
            "OBJECT": ("fields", [f.directives for f in t.fields]),
            "INTERFACE": ("fields", [f.directives for f in t.fields]),
            "INPUT_OBJECT": ("input fields", [f.directives for f in t.input_fields]),
            "ENUM": ("values", [v.directives for v in t.values]),
            "UNION": ("members", [types[m].directives for m in t.members if m in types]),
        }.get(t.kind)
        if children and children[1] and all(hidden(d) for d in children[1]):
            problems.append(
                (
                    ErrorCode.ONLY_INACCESSIBLE_CHILDREN,
                    f'Type "{t.name}" is in the API schema but all of its {children[0]} are '
                    "@inaccessible.",
                )
            )
        for f in t.fields:
            coordinate = f"{t.name}.{f.name}"
            if hidden(f.directives):
                for interface in t.interfaces:
                    itf = types.get(interface)
                    if itf is None or interface in hidden_types:
                        continue
                    itf_field = next((x for x in itf.fields if x.name == f.name), None)
                    if itf_field is not None and not hidden(itf_field.directives):
                        problems.append(
                            (
                                ErrorCode.IMPLEMENTED_BY_INACCESSIBLE,
                                f'Field "{coordinate}" is @inaccessible but implements the '
                                f'interface field "{interface}.{f.name}", which is in the API '
                                "schema.",
                            )
                        )
                continue
            referenced(f.type, coordinate)
            for a in f.args:
                check_value(a, f"{coordinate}({a.name}:)", True)
        for i in t.input_fields:
            check_value(i, f"{t.name}.{i.name}", False)
    return problems


def _join(parts: Sequence[str], sep: str = ", ", first_sep: str | None = None) -> str:
    """JavaScript ``joinStrings``: ``a<first_sep>b<sep>c and d`` (last separator `` and ``)."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[0] + (first_sep or " and ") + parts[1]
    return parts[0] + (first_sep or sep) + sep.join(parts[1:-1]) + " and " + parts[-1]


def _from_context(value: InputValue) -> Applied | None:
    return next((d for d in value.directives if d.federation and d.name == "fromContext"), None)


def _is_join(directive: DirectiveApp) -> bool:
    return directive.name.startswith("join__")


def _copy_input_value(value: MergedInputValue) -> MergedInputValue:
    return MergedInputValue(
        value.name,
        value.type,
        value.default,
        value.description,
        [d for d in value.directives if not _is_join(d)],
    )


def _inaccessible_first(join: list[DirectiveApp], kept: list[DirectiveApp]) -> list[DirectiveApp]:
    """A field's or enum value's directives: ``@inaccessible``, the join ones, then the rest.

    Spec: Apollo composition ``recordAppliedDirectivesToMerge`` merges ``@inaccessible``
    before the join directives are added, every other directive after.
    """
    inaccessible = [d for d in kept if d.name == "inaccessible"]
    return [*inaccessible, *join, *(d for d in kept if d.name != "inaccessible")]


def _print_default(value: InputValue) -> str | None:
    node = value.default
    if node is None:
        return None
    if isinstance(node, StringValueNode) and node.block:
        return gql_string(node.value)
    return print_ast(node)
