"""Any pointwise loss of a linear predictor: dJ/dw_k and dJ/db of J = (1/n) sum_i l(z_i, y_i), z = X w + b 1, for
every l differentiable in z, and their matrix forms (1/n) X^T g and (1/n) 1^T g, g_i = dl/dz(z_i, y_i): the
chain rule every linear export's driver applies, whatever its loss."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..assumptions import POSITIVE_INTEGERS, Assumptions
from ..core import Derivation, Name
from ..functions import pointwise_loss, pointwise_slope
from ..gradient import ChainRule, DifferentiateUnderSum, EvaluateDerivative, MatrixForm
from ..names import Phrase
from ..rules import Substitute
from .notation import X, X_mat, b, d, i, j, k, n, w, w_mat, y, y_vec, z

__all__ = [
    "ENTRIES",
    "LOGITS",
    "MATRICES",
    "derive_linear_model_bias",
    "derive_linear_model_gradient",
    "g",
    "g_vec",
]

#: g_i = dl/dz at (z_i, y_i), the vector the driver computes from the printed pointwise derivative
g = sp.IndexedBase("g", real=True)
g_vec = sp.MatrixSymbol("g", n, 1)

#: the logits as a matrix, z = X w + b 1, and the matrix of each index quantity
LOGITS = X_mat * w_mat + b * sp.OneMatrix(n, 1)
MATRICES = {X: X_mat, y: y_vec, g: g_vec, z: LOGITS}
ENTRIES = {X_mat: X, w_mat: w, y_vec: y, g_vec: g}


def linear_model_assumptions() -> Assumptions:
    """X, w, b real; z_i := sum_j X_ij w_j + b, g_i := dl/dz(z_i, y_i); the parameters are w and b."""
    return Assumptions(
        domains=((n, POSITIVE_INTEGERS), (d, POSITIVE_INTEGERS)),
        parameters=(w, b),
        indices=((i, sp.S.One, n), (k, sp.S.One, d)),
        definitions=(
            (g[i], pointwise_slope(z[i], y[i])),
            (z[i], sp.Sum(X[i, j] * w[j], (j, 1, d)) + b),
        ),
        statements=(
            Name(
                "l(z, y) is any loss differentiable in z",
                r"l(z, y) \text{ is any loss differentiable in } z",
            ),
            Name(
                "z_i = sum_j X_ij w_j + b, g_i = dl/dz(z_i, y_i)",
                r"z_i = \sum_{j} X_{ij} w_j + b,\ g_i = \partial_z l(z_i, y_i)",
            ),
            Name("n, d are positive integers; k in 1..d", r"n, d \in \mathbb{Z}_{>0},\ 1 \le k \le d"),
        ),
    )


def _chain(parameter: sp.Basic, start_name: Name, last: Phrase) -> Derivation:
    derivation = Derivation(
        name="linear-model-gradient",
        title="Any pointwise loss of z = X w + b: the gradient by the chain rule",
        start=sp.Derivative(sp.Sum(pointwise_loss(z[i], y[i]), (i, 1, n)) / n, parameter),
        assumptions=linear_model_assumptions(),
        start_name=start_name,
    )
    return (
        derivation.apply(DifferentiateUnderSum())
        .apply(ChainRule(z[i]))
        .apply(
            EvaluateDerivative(
                z[i],
                Phrase(
                    "dl_i/dz_i = dl/dz(z_i, y_i)", r"$\partial l_i / \partial z_i = \partial_z l(z_i, y_i)$"
                ),
            )
        )
        .apply(EvaluateDerivative(parameter, last))
        .apply(
            Substitute(
                {pointwise_slope(z[i], y[i]): g[i]},
                Phrase("definition g_i = dl/dz(z_i, y_i)", r"definition $g_i = \partial_z l(z_i, y_i)$"),
            )
        )
    )


def derive_linear_model_gradient() -> Derivation:
    """dJ/dw_k = (1/n) sum_i g_i X_ik = [(1/n) X^T g]_k."""
    derivation = _chain(
        w[k],
        Name("dJ/dw_k", r"\frac{\partial J}{\partial w_k}"),
        Phrase(
            "dz_i/dw_k = X_ik (the Kronecker delta of w_j by w_k collapses the sum over j)",
            r"$\partial z_i / \partial w_k = X_{ik}$ (the Kronecker delta of $w_j$ by $w_k$ collapses the sum "
            r"over $j$)",
        ),
    )
    name = Name("(grad_w J)_k", r"\left(\nabla_{w} J\right)_k")
    return derivation.apply(MatrixForm(k, None, MATRICES, ENTRIES), name=name).named(name)


def derive_linear_model_bias() -> Derivation:
    """dJ/db = (1/n) sum_i g_i = (1/n) 1^T g."""
    derivation = _chain(
        b,
        Name("dJ/db", r"\frac{\partial J}{\partial b}"),
        Phrase("dz_i/db = 1", r"$\partial z_i / \partial b = 1$"),
    )
    derivation = replace(
        derivation,
        name="linear-model-bias",
        title="Any pointwise loss of z = X w + b: dJ/db by the chain rule",
    )
    name = Name("grad_b J", r"\nabla_{b} J")
    return derivation.apply(MatrixForm(None, None, MATRICES, ENTRIES), name=name).named(name)
