"""The dask backend: each row block's sums by the numpy kernel, added in a tree, on a dask.distributed cluster
of two worker processes; the same numbers as the numpy export, and its errors say where the block starts."""

from __future__ import annotations

import numpy as np
import pytest

from xent_symbolic.errors import InputError
from xent_symbolic.export import EXPORTABLE, numeric_functions

da = pytest.importorskip("dask.array", reason="dask is not installed (optional extra: pip install '.[dask]')")
distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (optional extra)")

N, D, K, CHUNK = 4003, 6, 4, 500  # 9 row blocks, the last a short one


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def _labels(name: str, rng: np.random.Generator) -> np.ndarray:
    if name == "poisson":
        return rng.poisson(1.5, N).astype(float)
    if name == "linear-regression":
        return rng.normal(size=N)
    if name == "softmax-regression":
        return rng.integers(0, K, N)
    return (rng.random(N) < 0.4).astype(float)


@pytest.mark.parametrize("name", sorted(EXPORTABLE))
def test_every_export_on_a_cluster_matches_the_numpy_export(client, name):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, D))
    y = _labels(name, rng)
    w = rng.normal(size=(K, D) if name == "softmax-regression" else D) / 3
    b = rng.normal(size=K) if name == "softmax-regression" else 0.1
    sample_weight = rng.uniform(0, 2, N)
    Xd = da.from_array(X, chunks=(CHUNK, D))
    assert Xd.numblocks[0] >= 8
    dask_f, numpy_f = numeric_functions(name, "dask"), numeric_functions(name)
    J, (dw, db) = dask_f.loss_and_grad(
        Xd, da.from_array(y, chunks=CHUNK), w, b, sample_weight=sample_weight, l2=0.3
    )
    J0, (dw0, db0) = numpy_f.loss_and_grad(X, y, w, b, sample_weight=sample_weight, l2=0.3)
    np.testing.assert_allclose(J, J0, rtol=1e-12)
    np.testing.assert_allclose(dw, dw0, rtol=1e-12)
    np.testing.assert_allclose(db, db0, rtol=1e-12)
    assert dask_f.loss(Xd, y, w, b) == pytest.approx(numpy_f.loss(X, y, w, b), rel=1e-12)
    np.testing.assert_allclose(dask_f.grad(Xd, y, w, b)[0], numpy_f.grad(X, y, w, b)[0], rtol=1e-12)


def test_a_bad_label_in_a_block_says_where_the_block_starts(client):
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(N, D)), (rng.random(N) < 0.5).astype(float)
    y[2 * CHUNK + 3] = 2.0
    f = numeric_functions("logistic-regression", "dask")
    with pytest.raises(
        InputError,
        match=r"y must lie in \[0, 1\], got y\[3\] = 2.0 \(in the row block starting at row 1000 of X\)",
    ):
        f.loss(da.from_array(X, chunks=(CHUNK, D)), y, np.zeros(D), 0.0)
    with pytest.raises(InputError, match=r"^w must have shape \(6,\), got \(5,\)$"):
        f.loss(da.from_array(X, chunks=(CHUNK, D)), y, np.zeros(5), 0.0)


def test_a_module_without_a_cluster_runs_on_threads_and_float32_stays_float32():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(N, D)).astype(np.float32)
    y = (rng.random(N) < 0.5).astype(np.float32)
    f = numeric_functions("logistic-regression", "dask")
    J, (dw, _) = f.loss_and_grad(da.from_array(X, chunks=(CHUNK, D)), y, np.zeros(D, np.float32), 0.0)
    assert np.asarray(J).dtype == np.float32 and dw.dtype == np.float32
    assert float(J) == pytest.approx(np.log(2.0), rel=1e-6)


def test_an_empty_row_block_adds_nothing_and_no_rows_at_all_are_refused():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(100, D)), (rng.random(100) < 0.5).astype(float)
    f, reference = numeric_functions("logistic-regression", "dask"), numeric_functions("logistic-regression")
    chunked = da.from_array(X, chunks=((50, 0, 50), (D,)))  # a filter can leave a block empty
    labels = da.from_array(y, chunks=((50, 0, 50),))
    J, (dw, db) = f.loss_and_grad(chunked, labels, np.ones(D), 0.1)
    rJ, (rdw, rdb) = reference.loss_and_grad(X, y, np.ones(D), 0.1)
    assert float(J) == pytest.approx(rJ, rel=1e-14)
    np.testing.assert_allclose(dw, rdw, rtol=1e-13)
    assert float(db) == pytest.approx(rdb, rel=1e-13)
    with pytest.raises(InputError, match=r"^X must have at least one row .*got shape \(0, 6\)$"):
        f.loss(da.zeros((0, D), chunks=(1, D)), np.zeros(0), np.ones(D), 0.1)
