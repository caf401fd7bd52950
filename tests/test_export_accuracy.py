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
