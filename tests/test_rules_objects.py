"""Steps keep the Rule that made them: consumers ask its type, entries find steps by rule, claims are checked."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp

from xent_symbolic import prove
from xent_symbolic.assumptions import BINARY, Assumptions
from xent_symbolic.catalog import hessian as hessian_module
from xent_symbolic.catalog import stable
from xent_symbolic.catalog.hessian import derive_logistic_convexity, derive_logistic_hessian
from xent_symbolic.catalog.logistic import derive_logistic_gradient
from xent_symbolic.catalog.notation import X, i, k, l, n, w, y, z
from xent_symbolic.catalog.stable import derive_bce_logits, derive_bce_sign_flip, stable_softplus
from xent_symbolic.check import check, check_step
from xent_symbolic.claims import InRange, RangeClaim
from xent_symbolic.core import Derivation, Name, Relation, Status, Step
from xent_symbolic.errors import RuleError, StepError
from xent_symbolic.export import codegen
from xent_symbolic.functions import sigmoid, softplus
from xent_symbolic.gradient import EvaluateDerivative, MatrixForm
from xent_symbolic.rules import Claim, Negate, Rewrite, Scale, Substitute, TakeLog
from xent_symbolic.stable_rules import (
    LogSigmoidToSoftplus,
    OverflowFreeSoftplus,
    SignFlip,
    before_overflow_free,
)

x = sp.Symbol("x", real=True)
t = sp.Symbol("t", real=True)
LABEL = sp.Symbol("y", real=True)
#: the logit and label of one example in the export's derivations (Symbols; the catalog's z, y are indexed)
z1, y1 = stable.z, stable.y
BINARY_LABEL = Assumptions(domains=((LABEL, BINARY),), parameters=(t,))


def _own(start: sp.Expr, assumptions: Assumptions = BINARY_LABEL) -> Derivation:
    return Derivation("own", "own", start, assumptions, Name("L", "L"))


# ------------------------------------------------------------------------------------------ rules as values


def test_a_step_keeps_its_rule_object_and_its_name_as_text(bce):
    assert isinstance(bce.steps[2].rule, TakeLog) and bce.steps[2].rule.name == "take-log"
    assert bce.steps[-1].rule == Scale(1 / n)


def test_rules_compare_by_class_and_parameters():
    assert Scale(2) == Scale(2) and hash(Scale(2)) == hash(Scale(2))
    assert Scale(2) != Scale(3) and Negate() == Negate() and Negate() != TakeLog()
    mapping = Substitute({x: t}, "x = t")
    assert mapping == Substitute({x: t}, "x = t") and hash(mapping) == hash(Substitute({x: t}, "x = t"))
    assert mapping != Substitute({x: 2 * t}, "x = t")
    assert repr(Scale(2)) == "Scale(factor=2)"


def test_derivations_built_twice_are_equal_step_for_step():
    assert derive_bce_logits() == derive_bce_logits()
    assert derive_bce_sign_flip() == derive_bce_sign_flip()


def test_a_step_needs_a_rule_object_not_its_name():
    with pytest.raises(
        StepError, match=r"^step: rule must be the Rule that made the step .* not str 'negate'$"
    ):
        Step("negate", x, -x, Relation.DECREASING, "negation", sp.Lambda(t, -t))
    with pytest.raises(StepError, match=r"^step: rule must be the Rule that made the step .* not ABCMeta"):
        Step(Negate, x, -x, Relation.DECREASING, "negation", sp.Lambda(t, -t))  # the class, not a rule


# ------------------------------------------------------------------------------------------ recognised by type


def test_the_overflow_free_step_is_recognised_by_its_rule_not_its_name():
    start = y1 * softplus(-z1) + (1 - y1) * softplus(z1)
    impostor = Rewrite(
        "overflow-free-softplus",
        lambda e: e.replace(lambda a: isinstance(a, softplus), lambda a: stable_softplus(a.args[0])),
        "same name, another rule",
    )
    fake = _own(start).apply(impostor)
    real = _own(start).apply(OverflowFreeSoftplus())
    assert fake.steps[0].rule.name == real.steps[0].rule.name == "overflow-free-softplus"
    assert fake.current == real.current
    assert before_overflow_free(fake) == fake.current  # no overflow-free step: the final expression
    assert before_overflow_free(real) == start
    assert codegen._expression_text(real) == "y*softplus(-z) + (1 - y)*softplus(z)"
    assert codegen._expression_text(fake) == str(fake.current)


def test_the_logistic_formulas_come_from_the_checked_softplus_form():
    assert before_overflow_free(derive_bce_logits()) == y1 * softplus(-z1) + (1 - y1) * softplus(z1)
    assert derive_bce_logits().step_by(LogSigmoidToSoftplus).after == before_overflow_free(
        derive_bce_logits()
    )


# ------------------------------------------------------------------------------------------ steps by rule


def test_a_step_is_found_by_its_rule_type_or_its_name():
    gradient = derive_logistic_gradient()
    assert gradient.step_by(MatrixForm) is gradient.steps[-1]
    assert gradient.step_by(name="(grad_w J)_k") is gradient.steps[-1]
    assert gradient.step_by(MatrixForm, name="(grad_w J)_k") is gradient.steps[-1]


def test_a_missing_or_ambiguous_step_is_a_clear_error():
    gradient = derive_logistic_gradient()
    steps = (
        "differentiate-under-sum, chain-rule, evaluate-derivative, evaluate-derivative, evaluate-derivative, "
        "substitute, simplify-summands, matrix-form ((grad_w J)_k)"
    )
    with pytest.raises(StepError) as missing:
        gradient.step_by(TakeLog)
    assert str(missing.value) == (
        f"derivation 'logistic-regression' has no step made by TakeLog; its steps are: {steps}"
    )
    with pytest.raises(StepError) as several:
        gradient.step_by(EvaluateDerivative)
    assert str(several.value) == (
        f"derivation 'logistic-regression' has 3 steps made by EvaluateDerivative; its steps are: {steps}"
    )
    with pytest.raises(StepError, match="has no step made by MatrixForm and named 'H_kl'"):
        gradient.step_by(MatrixForm, name="H_kl")
    with pytest.raises(StepError, match="step_by needs a rule type or a step name"):
        gradient.step_by()


def test_the_hessian_does_not_depend_on_the_position_of_the_gradient_step(monkeypatch):
    original = derive_logistic_hessian()
    gradient = derive_logistic_gradient()
    longer = gradient.apply(Negate()).apply(Negate())  # two harmless steps after the matrix form
    assert longer.current == gradient.current and longer.steps[-2].after != gradient.steps[-2].after
    monkeypatch.setattr(hessian_module, "derive_logistic_gradient", lambda: longer)
    rebuilt = derive_logistic_hessian()
    assert rebuilt == original
    index_form = sp.Sum((sigmoid(z[i]) - y[i]) * X[i, k], (i, 1, n)) / n
    assert rebuilt.steps[0].after == sp.Derivative(index_form, w[l])


def test_the_convexity_entry_takes_the_hessians_index_form_by_rule(monkeypatch):
    original = derive_logistic_convexity()
    hessian = derive_logistic_hessian()
    monkeypatch.setattr(hessian_module, "derive_logistic_hessian", lambda: hessian.apply(Scale(2)))
    assert derive_logistic_convexity() == original


# ------------------------------------------------------------------------------------------ assumptions


def test_changed_assumptions_keep_their_statements():
    statements = tuple(s.text for s in derive_logistic_convexity().assumptions.statements)
    assert statements[-2:] == (
        "s_i = sigma(z_i)(1 - sigma(z_i))",
        "v in R^d; H_kl as derived in logistic-regression-hessian",
    )
    assert len(statements) == len(derive_logistic_gradient().assumptions.statements) + 2


def test_the_prover_scopes_a_products_index_without_dropping_a_field(monkeypatch):
    statement = Name("t is real", "t \\in R")
    assumptions = Assumptions(
        domains=((t, sp.S.Reals),),
        parameters=(t,),
        indices=((k, 1, n),),
        definitions=((x, t + 1),),
        statements=(statement,),
    )
    seen = []
    monkeypatch.setattr(prove, "proves_positive", lambda expr, scoped: seen.append(scoped) or True)
    assert prove._proves_factor_positive(sp.Product(sp.exp(t), (i, 1, n)), assumptions)
    (scoped,) = seen
    assert scoped == replace(assumptions, indices=((k, 1, n), (i, 1, n)))
    assert scoped.statements == (statement,)


# ------------------------------------------------------------------------------------------ claims and range claims


def test_a_claim_with_a_wrong_typed_in_result_is_refuted():
    start = (x - 1) * (x + 1)
    wrong = _own(start).apply(Claim("my-form", x**2 + 1, Relation.EQUAL, "difference of squares"))
    assert wrong.current == x**2 + 1 and isinstance(wrong.steps[0].rule, Claim)
    checked = check(wrong)
    (obligation,) = checked.steps[0].obligations
    assert (checked.status, obligation.claim, obligation.status) == (
        Status.REFUTED,
        "after = before",
        Status.REFUTED,
    )
    assert obligation.counterexample
    right = _own(start).apply(Claim("my-form", x**2 - 1, Relation.EQUAL, "difference of squares"))
    assert check(right).status is Status.PROVED


def test_a_monotone_claim_needs_its_map_and_is_checked_like_a_rule():
    with pytest.raises(StepError, match=r"^step 'mine': a 'increasing' step needs its transform phi$"):
        _own(x).apply(Claim("mine", 2 * x, Relation.INCREASING, "doubling"))
    step = Claim("mine", 2 * x, Relation.INCREASING, "doubling", transform=sp.Lambda(t, 2 * t)).step(x, None)
    assert check_step(step, Assumptions()).status is Status.PROVED
    wrong = Claim("mine", 3 * x, Relation.INCREASING, "doubling", transform=sp.Lambda(t, 2 * t)).step(x, None)
    assert check_step(wrong, Assumptions()).status is Status.REFUTED


def test_a_claim_needs_a_relation():
    with pytest.raises(RuleError, match=r"^claim 'mine': relation must be a Relation, not 'equal'$"):
        Claim("mine", x, "equal", "why")


def test_the_range_claim_has_its_own_rule():
    last = derive_logistic_convexity().steps[-1]
    assert isinstance(last, RangeClaim) and isinstance(last.rule, InRange)
    assert (last.rule.name, last.domain, last.before == last.after) == (
        "nonnegative",
        sp.Interval(0, sp.oo),
        True,
    )


# ------------------------------------------------------------------------------------------ the sign flip


def test_the_sign_flip_is_computed_from_its_input():
    assert derive_bce_sign_flip().current == softplus((1 - 2 * y1) * z1)
    scaled = _own(LABEL * softplus(-3 * t) + (1 - LABEL) * softplus(3 * t)).apply(SignFlip(LABEL))
    assert scaled.current == softplus((1 - 2 * LABEL) * (3 * t))
    assert check(scaled).status is Status.PROVED


def test_the_sign_flip_refuses_what_it_cannot_rewrite():
    with pytest.raises(RuleError, match=r"needs softplus\(-x\) at y = 1 and softplus\(x\) at y = 0"):
        _own(LABEL * softplus(-t) + (1 - LABEL) * softplus(2 * t)).apply(SignFlip(LABEL))
    soft = Assumptions(domains=((LABEL, sp.Interval(0, 1)),), parameters=(t,))
    with pytest.raises(RuleError, match=r"y is not declared a label in \{0, 1\}"):
        _own(LABEL * softplus(-t) + (1 - LABEL) * softplus(t), soft).apply(SignFlip(LABEL))
