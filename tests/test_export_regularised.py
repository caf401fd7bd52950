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
        "wloss": "l*sb",
        "wgrad": "g*sb",
        "penalty": "(1/2)*l2*(w**2).sum()",
        "dpenalty": "l2*w",
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


def _softmax_data(n: int = 11, d: int = 3, K: int = 4):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(n, d))
    labels = rng.integers(0, K, size=n)
    return X, labels, rng.normal(size=(K, d)), rng.normal(size=K), rng.random(n) * 2, 0.7


def _softmax_reference(X, labels, W, b, sw, l2):
    Z = X @ W.T + b
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    Y = np.eye(W.shape[0])[labels]
    loss = -(Y * np.log(P)).sum(axis=1)
    G = sw[:, None] * (P - Y)
    n = len(labels)
    return (sw * loss).sum() / n + l2 / 2 * (W**2).sum(), G.T @ X / n + l2 * W, G.sum(axis=0) / n


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_softmax_weights_and_penalty_match_numpy(backend):
    if backend != "numpy":
        library = pytest.importorskip(backend)
        if backend == "jax":
            library.config.update("jax_enable_x64", True)
    m = _module("softmax-regression", backend)
    X, labels, W, b, sw, l2 = _softmax_data()
    J, dW, db = _softmax_reference(X, labels, W, b, sw, l2)
    for Y in (labels, np.eye(W.shape[0])[labels]):  # integer labels and one-hot rows
        value, (gW, gb) = m["loss_and_grad"](X, Y, W, b, sample_weight=sw, l2=l2)
        np.testing.assert_allclose(float(value), J, rtol=1e-13)
        np.testing.assert_allclose(np.asarray(gW), dW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(np.asarray(gb), db, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(float(m["loss"](X, Y, W, b, sample_weight=sw, l2=l2)), J, rtol=1e-13)
        np.testing.assert_allclose(
            np.asarray(m["grad"](X, Y, W, b, sample_weight=sw, l2=l2)[0]), dW, atol=1e-15
        )


def test_softmax_ones_and_zero_change_nothing_and_finite_differences_agree():
    m = _module("softmax-regression")
    X, labels, W, b, sw, l2 = _softmax_data()
    plain = m["loss_and_grad"](X, labels, W, b)
    ones = m["loss_and_grad"](X, labels, W, b, sample_weight=np.ones(len(labels)), l2=0.0)
    assert plain[0] == ones[0]
    np.testing.assert_array_equal(plain[1][0], ones[1][0])
    np.testing.assert_array_equal(plain[1][1], ones[1][1])
    _, (gW, gb) = m["loss_and_grad"](X, labels, W, b, sample_weight=sw, l2=l2)
    h = 1e-6
    for index in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[index] = h
        up = m["loss"](X, labels, W + e, b, sample_weight=sw, l2=l2)
        down = m["loss"](X, labels, W - e, b, sample_weight=sw, l2=l2)
        assert abs((up - down) / (2 * h) - gW[index]) < 1e-7
    for k in range(len(b)):
        e = np.zeros_like(b)
        e[k] = h
        up = m["loss"](X, labels, W, b + e, sample_weight=sw, l2=l2)
        down = m["loss"](X, labels, W, b - e, sample_weight=sw, l2=l2)
        assert abs((up - down) / (2 * h) - gb[k]) < 1e-7


def test_softmax_loss_matches_sklearn_with_weights():
    metrics = pytest.importorskip("sklearn.metrics")
    m = _module("softmax-regression")
    X, labels, W, b, sw, l2 = _softmax_data()
    Z = X @ W.T + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    expected = metrics.log_loss(labels, P, sample_weight=sw, labels=range(4)) * sw.sum() / len(labels)
    expected += l2 / 2 * (W**2).sum()
    np.testing.assert_allclose(m["loss"](X, labels, W, b, sample_weight=sw, l2=l2), expected, rtol=1e-12)


def test_softmax_bad_weights_give_one_line_errors():
    m = _module("softmax-regression")
    X, labels, W, b, sw, _ = _softmax_data()
    error = m["InputError"]
    with pytest.raises(
        error, match=r"^sample_weight must have shape \(11,\) to match X \(11, 3\), got \(3,\)$"
    ):
        m["loss"](X, labels, W, b, sample_weight=sw[:3])
    with pytest.raises(error, match=r"^l2 must be a finite real number >= 0, got l2 = inf$"):
        m["grad"](X, labels, W, b, l2=float("inf"))


@pytest.mark.parametrize("name", ["logistic-regression", "softmax-regression"])
def test_jax_jit_traces_l2_and_sample_weight(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    m = _module(name, "jax")
    if name == "softmax-regression":
        X, y, w, b, sw, l2 = _softmax_data()
    else:
        X, y, w, b, sw, l2 = _data()
    jitted = jax.jit(lambda w, b, sw, l2: m["loss_and_grad"](X, y, w, b, sample_weight=sw, l2=l2))
    value, _ = jitted(w, b, sw, l2)
    expected, _ = m["loss_and_grad"](X, y, w, b, sample_weight=sw, l2=l2)
    np.testing.assert_allclose(float(value), float(expected), rtol=1e-13)


@pytest.mark.parametrize("name", ["logistic-regression", "softmax-regression", "poisson", "focal-loss"])
def test_jax_jit_over_some_arguments_with_concrete_others(name):
    """A concrete argument captured by a jitted function is checked inside the trace: its check is traced
    too and must not be read (TracerBoolConversionError)."""
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    m = _module(name, "jax")
    if name == "softmax-regression":
        X, y, w, b, *_ = _softmax_data()
        b = jnp.asarray(b)
    else:
        X, y, w, b, *_ = _data()
        b = jnp.asarray(b)
        if name == "poisson":
            y = np.round(np.exp(X @ w * 0.3))
    expected = m["loss"](X, y, w, b)
    traced = jax.jit(lambda w: m["loss"](X, y, w, b))(jnp.asarray(w))
    np.testing.assert_allclose(float(traced), float(expected), rtol=1e-6)
