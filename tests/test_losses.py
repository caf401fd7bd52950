"""xent_symbolic.losses against torch.nn.functional, optax, scikit-learn and a 50-digit mpmath reference."""

from __future__ import annotations

from dataclasses import replace

import mpmath
import numpy as np
import pytest
import sympy as sp

from xent_symbolic import losses as L
from xent_symbolic.catalog.stable import K, j, uk, y, z
from xent_symbolic.check import check
from xent_symbolic.core import Relation, Status
from xent_symbolic.errors import InputError
from xent_symbolic.functions import softplus
from xent_symbolic.losses._code import DERIVATIONS, POINTWISE
from xent_symbolic.losses.derivations import (
    c,
    derive_bce_options,
    derive_softmax_weighted_gradient,
    pos_weight,
    qk,
)
from xent_symbolic.rules import Claim

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(0)
Z = RNG.normal(scale=3, size=40)
Y_HARD = (RNG.random(40) < 0.5).astype(float)
Y_SOFT = RNG.random(40)
W = RNG.random(40) + 0.5
P = RNG.random(40) * 3
EXTREME = np.array([1e3, -1e3, 1e3, -1e3, 40.0, -40.0])
EXTREME_Y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])


def _t(a):
    return torch.tensor(np.asarray(a))


def _close(ours, theirs, rtol=1e-12, atol=1e-300):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol)


def test_every_derivation_behind_the_losses_is_proved():
    for name, build in DERIVATIONS.items():
        checked = check(build(), budget=10.0)
        assert [s.status for s in checked.steps] == [Status.PROVED] * len(checked.steps), name


def test_wrong_variants_are_refuted():
    """The checker, not the rules, decides: a gradient that assumes the labels sum to 1 (wrong for the
    weighted targets q) and a pos_weight put on the negative term are refuted."""
    gradient = derive_softmax_weighted_gradient()
    wrong = Claim(
        "one-hot-softmax", sp.exp(uk[c]) / sp.Sum(sp.exp(uk[j]), (j, 1, K)) - qk[c], Relation.EQUAL, "x"
    )
    broken = replace(gradient, steps=gradient.steps[:-1]).apply(wrong)
    assert check(broken, budget=10.0).steps[-1].status is Status.REFUTED
    loss = derive_bce_options()
    swapped = Claim(
        "swapped",
        loss.current.xreplace({pos_weight: 1}) + (pos_weight - 1) * (1 - y) * softplus(z),
        Relation.EQUAL,
        "x",
    )
    assert check(loss.apply(swapped), budget=10.0).steps[-1].status is Status.REFUTED


def test_the_printed_code_comes_from_the_derivations():
    source = L.pointwise_source("binary_cross_entropy", "numpy")
    assert "checked derivation 'bce-options'" in source
    assert "np.log1p(np.exp(-np.abs(z)))" in source
    assert set(POINTWISE) == {
        "binary_cross_entropy",
        "sigmoid_focal_loss",
        "poisson_nll_loss",
        "softmax_cross_entropy",
    }


@pytest.mark.parametrize("reduction", L.REDUCTIONS)
@pytest.mark.parametrize("labels", [Y_HARD, Y_SOFT])
@pytest.mark.parametrize(
    "options",
    [{}, {"sample_weight": W}, {"pos_weight": P}, {"sample_weight": W, "pos_weight": P}],
    ids=["plain", "weight", "pos_weight", "both"],
)
def test_bce_matches_torch(reduction, labels, options):
    zt = _t(Z).requires_grad_()
    theirs = F.binary_cross_entropy_with_logits(
        zt,
        _t(labels),
        weight=_t(options["sample_weight"]) if "sample_weight" in options else None,
        pos_weight=_t(options["pos_weight"]) if "pos_weight" in options else None,
        reduction=reduction,
    )
    ours = L.binary_cross_entropy(Z, labels, reduction=reduction, **options)
    _close(ours, theirs.detach())
    theirs.sum().backward()
    _close(L.binary_cross_entropy_grad(Z, labels, reduction=reduction, **options), zt.grad, rtol=1e-10)


def test_bce_label_smoothing_is_optax_smooth_labels_then_torch():
    eps = 0.2
    smoothed = Y_HARD * (1 - eps) + eps / 2
    theirs = F.binary_cross_entropy_with_logits(_t(Z), _t(smoothed), pos_weight=_t(P), weight=_t(W))
    _close(L.binary_cross_entropy(Z, Y_HARD, label_smoothing=eps, pos_weight=P, sample_weight=W), theirs)


def test_bce_matches_optax_and_sklearn():
    optax = pytest.importorskip("optax")
    _close(
        L.binary_cross_entropy(Z, Y_SOFT, reduction="none"),
        optax.sigmoid_binary_cross_entropy(Z.astype(np.float32), Y_SOFT.astype(np.float32)),
        rtol=1e-5,
    )
    from sklearn.metrics import log_loss

    _close(L.binary_cross_entropy(Z, Y_HARD), log_loss(Y_HARD, 1 / (1 + np.exp(-Z))), rtol=1e-9)


def _mp_bce(z, y):
    with mpmath.workdps(50):  # never the process's precision: other tests read it
        z = mpmath.mpf(float(z))
        return float(y * mpmath.log1p(mpmath.exp(-z)) + (1 - y) * mpmath.log1p(mpmath.exp(z)))


def test_bce_at_huge_logits_is_exact_where_peers_are_not():
    ours = L.binary_cross_entropy(EXTREME, EXTREME_Y, reduction="none")
    reference = [_mp_bce(z, y) for z, y in zip(EXTREME, EXTREME_Y, strict=True)]
    _close(ours, reference, rtol=1e-14, atol=0)
    assert np.all(np.isfinite(ours))
    # float32 with probabilities near 0 and 1: relative accuracy of tiny losses
    # (torch 2.13 returns 0 in float32 at z = -15, y = 0, where the loss is 3.06e-7; optax loses 4e-8 in
    # float64 at z = 20, y = 1)
    z32 = np.array([30.0, -30.0, 15.0, -15.0, 17.0, 20.0, -88.0], dtype=np.float32)
    y32 = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0], dtype=np.float32)
    ours32 = L.binary_cross_entropy(z32, y32, reduction="none")
    assert ours32.dtype == np.float32
    _close(ours32, [_mp_bce(z, y) for z, y in zip(z32, y32, strict=True)], rtol=1e-6, atol=0)
    ours64 = L.binary_cross_entropy(z32.astype(float), y32.astype(float), reduction="none")
    _close(ours64, [_mp_bce(z, y) for z, y in zip(z32, y32, strict=True)], rtol=1e-15, atol=0)
    grad = L.binary_cross_entropy_grad(EXTREME, EXTREME_Y, reduction="none")
    assert np.all(np.isfinite(grad))


def test_gradients_match_central_differences():
    h = 1e-6
    for f, g, labels, kw in [
        (
            L.binary_cross_entropy,
            L.binary_cross_entropy_grad,
            Y_SOFT,
            {"pos_weight": P, "label_smoothing": 0.1},
        ),
        (L.sigmoid_focal_loss, L.sigmoid_focal_loss_grad, Y_HARD, {"reduction": "sum"}),
        (L.poisson_nll_loss, L.poisson_nll_loss_grad, np.round(Y_SOFT * 5), {}),
    ]:
        numeric = [
            (f(Z + h * e, labels, **kw) - f(Z - h * e, labels, **kw)) / (2 * h) for e in np.eye(len(Z))
        ]
        _close(g(Z, labels, **kw), numeric, rtol=1e-5, atol=1e-8)
    kw = {"class_weight": CW, "label_smoothing": 0.1, "sample_weight": SW}
    for labels in (T, SOFT):
        numeric = [
            (
                L.softmax_cross_entropy(ZK + h * e, labels, **kw)
                - L.softmax_cross_entropy(ZK - h * e, labels, **kw)
            )
            / (2 * h)
            for e in np.eye(ZK.size).reshape(-1, *ZK.shape)
        ]
        _close(L.softmax_cross_entropy_grad(ZK, labels, **kw).ravel(), numeric, rtol=1e-5, atol=1e-8)


def _torchvision_focal(z, y, alpha, gamma, reduction):
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    loss = ce * (1 - (p * y + (1 - p) * (1 - y))) ** gamma
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


@pytest.mark.parametrize("alpha", [0.25, -1.0, 0.0])
@pytest.mark.parametrize("gamma", [0.0, 2.0, 1.5])
@pytest.mark.parametrize("reduction", L.REDUCTIONS)
def test_focal_matches_torchvision(alpha, gamma, reduction):
    try:
        from torchvision.ops import sigmoid_focal_loss as reference
    except ImportError:
        reference = _torchvision_focal
    zt = _t(Z).requires_grad_()
    theirs = reference(zt, _t(Y_HARD), alpha=alpha, gamma=gamma, reduction=reduction)
    _close(L.sigmoid_focal_loss(Z, Y_HARD, alpha=alpha, gamma=gamma, reduction=reduction), theirs.detach())
    theirs.sum().backward()
    _close(
        L.sigmoid_focal_loss_grad(Z, Y_HARD, alpha=alpha, gamma=gamma, reduction=reduction),
        zt.grad,
        rtol=1e-9,
        atol=1e-15,
    )
    assert np.all(np.isfinite(L.sigmoid_focal_loss_grad(EXTREME, EXTREME_Y, alpha=alpha, gamma=gamma)))


@pytest.mark.parametrize("reduction", L.REDUCTIONS)
def test_poisson_matches_torch(reduction):
    target = np.round(Y_SOFT * 5)
    zt = _t(Z / 3).requires_grad_()
    theirs = F.poisson_nll_loss(zt, _t(target), log_input=True, full=False, reduction=reduction)
    _close(L.poisson_nll_loss(Z / 3, target, reduction=reduction), theirs.detach())
    theirs.sum().backward()
    _close(L.poisson_nll_loss_grad(Z / 3, target, reduction=reduction), zt.grad)


ZK = RNG.normal(scale=3, size=(12, 5))
T = RNG.integers(0, 5, size=12)
SOFT = RNG.dirichlet(np.ones(5), size=12)
CW = RNG.random(5) + 0.2
SW = RNG.random(12) + 0.5


@pytest.mark.parametrize("reduction", L.REDUCTIONS)
@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("class_weight", [None, CW])
def test_softmax_matches_torch(reduction, integer, eps, class_weight):
    labels = T if integer else SOFT
    zt = _t(ZK).requires_grad_()
    theirs = F.cross_entropy(
        zt,
        _t(labels),
        weight=None if class_weight is None else _t(class_weight),
        label_smoothing=eps,
        reduction=reduction,
    )
    kw = {"reduction": reduction, "class_weight": class_weight, "label_smoothing": eps}
    _close(L.softmax_cross_entropy(ZK, labels, **kw), theirs.detach())
    theirs.sum().backward()
    _close(L.softmax_cross_entropy_grad(ZK, labels, **kw), zt.grad, rtol=1e-10, atol=1e-15)


def test_softmax_sample_weight_multiplies_each_example():
    ours = L.softmax_cross_entropy(ZK, T, sample_weight=SW, reduction="none")
    _close(ours, SW * L.softmax_cross_entropy(ZK, T, reduction="none"))
    _close(L.softmax_cross_entropy(ZK, T, sample_weight=SW), ours.sum() / 12)


def test_softmax_minus_inf_logit_with_label_zero_is_finite_and_huge_logits_are_exact():
    z = np.array([[0.0, -np.inf, 1.0], [1e3, -1e3, 0.0]])
    t = np.array([2, 0])
    ours = L.softmax_cross_entropy(z, t, reduction="none")
    theirs = F.cross_entropy(_t(z), _t(t), reduction="none")
    _close(ours, theirs)
    with mpmath.workdps(50):
        reference = [
            float(mpmath.log(1 + mpmath.exp(-1))),
            float(mpmath.log(1 + mpmath.exp(-1000) + mpmath.exp(-2000))),
        ]
    _close(ours, reference, rtol=1e-15, atol=1e-300)
    assert np.all(np.isfinite(L.softmax_cross_entropy_grad(z, t)))
    # one-hot labels too: torch's probability targets give nan here (0 * -inf)
    onehot = np.eye(3)[t]
    _close(L.softmax_cross_entropy(z, onehot, reduction="none"), reference, rtol=1e-15, atol=1e-300)


def test_softmax_matches_optax():
    optax = pytest.importorskip("optax")
    _close(
        L.softmax_cross_entropy(ZK, SOFT, reduction="none"),
        optax.softmax_cross_entropy(ZK.astype(np.float32), SOFT.astype(np.float32)),
        rtol=1e-5,
        atol=1e-6,  # optax in float32 (lse - z) loses relative accuracy on tiny losses
    )
    _close(
        L.softmax_cross_entropy(ZK, T, reduction="none"),
        optax.softmax_cross_entropy_with_integer_labels(ZK.astype(np.float32), T),
        rtol=1e-5,
        atol=1e-6,
    )


def test_float32_stays_float32_and_backends_agree():
    jnp = pytest.importorskip("jax.numpy")
    z32, y32 = Z.astype(np.float32), Y_SOFT.astype(np.float32)
    for f in (L.binary_cross_entropy, L.binary_cross_entropy_grad):
        a = f(z32, y32, reduction="none", pos_weight=P, label_smoothing=0.1)
        b = f(torch.tensor(z32), torch.tensor(y32), reduction="none", pos_weight=P, label_smoothing=0.1)
        c = f(jnp.asarray(z32), jnp.asarray(y32), reduction="none", pos_weight=P, label_smoothing=0.1)
        assert a.dtype == np.float32 and b.dtype == torch.float32 and c.dtype == jnp.float32
        _close(a, b.numpy(), rtol=1e-5)
        _close(a, np.asarray(c), rtol=1e-5)
        _close(a, f(Z, Y_SOFT, reduction="none", pos_weight=P, label_smoothing=0.1), rtol=1e-5)
    for f in (L.softmax_cross_entropy, L.softmax_cross_entropy_grad):
        a = f(ZK, T, class_weight=CW, label_smoothing=0.1)
        _close(a, f(torch.tensor(ZK), torch.tensor(T), class_weight=CW, label_smoothing=0.1).numpy())
        _close(
            a,
            np.asarray(
                f(jnp.asarray(ZK.astype(np.float32)), jnp.asarray(T), class_weight=CW, label_smoothing=0.1)
            ),
            rtol=1e-5,
            atol=1e-7,
        )


def test_jax_under_jit_and_grad():
    jax = pytest.importorskip("jax")
    z32, y32 = jax.numpy.asarray(Z, dtype="float32"), jax.numpy.asarray(Y_SOFT, dtype="float32")
    jitted = jax.jit(lambda a, b: L.binary_cross_entropy(a, b, label_smoothing=0.1))
    _close(jitted(z32, y32), L.binary_cross_entropy(Z, Y_SOFT, label_smoothing=0.1), rtol=1e-5)
    autodiff = jax.grad(lambda a: L.binary_cross_entropy(a, y32, label_smoothing=0.1))(z32)
    _close(autodiff, L.binary_cross_entropy_grad(Z, Y_SOFT, label_smoothing=0.1), rtol=1e-4, atol=1e-7)


def test_labels_of_another_library_follow_the_logits():
    jnp = pytest.importorskip("jax.numpy")
    expected = L.softmax_cross_entropy(ZK, T)
    _close(L.softmax_cross_entropy(torch.tensor(ZK), T).numpy(), expected)
    _close(L.softmax_cross_entropy(ZK, torch.tensor(T)), expected)
    _close(L.softmax_cross_entropy(jnp.asarray(ZK.astype(np.float32)), list(T)), expected, rtol=1e-6)


def test_lists_compute_in_numpy():
    assert L.binary_cross_entropy([0.0], [1.0]) == pytest.approx(np.log(2), rel=1e-15)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: L.binary_cross_entropy(Z, Y_HARD, reduction="meen"),
            "unknown reduction 'meen'; did you mean 'mean'?",
        ),
        (
            lambda: L.binary_cross_entropy(Z, Y_HARD[:3]),
            "labels has shape (3,); it must be the logits' shape (40,)",
        ),
        (lambda: L.binary_cross_entropy(Z, Y_HARD + 1), "labels must lie in [0, 1]"),
        (
            lambda: L.binary_cross_entropy(Z, Y_HARD, label_smoothing=2),
            "label_smoothing must lie in [0, 1], not 2.0",
        ),
        (
            lambda: L.binary_cross_entropy(Z, Y_HARD, pos_weight=np.ones(3)),
            "pos_weight has shape (3,), which does not broadcast to the logits' shape (40,)",
        ),
        (lambda: L.softmax_cross_entropy(ZK, T + 5), "integer labels must lie in 0..4 (K = 5 classes)"),
        (lambda: L.softmax_cross_entropy(Z, T), "logits has shape (40,); it must be (n, K)"),
        (
            lambda: L.sigmoid_focal_loss(Z, Y_SOFT),
            "labels must be 0 or 1 (the focal loss is derived for hard labels)",
        ),
        (lambda: L.sigmoid_focal_loss(Z, Y_HARD, gamma=-1), "gamma must lie in [0, inf), not -1.0"),
        (lambda: L.poisson_nll_loss(Z, -Y_SOFT), "target must be >= 0 (counts)"),
    ],
)
def test_bad_input_is_one_line_naming_the_argument(call, message):
    with pytest.raises(InputError) as error:
        call()
    assert str(error.value) == message


def test_the_readme_example_prints_what_it_shows():
    import doctest
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    (block,) = [b for b in readme.split("```pycon\n")[1:] if "xent_symbolic import losses" in b]
    test = doctest.DocTestParser().get_doctest(block.split("```")[0], {}, "README losses", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize(
    ("f", "labels", "kw"),
    [
        (L.sigmoid_focal_loss, Y_HARD, {"alpha": 0.25, "gamma": 2.0, "reduction": "mean"}),
        (L.sigmoid_focal_loss_grad, Y_HARD, {"alpha": -1.0, "gamma": 1.5}),
        (L.poisson_nll_loss, np.round(Y_SOFT * 5), {"reduction": "sum", "sample_weight": W}),
        (L.poisson_nll_loss_grad, np.round(Y_SOFT * 5), {}),
        (L.binary_cross_entropy_grad, Y_SOFT, {"sample_weight": W, "pos_weight": P, "label_smoothing": 0.3}),
    ],
)
def test_the_three_backends_agree_in_float64_and_float32(f, labels, kw):
    jnp = pytest.importorskip("jax.numpy")
    expected = f(Z, labels, **kw)
    _close(f(torch.tensor(Z), torch.tensor(labels), **kw).numpy(), expected)
    z32, y32 = Z.astype(np.float32), labels.astype(np.float32)
    for ours in (
        f(z32, y32, **kw),
        f(torch.tensor(z32), y32, **kw).numpy(),
        np.asarray(f(jnp.asarray(z32), y32, **kw)),
    ):
        assert ours.dtype == np.float32
        _close(ours, expected, rtol=1e-5, atol=1e-7)


def test_torch_float32_against_torch_functional():
    z32, y32 = torch.tensor(Z, dtype=torch.float32), torch.tensor(Y_SOFT, dtype=torch.float32)
    ours = L.binary_cross_entropy(z32, y32, pos_weight=torch.tensor(P, dtype=torch.float32), reduction="none")
    theirs = F.binary_cross_entropy_with_logits(
        z32, y32, pos_weight=torch.tensor(P, dtype=torch.float32), reduction="none"
    )
    assert ours.dtype == torch.float32
    _close(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-7)
    zk32 = torch.tensor(ZK, dtype=torch.float32)
    ours = L.softmax_cross_entropy(zk32, torch.tensor(T), class_weight=CW, label_smoothing=0.2)
    theirs = F.cross_entropy(
        zk32, torch.tensor(T), weight=torch.tensor(CW, dtype=torch.float32), label_smoothing=0.2
    )
    _close(ours.numpy(), theirs.numpy(), rtol=1e-5)


def test_a_missing_library_is_a_missing_backend_error(monkeypatch):
    import importlib.util

    from xent_symbolic.export import MissingBackendError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a)
    )
    with pytest.raises(MissingBackendError, match=r"pip install 'xent-symbolic\[jax\]'"):
        L._Backend("jax")


def test_the_module_docstring_example_runs():
    import doctest

    assert doctest.testmod(L).failed == 0
