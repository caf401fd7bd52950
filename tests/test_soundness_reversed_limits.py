"""Issue 13, sums and products whose limits may be reversed: Karr's convention, no order assumed."""

from __future__ import annotations

import sympy as sp
from soundness_helpers import never_proved, take_log

from xent_symbolic import Assumptions, Status
from xent_symbolic.bounds import Bound, enclose, proves_positive

i = sp.Symbol("i", integer=True)
j = sp.Symbol("j", integer=True)
m = sp.Symbol("m", integer=True)
n = sp.Symbol("n", integer=True, positive=True)
x = sp.IndexedBase("x")
p = sp.IndexedBase("p")
A = Assumptions(domains=((n, sp.S.Naturals), (p, sp.Interval.open(0, 1))))


def test_the_issue_sum_is_not_proved_positive():
    expr = 1 + sp.Sum(x[i] ** 2, (i, 1, m))
    # SymPy's value at m = -5 with every x_i = 1 is 1 - 5 = -4: Karr's reversed sum
    assert expr.xreplace({m: -5}).replace(lambda e: isinstance(e, sp.Indexed), lambda e: 1).doit() == -4
    b = enclose(expr, A)
    assert b is None or not b.is_positive()
    assert b == Bound(-sp.oo, sp.oo, True, True)
    never_proved(take_log(expr, A))


def test_the_issue_product_is_not_proved_within_its_forward_range():
    expr = sp.Product(p[i], (i, 1, m))
    # at m = -5 it is 1 / (p_-4 ... p_0) > 1
    b = enclose(expr, A)
    assert b == Bound(0, sp.oo, True, True)
    assert not b.within(sp.Interval.Lopen(0, 1))
    assert enclose(sp.Product(p[i], (i, 1, n)), A) == Bound(0, 1, True, False)


def test_limits_proved_reversed_are_enclosed_as_karr_says():
    reversed_sum = sp.Sum(x[i] ** 2, (i, 1, -5))  # = -Sum(x_i**2, (i, -4, 0))
    assert enclose(reversed_sum, A) == Bound(-sp.oo, 0, True, False)
    reversed_product = sp.Product(p[i], (i, 1, -5))  # = 1 / Product(p_i, (i, -4, 0))
    assert enclose(reversed_product, A) == Bound(1, sp.oo, False, True)
    assert not proves_positive(sp.Sum(x[i] ** 2 + 1, (i, 1, -5)), A)
    never_proved(take_log(sp.Sum(x[i] ** 2 + 1, (i, 1, -5)), A))


def test_ordered_limits_stay_proved():
    assert take_log(1 + sp.Sum(x[i] ** 2, (i, 1, n)), A).status is Status.PROVED
    assert take_log(sp.Product(p[i], (i, 1, n)), A).status is Status.PROVED
    assert take_log(sp.Sum(p[i], (i, 1, n)), A).status is Status.PROVED
    # m declared at least 0: the sum over 1..m is empty or ordered
    ordered = Assumptions(domains=((m, sp.S.Naturals0),))
    assert enclose(1 + sp.Sum(x[i] ** 2, (i, 1, m)), ordered) == Bound(1, sp.oo, False, True)


def test_the_index_ranges_over_the_karr_range_in_either_order():
    # the term i over 1..m: i lies in [min(1, m + 1), max(m, 0)]
    bounded = Assumptions(domains=((m, sp.Range(-5, 4)),))
    term = enclose(sp.Sum(i, (i, 1, m)), bounded)
    for value in range(-5, 4):
        v = sp.Sum(i, (i, 1, value)).doit()
        assert term.lo <= v <= term.hi, (value, v, term)


def test_nested_limits_bind_the_outer_index_first():
    # the inner upper limit is the outer index: 1 + sum_j sum_{i=1..j} 1 over j = 1..n is positive
    assert proves_positive(1 + sp.Sum(1, (i, 1, j), (j, 1, n)), A)
    # the inner limit j - 3 may fall below 1 - 1 for j = 1: the inner sum may be reversed
    expr = sp.Sum(1, (i, 1, j - 3), (j, 1, n))
    assert sp.Sum(1, (i, 1, j - 3), (j, 1, 1)).doit() == -2
    assert not proves_positive(expr + 1, A)


def test_limits_not_proved_integer_give_no_enclosure():
    t = sp.Symbol("t", real=True)
    assert enclose(sp.Sum(i**2, (i, 1, t)), Assumptions(domains=((t, sp.Interval(5, 6)),))) is None
