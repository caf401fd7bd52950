"""Class 10 of issue 13: a true identity is never refuted; a counterexample is re-evaluated exactly first."""

from __future__ import annotations

import random

import sympy as sp

from xent_symbolic.assumptions import POSITIVE_INTEGERS, Assumptions
from xent_symbolic.check import decide_equal
from xent_symbolic.core import Status
from xent_symbolic.evidence import close, instantiate, search
from xent_symbolic.sums import substitute_free, write_out_sums

n = sp.Symbol("n", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True)
x = sp.IndexedBase("x", real=True)
A = Assumptions(domains=((n, POSITIVE_INTEGERS), (x, sp.S.Reals)))
TRIANGLE = sp.Sum(sp.Sum(x[j], (j, 1, i)), (i, 1, n))
WEIGHTED = sp.Sum((n - j + 1) * x[j], (j, 1, n))


def test_a_true_identity_between_nested_sums_is_not_refuted():
    obligation = decide_equal(TRIANGLE, WEIGHTED, A)
    assert obligation.status in (Status.PROVED, Status.CHECKED)
    assert obligation.counterexample is None


def test_a_false_nested_identity_is_still_refuted_with_a_confirmed_point():
    obligation = decide_equal(TRIANGLE, sp.Sum((n - j) * x[j], (j, 1, n)), A)
    assert obligation.status is Status.REFUTED
    assert all(not key.endswith("[j]") for key in obligation.counterexample)


def test_bound_elements_are_written_out_not_sampled():
    for size in (1, 2, 3):
        concrete = instantiate(TRIANGLE, A, {n: size}, random.Random(0))
        assert concrete == sum((size - k + 1) * x[k] for k in range(1, size + 1))


def test_reversed_limits_are_written_out_by_karr_s_convention():
    assert write_out_sums(sp.Sum(i, (i, 1, 3))) == 6
    assert write_out_sums(sp.Sum(i, (i, 3, 2))) == 0
    assert write_out_sums(sp.Sum(i, (i, 3, 0))) == -(1 + 2)  # -sum_{i=1}^{2} i
    assert write_out_sums(sp.Product(i, (i, 4, 1))) == sp.Rational(1, 6)  # 1 / prod_{i=2}^{3} i


def test_a_shadowed_index_keeps_its_own_binding():
    inner = sp.Sum(x[i], (i, 1, i))  # the limit's i is the outer one, the summand's the inner one
    assert substitute_free(inner, i, sp.Integer(2)) == sp.Sum(x[i], (i, 1, 2))
    assert write_out_sums(sp.Sum(sp.Sum(x[i], (i, 1, i)), (i, 1, 2))) == 2 * x[1] + x[2]


def test_a_point_the_fast_evaluation_gets_wrong_is_not_a_refutation():
    # e^100 (1 + z) + 1 - e^100 - e^100 z is 1 exactly; at 50 digits the cancellation leaves only ~6 of them
    z = sp.Symbol("z", real=True)
    a = Assumptions(domains=((z, sp.Interval(0, 1)),))
    big = sp.exp(sp.Integer(100))
    expr = sp.Add(big * (1 + z), 1, -big, -big * z, evaluate=False)
    assert expr.has(z)
    fast = search([expr], lambda v: close(v[0], 1), a, points=10)
    assert fast.failure is None
