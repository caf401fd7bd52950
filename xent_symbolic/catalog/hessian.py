"""Logistic regression: the Hessian (1/n) X^T diag(s) X of the mean BCE, and v^T H v >= 0 (J is convex in w)."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..assumptions import Assumptions
from ..claims import claim_nonnegative
from ..core import Derivation, Name
from ..functions import sigmoid
from ..gradient import (
    Abbreviate,
    ChainRule,
    DifferentiateUnderSum,
    EvaluateDerivative,
    MatrixForm,
    UseDerived,
)
from ..names import Phrase
from ..sums import CollectSquare, FactorSums, ReorderSums
from .logistic import ENTRIES, GRAD_W, MATRICES, _loss, derive_logistic_gradient, logistic_assumptions
from .notation import d, i, k, l, s, v, w, z

__all__ = ["derive_logistic_convexity", "derive_logistic_hessian", "hessian_assumptions"]

#: the curvature weight of example i: s_i := sigma(z_i) (1 - sigma(z_i)) = dyhat_i/dz_i
CURVATURE = sigmoid(z[i]) * (1 - sigmoid(z[i]))

HESSIAN = Name("d^2J/dw_k dw_l", r"\frac{\partial^2 J}{\partial w_k \partial w_l}")
HESSIAN_MATRIX = Name("H_kl", r"H_{kl}")


def hessian_assumptions() -> Assumptions:
    """The logistic-regression assumptions with the curvature weights s_i := sigma(z_i)(1 - sigma(z_i)) defined."""
    base = logistic_assumptions((s[i], CURVATURE))
    statement = Name("s_i = sigma(z_i)(1 - sigma(z_i))", r"s_i = \sigma(z_i)\left(1 - \sigma(z_i)\right)")
    return replace(base, statements=(*base.statements, statement))


def derive_logistic_hessian() -> Derivation:
    """d^2J/dw_k dw_l = (1/n) sum_i sigma(z_i)(1 - sigma(z_i)) X_ik X_il = [(1/n) X^T diag(s) X]_kl."""
    gradient = derive_logistic_gradient()
    derivation = Derivation(
        name="logistic-regression-hessian",
        title="Logistic regression: the Hessian of the mean BCE in w",
        start=sp.Derivative(_loss(), w[k], w[l]),
        assumptions=hessian_assumptions(),
        start_name=HESSIAN,
    )
    return (
        derivation.apply(
            # the index form is what the gradient's matrix-form step started from (by its rule, not position)
            UseDerived(
                gradient.start, gradient.step_by(MatrixForm).before, f"{GRAD_W} from logistic-regression"
            )
        )
        .apply(DifferentiateUnderSum())
        .apply(ChainRule(z[i]))
        .apply(
            EvaluateDerivative(
                z[i],
                Phrase(
                    "d/dz_i (sigma(z_i) - y_i) = sigma(z_i) (1 - sigma(z_i))",
                    r"$\partial / \partial z_i\, (\sigma(z_i) - y_i) = \sigma(z_i)(1 - \sigma(z_i))$",
                ),
            )
        )
        .apply(
            EvaluateDerivative(
                w[l],
                Phrase(
                    "dz_i/dw_l = X_il (the Kronecker delta of w_j by w_l collapses the sum over j)",
                    r"$\partial z_i / \partial w_l = X_{il}$ (the Kronecker delta of $w_j$ by $w_l$ collapses the "
                    r"sum over $j$)",
                ),
            )
        )
        .apply(
            Abbreviate(
                s[i],
                CURVATURE,
                Phrase(
                    "the curvature weight s_i = sigma(z_i)(1 - sigma(z_i)) (a definition)",
                    r"the curvature weight $s_i = \sigma(z_i)(1 - \sigma(z_i))$ (a definition)",
                ),
            )
        )
        .apply(MatrixForm(k, l, MATRICES, ENTRIES), name=HESSIAN_MATRIX)
        .named(HESSIAN_MATRIX)
    )


QUADRATIC_FORM = Name("v^T H v", r"v^{T} H v")
SUM_OF_SQUARES = Name(
    "(1/n) sum_i s_i (x_i . v)^2", r"\frac{1}{n} \sum_{i=1}^{n} s_i \left(x_i^{T} v\right)^2"
)
READING = Name(
    "for every v: H is positive semi-definite, so J is convex in w",
    r"\text{for every } v\text{: } H \succeq 0\text{, so } J \text{ is convex in } w",
)
METHOD = Phrase(
    "v^T H v = (1/n) sum_i s_i (x_i . v)^2 with s_i = sigma(z_i)(1 - sigma(z_i)) in (0, 1) and squares >= 0: "
    "a sum of nonnegative terms (interval bounds)",
    r"$v^T H v = \frac{1}{n} \sum_i s_i (x_i^T v)^2$ with $s_i = \sigma(z_i)(1 - \sigma(z_i)) \in (0, 1)$ and "
    r"squares $\geq 0$: a sum of nonnegative terms (interval bounds)",
)


def derive_logistic_convexity() -> Derivation:
    """v^T H v = sum_k sum_l v_k H_kl v_l = (1/n) sum_i s_i (sum_k X_ik v_k)^2 >= 0 for every v."""
    entry = derive_logistic_hessian().step_by(MatrixForm).before  # (1/n) sum_i s_i X_ik X_il
    assumptions = hessian_assumptions()
    statement = Name(
        "v in R^d; H_kl as derived in logistic-regression-hessian",
        r"v \in \mathbb{R}^d,\ H_{kl} \text{ as derived}",
    )
    assumptions = replace(assumptions, statements=(*assumptions.statements, statement))
    derivation = Derivation(
        name="logistic-regression-convexity",
        title="Logistic regression: the Hessian is positive semi-definite, so the mean BCE is convex in w",
        start=sp.Sum(sp.Sum(v[k] * entry * v[l], (l, 1, d)), (k, 1, d)),
        assumptions=assumptions,
        start_name=QUADRATIC_FORM,
    )
    derivation = derivation.apply(ReorderSums(i, k, l)).apply(FactorSums()).apply(CollectSquare(k))
    return claim_nonnegative(derivation, METHOD, READING).named(SUM_OF_SQUARES)
