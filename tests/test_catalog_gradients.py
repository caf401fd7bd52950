"""Gradient entries: every step proved, exact results, finite differences in NumPy, wrong gradients refuted."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from numeric_helpers import central_differences

from xent_symbolic.catalog import CATALOG
from xent_symbolic.catalog.bce import derive_bce
from xent_symbolic.catalog.categorical import derive_cross_entropy_binary
from xent_symbolic.catalog.logistic import derive_logistic_bias, derive_logistic_gradient
from xent_symbolic.catalog.notation import K, P, X, Y, b, d, i, j, k, n, y, z
from xent_symbolic.catalog.softmax import derive_softmax_bias, derive_softmax_gradient
from xent_symbolic.check import check, check_step
from xent_symbolic.core import Status
from xent_symbolic.functions import sigmoid
from xent_symbolic.render import conclusion_text

GRADIENT_ENTRIES = (
    "logistic-regression",
    "logistic-regression-bias",
    "cross-entropy",
    "cross-entropy-binary",
    "softmax-regression",
    "softmax-regression-bias",
)


@pytest.mark.parametrize("name", GRADIENT_ENTRIES)
def test_every_step_is_proved(name):
    checked = check(CATALOG[name].build())
    assert checked.ok
    assert [s.status for s in checked.steps] == [Status.PROVED] * len(checked.steps)


def test_logistic_index_forms_are_derived():
    assert (
        derive_logistic_gradient().steps[-2].after == sp.Sum((sigmoid(z[i]) - y[i]) * X[i, k], (i, 1, n)) / n
    )
    assert derive_logistic_bias().steps[-2].after == sp.Sum(sigmoid(z[i]) - y[i], (i, 1, n)) / n


def test_softmax_index_forms_are_derived():
    assert derive_softmax_gradient().steps[-2].after == sp.Sum((P[i, k] - Y[i, k]) * X[i, j], (i, 1, n)) / n
    assert derive_softmax_bias().steps[-2].after == sp.Sum(P[i, k] - Y[i, k], (i, 1, n)) / n


def test_cross_entropy_at_two_classes_is_bce():
    assert derive_cross_entropy_binary().current == derive_bce().current


def test_conclusions_read_start_equals_result():
    assert conclusion_text(check(derive_logistic_gradient()).conclusion) == "dJ/dw_k = (grad_w J)_k"


def test_latex_of_matrix_forms():
    assert sp.latex(derive_logistic_gradient().current) == (
        r"\left[\frac{1}{n} X^{T} \left(\sigma\left(b 1 + X w\right) - y\right)\right]_{k}"
    )
    assert "P^{T}" in sp.latex(derive_softmax_gradient().current)


# --- finite differences of hand-written NumPy losses ---


def _bce(Xn, yn, wn, bn):
    zn = Xn @ wn + bn
    return np.mean(np.logaddexp(0, zn) - yn * zn)


def _cross_entropy(Xn, tn, Wn, bn):
    Z = Xn @ Wn.T + bn
    return np.mean(np.logaddexp.reduce(Z, axis=1) - Z[np.arange(len(tn)), tn])


def _numeric(expr, values):
    """The derived expression evaluated by substituting NumPy data (sums done by SymPy at concrete sizes)."""
    sizes = {s: v for s, v in values.items() if s in (n, d, K)}
    return float(expr.xreplace(sizes).doit().xreplace(values).evalf())


@pytest.mark.parametrize("seed", range(3))
def test_logistic_gradient_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    nn, dd = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    Xn, yn = rng.normal(size=(nn, dd)), rng.integers(0, 2, nn).astype(float)
    wn, bn = rng.normal(size=dd), float(rng.normal())
    derivation = derive_logistic_gradient()
    zn = Xn @ wn + bn
    base = {n: nn, d: dd, b: bn}
    base |= {z[r + 1]: zn[r] for r in range(nn)} | {y[r + 1]: yn[r] for r in range(nn)}
    base |= {X[r + 1, s + 1]: Xn[r, s] for r in range(nn) for s in range(dd)}
    index_form = derivation.steps[-2].after
    derived = np.array([_numeric(index_form.xreplace({k: kk + 1}), base) for kk in range(dd)])
    expected = central_differences(lambda w_: _bce(Xn, yn, w_, bn), wn)
    np.testing.assert_allclose(derived, expected, rtol=1e-6, atol=1e-8)
    bias_form = derive_logistic_bias().steps[-2].after
    expected_b = (_bce(Xn, yn, wn, bn + 1e-6) - _bce(Xn, yn, wn, bn - 1e-6)) / 2e-6
    np.testing.assert_allclose(_numeric(bias_form, base), expected_b, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_softmax_gradient_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    nn, dd, kk = int(rng.integers(2, 5)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    Xn, tn = rng.normal(size=(nn, dd)), rng.integers(0, kk, nn)
    Wn, bn = rng.normal(size=(kk, dd)), rng.normal(size=kk)
    Z = Xn @ Wn.T + bn
    Pn = np.exp(Z - Z.max(axis=1, keepdims=True))
    Pn /= Pn.sum(axis=1, keepdims=True)
    Yn = np.eye(kk)[tn]
    base = {n: nn, d: dd, K: kk}
    base |= {P[r + 1, c + 1]: Pn[r, c] for r in range(nn) for c in range(kk)}
    base |= {Y[r + 1, c + 1]: Yn[r, c] for r in range(nn) for c in range(kk)}
    base |= {X[r + 1, s + 1]: Xn[r, s] for r in range(nn) for s in range(dd)}
    grad_w = derive_softmax_gradient().steps[-2].after
    derived = np.array(
        [[_numeric(grad_w.xreplace({k: a + 1, j: s + 1}), base) for s in range(dd)] for a in range(kk)]
    )
    expected = central_differences(lambda W_: _cross_entropy(Xn, tn, W_, bn), Wn)
    np.testing.assert_allclose(derived, expected, rtol=1e-6, atol=1e-8)
    grad_b = derive_softmax_bias().steps[-2].after
    derived_b = np.array([_numeric(grad_b.xreplace({k: a + 1}), base) for a in range(kk)])
    np.testing.assert_allclose(
        derived_b, central_differences(lambda b_: _cross_entropy(Xn, tn, Wn, b_), bn), rtol=1e-6, atol=1e-8
    )


# --- wrong gradients are refuted with a counterexample ---


def _refuted(derivation, wrong_after, position=-2):
    step = derivation.steps[position]
    result = check_step(replace(step, after=wrong_after), derivation.assumptions)
    assert result.status is Status.REFUTED
    assert any(o.counterexample for o in result.obligations)


def test_wrong_logistic_gradients_are_refuted():
    derivation = derive_logistic_gradient()
    right = sp.Sum((sigmoid(z[i]) - y[i]) * X[i, k], (i, 1, n))
    _refuted(derivation, -right / n)  # sign flipped
    _refuted(derivation, right)  # 1/n missing
    _refuted(derivation, sp.Sum((sigmoid(z[i]) - y[i]) * X[k, i], (i, 1, n)) / n)  # transposed


def test_wrong_logistic_matrix_form_is_refuted():
    derivation = derive_logistic_gradient()
    entry = derivation.current
    matrix = entry.args[0]
    _refuted(derivation, entry.func(-matrix, *entry.args[1:]), position=-1)
    _refuted(derivation, entry.func(matrix * n, *entry.args[1:]), position=-1)


def test_wrong_softmax_gradients_are_refuted():
    derivation = derive_softmax_gradient()
    right = sp.Sum((P[i, k] - Y[i, k]) * X[i, j], (i, 1, n))
    _refuted(derivation, -right / n)
    _refuted(derivation, right)
    _refuted(derivation, sp.Sum((P[i, j] - Y[i, j]) * X[i, k], (i, 1, n)) / n)  # k and j swapped
    _refuted(derive_softmax_bias(), -sp.Sum(P[i, k] - Y[i, k], (i, 1, n)) / n)
