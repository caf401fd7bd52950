"""A wall-clock budget for SymPy calls that may run long (simplify), enforced with a timer signal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["BudgetExceeded", "time_limit"]


class BudgetExceeded(Exception):
    """The time budget of a proof attempt ran out."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise BudgetExceeded in the block after `seconds`; in a non-main thread the block runs unlimited."""
    if seconds <= 0:
        raise BudgetExceeded("no time left")
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _expire(signum, frame):
        raise BudgetExceeded(f"ran past its budget of {seconds:.2g} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
