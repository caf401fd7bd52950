"""Focal loss: a loss given directly (not from a likelihood); its gradient with respect to the logit, derived."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, Assumptions
from ..core import Derivation, Name
from ..functions import sigmoid
from ..gradient import EvaluateDerivative
from ..names import Phrase
from ..rules import SplitByLabel

__all__ = ["alpha", "derive_focal_gradient", "focal_loss", "gamma", "label", "logit"]

#: the logit z, the label y, the class balance alpha and the focusing exponent gamma (one example)
logit = sp.Symbol("z", real=True)
label = sp.Symbol("y", real=True)
alpha = sp.Symbol("alpha", positive=True)
gamma = sp.Symbol("gamma", nonnegative=True)
FOCAL_GRAD = Name("dFL/dz", r"\frac{\partial \operatorname{FL}}{\partial z}")


def focal_loss() -> sp.Expr:
    """FL(z, y) = -alpha y (1 - p)^gamma log p - (1 - alpha)(1 - y) p^gamma log(1 - p), p = sigma(z)."""
    p = sigmoid(logit)
    return -alpha * label * (1 - p) ** gamma * sp.log(p) - (1 - alpha) * (1 - label) * p**gamma * sp.log(
        1 - p
    )


def derive_focal_gradient() -> Derivation:
    """d FL / dz by differentiation (sigma' = sigma (1 - sigma)), then collected by label and class weight."""
    assumptions = Assumptions(
        domains=((label, BINARY), (alpha, sp.Interval.open(0, 1)), (gamma, sp.Interval(0, sp.oo))),
        parameters=(logit,),
        statements=(
            Name("y in {0, 1}", r"y \in \{0, 1\}"),
            Name("0 < alpha < 1, gamma >= 0 are fixed", r"0 < \alpha < 1,\ \gamma \ge 0 \text{ fixed}"),
            Name("p = sigma(z), z real", r"p = \sigma(z),\ z \in \mathbb{R}"),
        ),
    )
    derivation = Derivation(
        "focal-loss",
        "Focal loss: its gradient with respect to the logit",
        sp.Derivative(focal_loss(), logit),
        assumptions,
        FOCAL_GRAD,
    )
    return (
        derivation.apply(
            EvaluateDerivative(
                logit,
                Phrase(
                    "differentiate, with sigma'(z) = sigma(z) (1 - sigma(z))",
                    r"differentiate, with $\sigma'(z) = \sigma(z)(1 - \sigma(z))$",
                ),
            )
        )
        .apply(SplitByLabel(label), name=FOCAL_GRAD)
        .named(FOCAL_GRAD)
    )
