"""Linear regression: the gradient of the mean squared error by the chain rule, and its matrix form."""

from __future__ import annotations

import sympy as sp

from ..assumptions import POSITIVE_INTEGERS, Assumptions
from ..core import Derivation, Name
from ..gradient import ChainRule, DifferentiateUnderSum, EvaluateDerivative, MatrixForm, SimplifySummands
from ..names import Phrase
from .gaussian import derive_mse, mu
from .notation import X, X_mat, b, d, i, j, k, n, w, w_mat, y, y_vec

__all__ = ["derive_linear_gradient"]

#: the matrix of each index quantity: mu -> X w + b 1
MATRICES = {X: X_mat, y: y_vec, mu: X_mat * w_mat + b * sp.OneMatrix(n, 1)}
ENTRIES = {X_mat: X, w_mat: w, y_vec: y}
GRAD_W = Name("dMSE/dw_k", r"\frac{\partial \operatorname{MSE}}{\partial w_k}")
GRAD_W_MATRIX = Name("(grad_w MSE)_k", r"\left(\nabla_{w} \operatorname{MSE}\right)_k")


def linear_assumptions() -> Assumptions:
    """y_i, X, w, b real; mu_i := sum_j X_ij w_j + b; the parameters are w and b."""
    return Assumptions(
        domains=((y, sp.S.Reals), (n, POSITIVE_INTEGERS), (d, POSITIVE_INTEGERS)),
        parameters=(w, b),
        indices=((i, sp.S.One, n), (k, sp.S.One, d)),
        definitions=((mu[i], sp.Sum(X[i, j] * w[j], (j, 1, d)) + b),),
        statements=(
            Name("y_i, X_ij, w_j, b are real", r"y_i, X_{ij}, w_j, b \in \mathbb{R}"),
            Name("mu_i = sum_j X_ij w_j + b", r"\mu_i = \sum_{j} X_{ij} w_j + b"),
            Name("n, d are positive integers; k in 1..d", r"n, d \in \mathbb{Z}_{>0},\ 1 \le k \le d"),
        ),
    )


def derive_linear_gradient() -> Derivation:
    """dMSE/dw_k = (2/n) sum_i (mu_i - y_i) X_ik = [(2/n) X^T (X w + b 1 - y)]_k."""
    derivation = Derivation(
        name="linear-regression",
        title="Linear regression: the gradient of the mean squared error by the chain rule",
        start=sp.Derivative(derive_mse().current, w[k]),
        assumptions=linear_assumptions(),
        start_name=GRAD_W,
    )
    return (
        derivation.apply(DifferentiateUnderSum())
        .apply(ChainRule(mu[i]))
        .apply(
            EvaluateDerivative(
                mu[i],
                Phrase(
                    "d(y_i - mu_i)^2 / dmu_i = -2 (y_i - mu_i)",
                    r"$\partial (y_i - \mu_i)^2 / \partial \mu_i = -2 (y_i - \mu_i)$",
                ),
            )
        )
        .apply(
            EvaluateDerivative(
                w[k],
                Phrase(
                    "dmu_i/dw_k = X_ik (the Kronecker delta of w_j by w_k collapses the sum over j)",
                    r"$\partial \mu_i / \partial w_k = X_{ik}$ (the Kronecker delta of $w_j$ by $w_k$ collapses "
                    r"the sum over $j$)",
                ),
            )
        )
        .apply(SimplifySummands(2 / n))
        .apply(MatrixForm(k, None, MATRICES, ENTRIES), name=GRAD_W_MATRIX)
        .named(GRAD_W_MATRIX)
    )
