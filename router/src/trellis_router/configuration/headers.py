"""``headers``: which client headers reach which subgraph (propagate, rename, insert, remove).

Apollo Router: ``headers.all.request`` and ``headers.subgraphs.<name>.request`` with
``propagate`` / ``insert`` / ``remove`` rules, applied in order (``all`` first).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .section import Section

__all__ = [
    "HeaderRule",
    "HeaderRules",
    "HeadersSettings",
    "InsertRule",
    "PropagateRule",
    "RemoveRule",
]


class PropagateRule(Section):
    """Copy client request headers to the subgraph request."""

    named: str | None = Field(default=None, description="The header to copy.")
    matching: str | None = Field(
        default=None, description="A regular expression: copy every header whose name matches."
    )
    rename: str | None = Field(
        default=None, description="Send the named header under this name (named only)."
    )
    default: str | None = Field(
        default=None, description="Value to send when the client did not send it (named only)."
    )

    @model_validator(mode="after")
    def _one(self) -> PropagateRule:
        if (self.named is None) == (self.matching is None):
            raise ValueError("propagate needs exactly one of named or matching")
        if self.matching is not None and (self.rename or self.default):
            raise ValueError("rename and default need named, not matching")
        return self


class InsertRule(Section):
    """Add a header with a fixed value or a value from the caller's JWT claims."""

    name: str = Field(description="The header to set.")
    value: str | None = Field(default=None, description="A fixed value.")
    from_claim: str | None = Field(
        default=None,
        description="A claim of the verified JWT (e.g. sub); nothing is sent without it.",
    )

    @model_validator(mode="after")
    def _one(self) -> InsertRule:
        if (self.value is None) == (self.from_claim is None):
            raise ValueError("insert needs exactly one of value or from_claim")
        return self


class RemoveRule(Section):
    """Drop headers an earlier rule added."""

    named: str | None = Field(default=None, description="The header to drop.")
    matching: str | None = Field(
        default=None, description="A regular expression: drop every header whose name matches."
    )

    @model_validator(mode="after")
    def _one(self) -> RemoveRule:
        if (self.named is None) == (self.matching is None):
            raise ValueError("remove needs exactly one of named or matching")
        return self


class HeaderRule(Section):
    """One rule: exactly one of ``propagate``, ``insert`` or ``remove``."""

    propagate: PropagateRule | None = Field(default=None, description="Copy client headers.")
    insert: InsertRule | None = Field(default=None, description="Add a header.")
    remove: RemoveRule | None = Field(default=None, description="Drop headers.")

    @model_validator(mode="after")
    def _one(self) -> HeaderRule:
        if sum(rule is not None for rule in (self.propagate, self.insert, self.remove)) != 1:
            raise ValueError("a header rule needs exactly one of propagate, insert or remove")
        return self


class HeaderRules(Section):
    """Rules for subgraph requests."""

    request: list[HeaderRule] = Field(
        default=[], description="Rules applied in order to build the subgraph request headers."
    )


class HeadersSettings(Section):
    """Header rules for every subgraph and per subgraph (by ``join__graph`` name)."""

    all: HeaderRules = Field(default=HeaderRules(), description="Rules for every subgraph.")
    subgraphs: dict[str, HeaderRules] = Field(
        default={}, description="Rules per subgraph name, applied after the 'all' rules."
    )
