"""Comparison operators as data, so thresholds can live in versioned protocol documents."""

from __future__ import annotations

import operator
from collections.abc import Callable
from enum import StrEnum


class Op(StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "=="

    def holds(self, value: float, limit: float) -> bool:
        return _FUNCS[self](value, limit)


_FUNCS: dict[Op, Callable[[float, float], bool]] = {
    Op.GE: operator.ge, Op.GT: operator.gt, Op.LE: operator.le, Op.LT: operator.lt,
    Op.EQ: operator.eq,
}
