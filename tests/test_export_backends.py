"""The jax and torch backends give the numpy backend's results (skipped where the library is absent)."""

from __future__ import annotations

import numpy as np
import pytest
from numeric_helpers import OPTIONAL_BACKENDS, to_backend, to_numpy

from xent_symbolic.export import numeric_functions


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
def test_logistic_backend_matches_numpy(backend):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 5)) * 50  # logits far beyond the overflow of the naive formula
    y = np.where(rng.random(400) < 0.2, 0.4, (rng.random(400) < 0.5).astype(float))
    w, b = rng.normal(size=5), 0.5
    J, (dw, db) = numeric_functions("logistic-regression").loss_and_grad(X, y, w, b)
    f = numeric_functions("logistic-regression", backend)
    args = [to_backend(backend, v) for v in (X, y, w, np.float64(b))]
    J2, (dw2, db2) = f.loss_and_grad(*args)
    assert float(J2) == pytest.approx(float(J), rel=1e-14)
    np.testing.assert_allclose(to_numpy(dw2), dw, rtol=1e-12, atol=1e-15)
    assert float(db2) == pytest.approx(float(db), rel=1e-12)
    assert float(f.loss(*args)) == pytest.approx(float(J), rel=1e-14)
    np.testing.assert_allclose(to_numpy(f.grad(*args)[0]), dw, rtol=1e-12, atol=1e-15)
    J32 = f.loss(*[to_backend(backend, np.asarray(v, dtype=np.float32)) for v in (X, y, w, b)])
    assert "float32" in str(J32.dtype)


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
def test_softmax_backend_matches_numpy(backend):
    rng = np.random.default_rng(4)
    X, labels = rng.normal(size=(300, 4)) * 30, rng.integers(0, 3, 300)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    J, (dW, db) = numeric_functions("softmax-regression").loss_and_grad(X, labels, W, b)
    f = numeric_functions("softmax-regression", backend)
    for Y in (labels, np.eye(3)[labels]):
        J2, (dW2, db2) = f.loss_and_grad(*[to_backend(backend, v) for v in (X, Y, W, b)])
        assert float(J2) == pytest.approx(float(J), rel=1e-13)
        np.testing.assert_allclose(to_numpy(dW2), dW, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(to_numpy(db2), db, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
def test_backend_input_errors(backend):
    from xent_symbolic.errors import InputError

    f = numeric_functions("logistic-regression", backend)
    X = to_backend(backend, np.zeros((3, 2)))
    with pytest.raises(InputError, match=r"y must lie in \[0, 1\]"):
        f.loss(
            X,
            to_backend(backend, np.array([0.0, 2.0, 1.0])),
            to_backend(backend, np.zeros(2)),
            to_backend(backend, np.float64(0)),
        )
    with pytest.raises(InputError, match="X must be a float32 or float64 array"):
        f.loss(to_backend(backend, np.zeros((3, 2), dtype=np.int64)), X[:, 0], X[0], X[0, 0])
