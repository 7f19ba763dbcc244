"""Per-subgraph validation of federation directives, before merging.

Checks ``@key``, ``@requires``, ``@provides`` field sets and ``@override``, and records what the
merge needs to know about each subgraph (key fields, provided fields, required fields).

Spec: Apollo Federation directives reference
(https://www.apollographql.com/docs/federation/federated-schemas/federated-directives).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trellis_router.composition.errors import CompositionError, ErrorCode
from trellis_router.composition.fieldset import FieldSetProblem, resolve_field_set
from trellis_router.composition.subgraph import Applied, Field, Subgraph, SubgraphType

__all__ = ["SubgraphMetadata", "validate_subgraph"]

Coordinate = tuple[str, str]
_LABEL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT_RE = re.compile(r"^percent\((\d{1,3}(?:\.\d{1,8})?)\)$")


@dataclass(slots=True)
class SubgraphMetadata:
    """What merging needs to know about one subgraph beyond its types.

    Attributes:
        key_fields: ``(type, field)`` selected by some ``@key`` (shareable by definition).
        provided: ``(type, field)`` selected by some ``@provides``.
        required: ``(type, field)`` selected by some ``@requires``.
        used: ``(type, field)`` that federation directives or interfaces use: selected by a
            ``@key``, ``@requires`` or ``@provides``, or implementing an interface field.
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
        The subgraph's metadata and the errors found (empty when valid).

    Spec: Federation directives: ``@key`` (KEY_INVALID_FIELDS, KEY_FIELDS_HAS_ARGS,
    KEY_FIELDS_SELECT_INVALID_TYPE), ``@requires`` (REQUIRES_INVALID_FIELDS,
    REQUIRES_FIELDS_MISSING_EXTERNAL), ``@provides`` (PROVIDES_ON_NON_OBJECT_FIELD,
    PROVIDES_INVALID_FIELDS, PROVIDES_FIELDS_MISSING_EXTERNAL), ``@override``.
    """
    metadata = SubgraphMetadata()
    errors: list[CompositionError] = []
    for type_ in subgraph.types.values():
        _check_keys(subgraph, type_, metadata, errors)
        for f in type_.fields.values():
            _check_field(subgraph, type_, f, metadata, errors)
        for interface in type_.interfaces:
            declared = subgraph.types.get(interface)
            if declared is not None:
                metadata.used.update(
                    (type_.name, name) for name in declared.fields if name in type_.fields
                )
    return metadata, errors


def _error(errors: list[CompositionError], code: ErrorCode, subgraph: str, message: str) -> None:
    errors.append(CompositionError(code.value, f"[{subgraph}] {message}"))


def _check_keys(
    subgraph: Subgraph,
    type_: SubgraphType,
    metadata: SubgraphMetadata,
    errors: list[CompositionError],
) -> None:
    for key in type_.applied("key"):
        fields = key.arguments.get("fields")
        selected, problem = resolve_field_set(subgraph, type_.name, fields, for_key=True)
        if problem is not None:
            code = {
                "invalid": ErrorCode.KEY_INVALID_FIELDS,
                "has_args": ErrorCode.KEY_FIELDS_HAS_ARGS,
                "invalid_type": ErrorCode.KEY_FIELDS_SELECT_INVALID_TYPE,
            }[problem.kind]
            _error(
                errors,
                code,
                subgraph.name,
                f'On type "{type_.name}", for @key(fields: {_quoted(fields)}): {problem.message}',
            )
            continue
        metadata.key_fields.update((s.parent, s.field.name) for s in selected)
        metadata.used.update((s.parent, s.field.name) for s in selected)


def _check_field(
    subgraph: Subgraph,
    type_: SubgraphType,
    f: Field,
    metadata: SubgraphMetadata,
    errors: list[CompositionError],
) -> None:
    coordinate = f"{type_.name}.{f.name}"
    for requires in (d for d in f.directives if d.federation and d.name == "requires"):
        _check_selection(subgraph, coordinate, type_.name, requires, "requires", metadata, errors)
    for provides in (d for d in f.directives if d.federation and d.name == "provides"):
        target = subgraph.types.get(f.type.named)
        if target is None or target.kind not in ("OBJECT", "INTERFACE", "UNION"):
            _error(
                errors,
                ErrorCode.PROVIDES_ON_NON_OBJECT_FIELD,
                subgraph.name,
                f'Invalid @provides directive on field "{coordinate}": field has type '
                f'"{f.type}" which is not a Composite Type',
            )
            continue
        _check_selection(subgraph, coordinate, target.name, provides, "provides", metadata, errors)
    override = f.first("override")
    if override is not None:
        _check_override(subgraph, coordinate, override, errors)


def _check_selection(
    subgraph: Subgraph,
    coordinate: str,
    parent: str,
    directive: Applied,
    kind: str,
    metadata: SubgraphMetadata,
    errors: list[CompositionError],
) -> None:
    fields = directive.arguments.get("fields")
    selected, problem = resolve_field_set(subgraph, parent, fields)
    prefix = f'On field "{coordinate}", for @{kind}(fields: {_quoted(fields)}): '
    invalid = (
        ErrorCode.REQUIRES_INVALID_FIELDS
        if kind == "requires"
        else (ErrorCode.PROVIDES_INVALID_FIELDS)
    )
    if problem is not None:
        _report(errors, invalid, subgraph.name, prefix, problem)
        return
    missing = (
        ErrorCode.REQUIRES_FIELDS_MISSING_EXTERNAL
        if kind == "requires"
        else (ErrorCode.PROVIDES_FIELDS_MISSING_EXTERNAL)
    )
    target = metadata.required if kind == "requires" else metadata.provided
    metadata.used.update((s.parent, s.field.name) for s in selected)
    for s in selected:
        external = s.field.has("external")
        if not external and s.leaf and not s.under_external and not subgraph.is_fed1:
            what = "a @requires" if kind == "requires" else "a @provides"
            _error(
                errors,
                missing,
                subgraph.name,
                f'{prefix}field "{s.parent}.{s.field.name}" should not be part of {what} '
                "since it is already provided by this subgraph (it is not marked @external)",
            )
            return
        # Non-@external fields nested under an @external one are the subgraph's own: they are
        # not "provided" (they stay subject to the sharing rules).
        if external or kind == "requires" or subgraph.is_fed1:
            target.add((s.parent, s.field.name))


def _report(
    errors: list[CompositionError],
    code: ErrorCode,
    subgraph: str,
    prefix: str,
    problem: FieldSetProblem,
) -> None:
    _error(errors, code, subgraph, prefix + problem.message)


def _check_override(
    subgraph: Subgraph, coordinate: str, override: Applied, errors: list[CompositionError]
) -> None:
    source = override.arguments.get("from")
    if source == subgraph.name:
        _error(
            errors,
            ErrorCode.OVERRIDE_FROM_SELF_ERROR,
            subgraph.name,
            f'Source and destination subgraphs "{source}" are the same for overridden field '
            f'"{coordinate}"',
        )
    label = override.arguments.get("label")
    if label is None:
        return
    percent = _PERCENT_RE.match(label) if isinstance(label, str) else None
    valid = isinstance(label, str) and (
        (percent is not None and float(percent.group(1)) <= 100)
        or (not label.startswith("percent(") and _LABEL_RE.match(label) is not None)
    )
    if not valid:
        _error(
            errors,
            ErrorCode.OVERRIDE_LABEL_INVALID,
            subgraph.name,
            f'Invalid @override label "{label}" on field "{coordinate}": labels must start '
            "with a letter and after that may contain alphanumerics, underscores, minuses, "
            "colons, periods, or slashes. Alternatively, labels may be of the form "
            '"percent(x)" where x is a float between 0-100 inclusive.',
        )


def _quoted(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
