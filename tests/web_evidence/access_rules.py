"""Access rules of the evidence pages for the URL walk (``tests/web/access.py``).

/evidence/ is published evidence and our analysis of it (no patient data): everyone, signed in
or not. The meta-analysis tool computes on uploaded data: signed-in users of any role.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from web.access import AUTHENTICATED, EVERYONE, Rule
from web.factories import World

BCG = Path(__file__).resolve().parent.parent / "evidence" / "data" / "bcg.csv"


def _bcg_form(world: World) -> dict[str, Any]:
    return {"csv_text": BCG.read_text(encoding="utf-8"), "measure": "RR", "method": "REML",
            "test": "z"}  # fmt: skip


RULES: dict[str, Rule] = {
    "evidence:page": Rule(EVERYONE),
    "evidence:meta": Rule(AUTHENTICATED),
    "evidence:meta POST": Rule(AUTHENTICATED, method="post", payload=_bcg_form),
}
