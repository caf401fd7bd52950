"""Wall-clock budgets for work that may run long (simplify, expansion, sampling), in any thread, nested.

`time_limit(seconds)` raises BudgetExceeded inside its block once the budget is spent. Budgets nest: an inner
budget never outlasts the one around it, and when an inner block swallows the exception of an outer budget that
ran out (a proof attempt that gives up and returns "not proved"), the outer one is raised again as soon as the
inner block ends. In the main thread the alarm is a timer signal; in any other thread a watchdog raises the
exception in that thread (CPython's asynchronous exceptions). Where the exception lands in code Python calls
with no caller to receive it (a weakref callback, a __del__), Python drops it: while a budget is held,
sys.unraisablehook keeps such a drop from being reported and fires the alarm again just after. Either way the
exception arrives between two bytecodes: one long call into C (a huge integer power) is not interrupted, so
such work is refused before it starts, by size limits where it is built (parse, bounds).

The alarm never interrupts a budget's own __enter__ and __exit__ (it fires again 1 ms later): an exception there
would leave the deadline stack and the alarm behind, firing in every later block. Another context manager has no
such guard: an alarm inside mpmath's workprec.__exit__ skips its restore, so mpmath's working precision (one
global setting) is put back when a budget's block ends, or one interrupted evaluation at 12 bits would leave every
later one in the process at 12 bits.
"""

from __future__ import annotations

import ctypes
import signal
import sys
import threading
import time

import mpmath

__all__ = ["BudgetExceeded", "check_budget", "remaining", "time_limit"]


class BudgetExceeded(Exception):
    """The time budget of a proof attempt ran out."""


_local = threading.local()


def _deadlines() -> list[float]:
    if not hasattr(_local, "deadlines"):
        _local.deadlines = []
    return _local.deadlines


def remaining() -> float:
    """Seconds left in the innermost budget of this thread (infinity outside any)."""
    deadlines = _deadlines()
    return min(deadlines) - time.monotonic() if deadlines else float("inf")


def check_budget() -> None:
    """Raise BudgetExceeded where the budget of this thread is spent (for loops that check as they go)."""
    if remaining() <= 0:
        raise BudgetExceeded("ran past its budget")


def _use_signal() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


#: seconds after which an alarm whose exception Python dropped is raised again
_RETRY = 0.001


def _unraisable(unraisable) -> None:
    """sys.unraisablehook while a budget is held: Python drops ('ignores', and reports as unraisable) an exception
    raised where no caller can receive it: a weakref callback, a __del__, a gc callback. A BudgetExceeded that lands
    there is not an error to report; the alarm of its thread is re-armed to fire again just after, where it can
    reach the budget's block. Anything else goes to the hook that was in place before."""
    if issubclass(unraisable.exc_type, BudgetExceeded) and _deadlines():
        _arm_soon()
        return
    (_hook.outer or sys.__unraisablehook__)(unraisable)


class _Hook:
    """Puts _unraisable in front of sys.unraisablehook while any budget (in any thread) is held, and the hook
    that was there back when the last one ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.outer = None

    def hold(self) -> None:
        with self.lock:
            if sys.unraisablehook is not _unraisable:
                self.outer, sys.unraisablehook = sys.unraisablehook, _unraisable
            self.holders += 1

    def release(self) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders == 0:
                if sys.unraisablehook is _unraisable:
                    sys.unraisablehook = self.outer or sys.__unraisablehook__
                self.outer = None


_hook = _Hook()


def _protected(frame) -> bool:
    """Whether `frame` or a frame that called it is one the alarm must not interrupt (_PROTECTED): a budget's
    __enter__ or __exit__ (an exception there would skip putting its bookkeeping back) or _unraisable (where an
    exception would be dropped too)."""
    while frame is not None:
        if frame.f_code in _PROTECTED:
            return True
        frame = frame.f_back
    return False


def _expire(signum, frame):
    if _protected(frame):
        _arm_soon()
        return
    raise BudgetExceeded("ran past its budget")


class _Watchdog:
    """Raises BudgetExceeded in one (non-main) thread at a deadline, unless cancelled first; like the main
    thread's alarm it repeats every _REPEAT seconds until the block ends, and again _RETRY seconds after Python
    dropped it (see _unraisable)."""

    def __init__(self, thread_id: int, delay: float) -> None:
        self.thread_id = thread_id
        self.cancelled = threading.Event()
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self._schedule(max(delay, 0.0))

    def _schedule(self, delay: float) -> None:
        with self.lock:
            if self.cancelled.is_set():
                return
            self.timer = threading.Timer(delay, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        if self.cancelled.is_set():
            return
        if _protected(sys._current_frames().get(self.thread_id)):
            self._schedule(_RETRY)
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(self.thread_id), ctypes.py_object(BudgetExceeded)
        )
        self._schedule(_REPEAT)

    def cancel(self) -> None:
        with self.lock:
            self.cancelled.set()
            if self.timer is not None:
                self.timer.cancel()

    def soon(self) -> None:
        """Fire again _RETRY seconds from now instead of at the next repeat."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
        self._schedule(_RETRY)


#: the least delay of an alarm: an enclosing budget found spent when an inner block ends fires this much later,
#: after the handler that swallowed the inner block's exception has run, not inside it
_GRACE = 0.005
#: how often an alarm repeats once its deadline has passed, until the block it limits has ended (long enough
#: that a repeat never lands while the first one is still unwinding the block)
_REPEAT = 1.0


def _arm(deadline: float | None) -> None:
    """Set this thread's alarm to `deadline` (None: no alarm), at least _GRACE seconds from now."""
    if _use_signal():
        if deadline is None:
            signal.setitimer(signal.ITIMER_REAL, 0)
        else:
            # repeated every _REPEAT seconds until the block ends: an exception raised inside a garbage-collector
            # callback or a __del__ is dropped by Python, and the budget must not be lost with it
            signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), _GRACE), _REPEAT)
        return
    watchdog = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.cancel()
    _local.watchdog = (
        None
        if deadline is None
        else _Watchdog(threading.get_ident(), max(deadline - time.monotonic(), _GRACE))
    )


def _arm_soon() -> None:
    """Fire this thread's alarm again _RETRY seconds from now."""
    if _use_signal():
        signal.setitimer(signal.ITIMER_REAL, _RETRY, _REPEAT)
    elif getattr(_local, "watchdog", None) is not None:
        _local.watchdog.soon()


class time_limit:  # lower case: used as a function, `with time_limit(seconds):`
    """Raise BudgetExceeded in the block after `seconds` (or sooner, when an enclosing budget ends first).

    A class, not a generator: its __enter__ and __exit__ are frames the alarm never interrupts (_protected), so
    a budget's bookkeeping (the deadline stack, the alarm, the handler, the precision) is always put back."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        if self.seconds <= 0 or remaining() <= 0:
            raise BudgetExceeded("no time left")
        deadlines = _deadlines()
        self.outermost = not deadlines
        self.previous_handler = (
            signal.signal(signal.SIGALRM, _expire) if self.outermost and _use_signal() else None
        )
        if self.outermost:
            _hook.hold()
        self.precision = mpmath.mp.prec
        self.mine = min([time.monotonic() + self.seconds, *deadlines])
        deadlines.append(self.mine)
        _arm(self.mine)

    def __exit__(self, exc_type, exc, traceback) -> bool:
        deadlines = _deadlines()
        deadlines.pop()
        _arm(min(deadlines) if deadlines else None)
        if self.outermost and self.previous_handler is not None:
            signal.signal(signal.SIGALRM, self.previous_handler)
        if self.outermost:
            _hook.release()
        # a workprec the alarm interrupted before it restored the precision
        if mpmath.mp.prec != self.precision:
            mpmath.mp.prec = self.precision
        # the block ended past its budget (an alarm it swallowed, or just late)
        if exc_type is None and time.monotonic() >= self.mine:
            raise BudgetExceeded("ran past its budget")
        return False


#: the code the alarm never interrupts: a budget's own bookkeeping, and the hook that takes dropped alarms
_PROTECTED = frozenset({time_limit.__enter__.__code__, time_limit.__exit__.__code__, _unraisable.__code__})
