"""The jax and torch backends give the numpy backend's results (skipped where the library is absent)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from numeric_helpers import OPTIONAL_BACKENDS, to_backend, to_numpy

from xent_symbolic.errors import InputError
from xent_symbolic.export import EXPORTABLE, numeric_functions


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


# --- every exportable entry, side by side in every installed backend ------------------------------------

#: hyperparameters other than the defaults, so that they are passed through in every backend
HYPER = {"weighted-bce": {"omega_0": 0.3, "omega_1": 4.0}, "label-smoothing": {"epsilon": 0.25}}
HYPER["focal-loss"] = {"alpha": 0.6, "gamma": 0.5}


def _problem(name, dtype=np.float64, n=60, d=3, seed=11):
    """(X, labels, parameters, parameter) of a valid problem of entry `name`, in `dtype`."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * 4  # logits of several units, where the stable forms matter
    if name == "softmax-regression":
        return (
            X.astype(dtype),
            rng.integers(0, 3, n),
            rng.normal(size=(3, d)).astype(dtype),
            rng.normal(size=3),
        )
    w = rng.normal(size=d) / d
    if name == "linear-regression":
        y = X @ w + rng.normal(size=n)
    elif name == "poisson":
        y = rng.poisson(np.exp(X @ w * 0.5)).astype(np.float64)
    elif name == "logistic-regression":
        y = np.where(rng.random(n) < 0.2, 0.3, (rng.random(n) < 0.5).astype(float))  # soft labels too
    else:
        y = (rng.random(n) < 0.4).astype(np.float64)
    return X.astype(dtype), y, w.astype(dtype), 0.25


def _as(kind, backend, value):
    """value as the caller gives it: a NumPy array, a nested list, or the backend's own array."""
    if kind == "numpy":
        return value
    if kind == "list":
        return np.asarray(value).tolist()
    return to_backend(backend, np.asarray(value))


def _close(actual, expected, rtol):
    """actual (any backend) equals expected to rtol, relative to expected's largest entry near zero."""
    actual, expected = to_numpy(actual), np.asarray(expected)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


CASES = [
    (np.float64, "numpy", 1e-12),
    (np.float64, "list", 1e-12),
    (np.float64, "native", 1e-12),
    (np.float32, "numpy", 1e-5),
    (np.float32, "native", 1e-5),
]


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
@pytest.mark.parametrize("name", sorted(EXPORTABLE))
def test_every_entry_gives_the_numpy_results_in_every_backend(backend, name):
    to_backend(backend, np.zeros(1))  # jax: float64 on (jax_enable_x64)
    reference, f = numeric_functions(name), numeric_functions(name, backend)
    hyper = HYPER.get(name, {})
    labels = [lambda Y: Y] + ([lambda Y: np.eye(3)[Y]] if name == "softmax-regression" else [])
    for dtype, kind, rtol in CASES:
        for label in labels:
            X, Y, W, b = _problem(name, dtype)
            Y = label(Y)
            J, (dW, db) = reference.loss_and_grad(X, Y, W, b, **hyper)
            args = [_as(kind, backend, v) for v in (X, Y, W, b)]
            J2, (dW2, db2) = f.loss_and_grad(*args, **hyper)
            for value, expected in ((J2, J), (dW2, dW), (db2, db), (f.loss(*args, **hyper), J)):
                _close(value, expected, rtol)
                assert str(value.dtype).removeprefix("torch.") == np.dtype(dtype).name, (kind, value.dtype)
            for value, expected in zip(f.grad(*args, **hyper), (dW, db), strict=True):
                _close(value, expected, rtol)


def _message(function, *args):
    with pytest.raises(InputError) as caught:
        function(*args)
    return str(caught.value)


def _bad_inputs(name):
    """(what is wrong, X, labels, parameters, parameter) for bad inputs of entry `name`."""
    X, Y, W, b = _problem(name, n=5)
    outside = {
        "logistic-regression": 2.0,
        "linear-regression": np.inf,
        "poisson": -1.0,
        "softmax-regression": 3,
    }.get(name, 0.5)
    nan_W = W.copy()
    nan_W.flat[1] = np.nan
    label = Y.copy()
    label[2] = outside
    cases = [
        ("nan in the parameters", X, Y, nan_W, b),
        ("nan in the bias", X, Y, W, np.nan * np.ones_like(b)),
        ("inf in the parameters", X, Y, W * np.inf, b),
        ("a label outside its domain", X, label, W, b),
        ("nan labels", X, np.full(5, np.nan), W, b),
        ("too few labels", X, Y[:4], W, b),
        ("parameters of the wrong shape", X, Y, W[..., :2], b),
        ("a 1-D X", X[0], Y, W, b),
        ("string labels", X, np.array(["a"] * 5), W, b),
    ]
    if name == "softmax-regression":
        cases += [
            ("one-hot rows outside [0, 1]", X, np.eye(3)[Y] * 2, W, b),
            ("rows that do not sum to 1", X, np.full((5, 3), 0.5), W, b),
        ]
    return cases


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
@pytest.mark.parametrize("name", sorted(EXPORTABLE))
def test_the_same_bad_inputs_raise_the_same_message_in_every_backend(backend, name):
    reference, f = numeric_functions(name), numeric_functions(name, backend)
    for what, *args in _bad_inputs(name):
        expected = _message(reference.loss, *args)
        for kind in ("numpy", "list", "native"):
            if kind == "native" and what == "string labels":
                continue  # no torch tensor or jax array of strings
            given = [_as(kind, backend, v) for v in args]
            for function in (f.loss, f.grad, f.loss_and_grad):
                assert _message(function, *given) == expected, (what, kind)


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
def test_a_wrong_X_dtype_is_named_and_the_fix_is_the_backends(backend):
    X, y, w, b = _problem("logistic-regression")
    expected = _message(numeric_functions("logistic-regression").loss, X.astype(np.int64), y, w, b)
    message = _message(numeric_functions("logistic-regression", backend).loss, X.astype(np.int64), y, w, b)
    assert (
        message.split(";")[0]
        == expected.split(";")[0]
        == ("X must be a float32 or float64 array, got dtype int64")
    )
    fix = {"torch": "X.to(torch.float64)", "jax": "X.astype(jnp.float64)"}[backend]
    assert message.endswith(f"; convert with {fix}")


@pytest.mark.parametrize("backend", ["numpy", *OPTIONAL_BACKENDS])
@pytest.mark.parametrize("name", ["logistic-regression", "softmax-regression"])
def test_an_X_without_rows_is_refused_in_one_line_not_answered_nan(backend, name):
    # found in review: a mean over 0 examples came back as nan, with a RuntimeWarning from NumPy
    f = numeric_functions(name, backend)
    X, labels = (
        np.zeros((0, 3)),
        (np.zeros(0, dtype=np.int64) if name == "softmax-regression" else np.zeros(0)),
    )
    parameters = (np.zeros((2, 3)), np.zeros(2)) if name == "softmax-regression" else (np.zeros(3), 0.0)
    expected = "X must have at least one row (the loss is a mean over the rows), got shape (0, 3)"
    for function in (f.loss, f.grad, f.loss_and_grad):
        assert _message(function, X, labels, *parameters) == expected


# --- jax: jit, grad and vmap -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPORTABLE))
def test_jax_exports_run_under_jit_grad_and_vmap(name):
    jax = pytest.importorskip("jax")
    to_backend("jax", np.zeros(1))
    module = numeric_functions(name, "jax").module
    hyper = HYPER.get(name, {})
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        X, Y, W, b = (to_backend("jax", np.asarray(v)) for v in _problem(name, dtype))
        b = b.astype(X.dtype)
        J, (dW, db) = module.loss_and_grad(X, Y, W, b, **hyper)
        J1 = jax.jit(module.loss)(X, Y, W, b, **hyper)  # hyperparameters traced as well
        J2, (dW2, db2) = jax.jit(module.loss_and_grad)(X, Y, W, b, **hyper)
        dW3, db3 = jax.jit(module.grad)(X, Y, W, b, **hyper)
        dW4, db4 = jax.grad(module.loss, argnums=(2, 3))(X, Y, W, b, **hyper)
        for value, expected in ((J1, J), (J2, J), (dW2, dW), (db2, db), (dW3, dW), (db3, db)):
            _close(value, expected, rtol)
            assert value.dtype == np.dtype(dtype)
        _close(dW4, dW, 100 * rtol)  # autodiff of the stable loss, not the same arithmetic as dl/dz
        _close(db4, db, 100 * rtol)
        per_W = jax.vmap(functools.partial(module.loss, **hyper), in_axes=(None, None, 0, None))
        _close(per_W(X, Y, np.stack([W, 2 * W]), b), [J, module.loss(X, Y, 2 * W, b, **hyper)], rtol)


def test_under_jit_the_values_are_not_checked_as_the_docstring_says():
    jax = pytest.importorskip("jax")
    module = numeric_functions("logistic-regression", "jax").module
    assert "the numeric core is jax.jit-compiled" in module.__doc__
    assert "inside your own jax.jit, or a traced argument, is not checked for its values" in module.__doc__
    assert "\n@jax.jit\ndef _loss_and_grad(" in numeric_functions("logistic-regression", "jax").source
    X, y, w, b = (to_backend("jax", np.asarray(v)) for v in _problem("logistic-regression"))
    bad = y.at[0].set(2.0)
    with pytest.raises(module.InputError, match=r"y must lie in \[0, 1\], got y\[0\] = 2.0"):
        module.loss(X, bad, w, b)
    assert np.isfinite(float(jax.jit(module.loss)(X, bad, w, b)))  # traced: shapes checked, values not
    with pytest.raises(module.InputError, match=r"w must have shape \(3,\), got \(2,\)"):
        jax.jit(module.loss)(X, y, w[:2], b)


# --- torch: what it accepts --------------------------------------------------------------------------------


def test_torch_keeps_numpy_dtypes_reads_lists_as_float64_and_backpropagates():
    torch = pytest.importorskip("torch")
    f = numeric_functions("logistic-regression", "torch")
    X, y, w, b = _problem("logistic-regression")
    assert f.loss(X, y, w, b).dtype == torch.float64
    assert f.loss(X.astype(np.float32), y, w, b).dtype == torch.float32
    assert f.loss(X.tolist(), y.tolist(), w.tolist(), b).dtype == torch.float64
    frozen = X.copy()
    frozen.flags.writeable = False  # read-only and reversed arrays: copied, no warning
    assert float(f.loss(frozen[::-1], y[::-1], w, b)) == pytest.approx(float(f.loss(X[::-1], y[::-1], w, b)))
    wt = torch.tensor(w, requires_grad=True)
    f.loss(torch.as_tensor(X), y, wt, b).backward()
    _close(wt.grad, f.grad(X, y, w, b)[0], 1e-12)


def test_torch_splits_a_long_matrix_vector_product_into_row_blocks_with_the_same_sums():
    # torch's CPU matrix-vector product runs on one thread; the export's _matvec / _vecmat run row blocks as one
    # batched product. Rows not a multiple of the block count, float32, and autograd through them all hold.
    torch = pytest.importorskip("torch", reason="torch is not installed (optional extra)")
    f = numeric_functions("logistic-regression", "torch")
    module = f.module
    assert "_matvec(X, w) + b" in f.source and "_vecmat(g, X)" in f.source
    rng = np.random.default_rng(4)
    for rows in (module._BLOCKS * module._BLOCK_ROWS + 7, module._BLOCKS * module._BLOCK_ROWS * 2, 100):
        X, v, g = rng.normal(size=(rows, 5)), rng.normal(size=5), rng.normal(size=rows)
        split = module._blocks(torch.as_tensor(X))
        assert split == (0 if rows == 100 else rows - rows % module._BLOCKS)
        for dtype, rtol in ((torch.float64, 1e-13), (torch.float32, 1e-4)):
            tX, tv, tg = (torch.as_tensor(a).to(dtype) for a in (X, v, g))
            np.testing.assert_allclose(to_numpy(module._matvec(tX, tv)), X @ v, rtol=rtol, atol=rtol)
            np.testing.assert_allclose(to_numpy(module._vecmat(tg, tX)), g @ X, rtol=rtol, atol=rtol * rows)
            assert module._matvec(tX, tv).dtype == dtype and module._vecmat(tg, tX).dtype == dtype
    X, y = rng.normal(size=(module._BLOCKS * module._BLOCK_ROWS + 3, 4)), rng.integers(0, 2, size=65539) * 1.0
    wt = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    f.loss(torch.as_tensor(X), y, wt, 0.0).backward()
    _close(wt.grad, f.grad(X, y, np.zeros(4), 0.0)[0], 1e-12)
    _close(wt.grad, X.T @ (0.5 - y) / len(y), 1e-12)


def test_every_backend_record_is_complete_and_the_vectorised_ones_share_their_helpers():
    import ast
    import dataclasses

    from xent_symbolic.export import BACKENDS
    from xent_symbolic.export.backends import FUNCTIONS, Skeleton
    from xent_symbolic.export.fill import placeholders
    from xent_symbolic.primitives import BACKENDS as SPELLINGS
    from xent_symbolic.primitives import PRIMITIVES

    assert tuple(BACKENDS) == ("numpy", "jax", "torch", "dask")
    for name, record in BACKENDS.items():
        assert record.name == name and record.spelling in SPELLINGS
        assert set(record.functions) == FUNCTIONS
        assert all(p.arrays[record.spelling] for p in PRIMITIVES if p.arrays)
        # every placeholder of its skeleton is one the generator fills: the backend's words or a model piece
        pieces = {
            "wloss",
            "wgrad",
            "penalty",
            "dpenalty",
            "hyperparameters",
            "signature",
            "hyper",
            "hyper_args",
        }
        pieces |= {"what", "ok", "message", "mean", "lse", "loss", "dloss", "exp_u", "exp_sum"}
        pieces |= {"logits", "dw", "db"}  # printed from the checked matrix forms (export/matrix_lines)
        skeleton = record.skeleton
        for text in (skeleton.common, skeleton.linear, skeleton.softmax):
            assert placeholders(text) <= set(record.spellings) | pieces, placeholders(text) - pieces
    helpers = {
        name: [node.name for node in ast.parse(r.helpers).body if isinstance(node, ast.FunctionDef)]
        for name, r in BACKENDS.items()
    }
    assert set(helpers) == set(BACKENDS)  # the general driver is written over them in every backend
    shared = set.intersection(*(set(v) for v in helpers.values()))
    assert shared == set(helpers["numpy"])  # what the drivers call, in every backend
    for name, record in BACKENDS.items():  # a helper only one backend has is one its own spellings call
        functions = {n.name: n for n in ast.parse(record.helpers).body if isinstance(n, ast.FunctionDef)}
        products = (record.matvec, record.vecmat, record.matmul)
        reached = {h for h in functions if any(h + "(" in text for text in products)}
        for h in list(reached):
            reached |= {
                c.func.id
                for c in ast.walk(functions[h])
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in functions
            }
        assert set(helpers[name]) - shared == reached - shared, name
    assert BACKENDS["torch"].matvec == "_matvec({0}, {1})" and BACKENDS["jax"].matvec == "{0} @ {1}"
    # numpy's (and dask's) block products are NumPy's own loops, which run on the thread of their block
    for name in ("numpy", "dask"):
        record = BACKENDS[name]
        assert (record.matvec, record.vecmat, record.matmul) == (
            "np.einsum('ij,j->i', {0}, {1})",
            "np.einsum('i,ij->j', {0}, {1})",
            "np.einsum('ij,jk->ik', {0}, {1})",
        )
    numpy = BACKENDS["numpy"]
    with pytest.raises(ValueError, match="helpers must be given"):
        dataclasses.replace(numpy, helpers="")
    with pytest.raises(ValueError, match=r"spell exactly \['negative_part', 'relu', 'sign', 'where'\]"):
        dataclasses.replace(numpy, functions={"where": "w"})
    with pytest.raises(ValueError, match="imports must be given"):
        dataclasses.replace(numpy, imports="")
    with pytest.raises(ValueError, match="skeleton kind must be one of"):
        dataclasses.replace(numpy, skeleton=Skeleton("looped", "", "", "", "", ""))


def test_the_one_placeholder_mechanism_fails_on_a_missing_key_and_never_rescans_a_value():
    from xent_symbolic.export.fill import fill

    assert fill("z = X @ w + @b@\n@jit@\ndef f(): pass", {"b": "@b@", "jit": "@jax.jit"}) == (
        "z = X @ w + @b@\n@jax.jit\ndef f(): pass"
    )
    with pytest.raises(KeyError, match="template placeholders without a value: @loss@, @lse@"):
        fill("@lse@ = 1; @loss@", {"exp": "np.exp"})


def test_no_generated_module_keeps_a_placeholder():
    from xent_symbolic.export import BACKENDS, EXPORTABLE, module_source
    from xent_symbolic.export.fill import PLACEHOLDER

    for name in EXPORTABLE:
        for backend in BACKENDS:
            source = module_source(name, backend)
            assert not PLACEHOLDER.search(source), (name, backend, PLACEHOLDER.search(source))
            compile(source, name, "exec")
