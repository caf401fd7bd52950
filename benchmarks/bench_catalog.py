"""Time derive + check of every catalog entry: medians of 5 repeats, printed as a table (run by hand)."""

from __future__ import annotations

import statistics
import time

from xent_symbolic.catalog import CATALOG
from xent_symbolic.check import check

REPEATS = 5


def main() -> None:
    rows, total = [], 0.0
    for name, entry in CATALOG.items():
        derive_times, check_times = [], []
        for _ in range(REPEATS):
            start = time.perf_counter()
            derivation = entry.build()
            middle = time.perf_counter()
            checked = check(derivation)
            derive_times.append(middle - start)
            check_times.append(time.perf_counter() - middle)
        d, c = statistics.median(derive_times), statistics.median(check_times)
        total += d + c
        statuses = ",".join(sorted({s.status.value for s in checked.steps}))
        rows.append((name, len(derivation.steps), d, c, checked.ok, statuses))
    print(f"{'entry':28s} {'steps':>5s} {'derive s':>9s} {'check s':>8s}  ok    statuses")
    for name, steps, d, c, ok, statuses in rows:
        print(f"{name:28s} {steps:5d} {d:9.3f} {c:8.3f}  {ok!s:5s} {statuses}")
    print(f"{'total (median derive + check)':38s} {total:9.3f}")


if __name__ == "__main__":
    main()
