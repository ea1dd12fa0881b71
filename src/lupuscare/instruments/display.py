"""How each instrument's result is named and summarised wherever it is shown or stored: a short
label, a plain-language name with its scale, and the headline (the number, met/not met, or the
category a list or chart shows). One entry per instrument, its numbers taken from the instrument
itself, so adding an instrument touches no page and no template carries a threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lupuscare.instruments import biopsy, pga, sle_das, sledai2k

Headline = tuple[float | None, bool | None, str]


@dataclass(frozen=True, slots=True)
class Display:
    label: str
    plain: str  # for patients and printouts: what it is, with its scale
    headline: Callable[[dict[str, Any]], Headline]


def _number(key: str, category: str | None = None) -> Callable[[dict[str, Any]], Headline]:
    def headline(values: dict[str, Any]) -> Headline:
        return float(values[key]), None, values.get(category, "") if category else ""
    return headline


def _met(values: dict[str, Any]) -> Headline:
    return None, values.get("met"), ""


DISPLAY: dict[str, Display] = {
    "sledai2k": Display(
        "SLEDAI-2K",
        f"SLEDAI-2K (disease activity, 0-{sledai2k.MAX_TOTAL}; 0 = no activity)",
        _number("total")),
    "sle-das": Display(
        "SLE-DAS",
        f"SLE-DAS (disease activity; {sle_das.REMISSION_AT_MOST:g} or less = remission range)",
        _number("score", "category")),
    "lldas": Display("LLDAS", "Lupus Low Disease Activity State (LLDAS)", _met),
    "doris": Display("DORIS", "DORIS remission", _met),
    "sfi": Display("SFI", "Flare compared with the previous visit (SELENA Flare Index)",
                   lambda v: (None, None, v.get("flare", ""))),
    "sri": Display("SRI", "SLE Responder Index compared with the previous visit (SRI)",
                   lambda v: (None, v.get("responder"), f"SRI-{v.get('k')}")),
    "sdi": Display("SDI", "Damage index (SDI)", _number("total")),
    "pga": Display("PGA", f"Physician global assessment (0-{pga.PGA_MAX:g})",
                   _number("pga", "category")),
    "biopsy": Display(
        "Kidney biopsy",
        f"Kidney biopsy: ISN/RPS class, NIH activity (0-{biopsy.ACTIVITY_INDEX_MAX}) and "
        f"chronicity (0-{biopsy.CHRONICITY_INDEX_MAX}) indices",
        lambda v: (None, None, str(v.get("class", "")))),
}


def display(name: str) -> Display:
    """The entry for ``name``; an instrument without one is shown by its name and its
    ``total`` or ``score``."""
    if name in DISPLAY:
        return DISPLAY[name]
    return Display(name, name, _fallback)


def _fallback(values: dict[str, Any]) -> Headline:
    for key in ("total", "score"):
        if isinstance(values.get(key), int | float) and not isinstance(values.get(key), bool):
            return float(values[key]), None, ""
    return None, None, ""


def headline(name: str, values: dict[str, Any]) -> Headline:
    """(value, met, category) of a result's ``to_dict()``."""
    return display(name).headline(values)
