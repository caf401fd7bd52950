"""The dask backend: data beyond one machine's memory. The numpy module's kernel runs on each row block of dask
arrays (its raw sums over the block), and the sums are added in a tree: one pass over X, on a laptop's threads
or on a dask.distributed cluster."""

from __future__ import annotations

from dataclasses import replace

from . import numpy_backend
from .record import Skeleton

# what the dask driver of every model shares: dask arrays chunked by rows, the parameters checked once here,
# each block's sums computed where the block is (the numpy kernel), the sums added pairwise (hand-written)
_COMMON_DASK = '''

def _rows(name, value, n_chunks, ndim):
    """value as a dask array whose rows are chunked like X's (columns in one chunk)."""
    value = value if isinstance(value, da.Array) else da.from_array(np.asarray(value), chunks=-1)
    if value.ndim != ndim:
        raise InputError(f"{name} must be a {ndim}-D array, got shape {value.shape}")
    return value.rechunk((n_chunks,) + (-1,) * (ndim - 1))


def _chunked(X, labels, sample_weight):
    """(X, labels, sample weights or None) as dask arrays with the same row chunks; X's columns in one chunk."""
    X = X if isinstance(X, da.Array) else da.from_array(np.asarray(X))
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (n, d), got shape {X.shape}")
    if X.dtype not in (np.float32, np.float64):
        raise InputError(f"X must be a float32 or float64 array, got dtype {X.dtype}; convert with X.astype(np.float64)")
    X = X.rechunk({1: -1})
    n = X.shape[0]
    if n == 0:
        raise InputError(f"X must have at least one row (the loss is a mean over the rows), got shape {X.shape}")
    labels = labels if isinstance(labels, da.Array) else da.from_array(np.asarray(labels), chunks=-1)
    if labels.shape[0] != n:
        raise InputError(f"the labels must have {n} rows to match X {X.shape}, got shape {labels.shape}")
    labels = labels.rechunk((X.chunks[0],) + (-1,) * (labels.ndim - 1))
    if sample_weight is not None:
        sample_weight = _rows("sample_weight", sample_weight, X.chunks[0], 1)
        if sample_weight.shape != (n,):
            raise InputError(f"sample_weight must have shape ({n},) to match X {X.shape}, got {sample_weight.shape}")
    return X, labels, sample_weight


def _tree(parts):
    """The sum of the blocks' sums, added pairwise: a tree of depth log2(blocks)."""
    while len(parts) > 1:
        pairs = [dask.delayed(_add)(parts[k], parts[k + 1]) for k in range(0, len(parts) - 1, 2)]
        parts = pairs + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def _over_blocks(X, labels, sw, *args):
    """The sums of _block over X's row blocks (its labels and weights chunked alike), added in a tree: one
    pass over X, each block's sums computed where the block is (an empty block adds nothing: it is left out)."""
    blocks, rows = X.to_delayed().ravel(), labels.to_delayed().ravel()
    weights = None if sw is None else sw.to_delayed()
    starts = np.cumsum((0,) + X.chunks[0][:-1])
    parts = [
        dask.delayed(_block)(block, rows[k], None if weights is None else weights[k], int(starts[k]), *args)
        for k, block in enumerate(blocks)
        if X.chunks[0][k] != 0
    ]
    return dask.compute(_tree(parts))[0]


def _located(error, start):
    """An InputError from a block, with where the block starts (its row numbers are the block's)."""
    return InputError(f"{error} (in the row block starting at row {start} of X)")
'''


LINEAR = (
    numpy_backend.LINEAR_KERNEL
    + _COMMON_DASK
    + '''

def _block(X, y, sw, start, w, b, hyper, with_loss, with_grad):
    """One row block's sums by the numpy kernel, its labels and sample weights checked."""
    try:
        X, y, w, b = _inputs(X, y, w, b)
        sw, _ = _regularisation(X, sw, 0.0)
    except InputError as error:
        raise _located(error, start) from None
    return _sums(X, y, sw, w, b, hyper, with_loss=with_loss, with_grad=with_grad)


def _run(X, y, w, b, hyper, sample_weight, l2, *, with_loss=True, with_grad=True):
    X, y, sw = _chunked(X, y, sample_weight)
    n, d = X.shape
    w = _parameter("w", w, (d,), X.dtype)
    b = _parameter("b", b, (), X.dtype)[()]
    l2 = _regularisation(np.empty((0, d), X.dtype), None, l2)[1]
    total, dw, db = _over_blocks(X, y, sw, w, b, hyper, with_loss, with_grad)
    return _finish(n, w, total, dw, db, l2)


def loss(X, y, w, b@signature@):
    """J(w, b) = (1/n) sum_i s_i l(z_i, y_i) + (l2/2) ||w||^2 over dask arrays chunked by rows: @mean@."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2, with_grad=False)[0]


def grad(X, y, w, b@signature@):
    """(dJ/dw, dJ/db) = ((1/n) X^T (s g) + l2 w, (1/n) sum_i s_i g_i): one pass over X's blocks."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2, with_loss=False)[1]


def loss_and_grad(X, y, w, b@signature@):
    """(J, (dJ/dw, dJ/db)) in one pass over X's row blocks: each block's sums where it is, added in a tree."""
    return _run(X, y, w, b, @hyper@, sample_weight, l2)
'''
)


SOFTMAX = (
    numpy_backend.SOFTMAX_KERNEL
    + _COMMON_DASK
    + '''

def _block(X, Y, sw, start, W, b, with_loss, with_grad):
    """One row block's sums by the numpy kernel, its labels and sample weights checked."""
    try:
        X, Y, W, b = _inputs(X, Y, W, b)
        sw, _ = _regularisation(X, sw, 0.0)
    except InputError as error:
        raise _located(error, start) from None
    return _sums(X, Y, sw, W, b, with_loss=with_loss, with_grad=with_grad)


def _run(X, Y, W, b, sample_weight, l2, *, with_loss=True, with_grad=True):
    X, Y, sw = _chunked(X, Y, sample_weight)
    n, d = X.shape
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[1] != d:
        raise InputError(f"W must have shape (K, {d}) to match X {X.shape}, got {W.shape}")
    W = _parameter("W", W, W.shape, X.dtype)
    b = _parameter("b", b, (W.shape[0],), X.dtype)
    l2 = _regularisation(np.empty((0, d), X.dtype), None, l2)[1]
    total, dW, db = _over_blocks(X, Y, sw, W, b, with_loss, with_grad)
    return _finish(n, W, total, dW, db, l2)


def loss(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """J(W, b) = (1/n) sum_i s_i l_i + (l2/2) ||W||^2 over dask arrays chunked by rows."""
    return _run(X, Y, W, b, sample_weight, l2, with_grad=False)[0]


def grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(dJ/dW, dJ/db): one pass over X's row blocks."""
    return _run(X, Y, W, b, sample_weight, l2, with_loss=False)[1]


def loss_and_grad(X, Y, W, b, *, sample_weight=None, l2=0.0):
    """(J, (dJ/dW, dJ/db)) in one pass over X's row blocks: each block's sums where it is, added in a tree."""
    return _run(X, Y, W, b, sample_weight, l2)
'''
)


NOTES = """
dask: X, the labels and sample_weight may be dask arrays (or anything NumPy reads); they are chunked by rows
(X's columns in one chunk; the labels and weights rechunked to X's rows). Each row block's sums are computed
by the numpy kernel where the block is, then added pairwise: one pass over X. The computation runs on the
current dask scheduler: threads by default, or a dask.distributed Client (Client("tcp://host:8786")); give
the workers this module with client.upload_file. The value checks run on each block; an error says where the
block starts.
"""

#: the numpy backend's spelling (its kernels run on NumPy blocks), with dask's imports, driver and notes
BACKEND = replace(
    numpy_backend.BACKEND,
    name="dask",
    package="dask",
    imports="import dask\nimport dask.array as da\nimport numpy as np",
    skeleton=Skeleton(
        "chunked",
        numpy_backend.COMMON,
        LINEAR,
        SOFTMAX,
        "the numpy kernel on each row block of X, the blocks' sums added in a tree",
        "block",
    ),
    notes=NOTES,
)
