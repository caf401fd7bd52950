"""End to end: L-BFGS on the exported loss_and_grad reaches scikit-learn's unpenalised logistic regression."""

from __future__ import annotations

import numpy as np
import pytest

from xent_symbolic.export import numeric_functions

optimize = pytest.importorskip("scipy.optimize", reason="scipy is in the 'test' extra")
datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is in the 'test' extra")
linear_model = pytest.importorskip("sklearn.linear_model", reason="scikit-learn is in the 'test' extra")


def test_breast_cancer_fit_matches_sklearn():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    # the ten "mean ..." features: with all 30 the two classes are linearly separable, the unpenalised
    # maximum-likelihood coefficients do not exist (the loss goes to 0 as |w| -> oo), and no two solvers agree
    X = X[:, :10]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    d = X.shape[1]
    f = numeric_functions("logistic-regression")

    def objective(theta):
        J, (dw, db) = f.loss_and_grad(X, y, theta[:d], theta[d])
        return float(J), np.append(dw, db)

    fit = optimize.minimize(
        objective,
        np.zeros(d + 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 100000, "maxfun": 100000, "gtol": 1e-12, "ftol": 1e-16},
    )
    # C = inf is penalty=None (spelled so since scikit-learn 1.8 deprecated penalty)
    reference = linear_model.LogisticRegression(C=np.inf, max_iter=100000, tol=1e-12, solver="lbfgs").fit(
        X, y
    )
    ours = fit.x
    theirs = np.append(reference.coef_.ravel(), reference.intercept_)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
