"""More likelihoods through the same engine: Gaussian, Poisson, weighted, smoothed, Laplace; focal loss."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from xent_symbolic import Status, check, check_step
from xent_symbolic.catalog.focal import alpha, derive_focal_gradient, focal_loss, gamma, label, logit
from xent_symbolic.catalog.gaussian import derive_mse, mu, sigma
from xent_symbolic.catalog.linear import derive_linear_gradient
from xent_symbolic.catalog.notation import X, i, k, n, y, yhat
from xent_symbolic.catalog.poisson import derive_poisson, eta
from xent_symbolic.catalog.smoothing import derive_label_smoothing, epsilon
from xent_symbolic.catalog.weighted import derive_weighted_bce, omega_0, omega_1
from xent_symbolic.functions import sigmoid
from xent_symbolic.render import conclusion_text


def _all_proved(derivation):
    checked = check(derivation)
    assert [c.status for c in checked.steps] == [Status.PROVED] * len(derivation.steps)
    return checked


def test_the_gaussian_likelihood_gives_the_mean_squared_error():
    derivation = derive_mse()
    assert derivation.current == sp.Sum((y[i] - mu[i]) ** 2, (i, 1, n)) / n
    assert [s.rule.name for s in derivation.steps][-4:] == [
        "sum-linearity",
        "distribute",
        "drop-constant",
        "scale",
    ]
    assert (
        derivation.steps[-2].transform(sp.Symbol("t"))
        == sp.Symbol("t") - sp.log(sigma) - sp.log(sp.pi) / 2 - sp.log(2) / 2
    )
    assert conclusion_text(_all_proved(derivation).conclusion) == "argmax_mu L(mu) = argmin_mu MSE(mu)"


def test_the_poisson_likelihood_with_a_log_link():
    derivation = derive_poisson()
    assert derivation.current == sp.Sum(sp.exp(eta[i]) - y[i] * eta[i], (i, 1, n)) / n
    assert derivation.steps[-1].rule.name == "combine-sums"
    assert conclusion_text(_all_proved(derivation).conclusion) == "argmax_eta L(eta) = argmin_eta J(eta)"


def test_class_weights_and_label_smoothing():
    weighted = derive_weighted_bce()
    terms = omega_1 * y[i] * sp.log(yhat[i]) + omega_0 * (1 - y[i]) * sp.log(1 - yhat[i])
    assert weighted.current == -sp.Sum(terms, (i, 1, n)) / n
    _all_proved(weighted)
    smoothed = derive_label_smoothing()
    soft = (1 - epsilon) * y[i] + epsilon / 2
    assert (
        smoothed.current == -sp.Sum(soft * sp.log(yhat[i]) + (1 - soft) * sp.log(1 - yhat[i]), (i, 1, n)) / n
    )
    _all_proved(smoothed)


def test_dropping_a_term_that_depends_on_the_parameters_is_refuted():
    derivation = derive_mse()
    forged = replace(derivation.steps[-2], transform=sp.Lambda(sp.Symbol("t"), sp.Symbol("t") - mu[1]))
    obligations = {o.claim: o for o in check_step(forged, derivation.assumptions).obligations}
    assert obligations["phi does not depend on the parameters"].status is Status.REFUTED


def test_the_linear_regression_gradient_is_derived_and_proved():
    derivation = derive_linear_gradient()
    assert derivation.steps[-2].after == 2 * sp.Sum((mu[i] - y[i]) * X[i, k], (i, 1, n)) / n
    _all_proved(derivation)


def _focal_numpy(z, y_label, a, g):
    p = 1 / (1 + np.exp(-z))
    return -a * y_label * (1 - p) ** g * np.log(p) - (1 - a) * (1 - y_label) * p**g * np.log(1 - p)


@pytest.mark.parametrize("y_value", [0, 1])
def test_the_focal_gradient_matches_central_differences_of_a_numpy_focal_loss(y_value):
    derivation = derive_focal_gradient()
    _all_proved(derivation)
    gradient = sp.lambdify((logit, label, alpha, gamma), derivation.current.rewrite(sp.exp), "numpy")
    rng = np.random.default_rng(7)
    for z, a, g in zip(
        rng.uniform(-4, 4, 20), rng.uniform(0.05, 0.95, 20), rng.uniform(0, 4, 20), strict=True
    ):
        h = 1e-6
        numeric = (_focal_numpy(z + h, y_value, a, g) - _focal_numpy(z - h, y_value, a, g)) / (2 * h)
        assert gradient(z, y_value, a, g) == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_the_focal_gradient_at_gamma_0_is_the_weighted_bce_gradient():
    at_zero = derive_focal_gradient().current.xreplace({gamma: 0})
    p = sigmoid(logit)
    assert sp.simplify(at_zero - (-alpha * label * (1 - p) + (1 - alpha) * (1 - label) * p)) == 0
    assert sp.simplify(sp.diff(focal_loss(), logit) - derive_focal_gradient().current) == 0


def test_a_wrong_focal_gradient_is_refuted():
    derivation = derive_focal_gradient()
    wrong = replace(derivation.steps[-1], after=derivation.current.xreplace({gamma: gamma + 1}))
    assert check_step(wrong, derivation.assumptions).status is Status.REFUTED


def test_the_own_likelihood_example_runs_and_prints_what_the_readme_shows():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = root / "examples" / "own_likelihood.py"
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.splitlines()[0] == "J = Sum(Abs(mu[i] - y[i]), (i, 1, n))/n"
    assert result.stdout.endswith("conclusion (proved): argmax_mu L(mu) = argmin_mu MAE(mu)\n")
    readme = (root / "README.md").read_text()
    assert script.read_text().split('"""', 2)[2].strip() in readme
    assert result.stdout in readme
