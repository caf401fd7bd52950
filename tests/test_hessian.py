"""The logistic Hessian and its positive semi-definiteness: proved steps, NumPy checks, wrong claims refuted."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from xent_symbolic.catalog import CATALOG
from xent_symbolic.catalog.hessian import (
    derive_logistic_convexity,
    derive_logistic_hessian,
    hessian_assumptions,
)
from xent_symbolic.catalog.notation import X, X_mat, d, i, k, l, n, s, s_vec, v, z
from xent_symbolic.check import check, check_step
from xent_symbolic.claims import RangeClaim
from xent_symbolic.core import Status
from xent_symbolic.functions import sigmoid
from xent_symbolic.matrices import Diag
from xent_symbolic.prove import flatten_sums, proves_zero
from xent_symbolic.render import conclusion_text

ENTRIES = ("logistic-regression-hessian", "logistic-regression-convexity")
INDEX_FORM = sp.Sum(sigmoid(z[i]) * (1 - sigmoid(z[i])) * X[i, k] * X[i, l], (i, 1, n)) / n


@pytest.fixture(scope="module")
def hessian():
    return derive_logistic_hessian()


@pytest.fixture(scope="module")
def convexity():
    return derive_logistic_convexity()


@pytest.mark.parametrize("name", ENTRIES)
def test_every_step_is_proved(name):
    checked = check(CATALOG[name].build())
    assert checked.ok
    assert [c.status for c in checked.steps] == [Status.PROVED] * len(checked.steps)


def test_hessian_entry_is_derived(hessian):
    assert hessian.steps[-3].after == INDEX_FORM
    assert hessian.steps[-2].after == sp.Sum(s[i] * X[i, k] * X[i, l], (i, 1, n)) / n
    matrix = hessian.current.matrix
    assert matrix == sp.MatMul(1 / n, X_mat.T, Diag(s_vec), X_mat)
    assert (
        sp.latex(hessian.current)
        == r"\left[\frac{1}{n} X^{T} \operatorname{diag}\left(s\right) X\right]_{k, l}"
    )
    assert conclusion_text(check(hessian).conclusion) == "d^2J/dw_k dw_l = H_kl"


def test_convexity_arrives_at_a_sum_of_squares(convexity):
    square = sp.Sum(s[i] * sp.Sum(X[i, k] * v[k], (k, 1, d)) ** 2, (i, 1, n)) / n
    assert convexity.current == square
    assert isinstance(convexity.steps[-1], RangeClaim)
    checked = check(convexity)
    assert conclusion_text(checked.conclusion) == (
        "v^T H v = (1/n) sum_i s_i (x_i . v)^2 >= 0 for every v: H is positive semi-definite, so J is convex in w"
    )
    assert checked.conclusion.status is Status.PROVED
    (_, bound) = checked.steps[-1].obligations
    assert bound.status is Status.PROVED and bound.method.startswith("interval bounds:")
    assert "s[i] in (0, 1)" in bound.method and "in [0, oo)" in bound.method


# --- independent NumPy checks ---


def _gradient(Xn, yn, wn, bn):
    zn = Xn @ wn + bn
    return Xn.T @ (1 / (1 + np.exp(-zn)) - yn) / len(yn)


def _numeric(expr, values, sizes):
    return float(expr.xreplace(sizes).doit().xreplace(values).evalf())


@pytest.mark.parametrize("seed", range(4))
def test_hessian_matches_finite_differences_and_is_psd(seed, hessian, convexity):
    rng = np.random.default_rng(seed)
    nn, dd = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    Xn, yn = rng.normal(size=(nn, dd)), rng.integers(0, 2, nn).astype(float)
    wn, bn = rng.normal(size=dd), float(rng.normal())
    zn = Xn @ wn + bn
    sn = 1 / (1 + np.exp(-zn)) * (1 - 1 / (1 + np.exp(-zn)))
    H = Xn.T @ np.diag(sn) @ Xn / nn
    h = 1e-6
    columns = [
        (_gradient(Xn, yn, wn + h * e, bn) - _gradient(Xn, yn, wn - h * e, bn)) / (2 * h) for e in np.eye(dd)
    ]
    np.testing.assert_allclose(H, np.array(columns).T, rtol=1e-6, atol=1e-8)
    assert np.linalg.eigvalsh(H).min() >= -1e-12
    sizes = {n: nn, d: dd}
    values = {z[r + 1]: zn[r] for r in range(nn)} | {s[r + 1]: sn[r] for r in range(nn)}
    values |= {X[r + 1, c + 1]: Xn[r, c] for r in range(nn) for c in range(dd)}
    derived = np.array(
        [
            [_numeric(INDEX_FORM.xreplace({k: a + 1, l: c + 1}), values, sizes) for c in range(dd)]
            for a in range(dd)
        ]
    )
    np.testing.assert_allclose(derived, H, rtol=1e-10, atol=1e-12)
    vn = rng.normal(size=dd)
    values |= {v[c + 1]: vn[c] for c in range(dd)}
    for expr in (convexity.start, convexity.current):
        assert _numeric(expr, values, sizes) == pytest.approx(vn @ H @ vn, rel=1e-10, abs=1e-12)


# --- wrong claims are refuted with a counterexample ---


def _refuted(derivation, position, **changes):
    step = derivation.steps[position]
    result = check_step(replace(step, **changes), derivation.assumptions)
    assert result.status is Status.REFUTED
    assert any(o.counterexample for o in result.obligations)
    return result


def test_wrong_hessians_are_refuted(hessian):
    _refuted(hessian, -3, after=-INDEX_FORM)  # sign flipped
    _refuted(hessian, -3, after=sp.Sum(X[i, k] * X[i, l], (i, 1, n)) / n)  # s_i missing
    _refuted(hessian, -3, after=INDEX_FORM * n)  # 1/n missing
    entry = hessian.current
    _refuted(hessian, -1, after=entry.func(-entry.matrix, *entry.args[1:]))


def test_wrong_psd_claim_is_refuted(convexity):
    negative = -convexity.current  # the quadratic form of -H claimed nonnegative
    result = _refuted(convexity, -1, before=negative, after=negative)
    (equal, bound) = result.obligations
    assert equal.status is Status.PROVED and bound.status is Status.REFUTED
    assert any(key.startswith("v[") for key in bound.counterexample)


def test_exchanging_sums_is_proved_and_a_captured_index_is_refuted(convexity):
    assert proves_zero(convexity.start - convexity.steps[0].after, convexity.assumptions, 2.0)
    captured = (
        sp.Sum(s[k] * sp.Sum(X[k, k] * v[k], (k, 1, d)) ** 2, (k, 1, n)) / n
    )  # i renamed into k's scope
    _refuted(convexity, 2, after=captured)
    _refuted(convexity, 0, after=convexity.steps[0].after.xreplace({v[l]: v[k]}))


def test_flatten_sums_merges_products_and_powers():
    square = sp.Sum(X[i, k] * v[k], (k, 1, d)) ** 2
    flat = flatten_sums(square)
    assert isinstance(flat, sp.Sum) and len(flat.limits) == 2
    assert flatten_sums(z[i] + 1) == z[i] + 1


def test_a_shadowed_index_is_not_reordered():
    f = sp.IndexedBase("f")
    shadowed = sp.Sum(f[k], (k, 1, n), (k, 1, d))  # d * sum_{k=1}^{n} f_k
    assert flatten_sums(shadowed) == shadowed
    assert not proves_zero(shadowed - sp.Sum(f[k], (k, 1, d), (k, 1, n)), hessian_assumptions(), 1.0)
