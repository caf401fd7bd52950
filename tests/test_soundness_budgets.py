"""Issue 13, class 11: verify-grad stays inside its time budget in every phase, and in any thread."""

from __future__ import annotations

import threading
import time

from xent_symbolic.core import Status
from xent_symbolic.verify import verify_gradient

S = "(a+b+c+d+e+f+g+h)"


def test_a_huge_power_is_decided_or_unknown_within_the_budget():
    start = time.monotonic()
    result = verify_gradient(f"{S}**1000", "a", f"1000*{S}**998*({S} + 1e-40)", timeout=1)
    assert time.monotonic() - start < 6
    assert result.status in (Status.CHECKED, Status.UNKNOWN, Status.REFUTED)
    assert result.exit_code != 0


def test_the_budget_holds_outside_the_main_thread():
    outcome = []

    def work():
        start = time.monotonic()
        result = verify_gradient(f"{S}**1000", "a", f"1000*{S}**998*({S} + 1e-40)", timeout=1)
        outcome.append((result.exit_code, time.monotonic() - start))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert len(outcome) == 1
    code, seconds = outcome[0]
    assert code != 0 and seconds < 6


def test_a_counterexample_with_expm1_of_a_huge_number_is_confirmed_through_exp_and_log():
    # found by an attack on softmax-logits-gradient: confirming a counterexample at u = -1.4e7 called mpmath's
    # expm1, which raises its precision without limit (minutes, outside any budget); exp(u) - 1 is certified
    # by SymPy's evalf within its precision limit
    import sympy as sp
    from sympy.codegen.cfunctions import expm1, log1p

    from xent_symbolic.evidence import _as_exp_and_log

    u = sp.Rational(-13886468)
    assert _as_exp_and_log(expm1(u) + log1p(u**2)) == sp.exp(u) - 1 + sp.log(1 + u**2)
    assert sp.N(_as_exp_and_log(expm1(u)), 120, strict=True, maxn=4000) == sp.Float(-1, 120)
