"""Accuracy at both ends: the softmax cross-entropy keeps its relative accuracy (to the conditioning of rounded
logits) when the loss is tiny, the right class far ahead, against a 50-digit reference, in every backend."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from numeric_helpers import OPTIONAL_BACKENDS, to_backend, to_numpy

from xent_symbolic.export import numeric_functions


def _reference(z: np.ndarray, label: int) -> mpmath.mpf:
    """-log softmax(z)_label = log1p(sum over the other classes of exp(z_k - z_label)), at 50 digits (log of
    a sum near 1 would round a tiny loss to 0 even there)."""
    with mpmath.workdps(50):
        values = [mpmath.mpf(float(v)) for v in z]
        others = [v for k, v in enumerate(values) if k != label]
        return mpmath.log1p(mpmath.fsum(mpmath.exp(v - values[label]) for v in others))


def _logits() -> np.ndarray:
    """Rows of 4 logits in [-1000, 1000]: the label's logit ahead by 0 to 700, behind, or tied with another."""
    rng = np.random.default_rng(11)
    rows = []
    for gap in (0.0, 1e-8, 0.5, 5.0, 20.0, 40.0, 80.0, 300.0, 700.0, -3.0, -700.0):
        others = rng.uniform(-300, 300, 3)
        rows.append(np.concatenate([[others.max() + gap], others]))
    rows.append(np.array([1000.0, 1000.0, -1000.0, 0.0]))  # a tie for the max
    return np.array(rows)


@pytest.mark.parametrize("backend", ["numpy", "dask", *OPTIONAL_BACKENDS])
def test_softmax_cross_entropy_is_accurate_when_the_loss_is_tiny(backend):
    if backend == "dask":
        pytest.importorskip("dask", reason="dask is not installed (optional extra)")
    Z = _logits()
    n, K = Z.shape
    f = numeric_functions("softmax-regression", backend)
    labels = np.zeros(n, dtype=np.int64)
    worst = 0.0
    for i in range(n):  # X = e_i picks row i of Z as the logits: Z = X @ W.T + b with W = Z.T
        X = np.eye(n)[i : i + 1]
        args = (X, labels[:1], Z.T.copy(), np.zeros(K))
        if backend in ("torch", "jax"):
            args = tuple(to_backend(backend, a) for a in args)
        value = to_numpy(f.loss(*args))
        exact = _reference(Z[i], 0)
        # relative error in units of the conditioning: the shift z - max z rounds at eps |z|, so a loss computed
        # from rounded logits is good to about eps max|z| relatively, and no better (the old code: 1, i.e. 0)
        eps = np.finfo(value.dtype).eps
        error = float(abs(mpmath.mpf(float(value)) - exact) / exact) / (eps * max(1.0, np.abs(Z[i]).max()))
        worst = max(worst, error)
    assert worst < 8, worst


@pytest.mark.parametrize("epsilon", [1e-6, 0.1])
def test_label_smoothing_keeps_its_digits_at_a_small_epsilon(epsilon):
    # 1 - ytilde at y = 1 is epsilon/2: computed as 1 minus a number near 1 it had 1.4e-10 relative error
    f = numeric_functions("label-smoothing")
    worst_loss = worst_grad = 0.0
    for z in np.linspace(-1000, 1000, 201):
        for label in (0.0, 1.0):
            loss, (_, db) = f.loss_and_grad(
                np.array([[z]]), np.array([label]), np.array([1.0]), 0.0, epsilon=epsilon
            )
            with mpmath.workdps(60):
                e, Z = mpmath.mpf(epsilon), mpmath.mpf(z)
                smooth = (1 - e) * label + e / 2
                exact = smooth * mpmath.log1p(mpmath.exp(-Z)) + (1 - smooth) * mpmath.log1p(mpmath.exp(Z))
                up, down = (1 - smooth) / (1 + mpmath.exp(-Z)), smooth / (1 + mpmath.exp(Z))
                value, slope = mpmath.mpf(float(loss)), mpmath.mpf(float(db))  # db = dl/dz for one example
                worst_loss = max(worst_loss, float(abs(value - exact) / exact))
                # the gradient is a difference of two terms: its error measured against their sizes
                worst_grad = max(worst_grad, float(abs(slope - (up - down)) / (up + down)))
    assert worst_loss < 4e-16, worst_loss
    assert worst_grad < 4e-16, worst_grad


def test_the_poisson_gradient_is_conditioning_accurate_near_its_zero_as_its_header_says():
    f = numeric_functions("poisson")
    assert (
        "g = exp(z) - y cancels near its zero (exp(z) ~ y): there it is accurate to its conditioning"
        in f.source
    )
    worst = 0.0
    for y in (0.5, 1.0, 3.0, 1e3):
        for z in np.log(y) + np.array([-1e-9, -1e-12, 0.0, 1e-12, 1e-9]):
            _, (_, db) = f.loss_and_grad(np.array([[z]]), np.array([y]), np.array([1.0]), 0.0)
            with mpmath.workdps(50):
                exact = mpmath.exp(mpmath.mpf(float(z))) - y
                scale = mpmath.exp(mpmath.mpf(float(z))) + y
                worst = max(worst, float(abs(mpmath.mpf(float(db)) - exact) / scale))
    assert worst < 4 * np.finfo(float).eps, worst
