"""The local search of numeric evidence: from the best sampled points, uphill in the relative difference."""

from __future__ import annotations

import sympy as sp

from xent_symbolic.assumptions import Assumptions
from xent_symbolic.decide import decide_equality
from xent_symbolic.evidence import close, search

Z = sp.Symbol("z", real=True)
DOMAIN = Assumptions(domains=((Z, sp.Interval.open(0, 10)),))
#: differs from 1 by more than the 50-digit tolerance only within 1e-3 of z = 5; nonzero (at 50 digits) everywhere
NARROW = 1 + sp.Rational(1, 10**36) / (1 + 10**8 * (Z - 5) ** 2)


def _gap(values):
    return abs(values[0] - values[1]) / max(abs(values[0]), abs(values[1]))


def test_random_points_miss_a_narrow_difference_and_the_local_search_finds_it() -> None:
    blind = search([sp.Integer(1), NARROW], lambda v: close(v[0], v[1]), DOMAIN, defining=(0,))
    assert (blind.failure, blind.points) == (None, 60)
    found = search([sp.Integer(1), NARROW], lambda v: close(v[0], v[1]), DOMAIN, defining=(0,), score=_gap)
    assert found.failure is not None
    assert abs(sp.Rational(found.failure["z"]) - 5) < sp.Rational(1, 10**3)


def test_the_shared_policy_refutes_it_and_never_leaves_the_domain() -> None:
    decision = decide_equality(sp.Integer(1), NARROW, DOMAIN, budget=5)
    assert decision.status.value == "refuted"
    edge = 1 + sp.Rational(1, 10**36) / (1 + 10**8 * (Z - 10) ** 2)  # its narrow region is outside (0, 10)
    inside = decide_equality(
        sp.Integer(1), edge, Assumptions(domains=((Z, sp.Interval.open(0, 9)),)), budget=5
    )
    assert inside.status.value == "checked"
