"""Budgets end work in any thread, nest, and an outer budget that ran out is not lost inside an inner one."""

from __future__ import annotations

import threading
import time

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


def test_an_alarm_inside_a_gc_callback_is_deferred_not_dropped():
    """Python drops an exception raised inside a gc.callbacks function (hypothesis installs one): the alarm
    handler re-arms the timer instead, and raises once the callback has returned."""
    import gc
    import signal
    import sys

    from xent_symbolic import timebox

    frames = []

    def callback(phase, info):
        frames.append(sys._getframe())

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    inside = frames[0]
    gc.callbacks.append(callback)  # registered again: the handler recognises its frames
    try:
        assert timebox._in_gc_callback(inside)
        assert not timebox._in_gc_callback(sys._getframe())
        with time_limit(10):
            deferred = timebox._expire(signal.SIGALRM, inside)  # deferred: the timer is re-armed, 1 ms
            delay = signal.setitimer(signal.ITIMER_REAL, 10)[0]  # read and put back before it fires
            assert deferred is None and 0 < delay <= 0.01
            with pytest.raises(BudgetExceeded):
                timebox._expire(signal.SIGALRM, sys._getframe())
    finally:
        gc.callbacks.remove(callback)


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
