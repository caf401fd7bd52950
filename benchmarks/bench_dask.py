"""Examples per second of the dask export on data read in chunks from disk, against the numpy export on data
that fits in memory.

Run: python benchmarks/bench_dask.py [--rows 10000000] [--cols 100] [--chunk-rows 250000] [--dir DIR]
     [--scheduler threads|processes|ADDRESS]
Writes X (rows x cols, float64) as a .npy file under DIR once (a memmap; 8 GB at the default size), then times
logistic-regression loss_and_grad: the dask export over the memmap in row chunks, and the numpy export on the
first 10^6 rows held in memory. Medians of repeats; never part of the tests.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from bench_export import median_time  # the same medians: a warm-up call, then the median of repeats

from xent_symbolic.export import numeric_functions


def _on_disk(path: Path, rows: int, cols: int, seed: int = 0) -> np.memmap:
    """A float64 memmap of shape (rows, cols), written in slabs (never all in memory)."""
    if not path.exists():
        rng = np.random.default_rng(seed)
        X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(rows, cols))
        for start in range(0, rows, 10**6):
            X[start : start + 10**6] = rng.normal(size=(min(10**6, rows - start), cols))
        X.flush()
    return np.load(path, mmap_mode="r")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10**7)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--scheduler", default="threads", help="threads, processes, or a Client address")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import dask
    import dask.array as da

    client = None
    if args.scheduler not in ("threads", "processes"):
        from distributed import Client

        client = Client(args.scheduler)
    else:
        dask.config.set(scheduler=args.scheduler)
    rows, cols = args.rows, args.cols
    X_disk = _on_disk(Path(args.dir) / f"xent_bench_{rows}x{cols}.npy", rows, cols)
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=cols) / np.sqrt(cols), 0.1
    y_all = (rng.random(rows) < 0.5).astype(np.float64)
    ours_dask = numeric_functions("logistic-regression", "dask")
    ours_numpy = numeric_functions("logistic-regression")
    X = da.from_array(X_disk, chunks=(args.chunk_rows, cols))
    y = da.from_array(y_all, chunks=args.chunk_rows)
    t_dask = median_time(lambda: ours_dask.loss_and_grad(X, y, w, b), args.repeats)
    fits = min(rows, 10**6)
    X_mem, y_mem = np.array(X_disk[:fits]), y_all[:fits]
    t_numpy = median_time(lambda: ours_numpy.loss_and_grad(X_mem, y_mem, w, b), max(args.repeats, 5))
    J_dask = ours_dask.loss(da.from_array(X_disk[:fits], chunks=(args.chunk_rows, cols)), y_mem, w, b)
    agreement = abs(J_dask - ours_numpy.loss(X_mem, y_mem, w, b)) / abs(ours_numpy.loss(X_mem, y_mem, w, b))
    print("| export | data | rows | chunks | time per loss_and_grad | examples per second |")
    print("|---|---|---|---|---|---|")
    print(
        f"| dask ({args.scheduler}) | .npy memmap on disk, {X_disk.nbytes / 1e9:.1f} GB | {rows:.0e} | "
        f"{X.numblocks[0]} x {args.chunk_rows} rows | {t_dask:.2f} s | {rows / t_dask:.3g} |"
    )
    print(
        f"| numpy | in memory, {X_mem.nbytes / 1e9:.1f} GB | {fits:.0e} | - | {t_numpy:.3f} s | "
        f"{fits / t_numpy:.3g} |"
    )
    print(
        f"\ndask / numpy examples per second: {(rows / t_dask) / (fits / t_numpy):.2f}; "
        f"the two agree on the first {fits:.0e} rows to {agreement:.1e} relative"
    )
    if client is not None:
        client.close()


if __name__ == "__main__":
    main()
