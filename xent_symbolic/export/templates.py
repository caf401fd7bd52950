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
  with sample_weight=s and l2=lambda (regularised-objective, l2-penalty-gradient; the bias is not penalised):
  J      = (1/n) sum_i s_i l_i + (lambda/2) ||w||^2    (divided by n, not sum_i s_i, as sklearn's objective)
  dJ/dw  = (1/n) X^T (s g) + lambda w,   dJ/db = (1/n) sum_i s_i g_i

Inputs
  X  float32 or float64 array (n, d); the computation runs in X's dtype
  y  labels (n,), in [0, 1] (hard labels 0/1 or soft labels); bool and integer labels are accepted
  w  weights (d,); b  bias, a scalar
Errors: InputError (a ValueError) for a wrong shape or dtype, a label outside [0, 1] or nan in y, nan or inf in w or b.
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
  with sample_weight=s and l2=lambda (regularised-objective, l2-penalty-gradient; the biases are not penalised):
  J      = (1/n) sum_i s_i l_i + (lambda/2) ||W||^2    (divided by n, not sum_i s_i, as sklearn's objective)
  dJ/dW  = (1/n) (s (P - Y))^T X + lambda W,   dJ/db = (1/n) sum_i s_i (P - Y)_i

Inputs
  X  float32 or float64 array (n, d); the computation runs in X's dtype
  Y  one-hot or probability rows (n, K), or integer labels (n,) in 0..K-1
  W  weights (K, d); b  biases (K,)
  sample_weight  None or (n,) finite weights >= 0 (keyword-only); l2  a float >= 0 (keyword-only)
Errors: InputError (a ValueError) for a wrong shape or dtype, labels outside 0..K-1, rows of Y outside [0, 1]
or not summing to 1, nan in Y, nan or inf in W or b. nan or inf in X is not checked: it propagates into the results.
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
    sw, l2 = _regularisation(X, sample_weight, l2)
    n = X.shape[0]
    rows = _block_rows(X)
    total = X.dtype.type(0)
    for start in range(0, n, rows):
        z = X[start : start + rows] @ w
        z += b
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
        else:
            g = _pointwise_dloss(z, y[start : start + rows], *hyper)
        if sw is not None:
            sb = sw[start : start + rows]
            g = @wgrad@
            if with_loss:
                l = @wloss@
        if with_loss:
            total += l.sum()
        dw += g @ block
        db += g.sum()
    total, dw = total / n, dw / n
    if l2:
        total += @penalty@
        dw += @dpenalty@
    return total, (dw, db / n)
'''


# validation of the keyword-only hyperparameters (plain Python floats: they keep float32 arrays float32)
HYPERPARAMETER_HELPER = '''

def _hyperparameter(name, value, low, high, interval):
    """`value` as a float, if it is a real number in `interval` (written '(0, 1)' or '[0, inf)')."""
@traced@    try:
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
    """One blocked pass over X: per block Z = X_blk @ W.T + b, the losses summed into a scalar,
    G = P - Y, dW += G.T @ X_blk, db += G.sum(0); no array of n rows is allocated."""
    X, Y, W, b = _inputs(X, Y, W, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
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
        if sw is not None:
            sb = sw[start : start + rows]
            l = @wloss@ if with_loss else None
            if with_grad:
                sbc = sb[:, None]
                G = @wgrad@
        if with_loss:
            total += l.sum()
        if with_grad:
            dW += G.T @ block
            db += G.sum(axis=0)
    total = total / n
    if l2:
        total += @penalty@
    if not with_grad:
        return total, None
    dW /= n
    if l2:
        dW += @dpenalty@
    return total, (dW, db / n)
'''


# jax and torch: the same elementwise code in one vectorised pass (jax.jit / torch fuse it). The input checks
# are the numpy module's, in the same order and with the same messages, written once over a few helpers that
# each backend spells in ARRAY_HELPERS (conversion, dtype names, "is this value concrete", error-path printing).
COMMON_ARRAY = '''
class InputError(ValueError):
    """An input with the wrong shape, dtype or values."""


def _features(X):
    X = _array(X)
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (n, d), got shape {tuple(X.shape)}")
    if _dtype(X) not in ("float32", "float64"):
        raise InputError(f"X must be a float32 or float64 array, got dtype {_dtype(X)}; convert with {convert}")
    return X


def _parameter(name, value, shape, X):
    value = _array(value)
    if tuple(value.shape) != shape:
        raise InputError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    if not _numeric(value):
        raise InputError(f"{name} must be numeric, got dtype {_dtype(value)}")
    value = _cast(value, X)
    if _concrete(value):
        bad = ~{isfinite}(value)
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


#: the helpers COMMON_ARRAY and the skeletons are written over, per backend
ARRAY_HELPERS = {
    "jax": '''
def _array(value):
    """value as a jax array: jax arrays (traced ones too) as they are; NumPy arrays and nested lists read by
    NumPy first, then by jnp.asarray (float64 stays float64 where jax_enable_x64 is on, as everywhere in jax);
    a non-numeric array stays a NumPy array, for its error message."""
    if isinstance(value, jax.Array):
        return value
    value = np.asarray(value)
    return jnp.asarray(value) if value.dtype.kind in "biufc" else value


def _concrete(value):
    """True unless value is traced (jax.jit, jax.grad, jax.vmap): only concrete values can be read."""
    return not isinstance(value, jax.core.Tracer)


def _any(flags):
    """Whether any flag of a check is set; False where the flags are traced: a concrete argument's check, once
    inside jax.jit, is itself traced, and a traced value is not checked (see the module docstring)."""
    return _concrete(flags) and bool(flags.any())


def _dtype(value):
    return str(value.dtype)


def _numeric(value):
    return value.dtype.kind in "biuf"


def _integer(value):
    return value.dtype.kind in "iu"


def _cast(value, X):
    return value.astype(X.dtype)


def _one_hot(Y, K, X):
    return (Y[:, None] == jnp.arange(K)).astype(X.dtype)


def _eps(X):
    return float(jnp.finfo(X.dtype).eps)


def _first(bad):
    """The index of the first True of a concrete boolean array (error path only)."""
    return tuple(int(i) for i in np.argwhere(np.asarray(bad))[0])


def _text(value):
    """A concrete scalar as the numpy module prints it (error path only)."""
    return str(np.asarray(value)[()])
''',
    "torch": '''
def _array(value):
    """value as a tensor: tensors as they are; NumPy arrays with their dtype (sharing memory where torch can)
    and nested lists read as NumPy reads them (floats become float64); a non-numeric array stays a NumPy
    array, for its error message."""
    if isinstance(value, torch.Tensor):
        return value
    import numpy as np  # only for inputs that are not tensors

    value = np.asarray(value)
    if value.dtype.kind not in "biufc":
        return value
    if not (value.flags.writeable and value.dtype.isnative and min(value.strides, default=0) >= 0):
        value = np.array(value, dtype=value.dtype.newbyteorder("="))  # a layout torch can share
    return torch.as_tensor(value)


def _concrete(value):
    """Always True: eager torch values can be read."""
    return True


def _any(flags):
    """Whether any flag of a check is set."""
    return bool(flags.any())


def _dtype(value):
    return str(value.dtype).removeprefix("torch.")


def _numeric(value):
    return isinstance(value, torch.Tensor) and not value.dtype.is_complex


def _integer(value):
    return _numeric(value) and not value.dtype.is_floating_point and value.dtype != torch.bool


def _cast(value, X):
    return value.to(device=X.device, dtype=X.dtype)


def _one_hot(Y, K, X):
    return (Y.to(X.device)[:, None] == torch.arange(K, device=X.device)).to(X.dtype)


def _eps(X):
    return torch.finfo(X.dtype).eps


def _first(bad):
    """The index of the first True of a boolean tensor (error path only)."""
    return tuple(int(i) for i in bad.nonzero()[0])


def _text(value):
    """A scalar tensor as the numpy module prints it (error path only)."""
    return str(value.detach().cpu().numpy()[()])
''',
}


LINEAR_ARRAY = '''
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
    dw, db = (None, None) if g is None else (g @ X / n, g.sum() / n)
    if not _concrete(l2) or l2:
        J = None if J is None else J + @penalty@
        dw = None if dw is None else dw + @dpenalty@
    return J, dw, db


def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i s_i l(z_i, y_i) + (l2/2) ||w||^2, z = X @ w + b: @mean@ (s = sample_weight)."""
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    return _objective(X, w, _pointwise_loss(X @ w + b, y@hyper_args@), None, sw, l2)[0]


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T (s g) + l2 w, (1/n) sum_i s_i g_i)."""
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    _, dw, db = _objective(X, w, None, _pointwise_dloss(X @ w + b, y@hyper_args@), sw, l2)
    return dw, db


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)), sharing z and the common subexpressions of l and dl/dz."""
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    l, g = _pointwise_loss_dloss(X @ w + b, y@hyper_args@)
    J, dw, db = _objective(X, w, l, g, sw, l2)
    return J, (dw, db)
'''


SOFTMAX_ARRAY = '''
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
        sums = Y.sum({axis}=1)
        off = abs(sums - 1) > 16 * K * _eps(X)
        if _any(off):
            i = _first(off)[0]
            raise InputError(f"each row of Y must sum to 1, got sum(Y[{i}]) = {_text(sums[i])}")
    return X, Y, W, b


def _pointwise(Z, Y):
    """Per-example losses and dl/dZ = P - Y (printed from the checked softmax-logits form)."""
    U = Z - {row_max}
    lse = {lse}
    return ({loss}).ravel(), {exp}(U - lse) - Y


def loss(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """J(W, b) = (1/n) sum_i s_i l_i + (l2/2) ||W||^2, Z = X @ W.T + b (s = sample_weight)."""
    return loss_and_grad(X, Y, W, b, sample_weight=sample_weight, l2=l2)[0]


def grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(dJ/dW, dJ/db) = ((1/n) (s (P - Y))^T X + l2 W, (1/n) sum_i s_i (P - Y)_i)."""
    return loss_and_grad(X, Y, W, b, sample_weight=sample_weight, l2=l2)[1]


def loss_and_grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(J, (dJ/dW, dJ/db)): the regularised-objective's weighting and penalty (printed from its checked steps)."""
    X, Y, W, b = _inputs(X, Y, W, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    l, G = _pointwise(X @ W.T + b, Y)
    n = X.shape[0]
    if sw is not None:
        sb, sbc = sw, sw[:, None]
        l = @wloss@
        G = @wgrad@
    J, dW = l.sum() / n, G.T @ X / n
    if not _concrete(l2) or l2:
        J = J + @penalty@
        dW = dW + @dpenalty@
    return J, (dW, G.sum({axis}=0) / n)
'''


#: what each backend's module docstring adds to the shared "Inputs" and "Errors" text
BACKEND_NOTES = {
    "numpy": "",
    "jax": """
jax: every array argument may be a jax array, a NumPy array or a nested list (read by NumPy, then by
jnp.asarray: float64 stays float64 only where jax_enable_x64 is on, as everywhere in jax); labels and
parameters take X's dtype. The checks and their messages are the numpy module's. Under jax.jit, jax.grad and jax.vmap the shape and dtype checks run
when the function is traced; the value checks (labels in their domain, finite parameters, hyperparameters in
their intervals) run only on arguments that are not traced, so a jit-compiled call, or a traced argument, is
not checked for its values: call the function once without jit to check them.
""",
    "torch": """
torch: every array argument may be a torch tensor, a NumPy array (its dtype kept) or a nested list (read as
NumPy reads it: floats become float64); labels and parameters take X's dtype and device. The checks and their messages are the
numpy module's; the value checks read the values, so on an accelerator they wait for it.
""",
}


#: per backend: the spellings filled into COMMON_ARRAY and SOFTMAX_ARRAY ({key}) and into the label checks
ARRAY_SPELLING = {
    "jax": {
        "convert": "X.astype(jnp.float64)",
        "row_max": "Z.max(axis=1, keepdims=True)",
        "exp": "jnp.exp",
        "axis": "axis",
        "isfinite": "jnp.isfinite",
    },
    "torch": {
        "convert": "X.to(torch.float64)",
        "row_max": "Z.amax(dim=1, keepdim=True)",
        "exp": "torch.exp",
        "axis": "dim",
        "isfinite": "torch.isfinite",
    },
}
