"""The clinical instruments: each scores one assessment document and explains itself.

``score_all(document)`` scores every registered instrument the document has the inputs for
(contracts.md section 1, ``INSTRUMENT = all``); an instrument that raises ``MissingInputError`` is
left out, while bad input (any other ``InputError``) propagates, naming the field.
``score(name, document, **options)`` scores one instrument by name (the registry's function).
"""

from __future__ import annotations

from typing import Any

from lupuscare.errors import MissingInputError
from lupuscare.instruments.registry import INSTRUMENTS, get_scorer, score
from lupuscare.instruments.result import InstrumentResult


def score_all(document: dict[str, Any]) -> dict[str, InstrumentResult]:
    """Instrument name -> result, for every instrument with the inputs it needs."""
    out: dict[str, InstrumentResult] = {}
    for name in INSTRUMENTS:
        try:
            scorer = get_scorer(name)
        except ModuleNotFoundError as e:  # an instrument registered but not written yet
            if e.name == INSTRUMENTS[name].partition(":")[0]:
                continue
            raise
        try:
            out[name] = scorer(document)
        except MissingInputError:
            continue
    return out


__all__ = ["score", "score_all"]
