"""Time `xent check bce` end to end (a fresh process: import, derive, check, render), medians of repeats.

Run: python3 benchmarks/bench_check_bce.py [--repeats 7]. Target: under 3 s on a 2-core machine.
The reference measured in the same run is a bare `python3 -c "import sympy"`, the floor any SymPy tool pays.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _phases(repeats: int) -> dict[str, float]:
    from xent_symbolic.catalog import get
    from xent_symbolic.check import check
    from xent_symbolic.render import check_report, render

    phases: dict[str, list[float]] = {"derive": [], "check": [], "render (text+latex+json)": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        derivation = get("bce").build()
        t1 = time.perf_counter()
        checked = check(derivation)
        t2 = time.perf_counter()
        check_report(checked), render(checked, "latex"), render(checked, "json")
        t3 = time.perf_counter()
        phases["derive"].append(t1 - t0)
        phases["check"].append(t2 - t1)
        phases["render (text+latex+json)"].append(t3 - t2)
    return {name: statistics.median(values) for name, values in phases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    floor = _median_seconds([sys.executable, "-c", "import sympy"], args.repeats)
    whole = _median_seconds([sys.executable, "-m", "xent_symbolic", "check", "bce"], args.repeats)
    print(f"| what (median of {args.repeats}) | seconds | ratio to `import sympy` |")
    print("|---|---:|---:|")
    print(f"| python -c 'import sympy' (reference) | {floor:.3f} | 1.00 |")
    print(f"| xent check bce (fresh process) | {whole:.3f} | {whole / floor:.2f} |")
    for name, seconds in _phases(args.repeats).items():
        print(f"| in process: {name} | {seconds:.3f} | {seconds / floor:.2f} |")
    print(f"\ntarget: xent check bce under 3 s -> {'met' if whole < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
