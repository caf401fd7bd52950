"""Class 6 of issue 13: the checker's internal bound indices cannot capture a symbol of the expression."""

from __future__ import annotations

import pytest
import sympy as sp

from xent_symbolic.assumptions import POSITIVE_INTEGERS, Assumptions
from xent_symbolic.check import decide_equal
from xent_symbolic.core import Status
from xent_symbolic.functions import sigmoid

n = sp.Symbol("n", integer=True, positive=True)
i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
A = Assumptions(domains=((n, POSITIVE_INTEGERS),))


def _declared(c):
    return Assumptions(domains=((n, POSITIVE_INTEGERS), (c, sp.S.Integers)))


INTERNAL_LOOKING = ["_k0", "_k1", "_b0_0", "_b1_0", "k0", "b0_0", "s"]


@pytest.mark.parametrize("name", INTERNAL_LOOKING)
def test_a_constant_summand_named_like_an_index_is_not_the_index(name):
    c = sp.Symbol(name, integer=True)
    a = _declared(c)
    assert decide_equal(sp.Sum(c, (i, 1, n)), sp.Sum(i, (i, 1, n)), a).status is Status.REFUTED
    assert decide_equal(sp.Sum(c, (i, 1, n)), n * (n + 1) / 2, a).status is not Status.PROVED
    assert decide_equal(sp.Sum(c, (i, 1, n)), n * c, a).status is Status.PROVED


@pytest.mark.parametrize("name", INTERNAL_LOOKING)
def test_inside_a_function_a_clashing_name_is_not_captured(name):
    c = sp.Symbol(name, integer=True)
    a = _declared(c)
    lhs, rhs = sigmoid(sp.Sum(c, (i, 1, n))), sigmoid(sp.Sum(i, (i, 1, n)))
    assert decide_equal(lhs, rhs, a).status is not Status.PROVED
    assert decide_equal(sigmoid(sp.Sum(c, (i, 1, n))), sigmoid(sp.Sum(c, (j, 1, n))), a).status is (
        Status.PROVED
    )


def test_nested_sums_with_a_clashing_name_are_not_captured():
    c = sp.Symbol("_k1", integer=True)
    lhs = sp.Sum(sp.Sum(c, (j, 1, n)), (i, 1, n))
    rhs = sp.Sum(sp.Sum(j, (j, 1, n)), (i, 1, n))
    assert decide_equal(lhs, rhs, _declared(c)).status is not Status.PROVED


def test_alpha_equivalent_sums_still_compare_equal():
    x = sp.IndexedBase("x", real=True)
    assert decide_equal(sp.Sum(x[i] ** 2, (i, 1, n)), sp.Sum(x[j] ** 2, (j, 1, n)), A).status is Status.PROVED
    lhs = 2 * sigmoid(sp.Sum(x[i], (i, 1, n)))
    rhs = sigmoid(sp.Sum(x[j], (j, 1, n))) + sigmoid(sp.Sum(x[i], (i, 1, n)))
    assert decide_equal(lhs, rhs, A).status is Status.PROVED
