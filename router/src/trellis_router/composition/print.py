"""Print a merged supergraph as Apollo's composition prints it.

Layout (``@apollo/federation-internals`` ``printSchema`` with ordered definitions): the
``schema`` definition, then directive definitions, then types, each sorted by name with
JavaScript's ``localeCompare`` (letters before case, ``_`` before digits before letters);
fields in merge order; directives on types one per line; definitions separated by a blank
line; no trailing newline.

Spec: join spec v0.3-v0.5 (https://specs.apollo.dev/join/v0.5), link spec v1.0.
"""

from __future__ import annotations

from collections.abc import Iterable

from trellis_router.composition.model import (
    DirectiveApp,
    MergedDirective,
    MergedField,
    MergedInputValue,
    MergedSupergraph,
    MergedType,
    gql_string,
)
from trellis_router.composition.subgraph import BUILT_IN_SCALARS

__all__ = ["collation_key", "print_supergraph"]

_INDENT = "  "

_LINK = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
    "repeatable on SCHEMA"
)
_TAG = (
    "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION "
    "| ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION "
    "| SCHEMA"
)
_INACCESSIBLE = (
    "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION "
    "| ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_CONTEXT = "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION"
_FROM_CONTEXT = (
    "directive @context__fromContext(field: context__ContextFieldValue) on ARGUMENT_DEFINITION"
)
_AUTH_LOCATIONS = "on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
#: Spec features in ``@link`` order: feature, link, directive definitions, scalars.
_FEATURE_SPECS: tuple[tuple[str, str, tuple[tuple[str, str], ...], tuple[str, ...]], ...] = (
    ("tag", '@link(url: "https://specs.apollo.dev/tag/v0.3")', (("tag", _TAG),), ()),
    (
        "inaccessible",
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)',
        (("inaccessible", _INACCESSIBLE),),
        (),
    ),
    (
        "authenticated",
        '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
        (("authenticated", f"directive @authenticated {_AUTH_LOCATIONS}"),),
        (),
    ),
    (
        "requiresScopes",
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
        (
            (
                "requiresScopes",
                "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) "
                + _AUTH_LOCATIONS,
            ),
        ),
        ("requiresScopes__Scope",),
    ),
    (
        "policy",
        '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
        (("policy", f"directive @policy(policies: [[policy__Policy!]!]!) {_AUTH_LOCATIONS}"),),
        ("policy__Policy",),
    ),
    (
        "context",
        '@link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)',
        (("context", _CONTEXT), ("context__fromContext", _FROM_CONTEXT)),
        ("context__ContextFieldValue",),
    ),
    (
        "cost",
        '@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])',
        (
            (
                "cost",
                "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION "
                "| INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
            ),
            (
                "listSize",
                "directive @listSize(assumedSize: Int, slicingArguments: [String!], "
                "sizedFields: [String!], requireOneSlicingArgument: Boolean = true) "
                "on FIELD_DEFINITION",
            ),
        ),
        (),
    ),
)

_LINK_PURPOSE = (
    "enum link__Purpose {\n"
    '  """\n'
    "  `SECURITY` features provide metadata necessary to securely resolve fields.\n"
    '  """\n'
    "  SECURITY\n"
    "\n"
    '  """\n'
    "  `EXECUTION` features provide metadata necessary for operation execution.\n"
    '  """\n'
    "  EXECUTION\n"
    "}"
)
_CONTEXT_ARGUMENT = (
    "input join__ContextArgument {\n"
    "  name: String!\n"
    "  type: String!\n"
    "  context: String!\n"
    "  selection: join__FieldValue!\n"
    "}"
)


def collation_key(name: str) -> tuple[tuple[tuple[int, str], ...], tuple[int, ...]]:
    """A sort key approximating ICU root collation, as JavaScript's ``localeCompare`` sorts.

    Primary: punctuation (``_``) < digits < letters, letters compared without case;
    tertiary: lower case before upper case.

    Args:
        name: A type or directive name.

    Returns:
        The sort key.
    """
    primary = []
    for ch in name:
        if ch.isalpha():
            primary.append((2, ch.lower()))
        elif ch.isdigit():
            primary.append((1, ch))
        else:
            primary.append((0, ch))
    return tuple(primary), tuple(1 if ch.isupper() else 0 for ch in name)


def _join_directives(version: tuple[int, int]) -> list[tuple[str, str]]:
    minor = version[1]
    field_args = (
        "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, "
        "external: Boolean, override: String, usedOverridden: Boolean"
    )
    if minor >= 4:
        field_args += ", overrideLabel: String"
    if minor >= 5:
        field_args += ", contextArguments: [join__ContextArgument!]"
    result = [
        (
            "join__enumValue",
            "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
        ),
        (
            "join__field",
            f"directive @join__field({field_args}) repeatable on FIELD_DEFINITION | "
            "INPUT_FIELD_DEFINITION",
        ),
        ("join__graph", "directive @join__graph(name: String!, url: String!) on ENUM_VALUE"),
        (
            "join__implements",
            "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on "
            "OBJECT | INTERFACE",
        ),
        (
            "join__type",
            "directive @join__type(graph: join__Graph!, key: join__FieldSet, "
            "extension: Boolean! = false, resolvable: Boolean! = true, "
            "isInterfaceObject: Boolean! = false) repeatable on "
            "OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
        ),
        (
            "join__unionMember",
            "directive @join__unionMember(graph: join__Graph!, member: String!) "
            "repeatable on UNION",
        ),
    ]
    if minor >= 4:
        result.append(
            (
                "join__directive",
                "directive @join__directive(graphs: [join__Graph!], name: String!, args: "
                "join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | "
                "FIELD_DEFINITION",
            )
        )
    return result


def print_supergraph(supergraph: MergedSupergraph) -> str:
    """Print the supergraph SDL.

    Args:
        supergraph: The merged supergraph.

    Returns:
        The SDL, without a trailing newline (as Apollo's ``supergraphSdl``).
    """
    join_minor = supergraph.join_version[1]
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "https://specs.apollo.dev/join/v0.{join_minor}", for: EXECUTION)',
    ]
    directives = [*_join_directives(supergraph.join_version), ("link", _LINK)]
    feature_types: list[tuple[str, str]] = []
    for feature, link, definitions, scalars in _FEATURE_SPECS:
        if (feature == "context" and supergraph.uses_context) or feature in supergraph.features:
            links.append(link)
            directives.extend(definitions)
            feature_types.extend((name, f"scalar {name}") for name in scalars)
    links.extend(supergraph.links)
    directives.extend((d.name, _print_directive(d)) for d in supergraph.directives)
    roots = "\n".join(f"{_INDENT}{kind}: {name}" for kind, name in supergraph.roots.items())
    schema = "schema\n" + "".join(f"{_INDENT}{link}\n" for link in links) + "{\n" + roots + "\n}"

    types: list[tuple[str, str]] = [
        ("join__FieldSet", "scalar join__FieldSet"),
        (
            "join__Graph",
            "enum join__Graph {\n"
            + "\n".join(
                f"{_INDENT}{g.enum} @join__graph(name: {gql_string(g.name)}, "
                f"url: {gql_string(g.url)})"
                for g in supergraph.graphs
            )
            + "\n}",
        ),
        ("link__Import", "scalar link__Import"),
        ("link__Purpose", _LINK_PURPOSE),
    ]
    types.extend(feature_types)
    if join_minor >= 4:
        types.append(("join__DirectiveArguments", "scalar join__DirectiveArguments"))
    if join_minor >= 5:
        types.append(("join__FieldValue", "scalar join__FieldValue"))
        types.append(("join__ContextArgument", _CONTEXT_ARGUMENT))
    types.extend(
        (t.name, _print_type(t))
        for t in supergraph.types.values()
        if t.name not in BUILT_IN_SCALARS
    )
    parts = [schema]
    parts.extend(text for _, text in sorted(directives, key=lambda d: collation_key(d[0])))
    parts.extend(text for _, text in sorted(types, key=lambda t: collation_key(t[0])))
    return "\n\n".join(parts)


def _description(description: str | None, indentation: str = "", first: bool = True) -> str:
    """Apollo's ``printDescription``: always a block string, multi-line past 70 chars."""
    if description is None:
        return ""
    single = "\n" not in description
    leading_space = description[:1] in (" ", "\t")
    multiple = (
        not single
        or description.endswith('"')
        or description.endswith("\\")
        or len(description) > 70
    )
    body = ""
    if multiple and not (single and leading_space):
        body += "\n"
    body += description
    if multiple:
        body += "\n"
    block = '"""' + body.replace('"""', '\\"""') + '"""'
    prefix = "\n" + indentation if indentation and not first else indentation
    return prefix + block.replace("\n", "\n" + indentation) + "\n"


def _type_directives(directives: list[DirectiveApp], end_with_newline: bool) -> str:
    if not directives:
        return ""
    text = "\n" + "\n".join(_INDENT + str(d) for d in directives)
    return text + ("\n" if end_with_newline else "")


def _inline(directives: Iterable[DirectiveApp]) -> str:
    return "".join(" " + str(d) for d in directives)


def _print_type(t: MergedType) -> str:
    head = _description(t.description)
    if t.kind == "SCALAR":
        return f"{head}scalar {t.name}{_type_directives(t.directives, False)}"
    if t.kind == "UNION":
        members = " = " + " | ".join(t.members) if t.members else ""
        return f"{head}union {t.name}{_type_directives(t.directives, bool(t.members))}{members}"
    if t.kind == "ENUM":
        items = [
            _description(v.description, _INDENT, i == 0) + _INDENT + v.name + _inline(v.directives)
            for i, v in enumerate(t.values)
        ]
        keyword = "enum"
    elif t.kind == "INPUT_OBJECT":
        items = [
            _description(f.description, _INDENT, i == 0) + _INDENT + _input_value(f)
            for i, f in enumerate(t.input_fields)
        ]
        keyword = "input"
    else:
        items = [
            _description(f.description, _INDENT, i == 0) + _INDENT + _field(f)
            for i, f in enumerate(t.fields)
        ]
        keyword = "type" if t.kind == "OBJECT" else "interface"
    implements = " implements " + " & ".join(t.interfaces) if t.interfaces else ""
    block = "{\n" + "\n".join(items) + "\n}" if items else ""
    space = "" if t.directives else " "
    return (
        f"{head}{keyword} {t.name}{implements}"
        f"{_type_directives(t.directives, bool(items))}{space}{block}"
    )


def _input_value(v: MergedInputValue) -> str:
    default = f" = {v.default}" if v.default is not None else ""
    return f"{v.name}: {v.type}{default}{_inline(v.directives)}"


def _field(f: MergedField) -> str:
    return f"{f.name}{_args(f.args)}: {f.type}{_inline(f.directives)}"


def _print_directive(d: MergedDirective) -> str:
    repeatable = " repeatable" if d.repeatable else ""
    return (
        f"{_description(d.description)}directive @{d.name}{_args(d.args, '')}{repeatable} on "
        + " | ".join(d.locations)
    )


def _args(args: list[MergedInputValue], indentation: str = _INDENT) -> str:
    if not args:
        return ""
    if all(not a.description for a in args):
        return "(" + ", ".join(_input_value(a) for a in args) + ")"
    inner = indentation + _INDENT
    lines = [
        _description(a.description, inner, i == 0) + inner + _input_value(a)
        for i, a in enumerate(args)
    ]
    return "(\n" + "\n".join(lines) + "\n" + indentation + ")"
