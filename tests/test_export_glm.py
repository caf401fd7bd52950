"""The linear-model exports (linear-regression, poisson, weighted-bce, label-smoothing, focal-loss) against
hand-written NumPy references, finite differences, their input contracts, proofs and the other backends."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import sympy as sp
from numeric_helpers import OPTIONAL_BACKENDS, central_differences, imported_modules, to_backend, to_numpy

from xent_symbolic.catalog.stable_glm import GLM_BUILDERS
from xent_symbolic.check import check
from xent_symbolic.cli import main
from xent_symbolic.core import Status
from xent_symbolic.errors import InputError
from xent_symbolic.export import ALIASES, EXPORTABLE, module_source, numeric_functions

NEW = ["linear-regression", "poisson", "weighted-bce", "label-smoothing", "focal-loss"]

# --- independent references, written by hand (not generated) ---------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _ref_pointwise(name, z, y, hyper):
    """(l, dl/dz) of one model, the textbook formulas (fine for the moderate logits the tests use)."""
    if name == "linear-regression":
        return (z - y) ** 2, 2 * (z - y)
    if name == "poisson":
        return np.exp(z) - y * z, np.exp(z) - y
    p = _sigmoid(z)
    if name == "weighted-bce":
        w0, w1 = hyper.get("omega_0", 1.0), hyper.get("omega_1", 1.0)
        loss = w1 * y * np.logaddexp(0, -z) + w0 * (1 - y) * np.logaddexp(0, z)
        return loss, w0 * (1 - y) * p - w1 * y * (1 - p)
    if name == "label-smoothing":
        eps = hyper.get("epsilon", 0.1)
        t = (1 - eps) * y + eps / 2
        return t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z), p - t
    assert name == "focal-loss"
    a, g = hyper.get("alpha", 0.25), hyper.get("gamma", 2.0)
    loss = -a * y * (1 - p) ** g * np.log(p) - (1 - a) * (1 - y) * p**g * np.log(1 - p)
    d1 = g * p * (1 - p) ** g * np.log(p) - (1 - p) ** (g + 1)  # d/dz of -(1-p)^g log p
    d0 = -g * p**g * (1 - p) * np.log(1 - p) + p ** (g + 1)  # d/dz of -p^g log(1-p)
    return loss, a * y * d1 + (1 - a) * (1 - y) * d0


def _reference(name, X, y, w, b, **hyper):
    z = X @ w + b
    loss, g = _ref_pointwise(name, z, y, hyper)
    return loss.mean(), X.T @ g / len(y), g.mean()


def _problem(name, n=2000, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d) / np.sqrt(d)
    if name == "linear-regression":
        y = X @ w + rng.normal(size=n)
    elif name == "poisson":
        y = rng.poisson(np.exp(X @ w * 0.5)).astype(np.float64)
    else:
        y = (rng.random(n) < 0.4).astype(np.float64)
    return X, y, rng.normal(size=d) * 0.5, 0.3


#: non-default hyperparameters for each model
OTHER = {
    "linear-regression": {},
    "poisson": {},
    "weighted-bce": {"omega_0": 0.3, "omega_1": 4.0},
    "label-smoothing": {"epsilon": 0.25},
    "focal-loss": {"alpha": 0.6, "gamma": 0.5},
}


@pytest.fixture(scope="module", params=NEW)
def model(request):
    return request.param, numeric_functions(request.param)


@pytest.mark.parametrize("custom", [False, True])
def test_matches_the_hand_written_reference(model, custom):
    name, f = model
    hyper = OTHER[name] if custom else {}
    X, y, w, b = _problem(name)
    J, (dw, db) = f.loss_and_grad(X, y, w, b, **hyper)
    rJ, rdw, rdb = _reference(name, X, y, w, b, **hyper)
    assert J == pytest.approx(rJ, rel=1e-12)
    np.testing.assert_allclose(dw, rdw, rtol=1e-10, atol=1e-13)
    assert db == pytest.approx(rdb, rel=1e-10, abs=1e-13)
    assert f.loss(X, y, w, b, **hyper) == pytest.approx(J, rel=1e-14)
    gw, gb = f.grad(X, y, w, b, **hyper)
    np.testing.assert_allclose(gw, dw, rtol=1e-14)
    assert gb == pytest.approx(db, rel=1e-14, abs=1e-16)


def test_blocks_cover_every_row(model, monkeypatch):
    name, f = model
    X, y, w, b = _problem(name, n=1001, d=3)
    monkeypatch.setattr(f.module, "_BLOCK_BYTES", 3 * 8 * 10)  # ten rows a block, a ragged last one
    J, (dw, db) = f.loss_and_grad(X, y, w, b)
    rJ, rdw, rdb = _reference(name, X, y, w, b)
    assert J == pytest.approx(rJ, rel=1e-12)
    np.testing.assert_allclose(dw, rdw, rtol=1e-10, atol=1e-13)
    assert db == pytest.approx(rdb, rel=1e-10, abs=1e-13)


def test_gradient_matches_central_differences(model):
    name, f = model
    hyper = OTHER[name]
    X, y, w, b = _problem(name, n=200, d=4, seed=5)
    _, (dw, db) = f.loss_and_grad(X, y, w, b, **hyper)
    np.testing.assert_allclose(
        dw, central_differences(lambda v: f.loss(X, y, v, b, **hyper), w), rtol=1e-6, atol=1e-9
    )
    fd_b = central_differences(lambda v: f.loss(X, y, w, v[0], **hyper), np.array([b]))[0]
    assert db == pytest.approx(fd_b, rel=1e-6, abs=1e-9)


def test_float32_stays_float32(model):
    name, f = model
    X, y, w, b = _problem(name, n=500, d=3)
    X32 = X.astype(np.float32)
    J, (dw, db) = f.loss_and_grad(X32, y, w, b, **OTHER[name])
    assert J.dtype == np.float32 and dw.dtype == np.float32 and db.dtype == np.float32
    assert f.loss(X32, y, w, b, **OTHER[name]).dtype == np.float32
    assert J == pytest.approx(_reference(name, X, y, w, b, **OTHER[name])[0], rel=1e-5)


@pytest.mark.parametrize("name", ["weighted-bce", "label-smoothing", "focal-loss"])
def test_huge_logits_give_finite_results(name):
    f = numeric_functions(name)
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    J, (dw, db) = f.loss_and_grad(X, np.array([0.0, 0.0, 1.0, 1.0]), np.array([800.0]), 0.0)
    assert np.isfinite(J) and J > 100 and np.isfinite(dw).all() and np.isfinite(db)


def test_poisson_overflow_is_the_true_value_overflowing():
    f = numeric_functions("poisson")
    with np.errstate(over="ignore"):
        assert f.loss(np.array([[1.0]]), np.array([1.0]), np.array([700.0]), 0.0) == pytest.approx(
            np.exp(700) - 700
        )
        assert np.isinf(f.loss(np.array([[1.0]]), np.array([1.0]), np.array([720.0]), 0.0))


def test_mse_is_an_alias_of_linear_regression():
    assert ALIASES == {"mse": "linear-regression"}
    assert module_source("mse") == module_source("linear-regression")
    X, y, w, b = _problem("linear-regression", n=50, d=2)
    assert numeric_functions("mse").loss(X, y, w, b) == numeric_functions("linear-regression").loss(
        X, y, w, b
    )


# --- the input contract --------------------------------------------------------------------------------

LABEL_ERRORS = [
    ("linear-regression", [0.0, np.inf, 1.0, 2.0], "y must be finite, got y[1] = inf"),
    ("linear-regression", [0.0, np.nan, 1.0, 2.0], "y must be finite, got y[1] = nan"),
    ("poisson", [0.0, 3.0, -1.0, 2.0], "y must be a finite count >= 0, got y[2] = -1.0"),
    ("poisson", [0.0, 3.0, np.nan, 2.0], "y must be a finite count >= 0, got y[2] = nan"),
    ("weighted-bce", [0.0, 0.5, 1.0, 1.0], "y must be 0 or 1, got y[1] = 0.5"),
    ("label-smoothing", [0.0, 1.0, 2.0, 1.0], "y must be 0 or 1, got y[2] = 2.0"),
    ("focal-loss", [0.0, 1.0, 1.0, -1.0], "y must be 0 or 1, got y[3] = -1.0"),
    ("focal-loss", ["a", "b", "c", "d"], "y must be numeric labels 0 or 1, got dtype <U1"),
    ("poisson", [0.0, 1.0], "y must have shape (4,) to match X (4, 3), got (2,)"),
]


@pytest.mark.parametrize(("name", "labels", "message"), LABEL_ERRORS)
def test_label_errors_are_pinned(name, labels, message):
    f = numeric_functions(name)
    X = np.arange(12.0).reshape(4, 3)
    for function in (f.loss, f.grad, f.loss_and_grad):
        with pytest.raises(InputError) as caught:
            function(X, np.array(labels), np.zeros(3), 0.0)
        assert str(caught.value) == message


HYPER_ERRORS = [
    ("weighted-bce", {"omega_0": 0.0}, "omega_0 must lie in (0, inf), got omega_0 = 0.0"),
    ("weighted-bce", {"omega_1": -2}, "omega_1 must lie in (0, inf), got omega_1 = -2.0"),
    ("weighted-bce", {"omega_1": float("inf")}, "omega_1 must lie in (0, inf), got omega_1 = inf"),
    ("label-smoothing", {"epsilon": 1.0}, "epsilon must lie in (0, 1), got epsilon = 1.0"),
    ("label-smoothing", {"epsilon": 0}, "epsilon must lie in (0, 1), got epsilon = 0.0"),
    ("focal-loss", {"alpha": 1.5}, "alpha must lie in (0, 1), got alpha = 1.5"),
    ("focal-loss", {"gamma": -0.5}, "gamma must lie in [0, inf), got gamma = -0.5"),
    ("focal-loss", {"gamma": float("nan")}, "gamma must lie in [0, inf), got gamma = nan"),
    ("focal-loss", {"alpha": "0.3"}, "alpha must be a real number, got '0.3'"),
    ("focal-loss", {"alpha": None}, "alpha must be a real number, got None"),
]


@pytest.mark.parametrize(("name", "hyper", "message"), HYPER_ERRORS)
def test_hyperparameter_errors_are_pinned(name, hyper, message):
    f = numeric_functions(name)
    X, y, w, b = _problem(name, n=4, d=3)
    for function in (f.loss, f.grad, f.loss_and_grad):
        with pytest.raises(InputError) as caught:
            function(X, y, w, b, **hyper)
        assert str(caught.value) == message


def test_hyperparameters_are_keyword_only_with_the_documented_defaults():
    import inspect

    expected = {
        "linear-regression": {},
        "poisson": {},
        "weighted-bce": {"omega_0": 1.0, "omega_1": 1.0},
        "label-smoothing": {"epsilon": 0.1},
        "focal-loss": {"alpha": 0.25, "gamma": 2.0},
    }
    for name, defaults in expected.items():
        for function in ("loss", "grad", "loss_and_grad"):
            parameters = inspect.signature(getattr(numeric_functions(name).module, function)).parameters
            assert list(parameters)[:4] == ["X", "y", "w", "b"]
            keyword = {p.name: p.default for p in parameters.values() if p.kind is p.KEYWORD_ONLY}
            assert keyword == {**defaults, "sample_weight": None, "l2": 0.0}  # regularised-objective
    X, y, w, b = _problem("focal-loss", n=4, d=3)
    with pytest.raises(TypeError):
        numeric_functions("focal-loss").loss(X, y, w, b, 0.25)


# --- provenance: the stable forms are proved, from the catalog's final expressions ------------------------


@pytest.mark.parametrize("name", sorted(GLM_BUILDERS))
def test_every_stable_step_is_proved(name):
    checked = check(GLM_BUILDERS[name](), budget=10.0)
    assert [s.status for s in checked.steps] == [Status.PROVED] * len(checked.steps)


def test_the_pointwise_losses_start_from_the_catalog():
    from xent_symbolic.catalog import get
    from xent_symbolic.catalog.notation import i, yhat
    from xent_symbolic.catalog.notation import y as y_i
    from xent_symbolic.catalog.stable import y, z
    from xent_symbolic.functions import sigmoid

    for model, catalog in (
        ("weighted-bce-logits", "weighted-bce"),
        ("label-smoothing-logits", "label-smoothing"),
    ):
        final = get(catalog).build().current  # -(1/n) sum_i f_i
        (total,) = final.atoms(sp.Sum)
        expected = -total.function.xreplace({yhat[i]: sigmoid(z), y_i[i]: y})
        assert sp.simplify(GLM_BUILDERS[model]().start - expected) == 0
    focal = get("focal-loss").build()
    assert GLM_BUILDERS["focal-logits-gradient"]().start == focal.current
    assert GLM_BUILDERS["focal-logits"]().start == focal.start.args[0]


# --- the standalone module -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*NEW, "mse"])
def test_exported_module_imports_numpy_and_the_standard_library_and_lists_its_proofs(tmp_path, name):
    path = tmp_path / "exported.py"
    assert main(["export", name, "--backend", "numpy", "-o", str(path)]) == 0
    source = path.read_text()
    # numpy, and the standard library for the driver's threads
    assert imported_modules(source) == {"__future__", "concurrent", "numpy", "os", "threading"}
    header = source.split('"""')[1]
    canonical = ALIASES.get(name, name)
    for derivation in EXPORTABLE[canonical]:
        assert f"  {derivation} " in header
    verdicts = [
        line.split()[1] for line in header.splitlines() if line.startswith("  ") and " steps  " in line
    ]
    assert verdicts and set(verdicts) == {"proved"}
    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    X, y, w, b = _problem(canonical, n=100, d=3)
    assert module.loss(X, y, w, b) == numeric_functions(canonical).loss(X, y, w, b)


# --- the other backends agree with numpy -----------------------------------------------------------------


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
@pytest.mark.parametrize("name", NEW)
def test_backend_matches_numpy(backend, name):
    X, y, w, b = _problem(name, n=300, d=4, seed=7)
    if name not in ("linear-regression", "poisson"):
        X = X * 40  # logits far beyond the overflow of the naive formulas
    hyper = OTHER[name]
    J, (dw, db) = numeric_functions(name).loss_and_grad(X, y, w, b, **hyper)
    f = numeric_functions(name, backend)
    args = [to_backend(backend, v) for v in (X, y, w, np.float64(b))]
    J2, (dw2, db2) = f.loss_and_grad(*args, **hyper)
    assert float(J2) == pytest.approx(float(J), rel=1e-12)
    np.testing.assert_allclose(to_numpy(dw2), dw, rtol=1e-10, atol=1e-13)
    assert float(db2) == pytest.approx(float(db), rel=1e-10, abs=1e-13)
    assert float(f.loss(*args, **hyper)) == pytest.approx(float(J), rel=1e-12)
    np.testing.assert_allclose(to_numpy(f.grad(*args, **hyper)[0]), dw, rtol=1e-10, atol=1e-13)
    J32 = f.loss(*[to_backend(backend, np.asarray(v, dtype=np.float32)) for v in (X, y, w, b)], **hyper)
    assert "float32" in str(J32.dtype)
    with pytest.raises(InputError):
        f.loss(*args[:3], args[3], **{k: -1.0 for k in hyper}) if hyper else f.loss(
            args[0], to_backend(backend, np.full(300, np.nan)), *args[2:]
        )
