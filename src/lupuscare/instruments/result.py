"""The result every instrument returns: a number (or class) that explains itself.

Results are plain, JSON-serialisable data (contracts.md section 3): ``instrument``, ``version``,
``citation`` and ``explanation`` always, plus the instrument's own fields in ``values``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ExplanationItem:
    """One item that counted (or was checked), and what produced it."""

    item: str
    points: float | int | bool | None
    source: str  # the finding, lab or input behind the item, e.g. "finding:arthritis" or "lab:upcr=0.85 g/g"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"item": self.item, "points": self.points, "source": self.source}
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True, slots=True)
class InstrumentResult:
    instrument: str
    version: str
    citation: str
    values: dict[str, Any]
    explanation: tuple[ExplanationItem, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "instrument": self.instrument,
            "version": self.version,
            "citation": self.citation,
        }
        out.update(self.values)
        out["explanation"] = [e.to_dict() for e in self.explanation]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    def __getitem__(self, key: str) -> Any:
        return self.values[key]
