"""The outcome of a schema check: `CheckReport`, its exit code, and its text and JSON forms.

The exit-code rule (``trellis-registry subgraph check``):

- 1 when the candidate does not compose with the other subgraphs;
- 1 when there is a breaking change and no operations were checked (nothing says it is
  unused);
- 1 when operations were checked and a breaking change is used by at least one of them;
- 0 otherwise: no breaking change, or only breaking changes no checked operation uses
  ("breaking (unused)"). Dangerous and safe changes never fail a check.

Bad input is not a report: it is a `CheckInputError` (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import typer

from trellis_registry.checks.changes import SchemaChange, Severity

__all__ = ["CheckReport", "CheckedChange", "CompositionOutcome", "Problem", "Usage"]

_SEVERITY_ORDER = (Severity.BREAKING, Severity.DANGEROUS, Severity.SAFE)


class Usage(StrEnum):
    """Whether checked operations use a change's element."""

    USED = "used"
    """At least one checked operation uses it."""
    UNUSED = "unused"
    """Operations were checked and none uses it."""
    UNKNOWN = "unknown"
    """No operations were checked (or the change cannot affect operations: safe)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A composition error or hint.

    Attributes:
        code: Apollo's code, e.g. ``INVALID_FIELD_SHARING``.
        message: The explanation.
    """

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CompositionOutcome:
    """Composition of the candidate with the other subgraphs.

    Attributes:
        ok: Whether it composed.
        errors: The composition errors (empty when ``ok``).
        hints: The composition hints.
    """

    ok: bool
    errors: tuple[Problem, ...] = ()
    hints: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckedChange:
    """A schema change and the checked operations it affects.

    Attributes:
        change: The change.
        operations: Labels of the operations that use what it affects (names, or
            ``file:line`` for anonymous operations).
        operations_checked: Whether any operations were checked at all.
    """

    change: SchemaChange
    operations: tuple[str, ...]
    operations_checked: bool

    @property
    def usage(self) -> Usage:
        """Used, unused, or unknown (no operations checked; safe changes)."""
        if self.operations:
            return Usage.USED
        if self.operations_checked and self.change.severity is not Severity.SAFE:
            return Usage.UNUSED
        return Usage.UNKNOWN

    @property
    def fails_check(self) -> bool:
        """Whether this change alone makes the check fail (see the module docstring)."""
        return self.change.severity is Severity.BREAKING and self.usage is not Usage.UNUSED

    def to_json(self) -> dict[str, Any]:
        """The JSON form: ``{severity, kind, coordinate, message, usage, operations}``."""
        return {
            "severity": self.change.severity.value,
            "kind": self.change.kind.value,
            "coordinate": self.change.coordinate,
            "message": self.change.message,
            "usage": self.usage.value,
            "operations": list(self.operations),
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The result of checking one subgraph's candidate schema.

    Attributes:
        subgraph: The subgraph name.
        against: What it was checked against (a schema folder or a registry URL).
        composition: Composition with the other subgraphs.
        changes: The API schema changes, breaking first (empty when composition failed).
        operations_checked: How many operations were checked.
    """

    subgraph: str
    against: str
    composition: CompositionOutcome
    changes: tuple[CheckedChange, ...]
    operations_checked: int

    def count(self, severity: Severity) -> int:
        """How many changes have this severity."""
        return sum(1 for change in self.changes if change.change.severity is severity)

    @property
    def breaking_used(self) -> int:
        """Breaking changes used by a checked operation."""
        return sum(
            1
            for change in self.changes
            if change.change.severity is Severity.BREAKING and change.usage is Usage.USED
        )

    @property
    def breaking_unused(self) -> int:
        """Breaking changes no checked operation uses."""
        return sum(
            1
            for change in self.changes
            if change.usage is Usage.UNUSED and change.change.severity is Severity.BREAKING
        )

    @property
    def passed(self) -> bool:
        """Whether the candidate can be published (exit code 0)."""
        return self.composition.ok and not any(change.fails_check for change in self.changes)

    @property
    def exit_code(self) -> int:
        """0 when `passed`, else 1."""
        return 0 if self.passed else 1

    def to_json(self) -> dict[str, Any]:
        """The JSON form ``subgraph check --format json`` prints.

        Returns:
            ``{subgraph, against, passed, composition: {ok, errors: [{code, message}],
            hints: [{code, message}]}, changes: [...], operations_checked, breaking,
            breaking_used, breaking_unused, dangerous, safe}``.
        """
        return {
            "subgraph": self.subgraph,
            "against": self.against,
            "passed": self.passed,
            "composition": {
                "ok": self.composition.ok,
                "errors": [_problem(p) for p in self.composition.errors],
                "hints": [_problem(p) for p in self.composition.hints],
            },
            "changes": [change.to_json() for change in self.changes],
            "operations_checked": self.operations_checked,
            "breaking": self.count(Severity.BREAKING),
            "breaking_used": self.breaking_used,
            "breaking_unused": self.breaking_unused,
            "dangerous": self.count(Severity.DANGEROUS),
            "safe": self.count(Severity.SAFE),
        }

    def to_text(self, *, color: bool = False) -> str:
        """The report for people: composition, changes grouped by severity, a summary.

        Args:
            color: Whether to add ANSI colours (when printing to a terminal).

        Returns:
            The text, lines separated by newlines, ending without one.
        """

        def style(text: str, fg: str | None = None, bold: bool = False) -> str:
            return typer.style(text, fg=fg, bold=bold) if color else text

        lines = [
            f"Checking subgraph {self.subgraph} against {self.against}"
            + (f" with {self.operations_checked} operation(s)" if self.operations_checked else "")
        ]
        lines.extend(self._composition_lines(style))
        if self.composition.ok:
            lines.extend(self._change_lines(style))
        verdict = style("PASS", "green", True) if self.passed else style("FAIL", "red", True)
        lines.append("")
        lines.append(f"{verdict}: {self._summary()}")
        return "\n".join(lines)

    def _composition_lines(self, style: Any) -> list[str]:
        if not self.composition.ok:
            lines = ["", style("Composition failed:", "red", True)]
            lines.extend(f"  {style(p.code, 'red')}: {p.message}" for p in self.composition.errors)
            return lines
        lines = [f"Composition: ok ({len(self.composition.hints)} hint(s))"]
        lines.extend(f"  hint {p.code}: {p.message}" for p in self.composition.hints)
        return lines

    def _change_lines(self, style: Any) -> list[str]:
        if not self.changes:
            return ["", "No changes to the API schema."]
        colours = {Severity.BREAKING: "red", Severity.DANGEROUS: "yellow", Severity.SAFE: "green"}
        lines: list[str] = []
        for severity in _SEVERITY_ORDER:
            group = [c for c in self.changes if c.change.severity is severity]
            if not group:
                continue
            lines.append("")
            lines.append(
                style(
                    f"{severity.value.capitalize()} changes ({len(group)}):",
                    colours[severity],
                    True,
                )
            )
            for checked in group:
                lines.append(_change_line(checked, style))
        return lines

    def _summary(self) -> str:
        if not self.composition.ok:
            return f"{len(self.composition.errors)} composition error(s)"
        breaking = self.count(Severity.BREAKING)
        if self.operations_checked:
            breaking_text = (
                f"{breaking} breaking ({self.breaking_used} used by operations, "
                f"{self.breaking_unused} unused)"
            )
        else:
            breaking_text = f"{breaking} breaking (no operations checked: all count)"
        return (
            f"{breaking_text}, {self.count(Severity.DANGEROUS)} dangerous, "
            f"{self.count(Severity.SAFE)} safe"
        )


def _problem(problem: Problem) -> dict[str, str]:
    return {"code": problem.code, "message": problem.message}


def _change_line(checked: CheckedChange, style: Any) -> str:
    change = checked.change
    tag = ""
    if change.severity is Severity.BREAKING and checked.usage is Usage.UNUSED:
        tag = " " + style("(unused)", "cyan")
    line = f"  {style(change.coordinate or '-', bold=True)}  {change.message}{tag}"
    if checked.operations:
        line += f"\n      used by: {', '.join(checked.operations)}"
    return line


def sort_changes(changes: Sequence[CheckedChange]) -> tuple[CheckedChange, ...]:
    """Orders changes breaking first, then dangerous, then safe; by coordinate within each.

    Args:
        changes: The changes.

    Returns:
        The same changes, ordered.
    """
    return tuple(
        sorted(
            changes,
            key=lambda c: (
                _SEVERITY_ORDER.index(c.change.severity),
                c.change.coordinate,
                c.change.kind.value,
            ),
        )
    )
