"""Speed of the exported loss_and_grad against a hand-written stable NumPy reference, torch CPU autograd and jax.

Run: python benchmarks/bench_export.py [--quick]   (prints a Markdown table; never part of the tests)
Medians of repeats; ratios are taken within the same run. Memory: tracemalloc peak beyond the inputs.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
import tracemalloc

import numpy as np

from xent_symbolic.export import numeric_functions


def median_time(function, repeats: int) -> float:
    function()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reference_logistic(X, y, w, b):
    """The stable two-pass NumPy a careful person writes by hand."""
    z = X @ w + b
    loss = np.mean(np.logaddexp(0, z) - y * z)
    e = np.exp(-np.abs(z))
    g = np.where(z >= 0, 1, e) / (1 + e) - y
    return loss, (X.T @ g / len(y), g.mean())


def reference_softmax(X, labels, W, b):
    Z = X @ W.T + b
    Z -= Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(Z).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    loss = np.mean(lse.ravel() - Z[rows, labels])
    P = np.exp(Z - lse)
    P[rows, labels] -= 1
    return loss, (P.T @ X / len(labels), P.mean(axis=0))


def reference_poisson(X, y, w, b):
    z = X @ w + b
    e = np.exp(z)
    g = e - y
    return np.mean(e - y * z), (X.T @ g / len(y), g.mean())


def _torch_autograd(loss_of_logits, transpose=False):
    """loss and (dW, db) by torch autograd for logits X @ W (.T for softmax) + b and a torch loss of them."""

    def run(X, labels, W, b):
        Wt = W.clone().requires_grad_(True)
        bt = b.clone().requires_grad_(True)
        loss = loss_of_logits(X @ (Wt.T if transpose else Wt) + bt, labels)
        loss.backward()
        return loss, (Wt.grad, bt.grad)

    return run


def torch_poisson():
    import torch

    return _torch_autograd(lambda z, y: torch.nn.functional.poisson_nll_loss(z, y, log_input=True))


def torch_logistic():
    import torch

    return _torch_autograd(torch.nn.functional.binary_cross_entropy_with_logits)


def torch_softmax():
    import torch

    return _torch_autograd(torch.nn.functional.cross_entropy, transpose=True)


def jax_function(kind):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    if kind == "logistic":

        def loss(w, b, X, y):
            z = X @ w + b
            return jnp.mean(jax.nn.softplus(z) - y * z)

        return jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
    if kind == "poisson":

        def loss(w, b, X, y):
            z = X @ w + b
            return jnp.mean(jnp.exp(z) - y * z)

        return jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))

    def loss(W, b, X, labels):
        Z = X @ W.T + b
        return jnp.mean(jax.nn.logsumexp(Z, axis=1) - jnp.take_along_axis(Z, labels[:, None], axis=1)[:, 0])

    return jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))


def read_bandwidth(X: np.ndarray, w: np.ndarray, repeats: int) -> float:
    """Bytes per second of the faster of one BLAS pass (X @ w) and one reduction (X.sum()) over X."""
    t = min(median_time(lambda: X @ w, repeats), median_time(X.sum, repeats))
    return X.nbytes / t


def peak_extra_bytes(function) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    have_torch = importlib.util.find_spec("torch") is not None
    have_jax = importlib.util.find_spec("jax") is not None
    theirs = jaxed = None
    if have_torch:
        import torch
    if have_jax:
        import jax
    cases = [
        ("logistic", 10**5, 100, None),
        ("logistic", 10**6, 100, None),
        ("logistic", 10**4, 1000, None),
        ("softmax", 10**5, 100, 10),
        ("poisson", 10**5, 100, None),
    ]
    if args.quick:
        cases = [(k, n // 10, d, K) for k, n, d, K in cases]
    logistic = numeric_functions("logistic-regression")
    softmax = numeric_functions("softmax-regression")
    poisson = numeric_functions("poisson")
    print(
        "| case | exported numpy | hand-written numpy | torch CPU autograd | jax | exported / hand | exported / torch | read floor share | extra peak memory |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, n, d, K in cases:
        repeats = 5 if n * d >= 10**8 else 11
        X = rng.normal(size=(n, d))
        if kind == "poisson":
            w, b = rng.normal(size=d) / np.sqrt(d) * 0.5, 0.1
            y = rng.poisson(np.exp(X @ w + b)).astype(np.float64)
            ours = lambda: poisson.loss_and_grad(X, y, w, b)
            hand = lambda: reference_poisson(X, y, w, b)
            label = f"poisson n={n:.0e} d={d}"
            if have_torch:
                tX, ty, tw, tb = (torch.from_numpy(np.asarray(v)) for v in (X, y, w, np.float64(b)))
                run = torch_poisson()
                theirs = lambda: run(tX, ty, tw, tb)
            if have_jax:
                jf = jax_function("poisson")
                jaxed = lambda: [a.block_until_ready() for a in jax.tree_util.tree_leaves(jf(w, b, X, y))]
        elif kind == "logistic":
            y = (rng.random(n) < 0.5).astype(np.float64)
            w, b = rng.normal(size=d) / np.sqrt(d), 0.1
            ours = lambda: logistic.loss_and_grad(X, y, w, b)
            hand = lambda: reference_logistic(X, y, w, b)
            label = f"logistic n={n:.0e} d={d}"
            if have_torch:
                tX, ty, tw, tb = (torch.from_numpy(np.asarray(v)) for v in (X, y, w, np.float64(b)))
                run = torch_logistic()
                theirs = lambda: run(tX, ty, tw, tb)
            if have_jax:
                jf = jax_function("logistic")
                jaxed = lambda: [a.block_until_ready() for a in jax.tree_util.tree_leaves(jf(w, b, X, y))]
        else:
            labels = rng.integers(0, K, n)
            W, b = rng.normal(size=(K, d)) / np.sqrt(d), rng.normal(size=K)
            ours = lambda: softmax.loss_and_grad(X, labels, W, b)
            hand = lambda: reference_softmax(X, labels, W, b)
            label = f"softmax n={n:.0e} d={d} K={K}"
            if have_torch:
                tX, tl, tW, tb = (torch.from_numpy(np.asarray(v)) for v in (X, labels, W, b))
                run = torch_softmax()
                theirs = lambda: run(tX, tl, tW, tb)
            if have_jax:
                jf = jax_function("softmax")
                jaxed = lambda: [
                    a.block_until_ready() for a in jax.tree_util.tree_leaves(jf(W, b, X, labels))
                ]
        t_ours = median_time(ours, repeats)
        t_hand = median_time(hand, repeats)
        t_torch = median_time(theirs, repeats) if have_torch else None
        t_jax = median_time(jaxed, repeats) if have_jax else None
        bandwidth = read_bandwidth(X, np.ones(d), repeats)
        floor = X.nbytes / bandwidth
        extra = peak_extra_bytes(ours)

        def ms(t):
            return "-" if t is None else f"{t * 1e3:.1f} ms"

        print(
            f"| {label} | {ms(t_ours)} | {ms(t_hand)} | {ms(t_torch)} | {ms(t_jax)} | {t_ours / t_hand:.2f}x | "
            f"{'-' if t_torch is None else f'{t_ours / t_torch:.2f}x'} | {floor / t_ours:.0%} of {bandwidth / 1e9:.1f} GB/s | "
            f"{extra / (8 * n):.2f} x (8 n bytes) |"
        )


if __name__ == "__main__":
    main()
