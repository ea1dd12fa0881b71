"""Instrument names (contracts.md section 1) mapped to their scoring functions.

Each scoring function takes the assessment document as a plain ``dict`` (contracts.md section 2)
plus keyword options, and returns an :class:`~lupuscare.instruments.result.InstrumentResult`, or
raises :class:`~lupuscare.errors.InputError` naming the field that is missing or wrong.
Imports are lazy so that ``lupuscare --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from lupuscare.instruments.result import InstrumentResult

Scorer = Callable[..., InstrumentResult]

INSTRUMENTS: dict[str, str] = {
    "sledai2k": "lupuscare.instruments.sledai2k:score",
    "sle-das": "lupuscare.instruments.sle_das:score",
    "lldas": "lupuscare.instruments.lldas:score",
    "doris": "lupuscare.instruments.doris:score",
    "sfi": "lupuscare.instruments.sfi:score",
    "sri": "lupuscare.instruments.sri:score",
    "bicla": "lupuscare.instruments.bicla:score",
    "pga": "lupuscare.instruments.pga:score",
    "sdi": "lupuscare.instruments.sdi:score",
    "eular-acr-2019": "lupuscare.instruments.eular_acr_2019:score",
    "slicc-2012": "lupuscare.instruments.slicc_2012:score",
    "acr-1997": "lupuscare.instruments.acr_1997:score",
    "renal-response": "lupuscare.instruments.renal_response:score",
    "biopsy": "lupuscare.instruments.biopsy:score",
}


def get_scorer(name: str) -> Scorer:
    """The scoring function for ``name``; ``KeyError`` for an unknown instrument."""
    target = INSTRUMENTS[name]
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def score(name: str, document: dict[str, Any], **options: Any) -> InstrumentResult:
    return get_scorer(name)(document, **options)
