"""Issue 13, Piecewise: enclosed only where its conditions are proved to cover the domain."""

from __future__ import annotations

import sympy as sp
from soundness_helpers import never_proved, take_log

from xent_symbolic import Assumptions, Status
from xent_symbolic.bounds import Bound, enclose, proves_positive

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
REALS = Assumptions()
POSITIVE = Assumptions(domains=((x, sp.Interval.open(0, sp.oo)),))


PARTIAL = (
    sp.Piecewise((2 + x**2, x > 0)),  # the example
    sp.Piecewise((1, x > 0), (2, x < 0)),  # misses 0
    sp.Piecewise((1, x > 1), (2, x < -1)),
    sp.Piecewise((1, x > y), (2, x < y)),  # two symbols: not decided
)


def test_conditions_that_miss_part_of_the_domain_give_no_enclosure():
    for partial in PARTIAL:
        assert enclose(partial, REALS) is None, partial
        assert not proves_positive(partial, REALS)


def test_the_log_of_a_partial_piecewise_is_not_proved():
    for partial in PARTIAL:
        never_proved(take_log(partial, REALS))


def test_covering_conditions_are_enclosed_and_stay_proved():
    otherwise = sp.Piecewise((2 + x**2, x > 0), (1, True))
    assert enclose(otherwise, REALS) == Bound(1, sp.oo, False, True)
    assert take_log(otherwise, REALS).status is Status.PROVED
    split = sp.Piecewise((2 + x**2, x > 0), (1, x <= 0))
    assert enclose(split, REALS) == Bound(1, sp.oo, False, True)
    assert take_log(split, REALS).status is Status.PROVED
    # a condition that holds on the whole declared domain covers it
    assert enclose(sp.Piecewise((x, x > 0)), POSITIVE) == Bound(0, sp.oo, True, True)
    assert take_log(sp.Piecewise((x, x > 0)), POSITIVE).status is Status.PROVED


def test_a_branch_that_is_negative_somewhere_is_not_proved_positive():
    expr = sp.Piecewise((x**2 + 1, x > 0), (-1, True))
    assert enclose(expr, REALS) == Bound(-1, sp.oo, False, True)
    obligation = take_log(expr, REALS)
    assert obligation.status is Status.REFUTED
