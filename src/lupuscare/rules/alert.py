"""The one output type of every safety rule: an alert a clinician can act on and check.

Each alert carries the values that produced it (``evidence``), the guideline behind it
(``citation``) and how sure we are of that citation (``certainty``), so a work-list can show *why*
without re-running the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Severity = Literal["info", "warning", "urgent"]
Certainty = Literal["verified", "single-source", "recalled", "project-decision"]

SEVERITY_ORDER: dict[str, int] = {"urgent": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    severity: Severity
    message: str  # plain language, for clinicians
    evidence: dict[str, Any]
    citation: str
    certainty: Certainty
    due_date: date | None = None
    suppresses: tuple[str, ...] = field(default=())  # judgements other code must not make now

    def to_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, list | tuple):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v

        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "evidence": plain(self.evidence),
            "citation": self.citation,
            "certainty": self.certainty,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "suppresses": list(self.suppresses),
        }
