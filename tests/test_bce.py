"""The bce catalog entry reproduces seed 001's chain step by step, and seed 000's two-point example."""

from __future__ import annotations

import sympy as sp

from xent_symbolic.catalog.notation import i, n, y, yhat
from xent_symbolic.core import Relation, Status
from xent_symbolic.render import conclusion_text

TRIAL = yhat[i] ** y[i] * (1 - yhat[i]) ** (1 - y[i])
TERMS = y[i] * sp.log(yhat[i]) + (1 - y[i]) * sp.log(1 - yhat[i])


def test_the_chain_is_seed_001s_rules_in_order(bce):
    assert [s.rule.name for s in bce.steps] == [
        "bernoulli-trial",
        "independent-product",
        "take-log",
        "log-of-product",
        "log-of-power",
        "negate",
        "scale",
    ]
    assert [s.relation for s in bce.steps] == [
        Relation.EQUAL,
        Relation.DEFINES,
        Relation.INCREASING,
        Relation.EQUAL,
        Relation.EQUAL,
        Relation.DECREASING,
        Relation.INCREASING,
    ]


def test_each_step_computes_the_expected_expression(bce):
    afters = [s.after for s in bce.steps]
    assert afters[0] == TRIAL
    assert afters[1] == sp.Product(TRIAL, (i, 1, n))
    assert afters[2] == sp.log(sp.Product(TRIAL, (i, 1, n)))
    assert afters[3] == sp.Sum(sp.log(yhat[i] ** y[i]) + sp.log((1 - yhat[i]) ** (1 - y[i])), (i, 1, n))
    assert afters[4] == sp.Sum(TERMS, (i, 1, n))
    assert afters[5] == -sp.Sum(TERMS, (i, 1, n))
    assert afters[6] == -sp.Sum(TERMS, (i, 1, n)) / n


def test_the_bernoulli_trial_is_yhat_at_y_1_and_one_minus_yhat_at_y_0(bce):
    trial = bce.steps[0].after
    assert trial.subs(y[i], 1) == yhat[i]
    assert trial.subs(y[i], 0) == 1 - yhat[i]


def test_every_step_is_proved_and_the_conclusion_is_stated(bce_checked):
    assert [c.status for c in bce_checked.steps] == [Status.PROVED] * 7
    assert bce_checked.ok
    assert bce_checked.conclusion.relation is Relation.DECREASING
    assert conclusion_text(bce_checked.conclusion) == "argmax_yhat L(yhat) = argmin_yhat J(yhat)"
    assert bce_checked.conclusion.status is Status.PROVED


def test_the_take_log_step_discharges_positivity_and_monotonicity(bce_checked):
    claims = {o.claim: o for o in bce_checked.steps[2].obligations}
    assert claims["before lies in (0, oo)"].method == "interval bounds: values in (0, 1]"
    assert claims["phi(t) = log(t) is strictly increasing on (0, oo)"].status is Status.PROVED


def _concrete(expr, size):
    """Instantiate n (plain symbols, per the SymPy pitfalls) and expand the sum."""
    return expr.xreplace({n: size}).doit()


def test_seed_000_two_points_is_the_n_2_instance_of_the_negative_log_likelihood(bce):
    # seed 000: red point (y=1) predicted red with P(R), blue point (y=0) predicted blue with P(B) = 1 - yhat_2
    p_r, p_b = sp.symbols("P_R P_B", positive=True)
    nll = _concrete(bce.steps[5].after, 2).xreplace({y[1]: 1, y[2]: 0, yhat[1]: p_r, yhat[2]: 1 - p_b})
    assert nll == -sp.log(p_r) - sp.log(p_b)
    assert sp.N(nll.subs({p_r: sp.Rational(6, 10), p_b: sp.Rational(7, 10)}), 4) == sp.Float("0.8675", 4)


def test_seed_000_two_class_form_is_the_n_1_instance(bce):
    p, label = sp.symbols("p y")
    loss = _concrete(bce.steps[5].after, 1).xreplace({yhat[1]: p, y[1]: label})
    assert loss == -label * sp.log(p) - (1 - label) * sp.log(1 - p)


def test_the_repr_is_short_and_says_how_it_was_built(bce, bce_checked):
    assert repr(bce) == (
        "Derivation(bce: P(y_i | yhat_i) by bernoulli-trial -> independent-product -> take-log -> "
        "log-of-product -> log-of-power -> negate -> scale)"
    )
    assert repr(bce_checked) == "CheckedDerivation(bce: 7 steps, proved)"
