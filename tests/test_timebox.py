"""Budgets end work in any thread, nest, and an outer budget that ran out is not lost inside an inner one."""

from __future__ import annotations

import gc
import sys
import threading
import time
import weakref

import pytest

from xent_symbolic.timebox import BudgetExceeded, check_budget, remaining, time_limit


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_budget_ends_a_busy_loop_in_the_main_thread():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded), time_limit(0.1):
        _spin(5)
    assert time.monotonic() - start < 1.0


def test_a_budget_ends_a_busy_loop_in_another_thread():
    outcome = []

    def work():
        start = time.monotonic()
        try:
            with time_limit(0.1):
                _spin(5)
            outcome.append("not stopped")
        except BudgetExceeded:
            outcome.append(time.monotonic() - start)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], float) and outcome[0] < 1.0


def test_an_inner_budget_cannot_outlast_the_outer_one():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded), time_limit(0.1), time_limit(10):
        _spin(5)
    assert time.monotonic() - start < 1.0


def test_an_outer_budget_swallowed_by_an_inner_attempt_is_raised_when_it_ends():
    reached = []
    start = time.monotonic()
    with pytest.raises(BudgetExceeded), time_limit(0.1):
        try:
            with time_limit(10):
                _spin(5)
        except BudgetExceeded:
            reached.append("inner gave up")  # a proof attempt that answers 'not proved'
        _spin(5)  # more work in the outer block: its budget is spent, so it must not run to the end
        reached.append("outer work finished")
    assert reached == ["inner gave up"]
    assert time.monotonic() - start < 1.0


def test_no_alarm_is_left_behind_and_remaining_is_unbounded_outside():
    with time_limit(0.05):
        pass
    time.sleep(0.15)  # a stray alarm would raise here
    assert remaining() == float("inf")
    check_budget()


def test_check_budget_raises_once_the_budget_is_spent():
    with pytest.raises(BudgetExceeded), time_limit(0.05):
        while True:
            check_budget()


def test_an_alarm_swallowed_inside_the_block_is_raised_again():
    start = time.monotonic()
    swallowed = []
    with pytest.raises(BudgetExceeded), time_limit(0.1):
        try:
            _spin(5)
        except BudgetExceeded:
            swallowed.append(True)  # as Python does with an exception raised in a gc callback
        _spin(5)
    assert swallowed == [True] and time.monotonic() - start < 3.0


class _Thing:
    pass


def _budget_through_a_dropped_alarm(where: str) -> dict:
    """Run a 0.1 s budget whose alarm lands inside code Python calls with no caller to receive an exception (a
    weakref callback or a gc callback, spinning past the deadline), then spin outside it; what was reported as
    unraisable, whether the callback was cut short, and when the budget's block ended."""
    reported, cut_short, refs = [], [], []

    def inside():
        end = time.monotonic() + 0.3  # past the deadline: the alarm lands here
        while time.monotonic() < end:
            pass
        cut_short.append(False)

    def on_gc(phase, info):
        if phase == "start" and not cut_short:
            cut_short.append(True)
            inside()

    previous = sys.unraisablehook
    sys.unraisablehook = reported.append
    start = time.monotonic()
    try:
        with pytest.raises(BudgetExceeded), time_limit(0.1):
            if where == "weakref":
                cut_short.append(True)
                thing = _Thing()
                refs.append(weakref.ref(thing, lambda ref: inside()))
                del thing
            else:
                gc.callbacks.append(on_gc)
                try:
                    gc.collect(0)  # the youngest generation: quick, so the alarm's retry is what is timed
                finally:
                    gc.callbacks.remove(on_gc)
            _spin(5)
        ended = time.monotonic() - start
    finally:
        sys.unraisablehook = previous
    return {"reported": reported, "cut_short": cut_short, "ended": ended}


@pytest.mark.parametrize("where", ["weakref", "gc"])
def test_an_alarm_python_drops_is_not_reported_and_fires_again_just_after(where):
    # found by CI: the alarm landed in a WeakKeyDictionary's weakref callback, where Python drops the exception
    # and reports it as unraisable (a test failure under pytest); the budget held only by the 1 s repeat
    outcome = _budget_through_a_dropped_alarm(where)
    assert outcome["reported"] == [] and outcome["cut_short"] == [True]
    assert 0.1 <= outcome["ended"] < 0.6, outcome  # well before the 1 s repeat


def test_an_alarm_python_drops_in_a_thread_is_not_reported_and_fires_again_just_after():
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_budget_through_a_dropped_alarm("weakref")))
    worker.start()
    worker.join(10)
    assert len(outcome) == 1 and outcome[0]["reported"] == [] and outcome[0]["cut_short"] == [True]
    assert 0.1 <= outcome[0]["ended"] < 0.6, outcome


_HOOK_SCRIPT = """
import sys
from xent_symbolic.timebox import time_limit

reported = []
sys.unraisablehook = reported.append


class Faulty:
    def __del__(self):
        raise ValueError("a finaliser's own error")


with time_limit(5):
    Faulty()
print([type(u.exc_value).__name__ for u in reported], sys.unraisablehook == reported.append)
"""


def test_other_unraisable_exceptions_still_reach_the_hook_in_place_and_it_is_put_back():
    # in a fresh interpreter: here a budget another test's thread still holds would keep the hook in front
    import subprocess

    result = subprocess.run([sys.executable, "-c", _HOOK_SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "['ValueError'] True", result.stderr


def test_a_budget_in_a_thread_is_not_lost_when_its_exception_is_dropped():
    # found by CI: the watchdog's exception landed in hypothesis's gc callback, where Python drops it, and the
    # thread ran on without a budget; the watchdog now repeats until the block ends, as the main thread's alarm
    # does (and waits while the thread runs a gc callback)
    outcome = []

    def work():
        start, dropped = time.monotonic(), 0
        try:
            with time_limit(0.05):
                while time.monotonic() - start < 4:
                    try:
                        spin = time.monotonic()
                        while time.monotonic() - spin < 0.01:
                            pass
                    except BudgetExceeded:
                        dropped += 1  # what a gc callback does with an exception raised in it
                        if dropped > 1:
                            raise
        except BudgetExceeded:
            outcome.append((dropped, time.monotonic() - start))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(10)
    assert len(outcome) == 1, outcome
    dropped, seconds = outcome[0]
    assert dropped == 2 and seconds < 3, outcome


def test_a_budget_puts_back_the_working_precision_an_interrupted_workprec_left_behind():
    # found in CI-like runs: the alarm landed inside mpmath's workprec.__exit__, before it restored the
    # precision, and every later evaluation in the process ran at 12 bits (trace then marked 0.6 as wrong)
    import mpmath

    before = mpmath.mp.prec
    with pytest.raises(BudgetExceeded), time_limit(0.05):
        manager = mpmath.workprec(12)
        manager.__enter__()  # as if the alarm arrived before __exit__ ran
        assert mpmath.mp.prec == 12
        while True:
            pass
    assert mpmath.mp.prec == before


def test_an_alarm_landing_in_a_budgets_own_exit_waits_until_the_bookkeeping_is_put_back(monkeypatch):
    # found in a full run: an alarm raised inside the budget's cleanup skipped popping its deadline, and the
    # repeating alarm then fired in every later test and in jax's atexit handler
    import signal

    from xent_symbolic import timebox

    real_arm, landed = timebox._arm, []

    def arm(deadline):
        if deadline is None and not landed:  # __exit__ re-arming: the alarm arrives right here
            landed.append(True)
            timebox._expire(signal.SIGALRM, sys._getframe())  # as the signal handler would be called
        real_arm(deadline)

    monkeypatch.setattr(timebox, "_arm", arm)
    with time_limit(5.0):
        pass
    assert landed and timebox.remaining() == float("inf")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with pytest.raises(BudgetExceeded):  # outside a budget's own frames the alarm raises as before
        timebox._expire(signal.SIGALRM, sys._getframe())
