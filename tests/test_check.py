"""The checker refutes broken steps with a point, and never calls proved what it only sampled."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp

from xent_symbolic.catalog.notation import bernoulli_assumptions, i, n, y, yhat
from xent_symbolic.check import check, check_step, decide_equal
from xent_symbolic.core import Derivation, Name, Relation, Status, Step
from xent_symbolic.errors import RuleError, StepError
from xent_symbolic.functions import sigmoid
from xent_symbolic.render import conclusion_text
from xent_symbolic.rules import LogOfProduct, MonotoneMap, Negate, Scale, TakeLog

A = bernoulli_assumptions()
TERMS = y[i] * sp.log(yhat[i]) + (1 - y[i]) * sp.log(1 - yhat[i])


def _refuted(step_check, claim):
    (obligation,) = [o for o in step_check.obligations if o.claim == claim]
    assert obligation.status is Status.REFUTED
    assert obligation.counterexample
    return obligation


def test_a_flipped_sign_in_the_negate_step_is_refuted_at_a_point(bce):
    broken = replace(bce.steps[5], after=sp.Sum(TERMS, (i, 1, n)))
    result = check_step(broken, A)
    assert result.status is Status.REFUTED
    obligation = _refuted(result, "after = phi(before)")
    lhs, rhs = (float(v) for v in obligation.values)
    assert lhs == pytest.approx(-rhs) and lhs != 0


def test_a_dropped_term_in_the_power_rule_step_is_refuted(bce):
    broken = replace(bce.steps[4], after=sp.Sum(y[i] * sp.log(yhat[i]), (i, 1, n)))
    obligation = _refuted(check_step(broken, A), "after = before")
    assert obligation.counterexample["n"] in {"1", "2", "3", "4"}
    assert any(key.startswith("y[") and value == "0.0" for key, value in obligation.counterexample.items())


def test_an_answer_off_by_one_part_in_a_billion_is_refuted(bce):
    broken = replace(bce.steps[6], after=bce.steps[6].after * (1 + sp.Rational(1, 10**9)))
    assert check_step(broken, A).status is Status.REFUTED


def test_log_of_an_expression_that_can_be_negative_is_refuted():
    step = TakeLog().step(sp.Product(yhat[i] - sp.Rational(1, 2), (i, 1, n)), A)
    obligation = _refuted(check_step(step, A), "before lies in (0, oo)")
    assert float(obligation.values[0]) <= 0


def test_scaling_by_a_possibly_negative_constant_is_refuted():
    c = sp.Symbol("c", real=True)
    step = Scale(c).step(sp.Sum(TERMS, (i, 1, n)), A)
    obligation = _refuted(check_step(step, A), "phi(t) = c*t is strictly increasing on R")
    assert float(obligation.counterexample["c"]) <= 0


def test_scaling_by_a_parameter_is_refuted_because_it_moves_the_argmin():
    step = Scale(yhat[1]).step(sp.Sum(TERMS, (i, 1, n)), A)
    obligation = _refuted(check_step(step, A), "phi does not depend on the parameters")
    assert obligation.method == "phi involves the parameter(s) yhat[1]"


def test_a_negative_scale_factor_is_rejected_when_the_rule_is_made():
    with pytest.raises(
        RuleError, match=r"^rule 'scale': the factor must be positive, got -1/2; use 'negate' for a sign$"
    ):
        Scale(-sp.Rational(1, 2))


def test_a_claimed_increasing_map_that_decreases_is_refuted():
    phi = sp.Lambda(sp.Symbol("t"), -sp.Symbol("t"))
    step = MonotoneMap(phi, sp.S.Reals, increasing=True, justification="wrongly claimed increasing").step(
        yhat[1], A
    )
    assert _refuted(check_step(step, A), "phi(t) = -t is strictly increasing on R")


def test_a_swapped_bernoulli_trial_is_refuted(bce):
    broken = replace(bce.steps[0], after=yhat[i] ** (1 - y[i]) * (1 - yhat[i]) ** y[i])
    assert check_step(broken, A).status is Status.REFUTED


def test_product_rule_on_factors_of_unknown_sign_is_not_proved():
    x = sp.IndexedBase("x", real=True)
    assumptions = replace(A, domains=(*A.domains, (x, sp.S.Reals)))
    step = LogOfProduct().step(sp.log(sp.Product(x[i], (i, 1, n))), assumptions)
    assert check_step(step, assumptions).status is not Status.PROVED


def test_what_was_only_sampled_is_reported_checked_not_proved():
    z = sp.Symbol("z", real=True)
    before = sigmoid(z) * (1 - sigmoid(z))
    after = sp.exp(-z) / (1 + sp.exp(-z)) ** 2
    obligation = decide_equal(before, after, A, budget=0.0)
    assert obligation.status is Status.CHECKED
    assert obligation.method.startswith("not proved symbolically within 0 s; numerically: holds at ")
    assert obligation.method.endswith(" random points at 50 digits")
    assert decide_equal(before, after, A).status is Status.PROVED


def test_a_claim_with_no_evaluable_point_is_unknown():
    before = sp.log(-1 - yhat[1] ** 2)
    obligation = decide_equal(before, before + sp.sqrt(-1 - yhat[1] ** 2), A, budget=0.0)
    assert obligation.status is Status.UNKNOWN


def test_a_broken_step_makes_the_derivation_not_ok(bce):
    broken = replace(bce.steps[5], after=sp.Sum(TERMS, (i, 1, n)))
    derivation = Derivation(
        bce.name, bce.title, bce.start, bce.assumptions, bce.start_name, (*bce.steps[:5], broken)
    )
    checked = check(derivation)
    assert not checked.ok
    assert checked.status is Status.REFUTED
    assert checked.conclusion.status is Status.REFUTED


def test_a_step_that_does_not_start_where_the_last_ended_is_rejected(bce):
    with pytest.raises(StepError, match=r"step 2 \(negate\) starts from"):
        Derivation(
            bce.name, bce.title, bce.start, bce.assumptions, bce.start_name, (bce.steps[0], bce.steps[5])
        )


def test_a_monotone_step_without_its_map_is_rejected():
    with pytest.raises(StepError, match=r"^step 'negate': a 'decreasing' step needs its transform phi$"):
        Step(Negate(), yhat[1], -yhat[1], Relation.DECREASING, "negation")


def test_relations_compose_like_monotone_maps():
    E, INC, DEC = Relation.EQUAL, Relation.INCREASING, Relation.DECREASING
    assert [E.then(E), E.then(INC), INC.then(DEC), DEC.then(DEC), DEC.then(E)] == [E, INC, DEC, INC, DEC]
    with pytest.raises(StepError):
        E.then(Relation.DEFINES)


def test_a_rule_that_changes_nothing_says_it_does_not_apply():
    with pytest.raises(
        RuleError, match=r"^rule 'log-of-product' does not change yhat\[1\]; it does not apply here$"
    ):
        LogOfProduct().step(yhat[1], A)


def test_the_conclusion_of_an_increasing_chain_keeps_both_optima():
    start = sp.Product(yhat[i], (i, 1, n))
    derivation = Derivation("t", "t", start, A, Name("L", r"\mathcal{L}")).apply(
        TakeLog(), name=Name("l", "l")
    )
    assert (
        conclusion_text(check(derivation).conclusion)
        == "argmax_yhat L = argmax_yhat l and argmin_yhat L = argmin_yhat l"
    )


def test_negate_after_negate_is_increasing_overall():
    derivation = Derivation("t", "t", yhat[1], A, Name("f", "f")).apply(Negate()).apply(Negate())
    assert derivation.composed_relation() is Relation.INCREASING


def test_monotonicity_is_not_claimed_across_the_gap_of_a_union():
    t = sp.Symbol("t")
    gap = sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo))
    rule = MonotoneMap(
        sp.Lambda(t, -1 / t), gap, increasing=True, justification="-1/t has a positive derivative"
    )
    (monotone,) = [o for o in check_step(rule.step(yhat[1], A), A).obligations if "increasing" in o.claim]
    assert monotone.status is Status.UNKNOWN
    assert monotone.method == "the derivative test needs an interval; give phi an interval domain"
