"""Mean squared error from the Gaussian likelihood with a fixed variance."""

from __future__ import annotations

import sympy as sp

from ..assumptions import Assumptions
from ..core import Derivation, Name
from ..likelihood import negative_log_likelihood
from ..rules import Distribute, DropConstant, Scale, SumLinearity
from .notation import i, independent_examples, n, y

__all__ = ["derive_mse", "gaussian_assumptions", "mu", "sigma"]

#: the predicted means mu_i (the parameters) and the fixed standard deviation sigma
mu = sp.IndexedBase("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
MSE = Name("MSE(mu)", r"\operatorname{MSE}(\mu)")


def gaussian_assumptions() -> Assumptions:
    return independent_examples(
        domains=((mu, sp.S.Reals), (y, sp.S.Reals), (sigma, sp.Interval.open(0, sp.oo))),
        parameters=(mu,),
        statements=(
            Name("y_i and mu_i are real", r"y_i, \mu_i \in \mathbb{R}"),
            Name("sigma > 0 is fixed (not a parameter)", r"\sigma > 0 \text{ fixed}"),
        ),
    )


def derive_mse() -> Derivation:
    """N(y_i | mu_i, sigma^2) -> product -> log -> rules of the log -> -, 1/n -> drop the constant -> times 2 sigma^2."""
    density = sp.exp(-((y[i] - mu[i]) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    return negative_log_likelihood(
        "mse",
        "Mean squared error from the Gaussian likelihood with fixed variance",
        density,
        gaussian_assumptions(),
        index=i,
        size=n,
        density_name=Name("p(y_i | mu_i)", r"p(y_i \mid \mu_i)"),
        loss_name=MSE,
        finish=(SumLinearity(), Distribute(), DropConstant(), Scale(2 * sigma**2)),
    )
