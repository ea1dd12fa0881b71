"""Errors of the meta-analysis engine.

Bad input is an :class:`~lupuscare.errors.InputError` naming the field; an iterative estimator
that does not converge raises :class:`ConvergenceError` (also an ``InputError``, so the command
line reports it the same way) instead of returning a silent NaN.
"""

from __future__ import annotations

from lupuscare.errors import InputError


class ConvergenceError(InputError):
    """An iterative estimator (Fisher scoring, root finding) did not converge."""
