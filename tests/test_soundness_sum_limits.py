"""Class 5 of issue 13 (prove.py): sums hold for their declared ranges only, limits not known to be ordered are
not assumed ordered (SymPy's Karr convention: sum_{i=a}^{b} f = -sum_{i=b+1}^{a-1} f when b < a - 1)."""

from __future__ import annotations

import pytest
import sympy as sp

from xent_symbolic.assumptions import POSITIVE_INTEGERS, Assumptions
from xent_symbolic.check import decide_equal
from xent_symbolic.core import Status

i = sp.Symbol("i", integer=True)
m = sp.Symbol("m", integer=True)
n = sp.Symbol("n", integer=True, positive=True)
y = sp.IndexedBase("y", positive=True)
A = Assumptions(domains=((m, sp.S.Integers), (n, POSITIVE_INTEGERS), (y, sp.Interval.open(0, sp.oo))))

FALSE = {
    # a reversed range has 5 - 2 - 1 = 2 terms with a minus sign: the constant 1 adds -2, not +2
    "reversed-constant": (sp.Sum(y[i] + 1, (i, 5, 2)), sp.Sum(y[i], (i, 5, 2)) + 2),
    # the factors i - 5 are negative on the range the product runs over (3..4), not on the empty 5..2
    "reversed-log-product": (sp.log(sp.Product(i - 5, (i, 5, 2))), sp.Sum(sp.log(i - 5), (i, 5, 2))),
    # log(i^2) = 2 log(i) needs i > 0; the sum runs over i = -2
    "reversed-log-power": (sp.Sum(sp.log(i**2) - 2 * sp.log(i), (i, -1, -3)), sp.S.Zero),
    # |i| = i on 1..m only if m >= 0; for m = -3 the sum runs over -2..0
    "maybe-reversed-abs": (sp.Sum(sp.Abs(i) - i, (i, 1, m)), sp.S.Zero),
    "maybe-reversed-log-product": (sp.log(sp.Product(i, (i, 1, m))), sp.Sum(sp.log(i), (i, 1, m))),
}
TRUE = {
    "reversed-constant": (sp.Sum(y[i] + 1, (i, 5, 2)), sp.Sum(y[i], (i, 5, 2)) - 2),
    "ordered-constant": (sp.Sum(y[i] + 1, (i, 1, n)), sp.Sum(y[i], (i, 1, n)) + n),
    "maybe-reversed-constant": (sp.Sum(y[i] + 1, (i, 1, m)), sp.Sum(y[i], (i, 1, m)) + m),
    "maybe-reversed-log-of-positive-product": (
        sp.log(sp.Product(y[i], (i, 1, m))),
        sp.Sum(sp.log(y[i]), (i, 1, m)),
    ),
}


@pytest.mark.parametrize("name", FALSE)
def test_false_identities_over_reversed_or_unordered_limits_are_never_proved(name):
    lhs, rhs = FALSE[name]
    assert decide_equal(lhs, rhs, A).status is not Status.PROVED


def test_a_reversed_constant_is_refuted_at_a_point():
    lhs, rhs = FALSE["reversed-constant"]
    assert decide_equal(lhs, rhs, A).status is Status.REFUTED


@pytest.mark.parametrize("name", TRUE)
def test_true_identities_stay_proved(name):
    lhs, rhs = TRUE[name]
    assert decide_equal(lhs, rhs, A).status is Status.PROVED
