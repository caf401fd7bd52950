"""Helpers of the soundness regression tests: a one-step TakeLog derivation, checked through the public API."""

from __future__ import annotations

import sympy as sp

from xent_symbolic import Assumptions, Derivation, Name, Status, check
from xent_symbolic.rules import TakeLog

POSITIVE_CLAIM = "before lies in (0, oo)"


def take_log(expr: sp.Expr, assumptions: Assumptions):
    """The obligation 'before lies in (0, oo)' of log(expr), checked."""
    derivation = Derivation("t", "t", expr, assumptions, Name("L", "L")).apply(TakeLog(), name=Name("l", "l"))
    checked = check(derivation)
    (obligation,) = [o for s in checked.steps for o in s.obligations if o.claim == POSITIVE_CLAIM]
    return obligation


def never_proved(obligation) -> None:
    assert obligation.status is not Status.PROVED, obligation
    assert obligation.status in (Status.REFUTED, Status.UNKNOWN, Status.CHECKED)
