"""Issue 13 class 11 and issue 12 item 8: huge exponents never build huge exact numbers, and stay sound."""

from __future__ import annotations

import time

import mpmath
import sympy as sp

from xent_symbolic import Assumptions
from xent_symbolic.bounds import MAX_MAGNITUDE, Bound, enclose, proves_positive
from xent_symbolic.functions import sigmoid

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)


def _timed(expr, assumptions):
    start = time.perf_counter()
    bound = enclose(expr, assumptions)
    return bound, time.perf_counter() - start


def test_sigmoid_to_a_huge_power_is_enclosed_quickly():
    bound, seconds = _timed(sigmoid(z) ** (10**99), Assumptions())
    assert seconds < 0.5 and bound == Bound(0, 1, True, True)
    unit = Assumptions(domains=((z, sp.Interval(0, 1)),))
    bound, seconds = _timed(sigmoid(z) ** (10**99), unit)
    # sigmoid(1)**(10**99) is about 2**(-4.5e98): the upper end is widened to 2**-MAX_MAGNITUDE, lower to 0
    assert seconds < 0.5 and bound.lo == 0 and bound.lo_open
    assert bound.hi == sp.Float._new((0, 1, -MAX_MAGNITUDE, 1), 53)
    assert proves_positive(sigmoid(z) ** (10**99), unit)


def test_a_huge_power_of_a_sum_is_enclosed_quickly():
    unit = Assumptions(domains=((x, sp.Interval(0, 1)),))
    bound, seconds = _timed((x + 2) ** (10**9), unit)
    assert seconds < 0.5 and bound.hi == sp.oo
    assert bound.lo == sp.Float._new((0, 1, MAX_MAGNITUDE, 1), 53)  # 2**(10**9) >= 2**MAX_MAGNITUDE
    bound, seconds = _timed((x + 2) ** (10**9), Assumptions())
    assert seconds < 0.5 and bound == Bound(0, sp.oo, False, True)
    bound, seconds = _timed((x - 2) ** (10**9 + 1), unit)  # odd: negative
    assert seconds < 0.5 and bound.hi < 0 and bound.lo == -sp.oo
    bound, seconds = _timed((x + sp.Rational(1, 3)) ** (-(10**9)), unit)
    assert seconds < 0.5 and bound.lo == 0 and bound.lo_open and bound.hi == sp.oo


def test_huge_exact_rational_powers_are_rounded():
    t = sp.Symbol("t", real=True)
    a = Assumptions(domains=((t, sp.Interval(sp.Rational(3, 2), sp.Rational(5, 3))),))
    bound, seconds = _timed(t**1000, a)
    assert seconds < 0.5
    with mpmath.workprec(4000):
        assert mpmath.mpf(bound.lo._mpf_) <= mpmath.mpf(3) ** 1000 / mpmath.mpf(2) ** 1000
        assert mpmath.mpf(bound.hi._mpf_) >= mpmath.mpf(5) ** 1000 / mpmath.mpf(3) ** 1000
    # small exact powers stay exact
    assert enclose(t**3, a) == Bound(sp.Rational(27, 8), sp.Rational(125, 27))


def test_a_huge_constant_power_is_decided_quickly():
    start = time.perf_counter()
    assert proves_positive(sigmoid(sp.Integer(3)) ** (10**99), Assumptions())
    assert not proves_positive(sigmoid(sp.Integer(3)) ** (10**99) - sp.Rational(1, 10**9), Assumptions())
    assert time.perf_counter() - start < 2
