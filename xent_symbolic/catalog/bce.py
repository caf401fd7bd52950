"""Binary cross-entropy from the Bernoulli likelihood of n independent examples (seed 001's chain)."""

from __future__ import annotations

import sympy as sp

from ..core import Derivation, Name
from ..rules import BernoulliTrial, IndependentProduct, LogOfPower, LogOfProduct, Negate, Scale, TakeLog
from .notation import bernoulli_assumptions, i, n, y, yhat

__all__ = ["derive_bce", "LIKELIHOOD", "NLL", "BCE"]

LIKELIHOOD = Name("L(yhat)", r"\mathcal{L}(\hat{y})")
LOG_LIKELIHOOD = Name("log L(yhat)", r"\log \mathcal{L}(\hat{y})")
NLL = Name("-log L(yhat)", r"-\log \mathcal{L}(\hat{y})")
BCE = Name("J(yhat)", r"J(\hat{y})")


def derive_bce() -> Derivation:
    """The Bernoulli trial, the product over independent examples, log, product and power rules, -, 1/n."""
    trial = sp.Piecewise((yhat[i], sp.Eq(y[i], 1)), (1 - yhat[i], sp.Eq(y[i], 0)))
    derivation = Derivation(
        name="bce",
        title="Binary cross-entropy from the Bernoulli likelihood",
        start=trial,
        assumptions=bernoulli_assumptions(),
        start_name=Name("P(y_i | yhat_i)", r"P(y_i \mid \hat{y}_i)"),
    )
    return (
        derivation.apply(BernoulliTrial())
        .apply(IndependentProduct(i, 1, n), name=LIKELIHOOD)
        .apply(TakeLog(), name=LOG_LIKELIHOOD)
        .apply(LogOfProduct())
        .apply(LogOfPower())
        .apply(Negate(), name=NLL)
        .apply(Scale(1 / n), name=BCE)
        .named(BCE)
    )
