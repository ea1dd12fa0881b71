"""Citations and how far each one has been checked.

Every threshold in this package carries a :class:`Source`, so a screen or a report can say where a
number comes from and how much to trust it (cell-therapy.md uses the same four tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Certainty(StrEnum):
    """How well a cited fact has been checked (the tags of cell-therapy.md)."""

    VERIFIED = "verified"  # [V] checked against the named source
    SECONDARY = "secondary"  # [V, secondary] checked only against a summary or copy
    RECALLED = "recalled"  # [R] standard content of the source, not re-checked
    UNVERIFIED = "unverified"  # [?] or a project default with no source: configure per protocol


@dataclass(frozen=True)
class Source:
    """A citation: what says so, where, and how far we checked it."""

    text: str
    certainty: Certainty
    url: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "certainty": self.certainty.value, "url": self.url}


PROJECT_DEFAULT = Source(
    "lupuscare project default (no published source): set it in the protocol",
    Certainty.UNVERIFIED,
)
