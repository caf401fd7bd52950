"""The chain rule of any pointwise loss of z = X w + b: proved for an abstract l(z, y), and never proved (nor
refuted by sampling an l that has no values) when a step is wrong."""

from __future__ import annotations

import sympy as sp

from xent_symbolic.catalog import CATALOG
from xent_symbolic.catalog.linear_model import g, linear_model_assumptions
from xent_symbolic.catalog.notation import X, b, i, k, n, w, y, z
from xent_symbolic.check import check
from xent_symbolic.core import Derivation, Name
from xent_symbolic.evidence import search
from xent_symbolic.functions import pointwise_loss, pointwise_slope
from xent_symbolic.latex import latex
from xent_symbolic.rules import Substitute


def test_both_forms_are_proved_step_by_step_and_end_in_the_matrix_products():
    for name, final in (("linear-model-gradient", "[1/n*X.T*g]_k"), ("linear-model-bias", "[1/n*1*g]_1")):
        derivation = CATALOG[name].build()
        checked = check(derivation)
        assert checked.ok and len(derivation.steps) == 6, checked
        assert str(derivation.current) == final
        assert [s.rule.name for s in derivation.steps] == [
            "differentiate-under-sum",
            "chain-rule",
            "evaluate-derivative",
            "evaluate-derivative",
            "substitute",
            "matrix-form",
        ]


def test_the_abstract_loss_differentiates_to_its_slope_and_prints_as_l():
    u = sp.Symbol("u", real=True)
    assert sp.diff(pointwise_loss(u**2, y[i]), u) == 2 * u * pointwise_slope(u**2, y[i])
    assert str(pointwise_loss(z[i], y[i])) == "l(z[i], y[i])"
    assert latex(pointwise_slope(z[i], y[i])) == r"\partial_z l\left({z}_{i}, {y}_{i}\right)"


def _with_last_step(wrong: sp.Expr) -> Derivation:
    """linear-model-gradient's steps up to dl/dz(z_i, y_i) X_ik, then one to `wrong` instead of the definition of g."""
    derivation = Derivation(
        name="attack",
        title="attack",
        start=sp.Derivative(sp.Sum(pointwise_loss(z[i], y[i]), (i, 1, n)) / n, w[k]),
        assumptions=linear_model_assumptions(),
        start_name=Name("dJ/dw_k", "dJ/dw_k"),
    )
    for step in CATALOG["linear-model-gradient"].build().steps[:-2]:
        derivation = derivation.apply(step.rule)
    return derivation.apply(Substitute({derivation.current: wrong}, "attack"))


def test_a_wrong_step_about_an_abstract_loss_is_never_proved():
    right = CATALOG["linear-model-gradient"].build().steps[-2].after  # sum_i X_ik g_i / n
    assert check(_with_last_step(sp.Sum(X[i, k] * g[i], (i, 1, n)) / n)).ok  # the attack's frame holds
    for wrong in (
        2 * right,  # a factor
        right.xreplace({k: sp.Symbol("l", integer=True, positive=True)}),  # another feature
        right + sp.Rational(1, 10**30),  # off by a hair
        sp.Sum(X[i, k] * pointwise_slope(z[i] + 1, y[i]), (i, 1, n)) / n,  # the slope at another point
        sp.Sum(X[i, k] * pointwise_loss(z[i], y[i]), (i, 1, n)) / n,  # the loss for its slope
    ):
        checked = check(_with_last_step(wrong))
        assert not checked.ok and checked.steps[-1].status.value != "proved", wrong


def test_the_search_never_samples_an_abstract_function():
    evidence = search(
        [pointwise_loss(b, y[i]), pointwise_loss(b, y[i]) + 1], lambda v: False, linear_model_assumptions()
    )
    assert evidence.points == 0 and evidence.failure is None and evidence.skipped > 0
    assert g[i] in dict(linear_model_assumptions().definitions)
