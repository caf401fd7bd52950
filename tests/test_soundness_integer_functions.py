"""Issue 13, integer functions: factorial(x) of a real x is gamma(x + 1), not an integer factorial."""

from __future__ import annotations

import sympy as sp
from soundness_helpers import take_log

from xent_symbolic import Assumptions, Status
from xent_symbolic.bounds import Bound, enclose, proves_within

x = sp.Symbol("x", real=True)
k = sp.Symbol("k", integer=True)
y = sp.IndexedBase("y")
i = sp.Symbol("i", integer=True)
NONNEGATIVE_REAL = Assumptions(domains=((x, sp.Interval(0, sp.oo)),))
COUNTS = Assumptions(domains=((k, sp.S.Naturals0), (y, sp.S.Naturals0)))


def test_factorial_of_a_real_is_not_at_least_one():
    # factorial(1/2) = gamma(3/2) = 0.886...: 'factorial(x) lies in [1, oo)' is false for real x >= 0
    assert sp.factorial(sp.Rational(1, 2)).evalf() < 1
    b = enclose(sp.factorial(x), NONNEGATIVE_REAL)
    assert b == Bound(sp.Rational(885, 1000), sp.oo, False, True)
    assert not proves_within(sp.factorial(x), sp.Interval(1, sp.oo), NONNEGATIVE_REAL)
    # log(factorial(x)) >= 0 is false at x = 1/2
    assert not proves_within(sp.log(sp.factorial(x)), sp.Interval(0, sp.oo), NONNEGATIVE_REAL)
    # still positive: the log step stays proved
    assert take_log(sp.factorial(x), NONNEGATIVE_REAL).status is Status.PROVED


def test_factorial_of_a_real_that_may_be_negative_has_no_enclosure():
    assert enclose(sp.factorial(x), Assumptions()) is None
    assert enclose(sp.factorial(x), Assumptions(domains=((x, sp.Interval(-sp.Rational(1, 2), 3)),))) is None
    obligation = take_log(sp.factorial(x) - sp.Rational(1, 2), Assumptions())
    assert obligation.status is not Status.PROVED


def test_factorial_of_a_nonnegative_integer_is_at_least_one():
    assert enclose(sp.factorial(k), COUNTS) == Bound(1, sp.oo, False, True)
    assert enclose(sp.factorial(y[i]), COUNTS) == Bound(1, sp.oo, False, True)
    assert enclose(sp.factorial(y[i] + k), COUNTS) == Bound(1, sp.oo, False, True)
    assert proves_within(sp.log(sp.factorial(y[i])), sp.Interval(0, sp.oo), COUNTS)
    # an integer that may be negative: no enclosure
    assert enclose(sp.factorial(k), Assumptions()) is None
    # a half-integer is no integer
    assert enclose(sp.factorial(k / 2), COUNTS) == Bound(sp.Rational(885, 1000), sp.oo, False, True)
