"""The base of every settings section: a pydantic model that rejects unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Section"]


class Section(BaseModel):
    """A nested settings section (``router.yaml`` mapping): frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)
