"""BILAG-2004 grades recorded per domain, and the "new A / new B" counts SRI and BICLA use.

BILAG-2004 itself (97 items, 9 domains, grades A-E: Isenberg DA et al. Rheumatology
2005;44:902-6 [known]) is not scored here; the document carries the grade per domain in
``bilag_grades`` (``{"renal": "A", "mucocutaneous": "C", ...}``), as assigned by the assessor.
A "new A" is a domain graded A now that was not A at baseline; a "new B" is a domain graded B now
that was C, D or E at baseline (improvement from A to B is not new) [known: usual trial usage].
"""

from __future__ import annotations

from lupuscare.errors import MissingInputError
from lupuscare.instruments.assessment import Assessment


def new_a_b(a: Assessment) -> tuple[int, int, str]:
    """(new A count, new B count, source) from ``bilag`` or from grades versus ``previous``."""
    if a.bilag is not None:
        return a.bilag.new_a, a.bilag.new_b, f"input:bilag new_a={a.bilag.new_a} new_b={a.bilag.new_b}"
    prev = a.previous
    if a.bilag_grades is None or prev is None or prev.bilag_grades is None:
        raise MissingInputError("bilag", "needs bilag {new_a,new_b} or bilag_grades at both visits")
    now, base = a.bilag_grades, prev.bilag_grades
    new_a = [d for d, g in now.items() if g == "A" and base.get(d) != "A"]
    new_b = [d for d, g in now.items() if g == "B" and base.get(d, "E") in ("C", "D", "E")]
    src = f"bilag_grades new A: {', '.join(new_a) or 'none'}; new B: {', '.join(new_b) or 'none'}"
    return len(new_a), len(new_b), src
