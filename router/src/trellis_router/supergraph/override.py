"""Progressive ``@override`` labels.

Spec: Apollo Federation ``@override(from:, label:)`` (Federation 2.7, join v0.4
``overrideLabel``): a label is ``percent(x)`` (x a number 0-100 with up to 8 decimals, rolled per
request) or a custom name starting with a letter (set by configuration or a plugin).
"""

from __future__ import annotations

import re

__all__ = ["is_valid_override_label", "parse_percent_label"]

_PERCENT = re.compile(r"^percent\((\d{1,2}(?:\.\d{1,8})?|100)\)$")
_CUSTOM = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")


def parse_percent_label(label: str) -> float | None:
    """Read a ``percent(x)`` override label.

    Args:
        label: an ``overrideLabel``, e.g. ``"percent(25)"`` or ``"new-billing"``.

    Returns:
        The percentage (0 to 100) of requests for which the label is active, or None when the
        label is not a percent label.

    Spec: Apollo composition's label rule ``^percent\\((\\d{1,2}(\\.\\d{1,8})?|100)\\)$``.

    Example:
        >>> parse_percent_label("percent(12.5)")
        12.5
        >>> parse_percent_label("billing-v2") is None
        True
    """
    match = _PERCENT.match(label)
    return float(match.group(1)) if match is not None else None


def is_valid_override_label(label: str) -> bool:
    """True for a label Apollo's composition accepts (a percent label or a custom name).

    Args:
        label: an ``overrideLabel``.

    Returns:
        Whether the label is well formed.
    """
    return parse_percent_label(label) is not None or _CUSTOM.match(label) is not None
