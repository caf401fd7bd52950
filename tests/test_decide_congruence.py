"""Proof by congruence: two sides that differ only in a few subterms are proved part by part, soundly."""

from __future__ import annotations

import sympy as sp

from xent_symbolic import Assumptions, Status
from xent_symbolic.check import decide_equal
from xent_symbolic.decide import differing_parts
from xent_symbolic.functions import sigmoid
from xent_symbolic.primitives import stable_sigmoid

z, a = sp.Symbol("z", real=True), sp.Symbol("a", positive=True)
n, i = sp.Symbol("n", integer=True, positive=True), sp.Symbol("i", integer=True, positive=True)
x = sp.IndexedBase("x", real=True)
A = Assumptions(domains=((a, sp.Interval.open(0, sp.oo)), (x, sp.S.Reals)), indices=((i, 1, n),))


def test_the_differing_parts_are_the_rewritten_subterms_whatever_their_order():
    before = a * sigmoid(z) + sp.log(a) * sigmoid(-z)
    after = before.xreplace({sigmoid(z): stable_sigmoid(z), sigmoid(-z): stable_sigmoid(-z)})
    parts = differing_parts(before, after)
    # a * sigma(z) against a * P * (1 + e)^-1: the common factor a dropped, the rest of each side is the part
    expected = [(sigmoid(z), stable_sigmoid(z)), (sigmoid(-z), stable_sigmoid(-z))]
    assert sorted(parts, key=str) == sorted(expected, key=str)
    assert differing_parts(sp.exp(sigmoid(z)) + a, sp.exp(stable_sigmoid(z)) + a) == [
        (sigmoid(z), stable_sigmoid(z))
    ]


def test_a_binder_is_never_entered_and_a_condition_is_not_a_part():
    before = sp.Sum(sigmoid(x[i]), (i, 1, n))
    after = sp.Sum(stable_sigmoid(x[i]), (i, 1, n))
    assert differing_parts(before, after) == [(before, after)]  # i is bound: the whole sum is the part
    assert differing_parts(sp.Piecewise((z, z > 0), (0, True)), sp.Piecewise((z, z >= 0), (0, True))) is None


def test_one_wrong_part_is_refuted_never_proved():
    before = a * sigmoid(z) + sp.log(a) * sigmoid(-z)
    wrong = a * stable_sigmoid(z) + sp.log(a) * stable_sigmoid(z)  # sigma(-z) replaced by sigma(z)
    assert decide_equal(before, wrong, A).status is Status.REFUTED
    right = a * stable_sigmoid(z) + sp.log(a) * stable_sigmoid(-z)
    assert decide_equal(before, right, A).status is Status.PROVED
    off = a * stable_sigmoid(z) + sp.log(a) * stable_sigmoid(-z) + sp.Rational(1, 10**40)
    assert decide_equal(before, off, A).status is not Status.PROVED
