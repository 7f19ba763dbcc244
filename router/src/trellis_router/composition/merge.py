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

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql import StringValueNode, print_ast

from trellis_router.composition.errors import (
    CompositionError,
    CompositionHint,
    ErrorCode,
    HintCode,
)
from trellis_router.composition.model import (
    DirectiveApp,
    GraphValue,
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

__all__ = ["graph_enum_names", "join_version_for", "merge_subgraphs"]

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
        only when there are no errors.
    """
    merger = _Merger(subgraphs, metadata)
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
    def __init__(self, subgraphs: Sequence[Subgraph], metadata: Sequence[SubgraphMetadata]):
        self.subgraphs = subgraphs
        self.metadata = metadata
        self.graphs = graph_enum_names([s.name for s in subgraphs])
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []
        self.supertypes: dict[str, set[str]] = {}
        self.input_usage: dict[str, str] = {}
        self.output_usage: dict[str, str] = {}
        self.uses_tag = False
        self.uses_inaccessible = False
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

    # -- driver -------------------------------------------------------------------------

    def run(self) -> MergedSupergraph:
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
        version = max((s.federation_version for s in self.subgraphs), default=(2, 0))
        graphs = [
            GraphValue(e, s.name, s.url) for e, s in zip(self.graphs, self.subgraphs, strict=True)
        ]
        return MergedSupergraph(
            join_version_for(version),
            graphs,
            types,
            roots,
            self.uses_tag,
            self.uses_inaccessible,
            self.uses_context,
        )

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
            self._kept_directives([d for _, t in sources for d, _ in t.directives])
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
            self.hint(
                HintCode.INCONSISTENT_DESCRIPTION,
                f'Element "{coordinate}" has inconsistent descriptions across subgraphs.',
            )
        return chosen

    def _kept_directives(self, applied: list[Applied]) -> list[DirectiveApp]:
        """``@tag`` (union), ``@inaccessible``, ``@deprecated``, ``@specifiedBy``."""
        result: list[DirectiveApp] = []
        seen: set[DirectiveApp] = set()
        for d in applied:
            app: DirectiveApp | None = None
            if d.federation and d.name == "tag":
                self.uses_tag = True
                app = DirectiveApp("tag", (("name", gql_string(str(d.arguments.get("name")))),))
            elif d.federation and d.name == "inaccessible":
                self.uses_inaccessible = True
                app = DirectiveApp("inaccessible")
            elif not d.federation and d.name in ("deprecated", "specifiedBy"):
                if any(r.name == d.name for r in result):
                    continue
                app = DirectiveApp(
                    d.name,
                    tuple((a.name.value, print_ast(a.value)) for a in d.node.arguments or ()),
                )
            if app is not None and app not in seen:
                seen.add(app)
                result.append(app)
        return result

    # -- fields ---------------------------------------------------------------------------

    def _merge_fields(
        self, parent: str, sources: list[tuple[int, SubgraphType]]
    ) -> list[MergedField]:
        by_name: dict[str, list[tuple[int, Field]]] = {}
        for idx, t in sources:
            for f in t.fields.values():
                by_name.setdefault(f.name, []).append((idx, f))
        parent_count = len(sources)
        merged = []
        for name, field_sources in by_name.items():
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
            directives, self._kept_directives([d for _, f in sources for d in f.directives])
        )
        args = [a for a in self._merge_args(coordinate, base) if a.name not in contextual]
        description = self._description(coordinate, [(i, f.description) for i, f in sources])
        return MergedField(name, merged_type, args, description, directives)

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
        return result

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
            self.hint(
                HintCode.INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE,
                f'Type of field "{coordinate}" is inconsistent but compatible across '
                f'subgraphs: it will have type "{merged}" in the supergraph.',
            )
        return merged

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
        code_hint = (
            HintCode.INCONSISTENT_ARGUMENT_PRESENCE
            if argument
            else (HintCode.INCONSISTENT_INPUT_OBJECT_FIELD)
        )
        self.hint(
            code_hint,
            f'Optional {what.lower()} "{where}" will not be included in the '
            f"supergraph as it does not appear in all subgraphs: it is defined in "
            f"{self.names(having)} but not in {self.names(missing)}.",
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
        defaults = {_print_default(v) for _, v in sources}
        if len(defaults) > 1:
            code = (
                ErrorCode.FIELD_ARGUMENT_DEFAULT_MISMATCH
                if argument
                else (ErrorCode.INPUT_FIELD_DEFAULT_MISMATCH)
            )
            self.error(
                code,
                f'{"Argument" if argument else "Input field"} "{where}" has '
                "incompatible default values across subgraphs: "
                + ", ".join(
                    f"{_print_default(v) or 'no default value'} in subgraph "
                    f'"{self.subgraphs[i].name}"'
                    for i, v in sources
                ),
            )
            return None
        description = self._description(where, [(i, v.description) for i, v in sources])
        directives = self._kept_directives([d for _, v in sources for d in v.directives])
        return MergedInputValue(name, merged_type, defaults.pop(), description, directives)

    def _merge_input_fields(
        self, name: str, sources: list[tuple[int, SubgraphType]]
    ) -> list[MergedInputValue]:
        fields = self._merge_input_values(
            name, [(i, t.input_fields) for i, t in sources], argument=False
        )
        if not fields:
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
                    f"{self.names(missing)}",
                )
            else:
                kept.append(value)
                self.hint(
                    HintCode.INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM,
                    f'Value "{value}" of enum type "{name}" has been added to the '
                    "supergraph but is only defined in a subset of the subgraphs defining "
                    f'"{name}": "{value}" is defined in {self.names(having)} but not in '
                    f"{self.names(missing)}",
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
                directives, self._kept_directives([d for _, v in definitions for d in v.directives])
            )
            description = self._description(
                f"{name}.{value}", [(i, v.description) for i, v in definitions]
            )
            result.append(MergedEnumValue(value, description, directives))
        return result


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
