"""The text of the generated modules: code templates per backend and the formulas quoted in their docstrings."""

from __future__ import annotations

BINARY_FORMULAS = """
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


SOFTMAX_FORMULAS = """
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


COMMON_NUMPY = '''
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


# the numpy skeleton of every linear model: one blocked pass over X; @...@ are filled in per model
LINEAR_NUMPY = '''
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
HYPERPARAMETER_HELPER = '''

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


SOFTMAX_NUMPY = '''
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
LINEAR_ARRAY = '''
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


SOFTMAX_ARRAY = '''
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


ARRAY_SPELLING = {
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
