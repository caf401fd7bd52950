"""Poisson negative log-likelihood with a log link, from the Poisson likelihood of counts."""

from __future__ import annotations

import sympy as sp

from ..assumptions import Assumptions
from ..core import Derivation, Name
from ..likelihood import negative_log_likelihood
from ..rules import CombineSums, Distribute, DropConstant, SumLinearity
from .notation import i, independent_examples, n, y

__all__ = ["derive_poisson", "eta"]

#: the linear predictors eta_i (the parameters); the rate is lambda_i = exp(eta_i)
eta = sp.IndexedBase("eta", real=True)
POISSON_NLL = Name("J(eta)", r"J(\eta)")


def poisson_assumptions() -> Assumptions:
    return independent_examples(
        domains=((eta, sp.S.Reals), (y, sp.S.Naturals0)),
        parameters=(eta,),
        statements=(
            Name("y_i in {0, 1, 2, ...} are counts", r"y_i \in \{0, 1, 2, \dots\}"),
            Name(
                "the rate is lambda_i = exp(eta_i) (log link), eta_i real",
                r"\lambda_i = e^{\eta_i},\ \eta_i \in \mathbb{R}",
            ),
        ),
    )


def derive_poisson() -> Derivation:
    """lambda^y e^-lambda / y! with lambda = exp(eta) -> product -> log -> rules -> -, 1/n -> drop log(y!)."""
    rate = sp.exp(eta[i])
    density = rate ** y[i] * sp.exp(-rate) / sp.factorial(y[i])
    return negative_log_likelihood(
        "poisson",
        "Poisson negative log-likelihood with a log link",
        density,
        poisson_assumptions(),
        index=i,
        size=n,
        density_name=Name("P(y_i | eta_i)", r"P(y_i \mid \eta_i)"),
        loss_name=POISSON_NLL,
        finish=(SumLinearity(), Distribute(), DropConstant(), CombineSums()),
    )
