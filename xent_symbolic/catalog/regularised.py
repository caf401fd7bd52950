"""The sample-weighted, L2-penalised objective every linear export offers, and the gradient of its penalty."""

from __future__ import annotations

import sympy as sp

from ..assumptions import POSITIVE_INTEGERS, Assumptions
from ..core import Derivation, Name
from ..gradient import EvaluateDerivative
from ..names import Phrase
from ..rules import AddL2Penalty, WeightedMean
from .notation import d, i, j, k, n, w

__all__ = [
    "PENALTY",
    "WEIGHTING",
    "derive_l2_penalty_gradient",
    "derive_regularised_objective",
    "ell",
    "lam",
    "s",
]

#: the L2 strength (l2= in the exports), the sample weights (sample_weight=) and a generic per-example loss
lam = sp.Symbol("lambda", nonnegative=True)
s = sp.IndexedBase("s", nonnegative=True)
ell = sp.IndexedBase("l", real=True)

#: the two steps the exports print from (they refer to them by these rules, never by position)
WEIGHTING = WeightedMean(s, i, n)
PENALTY = AddL2Penalty(lam, w, j, d)

J_REG = Name("J_s,lambda", r"J_{s,\lambda}")


def regularised_assumptions() -> Assumptions:
    """s_i >= 0, lambda >= 0, l_i and w_j real; the parameters are w."""
    return Assumptions(
        domains=(
            (n, POSITIVE_INTEGERS),
            (d, POSITIVE_INTEGERS),
            (lam, sp.Interval(0, sp.oo)),
            (s, sp.Interval(0, sp.oo)),
        ),
        parameters=(w,),
        indices=((i, sp.S.One, n), (k, sp.S.One, d)),
        statements=(
            Name(
                "s_i >= 0, lambda >= 0; l_i, w_j real", r"s_i \ge 0,\ \lambda \ge 0;\ l_i, w_j \in \mathbb{R}"
            ),
            Name("n, d are positive integers; k in 1..d", r"n, d \in \mathbb{Z}_{>0},\ 1 \le k \le d"),
        ),
    )


def derive_regularised_objective() -> Derivation:
    """J_s,lambda = (1/n) sum_i s_i l_i + (lambda/2) sum_j w_j^2: two definitions of a new objective."""
    derivation = Derivation(
        name="regularised-objective",
        title="The sample-weighted, L2-penalised objective of the linear exports (a new objective, not the old one)",
        start=ell[i],
        assumptions=regularised_assumptions(),
        start_name=Name("l_i", "l_i"),
    )
    weighted = derivation.apply(WEIGHTING, name=Name("J_s", "J_s"))
    return weighted.apply(PENALTY, name=J_REG).named(J_REG)


def derive_l2_penalty_gradient() -> Derivation:
    """d/dw_k (lambda/2) sum_j w_j^2 = lambda w_k (the bias is not in the penalty: its gradient is unchanged)."""
    derivation = Derivation(
        name="l2-penalty-gradient",
        title="The gradient of the L2 penalty by differentiation",
        start=sp.Derivative(PENALTY.penalty(), w[k]),
        assumptions=regularised_assumptions(),
        start_name=Name("dP/dw_k", r"\frac{\partial P}{\partial w_k}"),
    )
    return derivation.apply(
        EvaluateDerivative(
            w[k],
            Phrase(
                "d w_j^2 / dw_k = 2 w_k at j = k (the Kronecker delta collapses the sum over j)",
                r"$\partial w_j^2 / \partial w_k = 2 w_k$ at $j = k$ (the Kronecker delta collapses the sum over $j$)",
            ),
        )
    ).named(Name("(grad_w P)_k", r"\left(\nabla_{w} P\right)_k"))
