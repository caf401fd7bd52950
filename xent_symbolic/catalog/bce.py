"""Binary cross-entropy from the Bernoulli likelihood of n independent examples (seed 001's chain)."""

from __future__ import annotations

import sympy as sp

from ..core import Derivation, Name
from ..likelihood import likelihood_chain
from ..rules import BernoulliTrial
from .notation import bernoulli_assumptions, i, n, y, yhat

__all__ = ["BCE", "derive_bce"]

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
    return likelihood_chain(derivation.apply(BernoulliTrial()), i, n, BCE)
