"""Logistic regression: dJ/dw_k and dJ/db of the mean BCE by the chain rule, the matrix form and the Hessian."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, POSITIVE_INTEGERS, Assumptions
from ..core import Derivation, Name
from ..functions import sigmoid
from ..gradient import ChainRule, DifferentiateUnderSum, EvaluateDerivative, MatrixForm, SimplifySummands
from ..names import Phrase
from ..rules import Substitute
from .bce import derive_bce
from .notation import X, X_mat, b, d, i, j, k, l, n, s, s_vec, w, w_mat, y, y_vec, yhat, z

__all__ = ["derive_logistic_bias", "derive_logistic_gradient", "logistic_assumptions"]


#: the matrix of each index quantity: z -> X w + b 1
MATRICES = {X: X_mat, y: y_vec, z: X_mat * w_mat + b * sp.OneMatrix(n, 1), s: s_vec}
#: the IndexedBase of each MatrixSymbol
ENTRIES = {X_mat: X, w_mat: w, y_vec: y, s_vec: s}


def logistic_assumptions(*extra: tuple[sp.Indexed, sp.Expr]) -> Assumptions:
    """y_i in {0, 1}; X, w, b real; yhat_i := sigma(z_i), z_i := sum_j X_ij w_j + b; the parameters are w, b."""
    return Assumptions(
        domains=((y, BINARY), (n, POSITIVE_INTEGERS), (d, POSITIVE_INTEGERS)),
        parameters=(w, b),
        indices=((i, sp.S.One, n), (k, sp.S.One, d), (l, sp.S.One, d)),
        definitions=(*extra, (yhat[i], sigmoid(z[i])), (z[i], sp.Sum(X[i, j] * w[j], (j, 1, d)) + b)),
        statements=(
            Name("y_i in {0, 1}", r"y_i \in \{0, 1\}"),
            Name(
                "yhat_i = sigma(z_i), z_i = sum_j X_ij w_j + b",
                r"\hat{y}_i = \sigma(z_i),\ z_i = \sum_{j} X_{ij} w_j + b",
            ),
            Name("n, d are positive integers; k in 1..d", r"n, d \in \mathbb{Z}_{>0},\ 1 \le k \le d"),
        ),
    )


def _loss() -> sp.Expr:
    """The mean BCE as derive_bce() arrives at it, a function of yhat."""
    return derive_bce().current


def _chain(parameter: sp.Basic, start_name: Name, last: Phrase) -> Derivation:
    """dJ/d(parameter) through l_i(yhat_i), yhat_i = sigma(z_i), z_i: evaluated factor by factor."""
    derivation = Derivation(
        name="logistic-regression",
        title="Logistic regression: the gradient of the mean BCE by the chain rule",
        start=sp.Derivative(_loss(), parameter),
        assumptions=logistic_assumptions(),
        start_name=start_name,
    )
    return (
        derivation.apply(DifferentiateUnderSum())
        .apply(ChainRule(yhat[i], z[i]))
        .apply(
            EvaluateDerivative(
                yhat[i],
                Phrase(
                    "dl_i/dyhat_i: the derivative of y log(yhat) + (1 - y) log(1 - yhat)",
                    r"$\partial l_i / \partial \hat{y}_i$: the derivative of "
                    r"$y \log \hat{y} + (1 - y) \log(1 - \hat{y})$",
                ),
            )
        )
        .apply(
            EvaluateDerivative(
                z[i],
                Phrase(
                    "dyhat_i/dz_i = sigma'(z_i) = sigma(z_i) (1 - sigma(z_i))",
                    r"$\partial \hat{y}_i / \partial z_i = \sigma'(z_i) = \sigma(z_i)(1 - \sigma(z_i))$",
                ),
            )
        )
        .apply(EvaluateDerivative(parameter, last))
        .apply(
            Substitute(
                {yhat[i]: sigmoid(z[i])},
                Phrase("definition yhat_i = sigma(z_i)", r"definition $\hat{y}_i = \sigma(z_i)$"),
            )
        )
        .apply(SimplifySummands(1 / n))
    )


GRAD_W = Name("dJ/dw_k", r"\frac{\partial J}{\partial w_k}")
GRAD_W_MATRIX = Name("(grad_w J)_k", r"\left(\nabla_{w} J\right)_k")


def derive_logistic_gradient() -> Derivation:
    """dJ/dw_k = (1/n) sum_i (sigma(z_i) - y_i) X_ik = [(1/n) X^T (sigma(X w + b 1) - y)]_k."""
    derivation = _chain(
        w[k],
        GRAD_W,
        Phrase(
            "dz_i/dw_k = X_ik (the Kronecker delta of w_j by w_k collapses the sum over j)",
            r"$\partial z_i / \partial w_k = X_{ik}$ (the Kronecker delta of $w_j$ by $w_k$ collapses the sum "
            r"over $j$)",
        ),
    )
    return derivation.apply(MatrixForm(k, None, MATRICES, ENTRIES), name=GRAD_W_MATRIX).named(GRAD_W_MATRIX)


def derive_logistic_bias() -> Derivation:
    """dJ/db = (1/n) sum_i (sigma(z_i) - y_i) = (1/n) 1^T (sigma(X w + b 1) - y)."""
    from dataclasses import replace

    derivation = _chain(
        b,
        Name("dJ/db", r"\frac{\partial J}{\partial b}"),
        Phrase("dz_i/db = 1", r"$\partial z_i / \partial b = 1$"),
    )
    derivation = replace(
        derivation, name="logistic-regression-bias", title="Logistic regression: dJ/db by the chain rule"
    )
    name = Name("grad_b J", r"\nabla_{b} J")
    return derivation.apply(MatrixForm(None, None, MATRICES, ENTRIES), name=name).named(name)
