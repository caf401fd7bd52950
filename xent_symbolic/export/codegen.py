"""Standalone modules from checked derivations: stable elementwise code printed per backend, in a matrix skeleton."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from .. import __version__
from ..check import check
from ..core import Derivation
from ..errors import UnknownNameError, did_you_mean
from .printer import print_array
from .stable import (
    derive_bce_logits,
    derive_bce_logits_gradient,
    derive_bce_sign_flip,
    derive_softmax_logits,
    uk,
    y,
    yk,
    z,
)
from .stable_glm import GLM_BUILDERS, HYPERPARAMETERS

__all__ = ["ALIASES", "BACKENDS", "EXPORTABLE", "LINEAR_MODELS", "LinearModel", "Provenance", "module_source"]

#: the backends a module can be generated for, with the import line each needs
BACKENDS: dict[str, str] = {
    "numpy": "import numpy as np",
    "jax": "import jax.numpy as jnp\nimport numpy as np",
    "torch": "import torch",
}


@dataclass(frozen=True)
class LinearModel:
    """An export of the family z = X w + b, J = (1/n) sum_i l(z_i, y_i), grad_w J = (1/n) X^T l'(z),
    grad_b J = mean(l'(z)): the pointwise l and l' are printed from two checked stable derivations."""

    name: str
    catalog: tuple[str, ...]  # the catalog derivations the module's header lists
    loss: str  # stable derivation of l(z, y)
    dloss: str  # stable derivation of dl/dz
    mean: str  # what J is, for the docstrings
    defaults: tuple[tuple[str, float], ...] = ()  # keyword-only hyperparameters and their defaults
    extra: tuple[str, ...] = ()  # further stable derivations the header lists


#: the linear models, by export name
LINEAR_MODELS: dict[str, LinearModel] = {
    m.name: m
    for m in (
        LinearModel(
            "logistic-regression",
            ("logistic-regression", "logistic-regression-bias"),
            "bce-logits",
            "bce-logits-gradient",
            "the mean binary cross-entropy",
            extra=("bce-sign-flip",),
        ),
        LinearModel(
            "linear-regression",
            ("mse", "linear-regression"),
            "mse-pointwise",
            "mse-pointwise-gradient",
            "the mean squared error",
        ),
        LinearModel(
            "poisson",
            ("poisson",),
            "poisson-pointwise",
            "poisson-pointwise-gradient",
            "the mean Poisson negative log-likelihood (log link, without the constant log y!)",
        ),
        LinearModel(
            "weighted-bce",
            ("weighted-bce",),
            "weighted-bce-logits",
            "weighted-bce-logits-gradient",
            "the mean class-weighted binary cross-entropy",
            (("omega_0", 1.0), ("omega_1", 1.0)),
        ),
        LinearModel(
            "label-smoothing",
            ("label-smoothing",),
            "label-smoothing-logits",
            "label-smoothing-logits-gradient",
            "the mean label-smoothed binary cross-entropy",
            (("epsilon", 0.1),),
        ),
        LinearModel(
            "focal-loss",
            ("focal-loss",),
            "focal-logits",
            "focal-logits-gradient",
            "the mean focal loss",
            (("alpha", 0.25), ("gamma", 2.0)),
        ),
    )
}

#: exportable catalog name -> the stable derivations its elementwise code is printed from
EXPORTABLE: dict[str, tuple[str, ...]] = {
    **{name: (m.loss, m.dloss, *m.extra) for name, m in LINEAR_MODELS.items()},
    "softmax-regression": ("softmax-logits",),
}

#: other names accepted by module_source: the same module is generated (its header names the export)
ALIASES: dict[str, str] = {"mse": "linear-regression"}

_STABLE_BUILDERS = {
    "bce-logits": derive_bce_logits,
    "bce-logits-gradient": derive_bce_logits_gradient,
    "bce-sign-flip": derive_bce_sign_flip,
    "softmax-logits": derive_softmax_logits,
    **GLM_BUILDERS,
}

#: the checker's time budget per obligation for the header's verdicts (a cap: most proofs take well under 1 s)
_CHECK_BUDGET = 10.0


@dataclass(frozen=True)
class Provenance:
    """A derivation the module is generated from, and the checker's verdict on it."""

    name: str
    title: str
    status: str
    steps: int
    final: str


def _provenance(derivation: Derivation) -> Provenance:
    checked = check(derivation, budget=_CHECK_BUDGET)
    return Provenance(
        derivation.name,
        derivation.title,
        checked.status.value,
        len(derivation.steps),
        str(derivation.current),
    )


def _catalog_provenance(name: str) -> Provenance | None:
    """A gradient derivation from the catalog (the matrix form the skeleton follows); None if not registered."""
    from ..catalog import get

    try:
        entry = get(name)
    except UnknownNameError:
        return None
    return _provenance(entry.build())


def _with_log1p(expr: sp.Expr) -> sp.Expr:
    """log(1 + x) -> log1p(x) before common subexpressions are taken, so 1 + x is never rounded first."""
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and sp.S.One in e.args[0].args,
        lambda e: log1p(e.args[0] - 1),
    )


def _assignments(
    exprs: list[sp.Expr], backend: str, arrays: dict, indent: str = "    "
) -> tuple[list[str], list[str]]:
    replacements, reduced = sp.cse([_with_log1p(e) for e in exprs], symbols=sp.numbered_symbols("t"))
    lines = [f"{indent}{symbol} = {print_array(value, backend, arrays)}" for symbol, value in replacements]
    return lines, [print_array(e, backend, arrays) for e in reduced]


def _hyperparameter_symbols(model: LinearModel) -> list[sp.Symbol]:
    by_name = {symbol.name: symbol for symbol in HYPERPARAMETERS}
    return [by_name[name] for name, _ in model.defaults]


def _pointwise_functions(model: LinearModel, backend: str) -> str:
    """The three elementwise functions of a linear model, printed from its stable derivations."""
    loss = _STABLE_BUILDERS[model.loss]().current
    dloss = _STABLE_BUILDERS[model.dloss]().current
    hyper = _hyperparameter_symbols(model)
    unknown = (loss.free_symbols | dloss.free_symbols) - {z, y, *hyper}
    assert not unknown, f"{model.name}: the pointwise forms use undeclared symbols {unknown}"
    signature = ", ".join(["z", "y", *(s.name for s in hyper)])
    chunks = []
    for fname, exprs, doc in (
        ("_pointwise_loss", [loss], f"l(z, y), the per-example loss (printed from the checked {model.loss})"),
        (
            "_pointwise_dloss",
            [dloss],
            f"dl/dz, the per-example derivative (printed from the checked {model.dloss})",
        ),
        ("_pointwise_loss_dloss", [loss, dloss], "l(z, y) and dl/dz, sharing their common subexpressions"),
    ):
        lines, results = _assignments(exprs, backend, {})
        body = "".join(f"{line}\n" for line in lines)
        chunks.append(f'def {fname}({signature}):\n    """{doc}."""\n{body}    return {", ".join(results)}\n')
    return "\n\n".join(chunks)


def _softmax_pieces(backend: str) -> tuple[str, str]:
    """(lse, loss) source lines of the softmax case, printed from the checked max-shifted form."""
    final = derive_softmax_logits().current
    (log_sum,) = [a for a in final.atoms(sp.log) if isinstance(a.args[0], sp.Sum)]
    lse = sp.Symbol("lse", real=True)
    loss = final.xreplace({log_sum: lse})
    arrays = {uk: "U", yk: "Y"}
    return print_array(log_sum, backend, arrays), print_array(loss, backend, arrays)


def _softmax_numpy_pieces() -> dict[str, str]:
    """The numpy block's lines, printed from the checked max-shifted form with exp(U) computed once:
    E = exp(U), s = sum_j E_j, lse = log(s) (the checked log-sum-exp), then the loss in lse."""
    final = derive_softmax_logits().current
    (log_sum,) = [a for a in final.atoms(sp.log) if isinstance(a.args[0], sp.Sum)]
    total = log_sum.args[0]
    exponent = sp.IndexedBase("e", real=True)
    shared = total.replace(lambda a: isinstance(a, sp.exp) and isinstance(a.args[0], sp.Indexed), lambda a: exponent[a.args[0].indices])
    s, lse = sp.Symbol("s", positive=True), sp.Symbol("lse", real=True)
    (term,) = total.function.atoms(sp.exp)
    exp_u = print_array(term, "numpy", {uk: "U"})
    assert exp_u == "np.exp(U)", exp_u  # the buffer below is passed to this one call
    return {
        "{exp}": "np.exp(U, out=E) if E is not None else np.exp(U)",
        "{sum}": print_array(shared, "numpy", {exponent: "E"}),
        "{lse}": print_array(sp.log(s), "numpy", {}),
        "{loss}": print_array(final.xreplace({log_sum: lse}), "numpy", {uk: "U", yk: "Y"}),
    }


def _docstring(name: str, backend: str, provenance: list[Provenance], formulas: str) -> str:
    lines = [f"{name}: loss and gradient, generated by xent_symbolic {__version__} ({backend} backend).", ""]
    lines.append("Generated from these derivations (verdict of `xent check` at generation time):")
    for p in provenance:
        lines.append(f"  {p.name:<32} {p.status:<7} {p.steps:>2} steps  {p.title}")
    lines += [
        "",
        f"Regenerate with `xent export {name} --backend {backend} -o FILE.py`; do not edit by hand.",
        "",
    ]
    lines.append(formulas.strip("\n"))
    return '"""' + "\n".join(lines) + '\n"""'


_BINARY_FORMULAS = """
Formulas (i = 1..n examples, j = 1..d features)
  z_i    = sum_j X_ij w_j + b                                   (z = X @ w + b)
  l_i    = y_i softplus(-z_i) + (1 - y_i) softplus(z_i)          (bce-logits, y_i in [0, 1])
         = softplus(s_i z_i),  s_i = 1 - 2 y_i, for y_i in {0, 1}   (bce-sign-flip)
  softplus(x) = max(x, 0) + log1p(exp(-|x|))                     (overflow-free)
  g_i    = dl_i/dz_i = (1 - y_i) sigmoid(z_i) - y_i sigmoid(-z_i)  (= sigmoid(z_i) - y_i)
  sigmoid(x)  = exp(min(x, 0)) / (1 + exp(-|x|))                 (overflow-free)
  J      = (1/n) sum_i l_i
  dJ/dw  = (1/n) X^T g,   dJ/db = (1/n) sum_i g_i               (logistic-regression, matrix form)

Inputs
  X  float32 or float64 array (n, d); the computation runs in X's dtype
  y  labels (n,), in [0, 1] (hard labels 0/1 or soft labels); bool and integer labels are accepted
  w  weights (d,); b  bias, a scalar
Errors: InputError (a ValueError) for a wrong shape or dtype, a label outside [0, 1] or nan in y, w or b.
nan or inf in X is not checked (it would cost a pass over X): it propagates into the loss and gradient.
"""

_SOFTMAX_FORMULAS = """
Formulas (i = 1..n examples, j = 1..d features, k = 1..K classes)
  Z_ik   = sum_j X_ij W_kj + b_k                                 (Z = X @ W.T + b)
  U_ik   = Z_ik - max_k Z_ik                                     (shifted logits: every U_ik <= 0)
  lse_i  = log sum_k exp(U_ik)                                   (softmax-logits: max-shifted log-sum-exp)
  l_i    = sum_k Y_ik (lse_i - U_ik)                             (= log sum_k exp(Z_ik) - sum_k Y_ik Z_ik)
  P_ik   = exp(U_ik - lse_i)                                     (softmax probabilities)
  J      = (1/n) sum_i l_i
  dJ/dW  = (1/n) (P - Y)^T X,   dJ/db = (1/n) sum_i (P - Y)_i    (softmax-regression, matrix form)

Inputs
  X  float32 or float64 array (n, d); the computation runs in X's dtype
  Y  one-hot or probability rows (n, K), or integer labels (n,) in 0..K-1
  W  weights (K, d); b  biases (K,)
Errors: InputError (a ValueError) for a wrong shape or dtype, labels outside 0..K-1, rows of Y outside [0, 1]
or not summing to 1, nan in Y, W or b. nan or inf in X is not checked: it propagates into the results.
"""

_COMMON_NUMPY = '''
class InputError(ValueError):
    """An input with the wrong shape, dtype or values."""


#: rows of X per block: each block is read from memory once and reused from cache for X^T g
_BLOCK_BYTES = 1 << 22


def _features(X):
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (n, d), got shape {X.shape}")
    if X.dtype not in (np.float32, np.float64):
        raise InputError(f"X must be a float32 or float64 array, got dtype {X.dtype}; convert with X.astype(np.float64)")
    return X


def _parameter(name, value, shape, dtype):
    value = np.asarray(value)
    if value.shape != shape:
        raise InputError(f"{name} must have shape {shape}, got {value.shape}")
    if value.dtype.kind not in "biuf":
        raise InputError(f"{name} must be numeric, got dtype {value.dtype}")
    value = value.astype(dtype, copy=False)
    bad = ~np.isfinite(value)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{name} must be finite, got {name}{list(where)} = {value[where]}")
    return value


#: bytes of each (rows, K) temporary of a block (logits, probabilities): bounded, never of length n
_WIDE_BYTES = 1 << 17


def _block_rows(X, width=1):
    """Rows per block: X's block about _BLOCK_BYTES, each (rows, width) temporary about _WIDE_BYTES."""
    rows = _BLOCK_BYTES // max(1, X.shape[1] * X.itemsize)
    return max(1, min(rows, _WIDE_BYTES // (width * X.itemsize)))
'''

#: the labels a linear model admits, by the domain of y in its stable derivations:
#: (what y is, the condition every y_i meets in array code, the error message)
_LABELS: dict[sp.Set, tuple[str, str, str]] = {
    sp.Interval(0, 1): ("labels in [0, 1]", "(y >= 0) & (y <= 1)", "y must lie in [0, 1]"),
    sp.FiniteSet(0, 1): ("labels 0 or 1", "(y == 0) | (y == 1)", "y must be 0 or 1"),
    sp.Interval(0, sp.oo): ("counts >= 0", "(y >= 0) & @isfinite@(y)", "y must be a finite count >= 0"),
    sp.S.Reals: ("targets", "@isfinite@(y)", "y must be finite"),
}

# the numpy skeleton of every linear model: one blocked pass over X; @...@ are filled in per model
_LINEAR_NUMPY = '''
def _inputs(X, y, w, b):
    X = _features(X)
    n, d = X.shape
    y = np.asarray(y)
    if y.shape != (n,):
        raise InputError(f"y must have shape ({n},) to match X {X.shape}, got {y.shape}")
    if y.dtype.kind not in "biuf":
        raise InputError(f"y must be numeric @what@, got dtype {y.dtype}")
    y = y.astype(X.dtype, copy=False)
    outside = ~(@ok@)
    if outside.any():
        i = int(np.argmax(outside))
        raise InputError(f"@message@, got y[{i}] = {y[i]}")
    w = _parameter("w", w, (d,), X.dtype)
    b = _parameter("b", b, (), X.dtype)[()]
    return X, y, w, b
@hyperparameters@

def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i l(z_i, y_i), z = X @ w + b: @mean@ (a scalar of X's dtype)."""
    X, y, w, b = _inputs(X, y, w, b)
    hyper = @hyper@
    n = X.shape[0]
    rows = _block_rows(X)
    total = X.dtype.type(0)
    for start in range(0, n, rows):
        z = X[start : start + rows] @ w
        z += b
        total += _pointwise_loss(z, y[start : start + rows], *hyper).sum()
    return total / n


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T g, (1/n) sum_i g_i), g_i = dl/dz at z_i: one pass over X."""
    return _run(X, y, w, b, @hyper@, with_loss=False)[1]


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)) in one pass over X, sharing z and the common subexpressions of l and dl/dz."""
    return _run(X, y, w, b, @hyper@, with_loss=True)


def _run(X, y, w, b, hyper, *, with_loss):
    X, y, w, b = _inputs(X, y, w, b)
    n, d = X.shape
    rows = _block_rows(X)
    total = X.dtype.type(0)
    dw = np.zeros(d, dtype=X.dtype)
    db = X.dtype.type(0)
    for start in range(0, n, rows):
        block = X[start : start + rows]
        z = block @ w
        z += b
        if with_loss:
            l, g = _pointwise_loss_dloss(z, y[start : start + rows], *hyper)
            total += l.sum()
        else:
            g = _pointwise_dloss(z, y[start : start + rows], *hyper)
        dw += g @ block
        db += g.sum()
    return total / n, (dw / n, db / n)
'''

# validation of the keyword-only hyperparameters (plain Python floats: they keep float32 arrays float32)
_HYPERPARAMETER_HELPER = '''

def _hyperparameter(name, value, low, high, interval):
    """`value` as a float, if it is a real number in `interval` (written '(0, 1)' or '[0, inf)')."""
    try:
        number = None if isinstance(value, (str, bytes)) else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise InputError(f"{name} must be a real number, got {value!r}")
    above = number > low if interval[0] == "(" else number >= low
    below = number < high if interval[-1] == ")" else number <= high
    if not (above and below):
        raise InputError(f"{name} must lie in {interval}, got {name} = {number!r}")
    return number


def _hyperparameters(@names@):
    """The hyperparameters, checked against the domains the stable derivations assume."""
    return (
@checks@
    )
'''


_SOFTMAX_NUMPY = '''
def _inputs(X, Y, W, b):
    X = _features(X)
    n, d = X.shape
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[1] != d:
        raise InputError(f"W must have shape (K, {d}) to match X {X.shape}, got {W.shape}")
    K = W.shape[0]
    W = _parameter("W", W, (K, d), X.dtype)
    b = _parameter("b", b, (K,), X.dtype)
    Y = np.asarray(Y)
    if Y.ndim == 1 and Y.dtype.kind in "iu":
        if Y.shape != (n,):
            raise InputError(f"integer labels Y must have shape ({n},) to match X {X.shape}, got {Y.shape}")
        if n and (Y.min() < 0 or Y.max() >= K):  # min and max: no temporary of length n
            i = int(np.argmax((Y < 0) | (Y >= K)))
            raise InputError(f"integer labels must lie in 0..{K - 1}, got Y[{i}] = {Y[i]}")
        return X, Y, W, b
    if Y.shape != (n, K):
        raise InputError(f"Y must be one-hot rows of shape ({n}, {K}) or integer labels of shape ({n},), got {Y.shape} {Y.dtype}")
    if Y.dtype.kind not in "biuf":
        raise InputError(f"Y must be numeric, got dtype {Y.dtype}")
    Y = Y.astype(X.dtype, copy=False)
    if n and not (Y.min() >= 0 and Y.max() <= 1):  # False for nan too
        i, k = (int(v) for v in np.argwhere(~((Y >= 0) & (Y <= 1)))[0])
        raise InputError(f"Y must lie in [0, 1], got Y[{i}, {k}] = {Y[i, k]}")
    rows = _block_rows(X, K)
    for start in range(0, n, rows):
        off = np.abs(Y[start : start + rows].sum(axis=1) - 1) > 16 * K * np.finfo(X.dtype).eps
        if off.any():
            i = start + int(np.argmax(off))
            raise InputError(f"each row of Y must sum to 1, got sum(Y[{i}]) = {Y[i].sum()}")
    return X, Y, W, b


def _one_hot(Y, K, dtype):
    """A block of labels as rows of Y: one-hot rows (rows, K) from integer labels, probability rows as they are."""
    if Y.ndim == 2:
        return Y
    rows = np.zeros((Y.shape[0], K), dtype=dtype)
    rows[np.arange(Y.shape[0]), Y] = 1
    return rows


def _pointwise(Z, Y, *, with_loss, with_grad, E=None):
    """Per-example losses l_i and dl/dZ = P - Y from a block of logits Z, which is overwritten with U
    (printed from the checked softmax-logits form); E, if given, is a buffer for exp(U)."""
    Z -= Z.max(axis=1, keepdims=True)
    U = Z
    E = {exp}
    s = {sum}
    lse = {lse}
    l = ({loss}).ravel() if with_loss else None
    G = None
    if with_grad:
        G = E  # P = exp(U) / sum exp(U): the softmax, unchanged by the shift; exp computed once
        G /= s
        G -= Y
    return l, G


def loss(X, Y, W, b):
    """J(W, b) = (1/n) sum_i l_i, Z = X @ W.T + b: the mean softmax cross-entropy (a scalar of X's dtype)."""
    return _run(X, Y, W, b, with_grad=False)[0]


def grad(X, Y, W, b):
    """(dJ/dW, dJ/db) = ((1/n) (P - Y)^T X, (1/n) sum_i (P - Y)_i): one pass over X."""
    return _run(X, Y, W, b, with_loss=False)[1]


def loss_and_grad(X, Y, W, b):
    """(J, (dJ/dW, dJ/db)) in one pass over X."""
    return _run(X, Y, W, b)


def _run(X, Y, W, b, *, with_loss=True, with_grad=True):
    """One blocked pass over X: per block Z = X_blk @ W.T + b, the losses summed into a scalar,
    G = P - Y, dW += G.T @ X_blk, db += G.sum(0); no array of n rows is allocated."""
    X, Y, W, b = _inputs(X, Y, W, b)
    n, d = X.shape
    K = W.shape[0]
    rows = _block_rows(X, K)
    total = X.dtype.type(0)
    dW = np.zeros((K, d), dtype=X.dtype) if with_grad else None
    db = np.zeros(K, dtype=X.dtype) if with_grad else None
    Z_buffer = np.empty((min(rows, n), K), dtype=X.dtype)  # block buffers, reused: no allocation per block
    E_buffer = np.empty_like(Z_buffer)
    for start in range(0, n, rows):
        block = X[start : start + rows]
        m = block.shape[0]
        Z = np.matmul(block, W.T, out=Z_buffer[:m])
        Z += b
        Y_block = _one_hot(Y[start : start + rows], K, X.dtype)
        l, G = _pointwise(Z, Y_block, with_loss=with_loss, with_grad=with_grad, E=E_buffer[:m])
        if with_loss:
            total += l.sum()
        if with_grad:
            dW += G.T @ block
            db += G.sum(axis=0)
    if not with_grad:
        return total / n, None
    return total / n, (dW / n, db / n)
'''

# jax and torch: the same elementwise code in one vectorised pass (jax.jit / torch fuse it); inputs are
# validated with the same messages through numpy views of the shapes and values.
_LINEAR_ARRAY = '''
class InputError(ValueError):
    """An input with the wrong shape, dtype or values."""


def _inputs(X, y, w, b):
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (n, d), got shape {tuple(X.shape)}")
    if X.dtype not in {floats}:
        raise InputError(f"X must be a float32 or float64 array, got dtype {X.dtype}; convert it to a float dtype")
    n, d = X.shape
    if tuple(y.shape) != (n,):
        raise InputError(f"y must have shape ({n},) to match X {tuple(X.shape)}, got {tuple(y.shape)}")
    y = {cast_y}
    if bool(~(@ok@).all()):
        raise InputError("@message@")
    if tuple(w.shape) != (d,):
        raise InputError(f"w must have shape ({d},), got {tuple(w.shape)}")
    return X, y, {cast_w}, {cast_b}
@hyperparameters@

def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i l(z_i, y_i), z = X @ w + b: @mean@."""
    X, y, w, b = _inputs(X, y, w, b)
    return _pointwise_loss(X @ w + b, y@hyper_args@).mean()


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T g, (1/n) sum_i g_i)."""
    X, y, w, b = _inputs(X, y, w, b)
    g = _pointwise_dloss(X @ w + b, y@hyper_args@)
    return g @ X / X.shape[0], g.mean()


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)), sharing z and the common subexpressions of l and dl/dz."""
    X, y, w, b = _inputs(X, y, w, b)
    l, g = _pointwise_loss_dloss(X @ w + b, y@hyper_args@)
    return l.mean(), (g @ X / X.shape[0], g.mean())
'''

_SOFTMAX_ARRAY = '''
class InputError(ValueError):
    """An input with the wrong shape, dtype or values."""


def _inputs(X, Y, W, b):
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (n, d), got shape {tuple(X.shape)}")
    if X.dtype not in {floats}:
        raise InputError(f"X must be a float32 or float64 array, got dtype {X.dtype}; convert it to a float dtype")
    n, d = X.shape
    if W.ndim != 2 or W.shape[1] != d:
        raise InputError(f"W must have shape (K, {d}) to match X {tuple(X.shape)}, got {tuple(W.shape)}")
    K = W.shape[0]
    if tuple(b.shape) != (K,):
        raise InputError(f"b must have shape ({K},), got {tuple(b.shape)}")
    if Y.ndim == 1:
        if tuple(Y.shape) != (n,):
            raise InputError(f"integer labels Y must have shape ({n},) to match X {tuple(X.shape)}, got {tuple(Y.shape)}")
        if bool(((Y < 0) | (Y >= K)).any()):
            raise InputError(f"integer labels must lie in 0..{K - 1}")
        Y = {one_hot}
    elif tuple(Y.shape) != (n, K):
        raise InputError(f"Y must be one-hot rows of shape ({n}, {K}) or integer labels of shape ({n},), got {tuple(Y.shape)}")
    Y = {cast_Y}
    if bool(~((Y >= 0) & (Y <= 1)).all()):
        raise InputError("Y must lie in [0, 1]")
    return X, Y, {cast_W}, {cast_b}


def _pointwise(Z, Y):
    """Per-example losses and dl/dZ = P - Y (printed from the checked softmax-logits form)."""
    U = Z - {row_max}
    lse = {lse}
    return ({loss}).ravel(), {exp}(U - lse) - Y


def loss(X, Y, W, b):
    """J(W, b) = (1/n) sum_i l_i, Z = X @ W.T + b."""
    X, Y, W, b = _inputs(X, Y, W, b)
    return _pointwise(X @ W.T + b, Y)[0].mean()


def grad(X, Y, W, b):
    """(dJ/dW, dJ/db) = ((1/n) (P - Y)^T X, (1/n) sum_i (P - Y)_i)."""
    return loss_and_grad(X, Y, W, b)[1]


def loss_and_grad(X, Y, W, b):
    """(J, (dJ/dW, dJ/db))."""
    X, Y, W, b = _inputs(X, Y, W, b)
    l, G = _pointwise(X @ W.T + b, Y)
    n = X.shape[0]
    return l.mean(), (G.T @ X / n, G.sum({axis}=0) / n)
'''

_ARRAY_SPELLING = {
    "jax": {
        "floats": "(jnp.float32, jnp.float64)",
        "cast_y": "jnp.asarray(y, dtype=X.dtype)",
        "cast_w": "jnp.asarray(w, dtype=X.dtype)",
        "cast_b": "jnp.asarray(b, dtype=X.dtype)",
        "cast_Y": "jnp.asarray(Y, dtype=X.dtype)",
        "cast_W": "jnp.asarray(W, dtype=X.dtype)",
        "one_hot": "(Y[:, None] == jnp.arange(K)).astype(X.dtype)",
        "row_max": "Z.max(axis=1, keepdims=True)",
        "exp": "jnp.exp",
        "axis": "axis",
        "isfinite": "jnp.isfinite",
    },
    "torch": {
        "floats": "(torch.float32, torch.float64)",
        "cast_y": "torch.as_tensor(y).to(X.dtype)",
        "cast_w": "torch.as_tensor(w).to(X.dtype)",
        "cast_b": "torch.as_tensor(b).to(X.dtype)",
        "cast_Y": "torch.as_tensor(Y).to(X.dtype)",
        "cast_W": "torch.as_tensor(W).to(X.dtype)",
        "one_hot": "torch.nn.functional.one_hot(Y.long(), K)",
        "row_max": "Z.amax(dim=1, keepdim=True)",
        "exp": "torch.exp",
        "axis": "dim",
        "isfinite": "torch.isfinite",
    },
}


def _interval_text(domain: sp.Interval) -> tuple[str, str, str]:
    """(low, high, '(0, 1)') of an interval, as Python source."""
    low = "float('-inf')" if domain.inf is sp.S.NegativeInfinity else repr(float(domain.inf))
    high = "float('inf')" if domain.sup is sp.S.Infinity else repr(float(domain.sup))
    ends = (
        "-inf" if domain.inf is sp.S.NegativeInfinity else f"{float(domain.inf):g}",
        "inf" if domain.sup is sp.S.Infinity else f"{float(domain.sup):g}",
    )
    text = f"{'(' if domain.left_open else '['}{ends[0]}, {ends[1]}{')' if domain.right_open else ']'}"
    return low, high, text


def _hyperparameter_domains(model: LinearModel) -> list[tuple[str, float, str, str, str]]:
    """(name, default, low, high, interval text) of each hyperparameter, the interval from the assumptions."""
    assumptions = _STABLE_BUILDERS[model.loss]().assumptions
    rows = []
    for symbol, (name, default) in zip(_hyperparameter_symbols(model), model.defaults):
        low, high, text = _interval_text(assumptions.domain_of(symbol))
        rows.append((name, default, low, high, text))
    return rows


def _linear_skeleton(model: LinearModel, backend: str, template: str) -> str:
    label_domain = _STABLE_BUILDERS[model.loss]().assumptions.domain_of(y)
    what, ok, message = _LABELS[label_domain]
    isfinite = "np.isfinite" if backend == "numpy" else _ARRAY_SPELLING[backend]["isfinite"]
    domains = _hyperparameter_domains(model)
    names = ", ".join(name for name, *_ in domains)
    if domains:
        checks = "\n".join(
            f'        _hyperparameter("{name}", {name}, {low}, {high}, "{text}"),'
            for name, _, low, high, text in domains
        )
        helper = _HYPERPARAMETER_HELPER.replace("@names@", names).replace("@checks@", checks)
        signature = ", *, " + ", ".join(f"{name}={default!r}" for name, default, *_ in domains)
        hyper = f"_hyperparameters({names})"
    else:
        helper, signature, hyper = "", "", "()"
    for key, value in (
        ("@hyperparameters@", helper),
        ("@signature@", signature),
        ("@hyper_args@", f", *{hyper}" if domains else ""),
        ("@hyper@", hyper),
        ("@what@", what),
        ("@ok@", ok.replace("@isfinite@", isfinite)),
        ("@message@", message),
        ("@mean@", model.mean),
    ):
        template = template.replace(key, value)
    return _pointwise_functions(model, backend) + "\n" + template


def _skeleton(name: str, backend: str) -> str:
    model = LINEAR_MODELS.get(name)
    if backend == "numpy":
        if model is not None:
            return _COMMON_NUMPY + "\n\n" + _linear_skeleton(model, backend, _LINEAR_NUMPY)
        text = _SOFTMAX_NUMPY
        for key, line in _softmax_numpy_pieces().items():
            text = text.replace(key, line)
        return _COMMON_NUMPY + text
    spelling = _ARRAY_SPELLING[backend]
    if model is not None:
        text = _linear_skeleton(model, backend, _LINEAR_ARRAY)
    else:
        lse, loss = _softmax_pieces(backend)
        text = _SOFTMAX_ARRAY.replace("{lse}", lse).replace("{loss}", loss)
    for key, value in spelling.items():
        text = text.replace("{" + key + "}", value)
    return text


def _expression_text(derivation: Derivation) -> str:
    """The expression a derivation arrives at before its overflow-free steps (those are printed below it)."""
    text = derivation.start
    for step in derivation.steps:
        if step.rule.startswith("overflow-free"):
            break
        text = step.after
    return str(text.doit() if isinstance(text, sp.Derivative) else text)


def _linear_formulas(model: LinearModel) -> str:
    loss = _STABLE_BUILDERS[model.loss]()
    dloss = _STABLE_BUILDERS[model.dloss]()
    rules = {s.rule for d in (loss, dloss) for s in d.steps}
    what, _, message = _LABELS[loss.assumptions.domain_of(y)]
    lines = [
        "Formulas (i = 1..n examples, j = 1..d features)",
        "  z_i    = sum_j X_ij w_j + b                   (z = X @ w + b)",
        f"  l_i    = {_expression_text(loss)}   ({model.loss}, at z = z_i, y = y_i)",
        f"  g_i    = dl_i/dz_i = {_expression_text(dloss)}   ({model.dloss})",
    ]
    if "overflow-free-softplus" in rules:
        lines.append("  softplus(x) = max(x, 0) + log1p(exp(-|x|))     (overflow-free)")
    if "overflow-free-sigmoid" in rules:
        lines.append("  sigmoid(x)  = exp(min(x, 0)) / (1 + exp(-|x|)) (overflow-free)")
    lines += [
        "  J      = (1/n) sum_i l_i",
        f"  dJ/dw  = (1/n) X^T g,   dJ/db = (1/n) sum_i g_i   ({', '.join(model.catalog)}, matrix form)",
    ]
    domains = _hyperparameter_domains(model)
    if domains:
        lines += ["", "Hyperparameters (keyword-only, checked against the derivations' assumptions)"]
        lines += [f"  {name} = {default!r} by default, in {text}" for name, default, _, _, text in domains]
    lines += [
        "",
        "Inputs",
        "  X  float32 or float64 array (n, d); the computation runs in X's dtype",
        f"  y  {what} (n,); bool and integer arrays are accepted",
        "  w  weights (d,); b  bias, a scalar",
        f"Errors: InputError (a ValueError) for a wrong shape or dtype, y outside its domain ({message}),",
        "nan in w or b" + (", a hyperparameter outside its interval." if domains else "."),
        "nan or inf in X is not checked (it would cost a pass over X): it propagates into the loss and gradient.",
    ]
    if model.name == "poisson":
        lines.append(
            "exp(z) overflows to inf beyond z ~ 709 (float64) or ~ 88 (float32): there the true loss exceeds the"
        )
        lines.append("largest float, so inf is the correctly rounded answer, not an artefact of the formula.")
    return "\n".join(lines) + "\n"


def module_source(name: str, backend: str = "numpy") -> str:
    """The source of a standalone module with `loss`, `grad` and `loss_and_grad` for catalog entry `name`
    (an alias in ALIASES gives its export's module)."""
    name = ALIASES.get(name, name)
    if name not in EXPORTABLE:
        raise did_you_mean(name, (*EXPORTABLE, *ALIASES), "exportable derivation")
    if backend not in BACKENDS:
        raise did_you_mean(backend, tuple(BACKENDS), "backend")
    model = LINEAR_MODELS.get(name)
    catalog = model.catalog if model is not None else (name, f"{name}-bias")
    provenance = [p for p in map(_catalog_provenance, catalog) if p is not None]
    provenance += [_provenance(_STABLE_BUILDERS[s]()) for s in EXPORTABLE[name]]
    if name == "logistic-regression":
        formulas = _BINARY_FORMULAS
    elif model is not None:
        formulas = _linear_formulas(model)
    else:
        formulas = _SOFTMAX_FORMULAS
    header = _docstring(name, backend, provenance, formulas)
    body = _skeleton(name, backend)
    return (
        f"{header}\n\nfrom __future__ import annotations\n\n{BACKENDS[backend]}\n\n"
        f'__all__ = ["loss", "grad", "loss_and_grad", "InputError"]\n\n\n{body.strip()}\n'
    )
