"""Class 4 of issue 13: definitions expand to a fixed point in any order; a parameter cannot hide behind them."""

from __future__ import annotations

import pytest
import sympy as sp

from xent_symbolic.assumptions import Assumptions
from xent_symbolic.calculus import prepare
from xent_symbolic.check import check
from xent_symbolic.core import Derivation, Name, Status
from xent_symbolic.errors import StepError
from xent_symbolic.functions import sigmoid
from xent_symbolic.rules import MonotoneMap

w, z, p, u = sp.symbols("w z p u", real=True)
t = sp.Symbol("t", real=True)
ORDERS = {"inner-first": ((z, w), (p, sigmoid(z))), "outer-first": ((p, sigmoid(z)), (z, w))}


@pytest.mark.parametrize("order", ORDERS)
def test_a_parameter_behind_two_definitions_is_found_in_either_order(order):
    assumptions = Assumptions(domains=((w, sp.S.Reals),), parameters=(w,), definitions=ORDERS[order])
    d = Derivation("hidden", "hidden", w**2, assumptions, Name("L", "L")).apply(
        MonotoneMap(sp.Lambda(t, t + 10 * p), sp.S.Reals, increasing=True, justification="phi' = 1")
    )
    checked = check(d)
    (free,) = [o for o in checked.steps[0].obligations if o.claim == "phi does not depend on the parameters"]
    assert free.status is Status.REFUTED
    assert free.method == "phi involves the parameter(s) w"
    assert not checked.ok


@pytest.mark.parametrize("order", ORDERS)
def test_expansion_reaches_the_fixed_point_in_any_order(order):
    assumptions = Assumptions(definitions=ORDERS[order])
    assert assumptions.expand_definitions(p + z) == sigmoid(w) + w


def test_indexed_definitions_expand_in_any_order():
    X, zz, yh = sp.IndexedBase("X"), sp.IndexedBase("z"), sp.IndexedBase("yhat")
    i, j = sp.symbols("i j", integer=True)
    inner_first = Assumptions(definitions=((zz[i], X[i, 1] * w), (yh[i], sigmoid(zz[i]))))
    assert inner_first.expand_definitions(yh[j]) == sigmoid(w * X[j, 1])


def test_cyclic_definitions_are_refused_with_one_line():
    with pytest.raises(
        StepError,
        match=r"^assumptions: the definitions are cyclic \(z -> p -> z\); define every quantity in terms of "
        r"ones that do not refer back to it$",
    ):
        Assumptions(definitions=((z, p + 1), (p, sigmoid(z))))
    with pytest.raises(StepError, match=r"cyclic \(u -> u\)"):
        Assumptions(definitions=((u, u + 1),))


@pytest.mark.parametrize("order", ORDERS)
def test_a_partial_derivative_sees_a_dependence_listed_after_it(order):
    # d/dz (z + 10 p) with p := sigmoid(z) (then z := w): the dependence on z through p must not be dropped
    assumptions = Assumptions(definitions=ORDERS[order])
    value = prepare(sp.Derivative(z + 10 * p, z), assumptions)
    assert sp.simplify(value - (1 + 10 * sigmoid(w) * (1 - sigmoid(w)))) == 0
