"""The driver of the vectorised backends (jax, torch): the numpy module's input checks, in its order and words,
written once over a few helpers each backend spells (`Backend.helpers`), then one vectorised pass (hand-written)."""

from __future__ import annotations

from .record import Skeleton

COMMON = '''
class InputError(ValueError):
    """An input with the wrong shape, dtype or values."""


def _features(X):
    X = _array(X)
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (n, d), got shape {tuple(X.shape)}")
    if _dtype(X) not in ("float32", "float64"):
        raise InputError(f"X must be a float32 or float64 array, got dtype {_dtype(X)}; convert with @convert@")
    if X.shape[0] == 0:
        raise InputError(f"X must have at least one row (the loss is a mean over the rows), got shape {tuple(X.shape)}")
    return X


def _parameter(name, value, shape, X):
    value = _array(value)
    if tuple(value.shape) != shape:
        raise InputError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    if not _numeric(value):
        raise InputError(f"{name} must be numeric, got dtype {_dtype(value)}")
    value = _cast(value, X)
    if _concrete(value):
        bad = ~@isfinite@(value)
        if _any(bad):
            where = _first(bad)
            at = f"{name}{list(where)}" if where else name
            raise InputError(f"{name} must be finite, got {at} = {_text(value[where])}")
    return value


def _regularisation(X, sample_weight, l2):
    """(sample weights cast to X or None, l2 as a float), checked: weights (n,) finite and >= 0, l2 >= 0."""
    if not _concrete(l2):  # traced (jax.jit over l2): not checked, used as it is
        number = l2
    else:
        try:
            number = None if isinstance(l2, (str, bytes)) else float(l2)
        except (TypeError, ValueError):
            number = None
        if number is None or not number >= 0 or number == float("inf"):
            raise InputError(f"l2 must be a finite real number >= 0, got l2 = {l2!r}")
    if sample_weight is None:
        return None, number
    n = X.shape[0]
    sw = _array(sample_weight)
    if tuple(sw.shape) != (n,):
        raise InputError(f"sample_weight must have shape ({n},) to match X {tuple(X.shape)}, got {tuple(sw.shape)}")
    sw = _parameter("sample_weight", sw, (n,), X)
    if _concrete(sw) and _any(sw < 0):
        i = _first(sw < 0)[0]
        raise InputError(f"sample_weight must be >= 0, got sample_weight[{i}] = {_text(sw[i])}")
    return sw, number
'''


LINEAR = '''
def _inputs(X, y, w, b):
    X = _features(X)
    n, d = X.shape
    y = _array(y)
    if tuple(y.shape) != (n,):
        raise InputError(f"y must have shape ({n},) to match X {tuple(X.shape)}, got {tuple(y.shape)}")
    if not _numeric(y):
        raise InputError(f"y must be numeric @what@, got dtype {_dtype(y)}")
    y = _cast(y, X)
    if _concrete(y):
        outside = ~(@ok@)
        if _any(outside):
            i = _first(outside)[0]
            raise InputError(f"@message@, got y[{i}] = {_text(y[i])}")
    w = _parameter("w", w, (d,), X)
    b = _parameter("b", b, (), X)
    return X, y, w, b
@hyperparameters@

def _objective(X, w, l, g, sw, l2):
    """The regularised-objective's weighting and penalty (printed from its checked steps) applied to l and g."""
    n = X.shape[0]
    if sw is not None:
        sb = sw
        l = None if l is None else @wloss@
        g = None if g is None else @wgrad@
    J = None if l is None else l.sum() / n
    dw, db = (None, None) if g is None else ((@dw@) / n, (@db@) / n)
    if not _concrete(l2) or l2:
        J = None if J is None else J + @penalty@
        dw = None if dw is None else dw + @dpenalty@
    return J, dw, db


@jit@
def _loss(X, y, w, b, hyper, sw, l2):
    return _objective(X, w, _pointwise_loss(@logits@, y, *hyper), None, sw, l2)[0]


@jit@
def _grad(X, y, w, b, hyper, sw, l2):
    return _objective(X, w, None, _pointwise_dloss(@logits@, y, *hyper), sw, l2)[1:]


@jit@
def _loss_and_grad(X, y, w, b, hyper, sw, l2):
    l, g = _pointwise_loss_dloss(@logits@, y, *hyper)
    J, dw, db = _objective(X, w, l, g, sw, l2)
    return J, (dw, db)


def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i s_i l(z_i, y_i) + (l2/2) ||w||^2, z = X @ w + b: @mean@ (s = sample_weight)."""
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    return _loss(X, y, w, b, @hyper@, sw, l2)


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T (s g) + l2 w, (1/n) sum_i s_i g_i)."""
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    return _grad(X, y, w, b, @hyper@, sw, l2)


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)), sharing z and the common subexpressions of l and dl/dz."""
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    return _loss_and_grad(X, y, w, b, @hyper@, sw, l2)
'''


SOFTMAX = '''
def _inputs(X, Y, W, b):
    X = _features(X)
    n, d = X.shape
    W = _array(W)
    if W.ndim != 2 or W.shape[1] != d:
        raise InputError(f"W must have shape (K, {d}) to match X {tuple(X.shape)}, got {tuple(W.shape)}")
    K = W.shape[0]
    W = _parameter("W", W, (K, d), X)
    b = _parameter("b", b, (K,), X)
    Y = _array(Y)
    if Y.ndim == 1 and _integer(Y):
        if tuple(Y.shape) != (n,):
            raise InputError(f"integer labels Y must have shape ({n},) to match X {tuple(X.shape)}, got {tuple(Y.shape)}")
        if _concrete(Y):
            outside = (Y < 0) | (Y >= K)
            if _any(outside):
                i = _first(outside)[0]
                raise InputError(f"integer labels must lie in 0..{K - 1}, got Y[{i}] = {_text(Y[i])}")
        return X, _one_hot(Y, K, X), W, b
    if tuple(Y.shape) != (n, K):
        raise InputError(f"Y must be one-hot rows of shape ({n}, {K}) or integer labels of shape ({n},), got {tuple(Y.shape)} {_dtype(Y)}")
    if not _numeric(Y):
        raise InputError(f"Y must be numeric, got dtype {_dtype(Y)}")
    Y = _cast(Y, X)
    if _concrete(Y):
        outside = ~((Y >= 0) & (Y <= 1))  # True for nan too
        if _any(outside):
            i, k = _first(outside)
            raise InputError(f"Y must lie in [0, 1], got Y[{i}, {k}] = {_text(Y[i, k])}")
        sums = Y.sum(@axis@=1)
        off = abs(sums - 1) > 16 * K * _eps(X)
        if _any(off):
            i = _first(off)[0]
            raise InputError(f"each row of Y must sum to 1, got sum(Y[{i}]) = {_text(sums[i])}")
    return X, Y, W, b


def _pointwise(Z, Y):
    """Per-example losses and dl/dZ = P - Y (printed from the checked softmax-logits form)."""
    U = Z - @row_max@
    E = @exp@(U)
    # sum_j exp(u_j) - 1 without cancellation: one term is exp(0) = 1 exactly, the others are summed
    rest = (E * (U < 0)).sum(@axis@=1, @keepdims@=True) + ((U == 0).sum(@axis@=1, @keepdims@=True) - 1)
    lse = @lse@
    return (@loss@).ravel(), @dloss@


def _value_and_gradient(X, Y, W, b, sw, l2):
    """(J, (dJ/dW, dJ/db)): the regularised-objective's weighting and penalty (printed from its checked steps)."""
    l, G = _pointwise(@logits@, Y)
    n = X.shape[0]
    if sw is not None:
        sb, sbc = sw, sw[:, None]
        l = @wloss@
        G = @wgrad@
    J, dW = l.sum() / n, (@dw@) / n
    if not _concrete(l2) or l2:
        J = J + @penalty@
        dW = dW + @dpenalty@
    return J, (dW, (@db@) / n)


@jit@
def _loss(X, Y, W, b, sw, l2):
    return _value_and_gradient(X, Y, W, b, sw, l2)[0]


@jit@
def _grad(X, Y, W, b, sw, l2):
    return _value_and_gradient(X, Y, W, b, sw, l2)[1]


@jit@
def _loss_and_grad(X, Y, W, b, sw, l2):
    return _value_and_gradient(X, Y, W, b, sw, l2)


def loss(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """J(W, b) = (1/n) sum_i s_i l_i + (l2/2) ||W||^2, Z = X @ W.T + b (s = sample_weight)."""
    X, Y, W, b = _inputs(X, Y, W, b)
    return _loss(X, Y, W, b, *_regularisation(X, sample_weight, l2))


def grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(dJ/dW, dJ/db) = ((1/n) (s (P - Y))^T X + l2 W, (1/n) sum_i s_i (P - Y)_i)."""
    X, Y, W, b = _inputs(X, Y, W, b)
    return _grad(X, Y, W, b, *_regularisation(X, sample_weight, l2))


def loss_and_grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(J, (dJ/dW, dJ/db)) in one vectorised pass."""
    X, Y, W, b = _inputs(X, Y, W, b)
    return _loss_and_grad(X, Y, W, b, *_regularisation(X, sample_weight, l2))
'''


SKELETON = Skeleton(
    "vectorised",
    COMMON,
    LINEAR,
    SOFTMAX,
    "one vectorised pass: z = X @ w + b, then dw = X^T g / n, db = sum(g) / n",
    "X",
)
