"""verify-grad's symbolic refutation: certified interval bounds prove that a claim differs from the derivative on
a whole open box around the confirmed counterexample (never on a box where the difference changes sign)."""

from __future__ import annotations

import sympy as sp

from xent_symbolic import Assumptions
from xent_symbolic.verify import _refuted_on_a_box, verify_gradient

z = sp.Symbol("z", real=True)
p = sp.Symbol("p", positive=True)


def test_a_claim_wrong_only_for_large_z_is_refuted_on_a_box():
    result = verify_gradient("softplus(z) - y*z", "z", "sigmoid(z) - y + exp(-exp(-(z-50)))/1000")
    (claim,) = result.results
    assert claim.status.value == "refuted"
    prefix = "counterexample found numerically at 50 digits, confirmed exactly at the printed point; "
    assert claim.method.startswith(prefix + "interval bounds prove the claim differs on the whole box z in (")


def test_the_box_is_centred_at_the_point_and_one_thousandth_wide():
    box = _refuted_on_a_box(sp.exp(-sp.exp(50 - z)) / 1000, {"z": "1000", "y": "2"}, Assumptions())
    assert box == "z in (999.00000000000000, 1001.0000000000000)"


def test_a_difference_that_changes_sign_in_every_box_is_not_refuted_on_one():
    # z - 10**-40 is 0 at z = 10**-40, inside every box tried around z = 0
    assert _refuted_on_a_box(z - sp.Rational(1, 10**40), {"z": "0"}, Assumptions()) is None


def test_the_box_stays_inside_the_declared_domain():
    # around p = 0.0005 the box of half-width 0.001 is cut at the domain's end 0
    assumptions = Assumptions(domains=((p, sp.Interval.open(0, 1)),))
    assert _refuted_on_a_box(1 / p, {"p": "0.0005"}, assumptions) == "p in (0, 0.0015000000000000000)"
    # near p = 0 only the narrowest box excludes the zero of 1/p - 10**6 at p = 10**-6
    assert _refuted_on_a_box(1 / p - 10**6, {"p": "0.0000001"}, assumptions) == (
        "p in (9.9999000000000000E-8, 1.0000100000000000E-7)"
    )


def test_a_point_that_misses_a_variable_of_the_difference_gives_no_box():
    assert _refuted_on_a_box(z + p, {"z": "1"}, Assumptions()) is None
