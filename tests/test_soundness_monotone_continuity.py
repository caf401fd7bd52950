"""Class 3 of issue 13: the derivative test needs phi continuous on the interval; a jump is never 'increasing'."""

from __future__ import annotations

import pytest
import sympy as sp

from xent_symbolic.catalog.notation import bernoulli_assumptions, yhat
from xent_symbolic.check import check, check_step
from xent_symbolic.core import Derivation, Name, Status
from xent_symbolic.rules import MonotoneMap

A = bernoulli_assumptions()
t = sp.Symbol("t", real=True)
CLAIM = "phi(t) = {} is strictly increasing on {}"


def _monotone(phi, domain=sp.S.Reals):
    step = MonotoneMap(sp.Lambda(t, phi), domain, increasing=True, justification="claimed").step(yhat[1], A)
    (obligation,) = [o for o in check_step(step, A).obligations if "strictly increasing" in o.claim]
    return obligation


def test_a_piecewise_with_a_jump_down_is_not_proved_increasing():
    phi = sp.Piecewise((t, t < 0), (t - 5, True))
    obligation = _monotone(phi)
    assert obligation.status is Status.UNKNOWN
    assert obligation.method == (
        "the derivative test needs phi continuous on R: Piecewise is not accepted as continuous"
    )
    d = Derivation("jump", "a jump", yhat[1], A, Name("L", "L")).apply(
        MonotoneMap(sp.Lambda(t, phi), sp.S.Reals, increasing=True, justification="phi' = 1")
    )
    assert not check(d).ok


@pytest.mark.parametrize(
    "phi",
    [t + sp.floor(t), t + 5 * sp.Heaviside(-t), 2 * t - 3 * sp.sign(t), t - 5 * sp.ceiling(t) + 5 * t],
    ids=["floor", "heaviside", "sign", "ceiling"],
)
def test_jumps_hidden_in_step_functions_are_unknown(phi):
    assert _monotone(phi).status is Status.UNKNOWN


def test_a_phi_undefined_somewhere_on_the_interval_is_not_proved():
    # 1/t has phi' = -1/t^2 < 0 wherever it is defined, but jumps from -oo to oo at 0
    step = MonotoneMap(sp.Lambda(t, -1 / t), sp.S.Reals, increasing=True, justification="claimed").step(
        yhat[1], A
    )
    (obligation,) = [o for o in check_step(step, A).obligations if "strictly increasing" in o.claim]
    assert obligation.status is Status.UNKNOWN
    assert "no interval enclosure" in obligation.method


@pytest.mark.parametrize(
    "phi, domain",
    [
        (t**3 + t, sp.S.Reals),
        (sp.log(t), sp.Interval.open(0, sp.oo)),
        (-1 / t, sp.Interval.open(0, sp.oo)),
        (sp.exp(t) + sp.tanh(t), sp.S.Reals),
    ],
)
def test_continuous_increasing_maps_stay_proved(phi, domain):
    assert _monotone(phi, domain).status is Status.PROVED
