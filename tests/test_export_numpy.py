"""The exported numpy functions against a hand-written NumPy reference, finite differences and their contracts."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading

import numpy as np
import pytest
from numeric_helpers import central_differences, imported_modules

from xent_symbolic.cli import main
from xent_symbolic.errors import InputError
from xent_symbolic.export import module_source, numeric_functions

# --- an independent reference, written by hand (not generated) -------------------------------------------


def _ref_logistic(X, y, w, b):
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    g = 1.0 / (1.0 + np.exp(-z)) - y
    return loss, X.T @ g / len(y), g.mean()


def _ref_softmax(X, labels, W, b):
    Z = X @ W.T + b
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(W.shape[0])[labels]
    loss = -np.mean(np.log(P[np.arange(len(labels)), labels]))
    return loss, (P - Y).T @ X / len(labels), (P - Y).mean(axis=0)


@pytest.fixture(scope="module")
def logistic():
    return numeric_functions("logistic-regression")


@pytest.fixture(scope="module")
def softmax():
    return numeric_functions("softmax-regression")


def _binary_problem(n=3000, d=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w)))).astype(np.float64)
    return X, y, rng.normal(size=d), 0.25


def _softmax_problem(n=2000, d=6, K=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, K, n), rng.normal(size=(K, d)), rng.normal(size=K)


def test_logistic_matches_the_hand_written_reference(logistic):
    X, y, w, b = _binary_problem()
    J, (dw, db) = logistic.loss_and_grad(X, y, w, b)
    rJ, rdw, rdb = _ref_logistic(X, y, w, b)
    assert J == pytest.approx(rJ, rel=1e-13)
    np.testing.assert_allclose(dw, rdw, rtol=1e-12, atol=1e-15)
    assert db == pytest.approx(rdb, rel=1e-12, abs=1e-15)
    assert logistic.loss(X, y, w, b) == pytest.approx(J, rel=1e-15)
    gw, gb = logistic.grad(X, y, w, b)
    np.testing.assert_array_equal(gw, dw)
    assert gb == db


def test_logistic_blocks_cover_every_row(logistic, monkeypatch):
    X, y, w, b = _binary_problem(n=1001, d=3)
    monkeypatch.setattr(logistic.module, "_BLOCK_BYTES", 3 * 8 * 10)  # ten rows a block, a ragged last one
    J, (dw, db) = logistic.loss_and_grad(X, y, w, b)
    rJ, rdw, rdb = _ref_logistic(X, y, w, b)
    assert J == pytest.approx(rJ, rel=1e-13)
    np.testing.assert_allclose(dw, rdw, rtol=1e-12)
    assert db == pytest.approx(rdb, rel=1e-12, abs=1e-15)


def _parts_seen(module, monkeypatch):
    """Wrap the module's kernel: each call's (first row, rows, thread name), the rows read off sample weights
    equal to the row numbers."""
    seen, kernel = [], module._sums

    def spy(X, labels, sw, *rest, **options):
        seen.append((None if sw is None else int(sw[0]), X.shape[0], threading.current_thread().name))
        return kernel(X, labels, sw, *rest, **options)

    monkeypatch.setattr(module, "_sums", spy)
    return seen


@pytest.mark.parametrize("model", ["logistic", "softmax"])
def test_the_pass_runs_on_threads_over_runs_of_whole_blocks(model, logistic, softmax, monkeypatch):
    exported = logistic if model == "logistic" else softmax
    if model == "logistic":
        X, labels, w, b = _binary_problem(n=1001, d=3)
    else:
        X, labels, w, b = _softmax_problem(n=1001, d=3, K=4)
    module = exported.module
    monkeypatch.setattr(module, "_BLOCK_BYTES", 3 * 8 * 10)  # ten rows a block, a ragged last one
    rows = module._block_rows(X, 1 if model == "logistic" else 4)
    assert rows == 10
    weights = np.arange(1001, dtype=np.float64)  # the row numbers: each part's first weight is its first row
    seen = _parts_seen(module, monkeypatch)
    results = {}
    for threads in (1, 3, 7):
        monkeypatch.setattr(module, "THREADS", threads)
        seen.clear()
        results[threads] = exported.loss_and_grad(X, labels, w, b, sample_weight=weights)
        blocks = -(-1001 // rows)
        cuts = [blocks * k // threads * rows for k in range(threads)] + [1001]
        assert sorted((first, count) for first, count, _ in seen) == [
            (cuts[k], cuts[k + 1] - cuts[k]) for k in range(threads)
        ]
        names = {name for *_, name in seen}
        if threads == 1:
            assert names == {threading.current_thread().name}
        else:
            assert all(name.startswith("xent-export") for name in names)
        again = exported.loss_and_grad(X, labels, w, b, sample_weight=weights)
        assert again[0] == results[threads][0]  # the same cuts, the same order of additions: the same bits
        for a, b_ in zip(again[1], results[threads][1], strict=True):
            np.testing.assert_array_equal(a, b_)
    for threads in (3, 7):  # other cuts: the same sums up to their rounding
        J, grads = results[threads]
        assert J == pytest.approx(results[1][0], rel=1e-14)
        for a, b_ in zip(grads, results[1][1], strict=True):
            np.testing.assert_allclose(a, b_, rtol=1e-13, atol=1e-15)
    # and on 7 threads against the independent reference: every row counted once
    reference = _ref_logistic if model == "logistic" else _ref_softmax
    rJ, rdw, rdb = reference(X, labels, w, b)
    J, (dw, db) = exported.loss_and_grad(X, labels, w, b)
    assert J == pytest.approx(rJ, rel=1e-13)
    np.testing.assert_allclose(dw, rdw, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(db, rdb, rtol=1e-11, atol=1e-15)


def test_the_threads_keep_float32_and_the_loss_and_grad_paths_agree(logistic, monkeypatch):
    X, y, w, b = _binary_problem(n=1001, d=3)
    monkeypatch.setattr(logistic.module, "_BLOCK_BYTES", 3 * 4 * 10)
    monkeypatch.setattr(logistic.module, "THREADS", 4)
    X32, w32 = X.astype(np.float32), w.astype(np.float32)
    J, (dw, db) = logistic.loss_and_grad(X32, y, w32, b)
    assert J.dtype == dw.dtype == db.dtype == np.float32
    rJ, rdw, _ = _ref_logistic(X, y, w, b)
    assert J == pytest.approx(rJ, rel=1e-5)
    np.testing.assert_allclose(dw, rdw, rtol=1e-4, atol=1e-6)
    gw, gb = logistic.grad(X32, y, w32, b)
    np.testing.assert_array_equal(gw, dw)
    assert gb == db
    assert logistic.loss(X32, y, w32, b) == pytest.approx(J, rel=1e-6)


def test_a_forked_child_runs_the_pass_on_threads_of_its_own(tmp_path):
    """After a fork the parent's pool threads do not exist in the child: a pool made before the fork must be
    forgotten there, or the child's first threaded call waits for ever."""
    path = tmp_path / "logistic.py"
    path.write_text(module_source("logistic-regression", "numpy"))
    script = f"""
import importlib.util, os, sys, time
import numpy as np
spec = importlib.util.spec_from_file_location("logistic", {str(path)!r})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
m._BLOCK_BYTES, m.THREADS = 3 * 8 * 10, 3
rng = np.random.default_rng(0)
X, y = rng.normal(size=(1001, 3)), (rng.random(1001) < 0.5).astype(float)
for _ in range(5):  # every thread of the pool made, and idle
    parent = m.loss_and_grad(X, y, np.ones(3), 0.5)
pid = os.fork()
if pid == 0:
    child = m.loss_and_grad(X, y, np.ones(3), 0.5)
    os._exit(0 if child[0] == parent[0] and (child[1][0] == parent[1][0]).all() else 3)
for _ in range(600):  # 60 s
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        sys.exit(os.waitstatus_to_exitcode(status))
    time.sleep(0.1)
os.kill(pid, 9)
sys.exit(124)
"""
    done = subprocess.run([sys.executable, "-c", script], timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # 124: the child waited for its parts for a minute


def test_softmax_matches_the_hand_written_reference(softmax):
    X, labels, W, b = _softmax_problem()
    rJ, rdW, rdb = _ref_softmax(X, labels, W, b)
    for Y in (labels, np.eye(W.shape[0])[labels]):
        J, (dW, db) = softmax.loss_and_grad(X, Y, W, b)
        assert J == pytest.approx(rJ, rel=1e-13)
        np.testing.assert_allclose(dW, rdW, rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(db, rdb, rtol=1e-11, atol=1e-15)
        assert softmax.loss(X, Y, W, b) == pytest.approx(J, rel=1e-15)
        np.testing.assert_allclose(softmax.grad(X, Y, W, b)[0], dW, rtol=1e-15)


def test_logistic_gradient_matches_central_differences(logistic):
    X, y, w, b = _binary_problem(n=200, d=4)
    y = np.where(np.arange(200) % 3 == 0, 0.3, y)  # soft labels too
    _, (dw, db) = logistic.loss_and_grad(X, y, w, b)
    np.testing.assert_allclose(
        dw, central_differences(lambda v: logistic.loss(X, y, v, b), w), rtol=1e-6, atol=1e-9
    )
    assert db == pytest.approx(
        central_differences(lambda v: logistic.loss(X, y, w, v[0]), np.array([b]))[0], rel=1e-6
    )


def test_softmax_gradient_matches_central_differences(softmax):
    X, labels, W, b = _softmax_problem(n=150, d=3, K=3)
    _, (dW, db) = softmax.loss_and_grad(X, labels, W, b)
    np.testing.assert_allclose(
        dW, central_differences(lambda v: softmax.loss(X, labels, v, b), W), rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(
        db, central_differences(lambda v: softmax.loss(X, labels, W, v), b), rtol=1e-6, atol=1e-9
    )


def test_huge_logits_give_finite_results(logistic, softmax):
    X = np.array([[1.0], [-1.0], [1.0]])
    J, (dw, db) = logistic.loss_and_grad(X, np.array([0.0, 0.0, 1.0]), np.array([900.0]), 0.0)
    assert J == pytest.approx(900.0 / 3) and np.isfinite(dw).all() and np.isfinite(db)
    J, (dW, db) = softmax.loss_and_grad(X, np.array([0, 1, 0]), np.array([[800.0], [-800.0]]), np.zeros(2))
    assert np.isfinite(J) and np.isfinite(dW).all()


def test_float32_stays_float32(logistic, softmax):
    X, y, w, b = _binary_problem(n=500, d=3)
    J, (dw, db) = logistic.loss_and_grad(X.astype(np.float32), y, w, b)
    assert J.dtype == np.float32 and dw.dtype == np.float32 and db.dtype == np.float32
    assert logistic.loss(X.astype(np.float32), y, w, b).dtype == np.float32
    assert J == pytest.approx(_ref_logistic(X, y, w, b)[0], rel=1e-5)
    X, labels, W, b = _softmax_problem(n=300)
    J, (dW, db) = softmax.loss_and_grad(X.astype(np.float32), labels, W, b)
    assert J.dtype == np.float32 and dW.dtype == np.float32 and db.dtype == np.float32


LOGISTIC_ERRORS = [
    (
        lambda X, y, w, b: (X.astype(np.int64), y, w, b),
        "X must be a float32 or float64 array, got dtype int64; convert with X.astype(np.float64)",
    ),
    (lambda X, y, w, b: (X[0], y, w, b), "X must be a 2-D array (n, d), got shape (3,)"),
    (lambda X, y, w, b: (X, y[:-1], w, b), "y must have shape (4,) to match X (4, 3), got (3,)"),
    (lambda X, y, w, b: (X, y + 1, w, b), "y must lie in [0, 1], got y[1] = 2.0"),
    (lambda X, y, w, b: (X, np.where(y > 0, np.nan, y), w, b), "y must lie in [0, 1], got y[1] = nan"),
    (lambda X, y, w, b: (X, y, w[:2], b), "w must have shape (3,), got (2,)"),
    (lambda X, y, w, b: (X, y, np.array([0.0, np.nan, 0.0]), b), "w must be finite, got w[1] = nan"),
    (lambda X, y, w, b: (X, y, w, np.ones(2)), "b must have shape (), got (2,)"),
]


@pytest.mark.parametrize(("mutate", "message"), LOGISTIC_ERRORS)
def test_logistic_input_errors_are_pinned(logistic, mutate, message):
    X = np.arange(12.0).reshape(4, 3)
    args = mutate(X, np.array([0.0, 1.0, 0.0, 1.0]), np.zeros(3), 0.0)
    for function in (logistic.loss, logistic.grad, logistic.loss_and_grad):
        with pytest.raises(InputError) as caught:
            function(*args)
        assert str(caught.value) == message


SOFTMAX_ERRORS = [
    (lambda X, Y, W, b: (X, np.array([0, 3, 1, 2]), W, b), "integer labels must lie in 0..2, got Y[1] = 3"),
    (lambda X, Y, W, b: (X, np.array([0, -1, 1, 2]), W, b), "integer labels must lie in 0..2, got Y[1] = -1"),
    (lambda X, Y, W, b: (X, np.eye(3)[[0, 1, 2, 0]] * 2, W, b), "Y must lie in [0, 1], got Y[0, 0] = 2.0"),
    (lambda X, Y, W, b: (X, np.full((4, 3), 0.5), W, b), "each row of Y must sum to 1, got sum(Y[0]) = 1.5"),
    (
        lambda X, Y, W, b: (X, np.zeros((4, 2)), W, b),
        "Y must be one-hot rows of shape (4, 3) or integer labels of shape (4,), got (4, 2) float64",
    ),
    (lambda X, Y, W, b: (X, Y, W[:, :2], b), "W must have shape (K, 3) to match X (4, 3), got (3, 2)"),
    (lambda X, Y, W, b: (X, Y, W, b[:2]), "b must have shape (3,), got (2,)"),
]


@pytest.mark.parametrize(("mutate", "message"), SOFTMAX_ERRORS)
def test_softmax_input_errors_are_pinned(softmax, mutate, message):
    X = np.arange(12.0).reshape(4, 3)
    args = mutate(X, np.array([0, 1, 2, 0]), np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(InputError) as caught:
        softmax.loss_and_grad(*args)
    assert str(caught.value) == message


def test_nan_in_X_propagates_as_documented(logistic):
    X = np.array([[np.nan, 1.0], [0.0, 1.0]])
    J, (dw, _) = logistic.loss_and_grad(X, np.array([0.0, 1.0]), np.zeros(2), 0.0)
    assert np.isnan(J) and np.isnan(dw).all()


# --- the standalone module -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["logistic-regression", "softmax-regression"])
def test_exported_module_is_standalone_numpy_and_the_standard_library(tmp_path, name):
    path = tmp_path / "exported.py"
    assert main(["export", name, "--backend", "numpy", "-o", str(path)]) == 0
    source = path.read_text()
    assert source == module_source(name, "numpy")
    # numpy, and the standard library for the driver's threads
    assert imported_modules(source) == {"__future__", "concurrent", "numpy", "os", "threading"}
    assert "proved" in source.split('"""')[1] and name in source.split('"""')[1]
    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {"loss", "grad", "loss_and_grad"} <= set(dir(module))
    probe = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import exported; "
        "print('sympy' in sys.modules, 'xent_symbolic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_exported_module_file_gives_the_in_process_results(tmp_path, logistic):
    path = tmp_path / "lr.py"
    assert main(["export", "logistic-regression", "-o", str(path)]) == 0
    spec = importlib.util.spec_from_file_location("lr", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    X, y, w, b = _binary_problem(n=100, d=3)
    assert module.loss(X, y, w, b) == logistic.loss(X, y, w, b)
    with pytest.raises(ValueError, match="y must lie in"):
        module.loss(X, y + 3, w, b)


def test_export_errors_are_one_line_and_write_nothing(tmp_path, capsys):
    target = tmp_path / "out.py"
    assert main(["export", "logistic-regresion", "-o", str(target)]) == 2
    assert "did you mean 'logistic-regression'" in capsys.readouterr().err
    assert not target.exists()
    assert main(["export", "softmax-regression", "-o", str(tmp_path / "missing" / "x.py")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_missing_optional_backend_is_a_friendly_error(tmp_path, capsys):
    if importlib.util.find_spec("jax") is not None:
        pytest.skip("jax is installed here")
    assert main(["export", "logistic-regression", "--backend", "jax", "-o", str(tmp_path / "x.py")]) == 2
    assert capsys.readouterr().err.strip() == (
        "xent: error: the jax backend needs the jax package; install it with: pip install 'xent-symbolic[jax]'"
    )
