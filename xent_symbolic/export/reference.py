"""The yardstick of every accuracy an export states: an expression at exact inputs to DIGITS digits, mpmath's
working precision doubled until two successive evaluations agree."""

from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy as sp

from ..primitives import MPMATH_FUNCTIONS

__all__ = ["DIGITS", "WORKING_DIGITS", "UnsettledReference", "exact_input", "settled"]

DIGITS = 50
#: working digits, doubled until two successive evaluations agree to DIGITS digits and are not zero (a sum that
#: cancels to 0 at every precision tried is taken as 0)
WORKING_DIGITS = (60, 120, 240, 480, 960, 1920)


class UnsettledReference(ArithmeticError):
    """Two evaluations at successive working precisions disagree even at the last, or are not finite."""


def exact_input(v: sp.Rational) -> mpmath.mpf:
    """A rational of a float (its denominator a power of 2) as an mpf: exact at any working precision."""
    return mpmath.mpf(v.p) / v.q


@lru_cache(maxsize=1024)
def _evaluator(expr: sp.Expr, symbols: tuple):
    return sp.lambdify(symbols, expr, modules=[MPMATH_FUNCTIONS, "mpmath"])


def settled(expr: sp.Expr, symbols: tuple, values: tuple) -> mpmath.mpf:
    """`expr` with `symbols` at `values` (rationals of floats) to DIGITS digits, settled (see WORKING_DIGITS);
    UnsettledReference where it does not settle or is not a finite real number (log(0) where 1 - sigma(z)
    rounds to 0 at every precision tried)."""
    function = _evaluator(expr, symbols)
    previous = value = None
    for digits in WORKING_DIGITS:
        with mpmath.workdps(digits):
            value = function(*(exact_input(v) for v in values))
            # a complex number, or an exact constant lambdify left alone
            if not isinstance(value, mpmath.mpf):
                value = mpmath.mpmathify(value)
                if not isinstance(value, mpmath.mpf):
                    raise UnsettledReference(f"{expr} at {values} is not real: {value}")
            if not mpmath.isfinite(value):
                previous = value
                continue
            agree = previous is not None and abs(value - previous) <= abs(value) * mpmath.mpf(10) ** -DIGITS
        if agree and value != 0:
            break
        previous = value
    else:
        if value != 0:
            raise UnsettledReference(f"{expr} at {values}: {previous} and {value} at the last two precisions")
    with mpmath.workdps(DIGITS):
        return +value
