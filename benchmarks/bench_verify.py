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


def main(repeats: int = 7) -> None:
    start = time.perf_counter()
    from xent_symbolic import verify_gradient

    print(f"import xent_symbolic: {time.perf_counter() - start:.3f} s; {repeats} repeats per case\n")
    print(f"| {'case':<32} | {'verdict':<9} | {'first call (s)':>14} | {'median (s)':>10} |")
    print(f"|{'-' * 34}|{'-' * 11}|{'-' * 16}|{'-' * 12}|")
    for label, loss, wrt, claim, domains in CASES:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            result = verify_gradient(loss, wrt, claim, domains=domains)
            times.append(time.perf_counter() - t)
        print(
            f"| {label:<32} | {result.status.value:<9} | {times[0]:>14.3f} | {statistics.median(times):>10.3f} |"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
