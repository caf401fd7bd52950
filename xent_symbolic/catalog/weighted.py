"""Class-weighted binary cross-entropy from the weighted Bernoulli likelihood."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, UNIT_INTERVAL
from ..core import Derivation, Name
from ..likelihood import likelihood_chain
from ..rules import BernoulliTrial
from .notation import i, independent_examples, n, y, yhat

__all__ = ["derive_weighted_bce", "omega_0", "omega_1"]

#: the class weights of the negative and the positive class
omega_0 = sp.Symbol("omega_0", positive=True)
omega_1 = sp.Symbol("omega_1", positive=True)
WEIGHTED_BCE = Name("J_omega(yhat)", r"J_\omega(\hat{y})")


def derive_weighted_bce() -> Derivation:
    """Each example's probability raised to its class weight, then the likelihood chain."""
    assumptions = independent_examples(
        domains=(
            (yhat, UNIT_INTERVAL),
            (y, BINARY),
            (omega_0, sp.Interval.open(0, sp.oo)),
            (omega_1, sp.Interval.open(0, sp.oo)),
        ),
        parameters=(yhat,),
        statements=(
            Name("0 < yhat_i < 1 for every i", r"0 < \hat{y}_i < 1"),
            Name("y_i in {0, 1}", r"y_i \in \{0, 1\}"),
            Name("class weights omega_0, omega_1 > 0 are fixed", r"\omega_0, \omega_1 > 0 \text{ fixed}"),
        ),
    )
    trial = sp.Piecewise((yhat[i] ** omega_1, sp.Eq(y[i], 1)), ((1 - yhat[i]) ** omega_0, sp.Eq(y[i], 0)))
    derivation = Derivation(
        "weighted-bce",
        "Class-weighted binary cross-entropy from the weighted Bernoulli likelihood",
        trial,
        assumptions,
        Name("P_omega(y_i | yhat_i)", r"P_\omega(y_i \mid \hat{y}_i)"),
    )
    return likelihood_chain(derivation.apply(BernoulliTrial()), i, n, WEIGHTED_BCE)
