"""Speed of every backend's exported loss_and_grad against its reference: a hand-written stable NumPy
function, a hand-written jax.jit-compiled jax function (jax.value_and_grad), torch CPU autograd.

Run: python benchmarks/bench_export.py [--quick] [--no-settle]   (prints a Markdown table; never part of the tests)
Medians of interleaved repeats (every function once per round, each timed call after 0.15 s of untimed calls of
the same function; --no-settle times the calls in strict turn); ratios are taken within the same run. The
numpy pair is measured first, before jax or torch is imported (their thread pools slow NumPy's BLAS beside them).
Targets (issue 14): numpy export <= 0.8x the hand numpy at (10^6, 100); jax export <= 1.3x the hand jitted jax;
torch export <= 1.0x torch autograd. Memory: tracemalloc peak of the numpy export beyond the inputs.
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


#: seconds of untimed calls before each settled timing: longer than BLAS's and OpenMP's threads spin after a call
WARM = 0.15


def interleaved_medians(functions: dict, repeats: int, settle: bool = True) -> dict:
    """The median time of each function over `repeats` rounds, each round calling every function once in turn
    (after one warm-up call each: jit compilation is not timed), so that a slow spell of the machine falls on
    all of them alike. With `settle`, each timed call comes after WARM seconds of untimed calls of the same
    function, the steady state of an optimiser's loop: BLAS's and OpenMP's threads spin for about 0.1 s after
    a call (OpenBLAS: 2^28 cycles), and a function timed within that time of another library's call shares
    the CPUs with them (on 2 CPUs that cost the numpy export's threads 50 ms of 100 at (10^6, 100), and the
    hand NumPy, whose BLAS threads they are, nothing)."""
    for function in functions.values():
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            warm = time.perf_counter() + WARM
            while settle and time.perf_counter() < warm:
                function()
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


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


def _ready(result):
    """Block until an asynchronous (jax) result is computed."""
    import jax

    return [leaf.block_until_ready() for leaf in jax.tree_util.tree_leaves(result)]


CASES = [
    ("logistic", 10**5, 100, None),
    ("logistic", 10**6, 100, None),
    ("logistic", 10**4, 1000, None),
    ("softmax", 10**5, 100, 10),
    ("poisson", 10**5, 100, None),
]
EXPORT = {"logistic": "logistic-regression", "softmax": "softmax-regression", "poisson": "poisson"}


def case_data(kind: str, n: int, d: int, K: int | None, seed: int):
    """(X, y, w, b, label) of one case, the same for every pass over the cases."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if kind == "poisson":
        w, b = rng.normal(size=d) / np.sqrt(d) * 0.5, 0.1
        return X, rng.poisson(np.exp(X @ w + b)).astype(np.float64), w, b, f"poisson n={n:.0e} d={d}"
    if kind == "logistic":
        y = (rng.random(n) < 0.5).astype(np.float64)
        return X, y, rng.normal(size=d) / np.sqrt(d), 0.1, f"logistic n={n:.0e} d={d}"
    y = rng.integers(0, K, n)
    w, b = rng.normal(size=(K, d)) / np.sqrt(d), rng.normal(size=K)
    return X, y, w, b, f"softmax n={n:.0e} d={d} K={K}"


def numpy_pass(cases, settle: bool) -> list[dict]:
    """The numpy export against the hand-written NumPy, for every case, before jax or torch is imported: their
    thread pools, once started, slow NumPy's BLAS beside them."""
    hand = {"logistic": reference_logistic, "softmax": reference_softmax, "poisson": reference_poisson}
    rows = []
    for seed, (kind, n, d, K) in enumerate(cases):
        X, y, w, b, label = case_data(kind, n, d, K, seed)
        repeats = 5 if n * d >= 10**8 else 11
        ours = numeric_functions(EXPORT[kind])
        functions = {"numpy": lambda: ours.loss_and_grad(X, y, w, b), "hand": lambda: hand[kind](X, y, w, b)}
        t = interleaved_medians(functions, repeats, settle)
        bandwidth = read_bandwidth(X, np.ones(d), repeats)
        extra = peak_extra_bytes(functions["numpy"])
        rows.append(
            {
                "label": label,
                "times": t,
                "bandwidth": bandwidth,
                "floor": X.nbytes / bandwidth,
                "extra": extra / (8 * n),
            }
        )
    return rows


def array_pass(cases, rows: list[dict], settle: bool) -> None:
    """The jax and torch exports against their references, added to each case's times."""
    have_torch = importlib.util.find_spec("torch") is not None
    have_jax = importlib.util.find_spec("jax") is not None
    if have_torch:
        import torch
    if have_jax:
        import jax

        jax.config.update("jax_enable_x64", True)
    torch_reference = {"logistic": torch_logistic, "softmax": torch_softmax, "poisson": torch_poisson}
    for seed, ((kind, n, d, K), row) in enumerate(zip(cases, rows, strict=True)):
        X, y, w, b, _ = case_data(kind, n, d, K, seed)
        repeats = 5 if n * d >= 10**8 else 11
        functions = {}
        if have_jax:
            jax_export = numeric_functions(EXPORT[kind], "jax")
            jX, jy, jw, jb = (jax.numpy.asarray(v) for v in (X, y, w, np.float64(b)))
            reference = jax_function(kind)
            functions["jax"] = lambda: _ready(jax_export.loss_and_grad(jX, jy, jw, jb))
            functions["hand jax"] = lambda: _ready(reference(jw, jb, jX, jy))
        if have_torch:
            torch_export = numeric_functions(EXPORT[kind], "torch")
            tX, ty, tw, tb = (torch.from_numpy(np.asarray(v)) for v in (X, y, w, np.float64(b)))
            autograd = torch_reference[kind]()
            functions["torch"] = lambda: torch_export.loss_and_grad(tX, ty, tw, tb)
            functions["autograd"] = lambda: autograd(tX, ty, tw, tb)
        row["times"] |= interleaved_medians(functions, repeats, settle) if functions else {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    parser.add_argument(
        "--no-settle", action="store_true", help="time the calls in strict turn, none after one of its own"
    )
    args = parser.parse_args()
    cases = [(k, n // 10, d, K) for k, n, d, K in CASES] if args.quick else CASES
    rows = numpy_pass(cases, not args.no_settle)
    array_pass(cases, rows, not args.no_settle)
    print(
        "| case | numpy export | hand numpy | numpy / hand | jax export (jit) | hand jax (jit) | jax / hand jax |"
        " torch export | torch autograd | torch / autograd | read floor share | numpy extra peak |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        t = row["times"]

        def ms(name):
            return f"{t[name] * 1e3:.1f} ms" if name in t else "-"

        def ratio(a, b):
            return f"{t[a] / t[b]:.2f}x" if a in t and b in t else "-"

        print(
            f"| {row['label']} | {ms('numpy')} | {ms('hand')} | {ratio('numpy', 'hand')} | {ms('jax')} | "
            f"{ms('hand jax')} | {ratio('jax', 'hand jax')} | {ms('torch')} | {ms('autograd')} | "
            f"{ratio('torch', 'autograd')} | {row['floor'] / t['numpy']:.0%} of {row['bandwidth'] / 1e9:.1f} GB/s | "
            f"{row['extra']:.2f} x (8 n bytes) |"
        )


if __name__ == "__main__":
    main()
