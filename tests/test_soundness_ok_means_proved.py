"""Class 1 of issue 13: `ok` and `xent check`'s exit 0 mean every obligation is proved; sampled evidence is not."""

from __future__ import annotations

import sympy as sp

from xent_symbolic.assumptions import Assumptions
from xent_symbolic.catalog.notation import bernoulli_assumptions, i, n, y, yhat
from xent_symbolic.check import check
from xent_symbolic.cli import check_exit_code
from xent_symbolic.core import Derivation, Name, Status
from xent_symbolic.render import check_report
from xent_symbolic.rules import Rewrite, Scale, TakeLog

A = bernoulli_assumptions()
TERMS = y[i] * sp.log(yhat[i]) + (1 - y[i]) * sp.log(1 - yhat[i])
x = sp.Symbol("x", real=True)
c = sp.Symbol("c", real=True)


def _derivation(start, assumptions, *rules):
    d = Derivation("t", "a test", start, assumptions, Name("L", "L"))
    for rule in rules:
        d = d.apply(rule)
    return d


def test_a_scale_by_a_constant_that_may_be_zero_is_not_ok():
    assumptions = Assumptions(domains=((c, sp.Interval(0, 1)), (x, sp.S.Reals)), parameters=(x,))
    checked = check(_derivation(x**2, assumptions, Scale(c)))
    assert not checked.ok
    assert checked.status is not Status.PROVED
    assert check_exit_code(checked.status) in (1, 3)


def test_log_of_something_that_may_be_zero_is_not_ok():
    assumptions = Assumptions(domains=((x, sp.Interval(0, 1)),), parameters=(x,))
    checked = check(_derivation(x, assumptions, TakeLog()))
    (within,) = [o for o in checked.steps[0].obligations if o.claim == "before lies in (0, oo)"]
    assert within.status is not Status.PROVED
    assert not checked.ok


def test_a_rewrite_off_by_1e_45_is_only_checked_and_exits_3():
    off = sp.Float("1e-45", 60)
    wrong = Rewrite("nudge", lambda e: e + off * sp.exp(-(x**2)), "adds nothing, it claims")
    assumptions = Assumptions(domains=((x, sp.S.Reals),), parameters=(x,))
    checked = check(_derivation(sp.exp(x), assumptions, wrong))
    assert checked.status in (Status.CHECKED, Status.REFUTED)
    assert not checked.ok
    assert check_exit_code(checked.status) == (3 if checked.status is Status.CHECKED else 1)
    last = check_report(checked).splitlines()[-1]
    assert last.startswith("NOT ok")


def test_the_report_says_checked_when_only_sampled():
    # off by at most 1.3e-45 relative everywhere: below what 50-digit sampling can see, so only checked
    wrong = Rewrite("nudge", lambda e: e + sp.Float("1e-45", 60) * sp.exp(-(x**2)), "adds nothing, it claims")
    assumptions = Assumptions(domains=((x, sp.S.Reals),), parameters=(x,))
    checked = check(_derivation(sp.exp(x), assumptions, wrong), budget=0.0)
    assert checked.status is Status.CHECKED
    assert (
        check_report(checked).splitlines()[-1] == "NOT ok (not proved, only checked numerically): 1 checked"
    )
    assert check_exit_code(checked.status) == 3


def test_exit_codes_follow_the_worst_status():
    assert [check_exit_code(s) for s in Status] == [0, 3, 3, 1]


def test_the_fully_proved_bce_stays_ok(bce_checked):
    assert bce_checked.ok
    assert check_report(bce_checked).splitlines()[-1] == "ok: 7 proved"
    assert check_exit_code(bce_checked.status) == 0


def test_a_true_scale_by_a_positive_constant_is_proved():
    checked = check(_derivation(sp.Sum(TERMS, (i, 1, n)), A, Scale(1 / n)))
    assert checked.ok and checked.status is Status.PROVED
