"""The query plan model and its two printed forms (Apollo's text and JSON).

Node kinds follow Apollo's query plan: Fetch, Flatten, Sequence, Parallel, Condition.

Spec: Apollo Federation query plans as ``@apollo/query-planner`` prints them
(``QueryPlan { Sequence { Fetch(service: ...) ... } }``) and their JSON (``kind``, ``serviceName``,
``requires``, ``variableUsages``, ``operation``, ``operationKind``, ``operationName``,
``inputRewrites``, ``outputRewrites``, ``contextRewrites``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

__all__ = [
    "ConditionNode",
    "FetchNode",
    "FetchRewrite",
    "FlattenNode",
    "KeyRenamer",
    "OperationKind",
    "ParallelNode",
    "PlanNode",
    "QueryPlan",
    "RequiresField",
    "RequiresInlineFragment",
    "RequiresSelection",
    "SequenceNode",
    "ValueSetter",
]

OperationKind = Literal["query", "mutation", "subscription"]


@dataclass(frozen=True, slots=True)
class RequiresField:
    """A field of a ``requires`` selection: read from the object to build a representation.

    Attributes:
        name: the field name (and key of the value in the representation).
        alias: the response key to read it from, when it differs from ``name``.
        selections: sub-selections for object-typed key or required fields.
    """

    name: str
    alias: str | None = None
    selections: tuple[RequiresSelection, ...] = ()

    @property
    def response_key(self) -> str:
        """The key under which the value is found in the fetched data."""
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class RequiresInlineFragment:
    """``... on Type { ... }`` in a ``requires`` selection: applies to objects of that type."""

    type_condition: str | None
    selections: tuple[RequiresSelection, ...]


RequiresSelection: TypeAlias = RequiresField | RequiresInlineFragment


@dataclass(frozen=True, slots=True)
class ValueSetter:
    """A rewrite that sets the value at ``path`` to ``set_value_to``.

    Apollo uses it on inputs: a representation sent to a subgraph that models an interface as an
    ``@interfaceObject`` gets ``__typename`` = the interface name.

    Attributes:
        path: steps from the rewritten value: field names and ``... on T`` type conditions
            (matched against the object's ``__typename``); the last step is the field to set.
        set_value_to: the JSON value to write.

    Spec: Apollo query plan ``FetchNode.inputRewrites`` (``{"kind": "ValueSetter", "path",
    "setValueTo"}``).
    """

    path: tuple[str, ...]
    set_value_to: Any


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    """A rewrite that renames the key at ``path`` to ``rename_key_to``.

    On outputs it turns an aliased response key back into the field's response key (e.g.
    ``value__alias_0`` -> ``value``); on contexts it names the variable a context value is sent
    as (``contextualArgument_1_0``), its path being relative to the entity (``..`` = parent).

    Attributes:
        path: steps: field names, ``... on T`` type conditions and (contexts only) ``..``; the
            last step is the key to rename / read.
        rename_key_to: the new key.

    Spec: Apollo query plan ``FetchNode.outputRewrites`` / ``contextRewrites``
    (``{"kind": "KeyRenamer", "path", "renameKeyTo"}``); join v0.5 ``contextArguments``.
    """

    path: tuple[str, ...]
    rename_key_to: str


FetchRewrite: TypeAlias = ValueSetter | KeyRenamer


@dataclass(frozen=True, slots=True)
class FetchNode:
    """One request to one subgraph.

    Attributes:
        service_name: the subgraph name.
        operation: the subgraph operation, printed with ignored characters stripped.
        operation_kind: ``query``, ``mutation`` or ``subscription``.
        operation_name: e.g. ``GetInvoices__billing__0``; None for an anonymous client operation.
        variable_usages: client variables the operation uses (sent along with the fetch).
        requires: for an entity fetch, the selection that builds each representation from the
            objects at the flatten path; None for a root fetch.
        selection_text: the pretty-printed selection shown in the text form (for an entity fetch,
            the selection inside ``_entities``).
        input_rewrites: applied to each representation before it is sent.
        output_rewrites: applied to the data each fetch returns before it is merged.
        context_rewrites: read context values (``@fromContext``) into the fetch's variables.
    """

    service_name: str
    operation: str
    operation_kind: OperationKind
    operation_name: str | None
    variable_usages: tuple[str, ...]
    requires: tuple[RequiresSelection, ...] | None
    selection_text: str
    input_rewrites: tuple[FetchRewrite, ...] = ()
    output_rewrites: tuple[FetchRewrite, ...] = ()
    context_rewrites: tuple[FetchRewrite, ...] = ()


@dataclass(frozen=True, slots=True)
class FlattenNode:
    """Run ``node`` on the objects found at ``path`` of the response (``@`` = every list item)."""

    path: tuple[str, ...]
    node: PlanNode


@dataclass(frozen=True, slots=True)
class SequenceNode:
    """Run ``nodes`` one after the other."""

    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ParallelNode:
    """Run ``nodes`` concurrently."""

    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ConditionNode:
    """Run ``if_clause`` when boolean variable ``condition`` is true, else ``else_clause``."""

    condition: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None


PlanNode: TypeAlias = FetchNode | FlattenNode | SequenceNode | ParallelNode | ConditionNode


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """A query plan: the root node (None when nothing needs fetching, e.g. only ``__typename``)."""

    node: PlanNode | None

    def to_text(self) -> str:
        """Print the plan in Apollo's text format (2-space indent, ``,`` after children).

        Returns:
            e.g. ``QueryPlan {\\n  Fetch(service: "a") {\\n    {\\n      f\\n    }\\n  },\\n}``.
        """
        lines = ["QueryPlan {"]
        if self.node is not None:
            _text(self.node, 1, lines)
        lines.append("}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The plan as Apollo's JSON (``{"kind": "QueryPlan", "node": ...}``)."""
        return {"kind": "QueryPlan", "node": _json(self.node) if self.node else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueryPlan:
        """Read a plan from Apollo's JSON form (as :meth:`to_json` writes it).

        Raises:
            ValueError: an unknown node kind or rewrite kind.
        """
        node = data.get("node")
        return cls(node=_from_json(node) if node else None)

    def fetch_nodes(self) -> list[FetchNode]:
        """Every FetchNode of the plan, in depth-first order."""
        out: list[FetchNode] = []
        if self.node is not None:
            _collect_fetches(self.node, out)
        return out


def _collect_fetches(node: PlanNode, out: list[FetchNode]) -> None:
    if isinstance(node, FetchNode):
        out.append(node)
    elif isinstance(node, FlattenNode):
        _collect_fetches(node.node, out)
    elif isinstance(node, SequenceNode | ParallelNode):
        for child in node.nodes:
            _collect_fetches(child, out)
    else:
        for clause in (node.if_clause, node.else_clause):
            if clause is not None:
                _collect_fetches(clause, out)


def _pad(depth: int) -> str:
    return "  " * depth


def _requires_text(selections: tuple[RequiresSelection, ...], depth: int, lines: list[str]) -> None:
    for sel in selections:
        if isinstance(sel, RequiresInlineFragment):
            on = f" on {sel.type_condition}" if sel.type_condition else ""
            lines.append(f"{_pad(depth)}...{on} {{")
            _requires_text(sel.selections, depth + 1, lines)
            lines.append(f"{_pad(depth)}}}")
        elif sel.selections:
            alias = f"{sel.alias}: " if sel.alias else ""
            lines.append(f"{_pad(depth)}{alias}{sel.name} {{")
            _requires_text(sel.selections, depth + 1, lines)
            lines.append(f"{_pad(depth)}}}")
        else:
            alias = f"{sel.alias}: " if sel.alias else ""
            lines.append(f"{_pad(depth)}{alias}{sel.name}")


def _text(node: PlanNode, depth: int, lines: list[str]) -> None:
    pad = _pad(depth)
    if isinstance(node, FetchNode):
        lines.append(f'{pad}Fetch(service: "{node.service_name}") {{')
        if node.requires is not None:
            lines.append(f"{pad}  {{")
            _requires_text(node.requires, depth + 2, lines)
            lines.append(f"{pad}  }} =>")
        for line in node.selection_text.splitlines():
            lines.append(f"{pad}  {line}")
        lines.append(f"{pad}}},")
    elif isinstance(node, FlattenNode):
        lines.append(f'{pad}Flatten(path: "{".".join(node.path)}") {{')
        _text(node.node, depth + 1, lines)
        lines.append(f"{pad}}},")
    elif isinstance(node, SequenceNode | ParallelNode):
        name = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
        lines.append(f"{pad}{name} {{")
        for child in node.nodes:
            _text(child, depth + 1, lines)
        lines.append(f"{pad}}},")
    else:
        _condition_text(node, depth, lines)


def _condition_text(node: ConditionNode, depth: int, lines: list[str]) -> None:
    pad = _pad(depth)

    def clause(child: PlanNode, child_depth: int) -> None:
        # Apollo prints a condition's clause without the trailing comma.
        _text(child, child_depth, lines)
        if lines[-1].endswith(","):
            lines[-1] = lines[-1][:-1]

    if node.else_clause is None and node.if_clause is not None:
        lines.append(f"{pad}Include(if: ${node.condition}) {{")
        clause(node.if_clause, depth + 1)
    elif node.if_clause is None and node.else_clause is not None:
        lines.append(f"{pad}Skip(if: ${node.condition}) {{")
        clause(node.else_clause, depth + 1)
    else:
        lines.append(f"{pad}Condition(if: ${node.condition}) {{")
        lines.append(f"{pad}  Then {{")
        if node.if_clause is not None:
            clause(node.if_clause, depth + 2)
        lines.append(f"{pad}  }}")
        lines.append(f"{pad}  Else {{")
        if node.else_clause is not None:
            clause(node.else_clause, depth + 2)
        lines.append(f"{pad}  }}")
    lines.append(f"{pad}}},")


def _requires_json(selections: tuple[RequiresSelection, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for sel in selections:
        if isinstance(sel, RequiresInlineFragment):
            out.append(
                {
                    "kind": "InlineFragment",
                    "typeCondition": sel.type_condition,
                    "selections": _requires_json(sel.selections),
                }
            )
        else:
            item: dict[str, Any] = {"kind": "Field", "name": sel.name}
            if sel.alias:
                item["alias"] = sel.alias
            if sel.selections:
                item["selections"] = _requires_json(sel.selections)
            out.append(item)
    return out


def _json(node: PlanNode) -> dict[str, Any]:
    if isinstance(node, FetchNode):
        out: dict[str, Any] = {"kind": "Fetch", "serviceName": node.service_name}
        if node.requires is not None:
            out["requires"] = _requires_json(node.requires)
        out["variableUsages"] = list(node.variable_usages)
        out["operation"] = node.operation
        out["operationKind"] = node.operation_kind
        out["operationName"] = node.operation_name
        for key, rewrites in (
            ("inputRewrites", node.input_rewrites),
            ("outputRewrites", node.output_rewrites),
            ("contextRewrites", node.context_rewrites),
        ):
            if rewrites:
                out[key] = [_rewrite_json(rewrite) for rewrite in rewrites]
        return out
    if isinstance(node, FlattenNode):
        return {"kind": "Flatten", "path": list(node.path), "node": _json(node.node)}
    if isinstance(node, SequenceNode):
        return {"kind": "Sequence", "nodes": [_json(n) for n in node.nodes]}
    if isinstance(node, ParallelNode):
        return {"kind": "Parallel", "nodes": [_json(n) for n in node.nodes]}
    return {
        "kind": "Condition",
        "condition": node.condition,
        "ifClause": _json(node.if_clause) if node.if_clause else None,
        "elseClause": _json(node.else_clause) if node.else_clause else None,
    }


def _rewrite_json(rewrite: FetchRewrite) -> dict[str, Any]:
    if isinstance(rewrite, ValueSetter):
        return {
            "kind": "ValueSetter",
            "path": list(rewrite.path),
            "setValueTo": rewrite.set_value_to,
        }
    return {"kind": "KeyRenamer", "path": list(rewrite.path), "renameKeyTo": rewrite.rename_key_to}


def _rewrites_from_json(items: list[dict[str, Any]] | None) -> tuple[FetchRewrite, ...]:
    out: list[FetchRewrite] = []
    for item in items or ():
        kind = item.get("kind")
        if kind == "ValueSetter":
            out.append(ValueSetter(path=tuple(item["path"]), set_value_to=item.get("setValueTo")))
        elif kind == "KeyRenamer":
            out.append(KeyRenamer(path=tuple(item["path"]), rename_key_to=item["renameKeyTo"]))
        else:
            raise ValueError(f"unknown fetch rewrite kind: {kind!r}")
    return tuple(out)


def _requires_from_json(items: list[dict[str, Any]]) -> tuple[RequiresSelection, ...]:
    out: list[RequiresSelection] = []
    for item in items:
        if item["kind"] == "InlineFragment":
            out.append(
                RequiresInlineFragment(
                    type_condition=item.get("typeCondition"),
                    selections=_requires_from_json(item.get("selections") or []),
                )
            )
        else:
            out.append(
                RequiresField(
                    name=item["name"],
                    alias=item.get("alias"),
                    selections=_requires_from_json(item.get("selections") or []),
                )
            )
    return tuple(out)


def _from_json(data: dict[str, Any]) -> PlanNode:
    kind = data.get("kind")
    if kind == "Fetch":
        requires = data.get("requires")
        return FetchNode(
            service_name=data["serviceName"],
            operation=data["operation"],
            operation_kind=data.get("operationKind", "query"),
            operation_name=data.get("operationName"),
            variable_usages=tuple(data.get("variableUsages") or ()),
            requires=_requires_from_json(requires) if requires is not None else None,
            selection_text=data.get("selectionText", ""),
            input_rewrites=_rewrites_from_json(data.get("inputRewrites")),
            output_rewrites=_rewrites_from_json(data.get("outputRewrites")),
            context_rewrites=_rewrites_from_json(data.get("contextRewrites")),
        )
    if kind == "Flatten":
        return FlattenNode(path=tuple(data["path"]), node=_from_json(data["node"]))
    if kind == "Sequence":
        return SequenceNode(nodes=tuple(_from_json(n) for n in data["nodes"]))
    if kind == "Parallel":
        return ParallelNode(nodes=tuple(_from_json(n) for n in data["nodes"]))
    if kind == "Condition":
        if_clause = data.get("ifClause")
        else_clause = data.get("elseClause")
        return ConditionNode(
            condition=data["condition"],
            if_clause=_from_json(if_clause) if if_clause else None,
            else_clause=_from_json(else_clause) if else_clause else None,
        )
    raise ValueError(f"unknown query plan node kind: {kind!r}")
