"""Class 7 of issue 13: the declared domain governs, not assumptions the symbol was created with."""

from __future__ import annotations

import pytest
import sympy as sp

from xent_symbolic.assumptions import Assumptions
from xent_symbolic.check import check, decide_equal
from xent_symbolic.core import Derivation, Name, Status
from xent_symbolic.rules import Rewrite

x = sp.Symbol("x", positive=True)
X = sp.IndexedBase("X", positive=True)
OVER_R = Assumptions(domains=((x, sp.S.Reals), (X, sp.S.Reals)))
POSITIVE = Assumptions(domains=((x, sp.Interval.open(0, sp.oo)), (X, sp.Interval.open(0, sp.oo))))
MISMATCH = "every symbol's SymPy assumptions follow from its declared domain"


@pytest.mark.parametrize("assumptions", [OVER_R, Assumptions()], ids=["declared-over-R", "undeclared"])
def test_log_of_a_square_is_not_proved_for_a_positive_symbol_declared_real(assumptions):
    assert decide_equal(sp.log(x**2), 2 * sp.log(x), assumptions).status is not Status.PROVED
    assert decide_equal(sp.log(X[1] ** 2), 2 * sp.log(X[1]), assumptions).status is not Status.PROVED


def test_the_step_says_which_symbol_claims_more_than_its_domain():
    d = Derivation("t", "t", sp.log(x**2), OVER_R, Name("L", "L")).apply(
        Rewrite("power-out", lambda e: 2 * sp.log(x), "log(x^2) = 2 log(x)")
    )
    checked = check(d)
    assert not checked.ok
    (mismatch,) = [o for o in checked.steps[0].obligations if o.claim == MISMATCH]
    assert mismatch.status is Status.UNKNOWN
    assert mismatch.method.startswith("x is positive, nonnegative in SymPy but declared in R: ")


def test_an_absolute_value_evaluated_away_at_construction_is_never_proved():
    # sqrt(x^2) became x when it was built with a positive x: the two sides are identical objects
    obligation = decide_equal(sp.sqrt(x**2), x, OVER_R)
    assert obligation.status is Status.CHECKED
    assert obligation.method.startswith(
        "not proved: x is positive, nonnegative in SymPy but declared in R; numerically: holds at "
    )


def test_the_true_variants_stay_proved_without_an_extra_obligation():
    assert decide_equal(sp.log(x**2), 2 * sp.log(x), POSITIVE).status is Status.PROVED
    assert decide_equal(sp.log(X[1] ** 2), 2 * sp.log(X[1]), POSITIVE).status is Status.PROVED
    d = Derivation("t", "t", sp.log(x**2), POSITIVE, Name("L", "L")).apply(
        Rewrite("power-out", lambda e: 2 * sp.log(x), "log(x^2) = 2 log(x)")
    )
    checked = check(d)
    assert checked.ok
    assert [o.claim for o in checked.steps[0].obligations] == ["after = before"]
