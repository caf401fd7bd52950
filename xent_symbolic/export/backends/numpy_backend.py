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
    if X.shape[0] == 0:
        raise InputError(f"X must have at least one row (the loss is a mean over the rows), got shape {X.shape}")
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


def _add(a, b):
    """Two parts' sums added (None stays None: a sum not asked for)."""
    return tuple(None if x is None else x + y for x, y in zip(a, b))
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


def _sums(X, y, sw, w, b, hyper, *, with_loss=True, with_grad=True):
    """(sum_i s_i l_i, sum_i s_i g_i x_i, sum_i s_i g_i) over the rows of checked arrays: one blocked pass (the
    gradient's sums are None without with_grad)."""
    n, d = X.shape
    rows = _block_rows(X)
    total = X.dtype.type(0)
    dw = np.zeros(d, dtype=X.dtype) if with_grad else None
    db = X.dtype.type(0) if with_grad else None
    for start in range(0, n, rows):
        block = X[start : start + rows]
        z = @logits@
        labels = y[start : start + rows]
        if not with_grad:
            l, g = _pointwise_loss(z, labels, *hyper), None
        elif with_loss:
            l, g = _pointwise_loss_dloss(z, labels, *hyper)
        else:
            l, g = None, _pointwise_dloss(z, labels, *hyper)
        if sw is not None:
            sb = sw[start : start + rows]
            if with_grad:
                g = @wgrad@
            if with_loss:
                l = @wloss@
        if with_loss:
            total += l.sum()
        if with_grad:
            dw += @dw@
            db += @db@
    return total, dw, db


def _finish(n, w, total, dw, db, l2):
    """(J, (dJ/dw, dJ/db)) from the sums over all n rows: the mean, then the penalty (dw None: the loss only)."""
    total = total / n
    if l2:
        total += @penalty@
    if dw is None:
        return total, None
    dw = dw / n
    if l2:
        dw += @dpenalty@
    return total, (dw, db / n)
'''


# the numpy driver's threads: X's rows cut into one run of whole blocks per CPU, each run's sums by the
# kernel above on a thread of its own (NumPy's einsum and ufuncs release the GIL), added in order (hand-written)
THREAD_PARTS = '''
#: the threads a pass over X runs on: one per CPU this process may use (set it to 1 for the calling thread only)
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

_pool = None  # (workers, executor): made on first use, again for more THREADS; forgotten in a forked child
_pool_lock = threading.Lock()


def _forget_pool():
    """In a forked child: the parent's threads do not run there, so its executor would never run a part."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _executor(workers):
    """A thread pool of at least `workers` threads, shared by every call."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] < workers:
            old, _pool = _pool, (workers, ThreadPoolExecutor(workers, thread_name_prefix="xent-export"))
            if old is not None:
                old[1].shutdown(wait=False)
        return _pool[1]


def _in_parts(sums, rows, X, labels, sw, *parameters, **options):
    """sums(X, labels, sw, *parameters, **options) over all of X's rows: the rows cut into one run of whole
    blocks of `rows` rows per thread, the runs' sums added in order (the same cuts, so the same sums, for
    the same n and THREADS)."""
    n = X.shape[0]
    blocks = -(-n // rows)
    parts = max(1, min(THREADS, blocks))
    if parts == 1:
        return sums(X, labels, sw, *parameters, **options)
    cuts = [blocks * k // parts * rows for k in range(parts)] + [n]

    def part(k):
        rows_of = slice(cuts[k], cuts[k + 1])
        return sums(X[rows_of], labels[rows_of], None if sw is None else sw[rows_of], *parameters, **options)

    results = list(_executor(parts).map(part, range(parts)))
    total = results[0]
    for result in results[1:]:
        total = _add(total, result)
    return total
'''


# the numpy API of every linear model over that kernel (hand-written)
LINEAR_API = '''
def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i l(z_i, y_i), z = X @ w + b: @mean@ (a scalar of X's dtype)."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2, with_grad=False)[0]


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T g, (1/n) sum_i g_i), g_i = dl/dz at z_i: one pass over X."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2, with_loss=False)[1]


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)) in one pass over X, sharing z and the common subexpressions of l and dl/dz."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2)


def _run(X, y, w, b, hyper, sample_weight, l2, *, with_loss=True, with_grad=True):
    X, y, w, b = _inputs(X, y, w, b)
    sw, l2 = _regularisation(X, sample_weight, l2)
    options = {"with_loss": with_loss, "with_grad": with_grad}
    return _finish(X.shape[0], w, *_in_parts(_sums, _block_rows(X), X, y, sw, w, b, hyper, **options), l2)
'''


LINEAR = LINEAR_KERNEL + THREAD_PARTS + LINEAR_API


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


def _sums(X, Y, sw, W, b, *, with_loss=True, with_grad=True):
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
    options = {"with_loss": with_loss, "with_grad": with_grad}
    return _finish(X.shape[0], W, *_in_parts(_sums, _block_rows(X, W.shape[0]), X, Y, sw, W, b, **options), l2)
'''


SOFTMAX = SOFTMAX_KERNEL + THREAD_PARTS + SOFTMAX_API


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


NOTES = """
numpy: the pass over X runs on THREADS threads (one per CPU this process may use), each over a run of whole
blocks of rows, their sums added in order: the same n and THREADS give the same result. Set the module's
THREADS = 1 to run on the calling thread only (in a process pool of your own, say).
"""

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
    notes=NOTES,
    # a block's products on the thread that runs it, in NumPy's own loops: BLAS calls from two threads at once
    # share BLAS's threads (a logistic pass at (10^6, 100) on 2 CPUs: 170 ms so, 105 ms with einsum)
    matvec="np.einsum('ij,j->i', {0}, {1})",
    vecmat="np.einsum('i,ij->j', {0}, {1})",
    matmul="np.einsum('ij,jk->ik', {0}, {1})",
    skeleton=Skeleton(
        "blocked",
        COMMON,
        LINEAR,
        SOFTMAX,
        "one blocked pass over X, its rows cut into one run of blocks per thread: per block of rows the logits, "
        "the elementwise code, the partial sums of X^T g",
        "block",
        "import os\nimport threading\nfrom concurrent.futures import ThreadPoolExecutor",
    ),
)
