"""Time verify_gradient on typical claims (first call and median of repeats); run by hand: python benchmarks/bench_verify.py."""

from __future__ import annotations

import statistics
import sys
import time

BCE = "-y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z))"
LINEAR = "-y*log(sigmoid(w*x + b)) - (1-y)*log(1-sigmoid(w*x + b))"
CASES = [
    ("BCE d/dz, claim sigmoid(z) - y", BCE, "z", "sigmoid(z) - y", None),
    ("BCE d/dz, exp form", BCE, "z", "1/(1 + exp(-z)) - y", None),
    ("BCE d/dz, tanh form", BCE, "z", "(tanh(z/2) + 1)/2 - y", None),
    ("BCE d/dz, sign flipped", BCE, "z", "y - sigmoid(z)", None),
    ("BCE d/dz, off by 1e-9", BCE, "z", "(1 + 1e-9)*(sigmoid(z) - y)", None),
    ("linear d/dw, d/db", LINEAR, "w,b", "x*(sigmoid(w*x + b) - y), sigmoid(w*x + b) - y", None),
    ("linear d/dw, d/db, d/db wrong", LINEAR, "w,b", "x*(sigmoid(w*x + b) - y), sigmoid(w*x + b)", None),
    ("BCE on p in (0,1)", "-y*log(p) - (1-y)*log(1-p)", "p", "(p - y)/(p*(1 - p))", ["p:(0,1)"]),
    ("log(z), checked only", "log(z)", "z", "1/abs(z)", None),
]

#: array claims (vectors and matrices, proved for all sizes); the target: median verdict under 2 s, none over 10 s
LOGISTIC = ["X:n,d", "y:n", "w:d"]
SOFTMAX = ["X:n,d", "W:d,K", "Y:n,K"]
LOGISTIC_LOSS = "mean(softplus(X @ w) - y * (X @ w))"
SOFTMAX_LOSS = "-mean(sum(Y * log(softmax(X @ W, axis=1)), axis=1))"
MATRIX_CASES = [
    ("logistic d/dw", LOGISTIC_LOSS, "w", "X.T @ (sigmoid(X @ w) - y) / n", LOGISTIC, ["y:{0,1}"]),
    ("logistic d/dw, 1/n missing", LOGISTIC_LOSS, "w", "X.T @ (sigmoid(X @ w) - y)", LOGISTIC, ["y:{0,1}"]),
    ("least squares, factor 2 missing", "mean((X @ w - y)**2)", "w", "X.T @ (X @ w - y) / n", LOGISTIC, None),
    ("w @ A @ w, (A + A.T) @ w", "w @ A @ w", "w", "(A + A.T) @ w", ["A:d,d", "w:d"], None),
    ("w @ A @ w, symmetric-only 2*A@w", "w @ A @ w", "w", "2 * A @ w", ["A:d,d", "w:d"], None),
    ("softmax d/dW, one-hot", SOFTMAX_LOSS, "W", "X.T @ (softmax(X @ W, axis=1) - Y) / n", SOFTMAX, ["Y:onehot"]),
    ("softmax d/dW, simplex", SOFTMAX_LOSS, "W", "X.T @ (softmax(X @ W, axis=1) - Y) / n", SOFTMAX, ["Y:simplex"]),
    ("softmax d/dW, one-hot left out", SOFTMAX_LOSS, "W", "X.T @ (softmax(X @ W, axis=1) - Y) / n", SOFTMAX, None),
    ("softmax d/dZ, wrong axis", "sum(log(softmax(Z, axis=1)) * Y)", "Z", "Y - softmax(Z, axis=0)",
     ["Z:n,K", "Y:n,K"], ["Y:onehot"]),
    ("weighted logistic, weight forgotten", "mean(s * (softplus(X @ w) - y * (X @ w)))", "w",
     "X.T @ (sigmoid(X @ w) - y) / n", [*LOGISTIC, "s:n"], None),
]  # fmt: skip


def _table(title: str, cases, repeats: int, verify) -> list[float]:
    print(f"\n{title}\n")
    print(f"| {'case':<36} | {'verdict':<9} | {'first call (s)':>14} | {'median (s)':>10} | {'max (s)':>8} |")
    print(f"|{'-' * 38}|{'-' * 11}|{'-' * 16}|{'-' * 12}|{'-' * 10}|")
    medians = []
    for label, *arguments in cases:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            result = verify(*arguments)
            times.append(time.perf_counter() - t)
        medians.append(statistics.median(times))
        print(
            f"| {label:<36} | {result.status.value:<9} | {times[0]:>14.3f} | {medians[-1]:>10.3f} "
            f"| {max(times):>8.3f} |"
        )
    return medians


def main(repeats: int = 7) -> None:
    start = time.perf_counter()
    from xent_symbolic import verify_gradient

    print(f"import xent_symbolic: {time.perf_counter() - start:.3f} s; {repeats} repeats per case")
    _table(
        "scalar claims",
        CASES,
        repeats,
        lambda loss, wrt, claim, domains: verify_gradient(loss, wrt, claim, domains=domains),
    )
    medians = _table(
        "array claims (target: median verdict under 2 s, none over 10 s)",
        MATRIX_CASES,
        repeats,
        lambda loss, wrt, claim, shapes, domains: verify_gradient(
            loss, wrt, claim, shapes=shapes, domains=domains
        ),
    )
    print(
        f"\narray claims: median of the medians {statistics.median(medians):.3f} s, largest median {max(medians):.3f} s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
