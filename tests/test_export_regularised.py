"""sample_weight= and l2= of the linear exports: printed from checked derivations, checked against NumPy and sklearn."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from xent_symbolic.catalog import get
from xent_symbolic.check import Status, check
from xent_symbolic.core import Relation
from xent_symbolic.export.codegen import _regularisation_pieces, module_source
from xent_symbolic.rules import AddL2Penalty, WeightedMean


@functools.cache
def _module(name: str, backend: str = "numpy") -> dict:
    namespace: dict = {}
    exec(compile(module_source(name, backend), f"<{name}-{backend}>", "exec"), namespace)
    return namespace


def _data(n: int = 9, d: int = 4):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) > 0.5).astype(np.float64)
    return X, y, rng.normal(size=d), 0.25, rng.random(n) * 2, 0.7


def _reference(X, y, w, b, sw, l2):
    z = X @ w + b
    loss = np.logaddexp(0, z) - y * z
    g = 1 / (1 + np.exp(-z)) - y
    n = len(y)
    return (sw * loss).sum() / n + l2 / 2 * w @ w, X.T @ (sw * g) / n + l2 * w, (sw * g).sum() / n


def test_the_steps_are_definitions_and_proved():
    objective = check(get("regularised-objective").build())
    assert objective.status is Status.PROVED
    kinds = [type(s.step.rule) for s in objective.steps]
    assert kinds == [WeightedMean, AddL2Penalty]
    assert all(
        s.step.relation is Relation.DEFINES for s in objective.steps
    )  # a new objective, no argmin claim
    assert (
        str(objective.derivation.current) == "lambda*Sum(w[j]**2, (j, 1, d))/2 + Sum(l[i]*s[i], (i, 1, n))/n"
    )
    gradient = check(get("l2-penalty-gradient").build())
    assert gradient.status is Status.PROVED
    assert str(gradient.derivation.current) == "lambda*w[k]"


def test_a_wrong_penalty_gradient_is_refuted():
    import sympy as sp

    from xent_symbolic.catalog.notation import k, w
    from xent_symbolic.catalog.regularised import PENALTY, lam, regularised_assumptions
    from xent_symbolic.core import Derivation, Name
    from xent_symbolic.rules import Claim

    wrong = Derivation(
        name="wrong",
        title="wrong",
        start=sp.Derivative(PENALTY.penalty(), w[k]),
        assumptions=regularised_assumptions(),
        start_name=Name("dP", "dP"),
    ).apply(Claim("halved", lam * w[k] / 2, Relation.EQUAL, "typed in: off by a factor 2"))
    assert check(wrong).status in (Status.REFUTED, Status.UNKNOWN)


def test_the_printed_pieces():
    assert _regularisation_pieces("numpy") == {
        "@wloss@": "l*sb",
        "@wgrad@": "g*sb",
        "@penalty@": "(1/2)*l2*(w**2).sum()",
        "@dpenalty@": "l2*w",
    }


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_weights_and_penalty_match_numpy(backend):
    if backend != "numpy":
        library = pytest.importorskip(backend)
        if backend == "jax":
            library.config.update("jax_enable_x64", True)
    m = _module("logistic-regression", backend)
    X, y, w, b, sw, l2 = _data()
    J, dw, db = _reference(X, y, w, b, sw, l2)
    value, (gw, gb) = m["loss_and_grad"](X, y, w, b, sample_weight=sw, l2=l2)
    np.testing.assert_allclose(float(value), J, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(gw), dw, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(float(gb), db, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(float(m["loss"](X, y, w, b, sample_weight=sw, l2=l2)), J, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(m["grad"](X, y, w, b, sample_weight=sw, l2=l2)[0]), dw, atol=1e-15)


@pytest.mark.parametrize("name", ["logistic-regression", "linear-regression", "poisson", "focal-loss"])
def test_ones_and_zero_change_nothing_and_finite_differences_agree(name):
    m = _module(name)
    X, y, w, b, sw, l2 = _data()
    if name == "poisson":
        y = np.round(np.exp(X @ w * 0.3))
    plain = m["loss_and_grad"](X, y, w, b)
    ones = m["loss_and_grad"](X, y, w, b, sample_weight=np.ones(len(y)), l2=0.0)
    assert plain[0] == ones[0]
    np.testing.assert_array_equal(plain[1][0], ones[1][0])
    assert plain[1][1] == ones[1][1]
    _, (gw, gb) = m["loss_and_grad"](X, y, w, b, sample_weight=sw, l2=l2)
    h = 1e-6
    for k in range(len(w)):
        e = np.zeros_like(w)
        e[k] = h
        up = m["loss"](X, y, w + e, b, sample_weight=sw, l2=l2)
        down = m["loss"](X, y, w - e, b, sample_weight=sw, l2=l2)
        assert abs((up - down) / (2 * h) - gw[k]) < 1e-7
    up = m["loss"](X, y, w, b + h, sample_weight=sw, l2=l2)
    down = m["loss"](X, y, w, b - h, sample_weight=sw, l2=l2)
    assert abs((up - down) / (2 * h) - gb) < 1e-7


def test_bad_inputs_give_one_line_errors():
    m = _module("logistic-regression")
    X, y, w, b, sw, _ = _data()
    error = m["InputError"]
    with pytest.raises(
        error, match=r"^sample_weight must have shape \(9,\) to match X \(9, 4\), got \(3,\)$"
    ):
        m["loss"](X, y, w, b, sample_weight=sw[:3])
    with pytest.raises(error, match=r"^sample_weight must be >= 0, got sample_weight\[2\] = -1.0$"):
        m["grad"](X, y, w, b, sample_weight=np.array([1, 1, -1, 1, 1, 1, 1, 1, 1.0]))
    with pytest.raises(error, match=r"^l2 must be a finite real number >= 0, got l2 = -0.5$"):
        m["loss"](X, y, w, b, l2=-0.5)


def test_logistic_loss_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    m = _module("logistic-regression")
    X, y, w, b, sw, l2 = _data()
    p = 1 / (1 + np.exp(-(X @ w + b)))
    # sklearn's log_loss with sample_weight divides by sum(w); the export divides by n (sklearn's objective)
    expected = metrics.log_loss(y, p, sample_weight=sw) * sw.sum() / len(y) + l2 / 2 * w @ w
    np.testing.assert_allclose(m["loss"](X, y, w, b, sample_weight=sw, l2=l2), expected, rtol=1e-12)
