"""``@composeDirective``: which custom directives the supergraph keeps, and from which feature.

A subgraph may ask composition to keep a custom type-system directive with
``@composeDirective(name: "@x")``. The directive must come from a feature the subgraph
``@link``s (imported, namespaced ``feature__x`` or named after the feature), that feature may
not be one of Apollo's own specs, and every subgraph composing it must agree on the feature, on
the directive it names and on its name. The feature's major version must agree among the
subgraphs composing it; the supergraph links the highest minor version and takes the directive
definition from a subgraph linking that version.

Spec: Apollo Federation 2.1 ``@composeDirective``
(https://www.apollographql.com/docs/graphos/reference/federation/directives#composedirective);
Apollo composition ``ComposeDirectiveManager``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql import DirectiveDefinitionNode
from graphql.pyutils import suggestion_list

from trellis_router.composition.errors import (
    CompositionError,
    CompositionHint,
    ErrorCode,
    HintCode,
)
from trellis_router.composition.subgraph import LinkedFeature, Subgraph

__all__ = ["ComposedDirectives", "ComposedFeature", "plan_composed_directives"]

#: Features whose directives composition handles itself (or never keeps).
_APOLLO_IDENTITIES = frozenset(
    f"https://specs.apollo.dev/{name}"
    for name in (
        "core",
        "join",
        "link",
        "tag",
        "inaccessible",
        "federation",
        "authenticated",
        "requiresScopes",
        "source",
        "context",
        "cost",
    )
)
#: Federation directives composition keeps anyway: composing them is only a hint.
_COMPOSED_BY_DEFAULT = frozenset(
    {"tag", "inaccessible", "authenticated", "requiresScopes", "policy", "context"}
)
_BUILT_IN = frozenset({"deprecated", "specifiedBy", "include", "skip", "oneOf"})


@dataclass(frozen=True, slots=True)
class ComposedFeature:
    """A feature the supergraph ``@link``s because some of its directives are composed.

    Attributes:
        url: The feature URL at the version kept, e.g. ``"https://example.com/custom/v1.2"``.
        imports: ``(name in the feature, name in the supergraph)`` per composed directive,
            without ``@``, in first-composed order.
    """

    url: str
    imports: tuple[tuple[str, str], ...]

    def link(self) -> str:
        """The ``@link`` application for the supergraph's ``schema``.

        Returns:
            e.g. ``@link(url: "https://example.com/custom/v1.0", import: ["@custom"])``.
        """
        items = [
            f'"@{local}"' if local == original else f'{{name: "@{original}", as: "@{local}"}}'
            for original, local in self.imports
        ]
        return f'@link(url: "{self.url}", import: [{", ".join(items)}])'


@dataclass(slots=True)
class ComposedDirectives:
    """What ``@composeDirective`` asks of the merge.

    Attributes:
        by_subgraph: Subgraph index -> names (without ``@``) of the directives it composes;
            their applications are kept on the elements it defines.
        definitions: Supergraph directive name -> ``(subgraph index, definition)`` to copy
            into the supergraph.
        features: The features to ``@link`` in the supergraph, in first-linked order.
    """

    by_subgraph: dict[int, set[str]] = field(default_factory=dict)
    definitions: dict[str, tuple[int, DirectiveDefinitionNode]] = field(default_factory=dict)
    features: list[ComposedFeature] = field(default_factory=list)

    def composes(self, subgraph: int, name: str) -> bool:
        """Whether subgraph ``subgraph`` composes directive ``name`` (its name, no ``@``)."""
        return name in self.by_subgraph.get(subgraph, ())


@dataclass(frozen=True, slots=True)
class _Item:
    """One valid ``@composeDirective`` of one subgraph."""

    subgraph: int
    feature: LinkedFeature
    name_in_feature: str
    name: str


def plan_composed_directives(
    subgraphs: Sequence[Subgraph],
) -> tuple[ComposedDirectives, list[CompositionError], list[CompositionHint]]:
    """Check every ``@composeDirective`` and decide what the supergraph keeps.

    Args:
        subgraphs: The subgraphs, in ``join__Graph`` order.

    Returns:
        The plan (meaningful only without errors), the errors (DIRECTIVE_COMPOSITION_ERROR)
        and hints (DIRECTIVE_COMPOSITION_INFO, DIRECTIVE_COMPOSITION_WARN).

    Spec: Apollo composition ``ComposeDirectiveManager.validate`` and
    ``getLatestIfCompatible``.
    """
    planner = _Planner(subgraphs)
    items = [item for idx in range(len(subgraphs)) for item in planner.items_of(idx)]
    planner.check_consistency(items)
    latest = planner.latest_versions(items)
    plan = ComposedDirectives()
    for item in items:
        plan.by_subgraph.setdefault(item.subgraph, set())
        if item.feature.identity in latest:
            plan.by_subgraph[item.subgraph].add(item.name)
    for identity, (version, sources) in latest.items():
        imports: list[tuple[str, str]] = []
        for item in items:
            pair = (item.name_in_feature, item.name)
            if item.feature.identity == identity and pair not in imports:
                imports.append(pair)
        url = f"{identity}/v{version[0]}.{version[1]}"
        plan.features.append(ComposedFeature(url, tuple(imports)))
        for original, name in imports:
            definition = planner.latest_definition(identity, original, sources)
            if definition is None:
                planner.error(
                    f'Core feature "{url}" in {_subgraph_names([subgraphs[i] for i in sources])} '
                    f"{'does' if len(sources) == 1 else 'do'} not have a directive definition "
                    f'for "@{name}"'
                )
            else:
                plan.definitions[name] = definition
    return plan, planner.errors, planner.hints


class _Planner:
    def __init__(self, subgraphs: Sequence[Subgraph]) -> None:
        self.subgraphs = subgraphs
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []

    def error(self, message: str) -> None:
        self.errors.append(CompositionError(ErrorCode.DIRECTIVE_COMPOSITION_ERROR.value, message))

    def hint(self, code: HintCode, message: str) -> None:
        self.hints.append(CompositionHint(code.value, message))

    def items_of(self, idx: int) -> list[_Item]:
        """The valid ``@composeDirective`` applications of one subgraph; errors for the rest."""
        subgraph = self.subgraphs[idx]
        items = []
        for applied in subgraph.schema_directives:
            if not (applied.federation and applied.name == "composeDirective"):
                continue
            argument = applied.arguments.get("name")
            if not isinstance(argument, str) or not argument:
                self.error(
                    f'Argument to @composeDirective in subgraph "{subgraph.name}" cannot be NULL '
                    "or an empty String"
                )
                continue
            if not argument.startswith("@"):
                self.error(
                    f'Argument to @composeDirective "{argument}" in subgraph "{subgraph.name}" '
                    'must have a leading "@"'
                )
                continue
            item = self._item(idx, argument[1:])
            if item is not None:
                items.append(item)
        return items

    def _item(self, idx: int, name: str) -> _Item | None:
        subgraph = self.subgraphs[idx]
        spec_name = subgraph.directive_names.get(name)
        if spec_name is not None or name == "link":
            self._federation_directive(subgraph, name, spec_name)
            return None
        if name not in subgraph.directive_definitions:
            known = [f"@{n}" for n in (*_BUILT_IN, "link", *subgraph.directive_names)]
            known += [f"@{n}" for n in subgraph.directive_definitions]
            self.error(
                "Could not find matching directive definition for argument to @composeDirective "
                f'"@{name}" in subgraph "{subgraph.name}".'
                + _did_you_mean(suggestion_list(f"@{name}", known))
            )
            return None
        source = _source_feature(subgraph, name)
        if source is None:
            self.error(
                f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed because it '
                "is not a member of a core feature"
            )
            return None
        feature, name_in_feature = source
        if name_in_feature is None:
            self.error(
                f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed because it '
                "is imported to a different name"
            )
            return None
        if feature.identity in _APOLLO_IDENTITIES:
            self._federation_directive(subgraph, name, name_in_feature)
            return None
        for spec in ("tag", "inaccessible"):
            conflicting = [s.name for s in self.subgraphs if _federation_name(s, spec) == name]
            if conflicting:
                self.error(
                    f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed because '
                    f'it conflicts with automatically composed federation directive "@{spec}". '
                    f"Conflict exists in subgraph(s): ({','.join(conflicting)})"
                )
                return None
        return _Item(idx, feature, name_in_feature, name)

    def _federation_directive(self, subgraph: Subgraph, name: str, spec_name: str | None) -> None:
        if spec_name in _COMPOSED_BY_DEFAULT:
            self.hint(
                HintCode.DIRECTIVE_COMPOSITION_INFO,
                f'Directive "@{name}" should not be explicitly manually composed since it is a '
                "federation directive composed by default",
            )
        else:
            self.error(
                f'Composing federation directive "@{name}" in subgraph "{subgraph.name}" is not '
                "supported"
            )

    def check_consistency(self, items: list[_Item]) -> None:
        """Each composed name is one directive of one feature, named alike everywhere.

        Spec: Apollo ``ComposeDirectiveManager.validate`` (the checks over
        ``itemsByDirectiveName`` and ``itemsByOrigDirectiveName``).
        """
        by_name: dict[str, list[_Item]] = {}
        by_original: dict[tuple[str, str], list[_Item]] = {}
        for item in items:
            by_name.setdefault(item.name, []).append(item)
            by_original.setdefault((item.feature.identity, item.name_in_feature), []).append(item)
        for name, group in by_name.items():
            if len({i.name_in_feature for i in group}) > 1:
                self.error(
                    f'Composed directive "@{name}" does not refer to the same directive in every '
                    "subgraph"
                )
            if len({i.feature.identity for i in group}) > 1:
                self.error(
                    f'Composed directive "@{name}" is not linked by the same core feature in '
                    "every subgraph"
                )
        for (identity, original), group in by_original.items():
            names = {i.name for i in group}
            if len(names) > 1:
                self.error(
                    "Composed directive is not named consistently in all subgraphs: "
                    + " and ".join(
                        f'"@{i.name}" in subgraph "{self.subgraphs[i.subgraph].name}"'
                        for i in group
                    )
                )
                continue
            composing = {i.subgraph for i in group}
            differently = [
                s.name
                for idx, s in enumerate(self.subgraphs)
                if idx not in composing
                and any(
                    f.identity == identity
                    and original in f.imports
                    and f.imports[original] != group[0].name
                    for f in s.features
                )
            ]
            if differently:
                self.hint(
                    HintCode.DIRECTIVE_COMPOSITION_WARN,
                    f'Composed directive "@{group[0].name}" is named differently in a subgraph '
                    "that doesn't export it. Consistent naming will be required to export it.",
                )

    def latest_versions(self, items: list[_Item]) -> dict[str, tuple[tuple[int, int], list[int]]]:
        """The version each composed feature is linked at in the supergraph.

        Returns:
            Feature identity -> ``(version, indexes of the subgraphs linking exactly that
            version, last subgraph first)``, for the features some subgraph composes
            directives of and whose major versions agree among those subgraphs.

        Spec: Apollo ``ComposeDirectiveManager.getLatestIfCompatible``.
        """
        identities: list[str] = []
        for s in self.subgraphs:
            identities.extend(f.identity for f in s.features if f.identity not in identities)
        result: dict[str, tuple[tuple[int, int], list[int]]] = {}
        for identity in identities:
            composing = {i.subgraph for i in items if i.feature.identity == identity}
            linked = [
                (idx, f.version)
                for idx, s in enumerate(self.subgraphs)
                for f in s.features
                if f.identity == identity
            ]
            chosen = self._latest(identity, linked, composing)
            if chosen is not None:
                sources = [idx for idx, v in reversed(linked) if v == chosen]
                result[identity] = (chosen, sources)
        return result

    def _latest(
        self, identity: str, linked: list[tuple[int, tuple[int, int]]], composing: set[int]
    ) -> tuple[int, int] | None:
        best: tuple[tuple[int, int], bool] | None = None
        hinted = False
        for idx, version in linked:
            current = (version, idx in composing)
            if best is None:
                best = current
                continue
            (best_version, best_composed), composed = best, idx in composing
            if best_version[0] != version[0]:
                if best_composed and composed:
                    self.error(
                        f'Core feature "{identity}" requested to be merged has major version '
                        "mismatch across subgraphs"
                    )
                    return None
                if not hinted:
                    self.hint(
                        HintCode.DIRECTIVE_COMPOSITION_INFO,
                        f'Non-composed core feature "{identity}" has major version mismatch '
                        "across subgraphs",
                    )
                    hinted = True
                best = best if best_composed else current
            elif best_composed != composed:
                best = best if best_composed else current
            elif best_version[1] <= version[1]:
                best = current
        if best is None or not best[1]:
            return None
        return best[0]

    def latest_definition(
        self, identity: str, original: str, sources: list[int]
    ) -> tuple[int, DirectiveDefinitionNode] | None:
        """The definition of feature directive ``original`` from the first of ``sources``
        that defines it (under whatever name it has there)."""
        for idx in sources:
            subgraph = self.subgraphs[idx]
            for feature in subgraph.features:
                if feature.identity != identity:
                    continue
                local = _name_in_schema(feature, original)
                definition = subgraph.directive_definitions.get(local)
                if definition is not None:
                    return idx, definition
        return None


def _source_feature(subgraph: Subgraph, name: str) -> tuple[LinkedFeature, str | None] | None:
    """The feature directive ``name`` comes from and its name there (``None`` when the
    subgraph imports that directive under another name).

    Spec: Apollo ``CoreFeatures.sourceFeature``.
    """
    for feature in subgraph.features:
        for original, local in feature.imports.items():
            if local == name:
                return feature, original
    alias, separator, rest = name.partition("__")
    for feature in subgraph.features:
        if separator and feature.alias == alias:
            return feature, None if rest in feature.imports else rest
    for feature in subgraph.features:
        if not separator and feature.alias == name:
            return feature, None if feature.name in feature.imports else feature.name
    return None


def _name_in_schema(feature: LinkedFeature, original: str) -> str:
    """The name feature directive ``original`` has in a subgraph linking ``feature``."""
    if original in feature.imports:
        return feature.imports[original]
    if original == feature.name:
        return feature.alias
    return f"{feature.alias}__{original}"


def _federation_name(subgraph: Subgraph, spec_name: str) -> str:
    """The name federation directive ``spec_name`` has in ``subgraph``."""
    names = [local for local, spec in subgraph.directive_names.items() if spec == spec_name]
    plain = [n for n in names if "__" not in n]
    if plain:
        return plain[0]
    return names[0] if names else f"federation__{spec_name}"


def _subgraph_names(subgraphs: Sequence[Subgraph]) -> str:
    quoted = [f'"{s.name}"' for s in subgraphs]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _did_you_mean(suggestions: list[str]) -> str:
    quoted = [f'"{s}"' for s in suggestions[:5]]
    if not quoted:
        return ""
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
