"""Interval enclosures are sound and tight enough to prove the side conditions of the catalog."""

from __future__ import annotations

import sympy as sp

from xent_symbolic.assumptions import Assumptions
from xent_symbolic.bounds import Bound, enclose, proves_positive
from xent_symbolic.catalog.notation import bernoulli_assumptions, i, n, y, yhat
from xent_symbolic.functions import sigmoid

A = bernoulli_assumptions()
x = sp.Symbol("x", real=True)


def test_enclosures_of_the_likelihood_pieces():
    assert enclose(1 - yhat[i], A) == Bound(0, 1, True, True)
    assert enclose(yhat[i] ** y[i] * (1 - yhat[i]) ** (1 - y[i]), A) == Bound(0, 1, True, False)
    assert enclose(sp.Product(yhat[i], (i, 1, n)), A) == Bound(0, 1, True, False)
    assert enclose(1 / n, A) == Bound(0, 1, True, False)
    assert enclose(-1 / n, A) == Bound(-1, 0, False, True)


def test_even_powers_and_sigmoid():
    assert enclose(x**2, Assumptions()) == Bound(0, sp.oo, False, True)
    assert enclose(sigmoid(x) * (1 - sigmoid(x)), Assumptions()) == Bound(0, 1, True, True)
    assert proves_positive(sp.exp(x) + x**2, Assumptions())


def test_no_proof_where_the_sign_is_not_fixed():
    assert not proves_positive(yhat[i] - sp.Rational(1, 2), A)
    assert not proves_positive(x, Assumptions())
    assert enclose(sp.Product(yhat[i] - 1, (i, 1, n)), A) is None
