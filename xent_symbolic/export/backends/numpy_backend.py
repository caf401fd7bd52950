"""The numpy backend: elementwise code in NumPy, driven by one blocked pass over X (hand-written, below)."""

from __future__ import annotations

from .record import Backend, Skeleton

# the input checks every numpy module starts with (hand-written: what a careful person checks at an API edge)
COMMON = '''
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
        at = f"{name}{list(where)}" if where else name
        raise InputError(f"{name} must be finite, got {at} = {value[where]}")
    return value


#: bytes of each (rows, K) temporary of a block (logits, probabilities): bounded, never of length n
_WIDE_BYTES = 1 << 17


def _block_rows(X, width=1):
    """Rows per block: X's block about _BLOCK_BYTES, each (rows, width) temporary about _WIDE_BYTES."""
    rows = _BLOCK_BYTES // max(1, X.shape[1] * X.itemsize)
    return max(1, min(rows, _WIDE_BYTES // (width * X.itemsize)))


def _regularisation(X, sample_weight, l2):
    """(sample weights of X's dtype or None, l2 as a float), checked: weights (n,) finite and >= 0, l2 >= 0."""
    try:
        number = None if isinstance(l2, (str, bytes)) else float(l2)
    except (TypeError, ValueError):
        number = None
    if number is None or not number >= 0 or number == float("inf"):
        raise InputError(f"l2 must be a finite real number >= 0, got l2 = {l2!r}")
    if sample_weight is None:
        return None, number
    n = X.shape[0]
    sw = np.asarray(sample_weight)
    if sw.shape != (n,):
        raise InputError(f"sample_weight must have shape ({n},) to match X {X.shape}, got {sw.shape}")
    sw = _parameter("sample_weight", sw, (n,), X.dtype)
    if (sw < 0).any():
        i = int(np.argmax(sw < 0))
        raise InputError(f"sample_weight must be >= 0, got sample_weight[{i}] = {sw[i]}")
    return sw, number
'''


# the part of every linear model's driver the chunked backends share: the input checks and the raw sums of
# one blocked pass over X (hand-written); @name@ are filled in per model
LINEAR_KERNEL = '''
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


def _sums(X, y, w, b, hyper, sw, *, with_loss):
    """(sum_i s_i l_i, sum_i s_i g_i x_i, sum_i s_i g_i) over the rows of checked arrays: one blocked pass."""
    n, d = X.shape
    rows = _block_rows(X)
    total = X.dtype.type(0)
    dw = np.zeros(d, dtype=X.dtype)
    db = X.dtype.type(0)
    for start in range(0, n, rows):
        block = X[start : start + rows]
        z = @logits@
        if with_loss:
            l, g = _pointwise_loss_dloss(z, y[start : start + rows], *hyper)
        else:
            g = _pointwise_dloss(z, y[start : start + rows], *hyper)
        if sw is not None:
            sb = sw[start : start + rows]
            g = @wgrad@
            if with_loss:
                l = @wloss@
        if with_loss:
            total += l.sum()
        dw += @dw@
        db += @db@
    return total, dw, db


def _finish(n, w, total, dw, db, l2):
    """(J, (dJ/dw, dJ/db)) from the sums over all n rows: the mean, then the penalty."""
    total, dw = total / n, dw / n
    if l2:
        total += @penalty@
        dw += @dpenalty@
    return total, (dw, db / n)
'''


# the numpy API of every linear model over that kernel (hand-written)
LINEAR_API = '''
def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i l(z_i, y_i), z = X @ w + b: @mean@ (a scalar of X's dtype)."""
    X, y, w, b = _inputs(X, y, w, b)
    hyper = @hyper@
    sw, l2 = _regularisation(X, sample_weight, l2)
    n = X.shape[0]
    rows = _block_rows(X)
    total = X.dtype.type(0)
    for start in range(0, n, rows):
        block = X[start : start + rows]
        z = @logits@
        l = _pointwise_loss(z, y[start : start + rows], *hyper)
        if sw is not None:
            sb = sw[start : start + rows]
            l = @wloss@
        total += l.sum()
    total = total / n
    if l2:
        total += @penalty@
    return total


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T g, (1/n) sum_i g_i), g_i = dl/dz at z_i: one pass over X."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2, with_loss=False)[1]


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)) in one pass over X, sharing z and the common subexpressions of l and dl/dz."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2, with_loss=True)


def _run(X, y, w, b, hyper, sample_weight, l2, *, with_loss):
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    return _finish(X.shape[0], w, *_sums(X, y, w, b, hyper, sw, with_loss=with_loss), l2)
'''


LINEAR = LINEAR_KERNEL + LINEAR_API


# the part of softmax regression's driver the chunked backends share: the input checks and the raw sums of
# one blocked pass over X with reused block buffers (hand-written)
SOFTMAX_KERNEL = '''
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


def _pointwise(Z, Y, *, with_loss=True, with_grad=True, E=None):
    """Per-example losses l_i and dl/dZ = P - Y from a block of logits Z, which is overwritten with U
    (printed from the checked softmax-logits form); E, if given, is a buffer for exp(U)."""
    Z -= Z.max(axis=1, keepdims=True)
    U = Z
    E = @exp_u@
    # sum_j exp(u_j) - 1 without cancellation: one term is exp(0) = 1 exactly, the others are summed
    rest = np.where(U < 0, E, 0).sum(axis=1, keepdims=True) + ((U == 0).sum(axis=1, keepdims=True, dtype=U.dtype) - 1)
    lse = @lse@
    l = (@loss@).ravel() if with_loss else None
    G = (@dloss@) if with_grad else None  # P - Y, without cancellation where P is near 1
    return l, G


def _sums(X, Y, W, b, sw, *, with_loss=True, with_grad=True):
    """(sum_i s_i l_i, sum_i s_i (P - Y)_i^T x_i, sum_i s_i (P - Y)_i) over checked arrays: one blocked pass, per
    block Z = X_blk @ W.T + b; no array of n rows is allocated."""
    n, d = X.shape
    K = W.shape[0]
    rows = _block_rows(X, K)
    total = X.dtype.type(0)
    dW = np.zeros((K, d), dtype=X.dtype) if with_grad else None
    db = np.zeros(K, dtype=X.dtype) if with_grad else None
    E_buffer = np.empty((min(rows, n), K), dtype=X.dtype)  # the block's exp, reused: no allocation per block
    for start in range(0, n, rows):
        block = X[start : start + rows]
        m = block.shape[0]
        Z = @logits@
        Y_block = _one_hot(Y[start : start + rows], K, X.dtype)
        l, G = _pointwise(Z, Y_block, with_loss=with_loss, with_grad=with_grad, E=E_buffer[:m])
        if sw is not None:
            sb = sw[start : start + rows]
            l = @wloss@ if with_loss else None
            if with_grad:
                sbc = sb[:, None]
                G = @wgrad@
        if with_loss:
            total += l.sum()
        if with_grad:
            dW += @dw@
            db += @db@
    return total, dW, db


def _finish(n, W, total, dW, db, l2):
    """(J, (dJ/dW, dJ/db)) from the sums over all n rows (dW None: the loss only)."""
    total = total / n
    if l2:
        total += @penalty@
    if dW is None:
        return total, None
    dW /= n
    if l2:
        dW += @dpenalty@
    return total, (dW, db / n)
'''


# the numpy API of softmax regression over that kernel (hand-written)
SOFTMAX_API = '''
def loss(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """J(W, b) = (1/n) sum_i s_i l_i + (l2/2) ||W||^2, Z = X @ W.T + b: the mean softmax cross-entropy (a scalar
    of X's dtype; s = sample_weight, 1 by default)."""
    return _run(X, Y, W, b, sample_weight, l2, with_grad=False)[0]


def grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(dJ/dW, dJ/db) = ((1/n) (s (P - Y))^T X + l2 W, (1/n) sum_i s_i (P - Y)_i): one pass over X."""
    return _run(X, Y, W, b, sample_weight, l2, with_loss=False)[1]


def loss_and_grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(J, (dJ/dW, dJ/db)) in one pass over X."""
    return _run(X, Y, W, b, sample_weight, l2)


def _run(X, Y, W, b, sample_weight, l2, *, with_loss=True, with_grad=True):
    X, Y, W, b = _inputs(X, Y, W, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    return _finish(X.shape[0], W, *_sums(X, Y, W, b, sw, with_loss=with_loss, with_grad=with_grad), l2)
'''


SOFTMAX = SOFTMAX_KERNEL + SOFTMAX_API


# the helpers the general driver (the export of any derivation) is written over, as jax and torch spell them
HELPERS = '''
def _array(value):
    """value as a NumPy array (lists and scalars read by NumPy)."""
    return np.asarray(value)


def _concrete(value):
    """Always True: NumPy values can be read."""
    return True


def _any(flags):
    """Whether any flag of a check is set."""
    return bool(np.any(flags))


def _dtype(value):
    return str(value.dtype)


def _numeric(value):
    return value.dtype.kind in "biuf"


def _integer(value):
    return value.dtype.kind in "iu"


def _cast(value, X):
    return value.astype(X.dtype, copy=False)


def _one_hot(Y, K, X):
    rows = np.zeros((Y.shape[0], K), dtype=X.dtype)
    rows[np.arange(Y.shape[0]), Y] = 1
    return rows


def _eps(X):
    return float(np.finfo(X.dtype).eps)


def _first(bad):
    """The index of the first True of a boolean array (error path only)."""
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _text(value):
    """A scalar as NumPy prints it (error path only)."""
    return str(np.asarray(value)[()])
'''


NOTES = """"""

BACKEND = Backend(
    name="numpy",
    package="numpy",
    imports="import numpy as np",
    spelling="numpy",
    functions={
        "where": "np.where({0}, {1}, {2})",
        "relu": "np.maximum({0}, 0)",
        "negative_part": "np.minimum({0}, 0)",
        "sign": "np.sign({0})",
    },
    isfinite="np.isfinite",
    exp="np.exp",
    row_max="Z.max(axis=1, keepdims=True)",
    permute="np.transpose({0}, {1})",
    einsum="np.einsum({0}, optimize=True)",
    axis="axis",
    keepdims="keepdims",
    convert="X.astype(np.float64)",
    helpers=HELPERS,
    skeleton=Skeleton(
        "blocked",
        COMMON,
        LINEAR,
        SOFTMAX,
        "one blocked pass over X: per block of rows the logits, the elementwise code, the partial sums of X^T g",
        "block",
    ),
)
