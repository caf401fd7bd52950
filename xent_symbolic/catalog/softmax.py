"""Softmax regression: dJ/dW_kj and dJ/db_k of the cross-entropy by the chain rule, and the matrix form."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..assumptions import POSITIVE_INTEGERS, Assumptions
from ..core import Derivation, Name
from ..gradient import ChainRule, DifferentiateUnderSum, EvaluateDerivative, MatrixForm, SimplifySummands
from ..names import Phrase
from ..rules import Rewrite
from .categorical import derive_cross_entropy
from .notation import K, P, P_mat, W, X, X_mat, Y, Y_mat, bias, c, d, i, j, k, m, n, q, t, z

__all__ = ["LOGITS", "LOGIT_ENTRIES", "derive_softmax_bias", "derive_softmax_gradient", "softmax_assumptions"]

#: the class index summed over inside the softmax (distinct from m, the index of the chain rule's sum)
a = sp.Symbol("a", integer=True, positive=True)
#: softmax(z_i)_c written out
SOFTMAX = sp.exp(z[i, c]) / sp.Sum(sp.exp(z[i, a]), (a, 1, K))
MATRICES = {P: P_mat, Y: Y_mat, X: X_mat}
ENTRIES = {P_mat: P, Y_mat: Y, X_mat: X}
#: the weights and the bias as matrices, and the logits z_ic as one: Z = X W^T + 1 b^T
W_mat = sp.MatrixSymbol("W", K, d)
b_vec = sp.MatrixSymbol("b", K, 1)
LOGITS = X_mat * W_mat.T + sp.OneMatrix(n, 1) * b_vec.T
LOGIT_ENTRIES = {X_mat: X, W_mat: W, b_vec: bias}


def _fold_softmax(expr: sp.Expr) -> sp.Expr:
    """exp(z_ik) / sum_a exp(z_ia) -> P_ik wherever it occurs as a factor."""
    numerator, denominator = sp.exp(z[i, k]), 1 / sp.Sum(sp.exp(z[i, a]), (a, 1, K))

    def fold(e: sp.Mul) -> sp.Expr:
        factors = list(sp.Mul.make_args(e))
        factors.remove(numerator)
        factors.remove(denominator)
        return sp.Mul(P[i, k], *factors)

    return expr.replace(lambda e: isinstance(e, sp.Mul) and {numerator, denominator} <= set(e.args), fold)


def _sum_of_labels(expr: sp.Expr) -> sp.Expr:
    """sum_c a Y_ic -> a for a free of c: the labels of one example sum to 1."""

    def applies(e) -> bool:
        if not isinstance(e, sp.Sum) or e.limits != ((c, 1, K),):
            return False
        rest = [f for f in sp.Mul.make_args(e.function) if f != Y[i, c]]
        return len(rest) < len(sp.Mul.make_args(e.function)) and all(c not in f.free_symbols for f in rest)

    return expr.replace(applies, lambda e: e.function / Y[i, c])


def softmax_assumptions() -> Assumptions:
    """P_ic := softmax(z_i)_c, z_ic := sum_q W_cq X_iq + b_c, one-hot Y_ic := [c = t_i] with t_i in 1..K."""
    return Assumptions(
        domains=(
            (n, POSITIVE_INTEGERS),
            (d, POSITIVE_INTEGERS),
            (K, POSITIVE_INTEGERS),
            (t, sp.Range(1, K + 1)),
        ),
        parameters=(W, bias),
        indices=((i, sp.S.One, n), (k, sp.S.One, K), (j, sp.S.One, d)),
        definitions=(
            (P[i, c], SOFTMAX),
            (z[i, c], sp.Sum(W[c, q] * X[i, q], (q, 1, d)) + bias[c]),
            (Y[i, c], sp.KroneckerDelta(c, t[i])),
        ),
        statements=(
            Name("P_ik = exp(z_ik) / sum_a exp(z_ia)", r"P_{ik} = \frac{e^{z_{ik}}}{\sum_{a} e^{z_{ia}}}"),
            Name("z_ik = sum_j W_kj X_ij + b_k", r"z_{ik} = \sum_{j} W_{kj} X_{ij} + b_k"),
            Name(
                "one-hot labels: Y_ik = 1 if k = t_i else 0, so sum_k Y_ik = 1",
                r"Y_{ik} = [k = t_i],\ t_i \in \{1, \dots, K\},\ \sum_{k} Y_{ik} = 1",
            ),
        ),
    )


def _chain(parameter: sp.Indexed, start_name: Name, last: Phrase) -> Derivation:
    loss = derive_cross_entropy().current.xreplace({k: c})  # the class index summed over is c
    derivation = Derivation(
        name="softmax-regression",
        title="Softmax regression: the gradient of the cross-entropy by the chain rule",
        start=sp.Derivative(loss, parameter),
        assumptions=softmax_assumptions(),
        start_name=start_name,
    )
    one_hot = Rewrite(
        "one-hot",
        _sum_of_labels,
        Phrase(
            "one-hot labels: sum_c a Y_ic = a (sum_c Y_ic = 1, a free of c)",
            r"one-hot labels: $\sum_c a Y_{ic} = a$ ($\sum_c Y_{ic} = 1$, $a$ free of $c$)",
        ),
    )
    derivation = (
        derivation.apply(DifferentiateUnderSum())
        .apply(ChainRule(z[i, m], over=(m, 1, K)))
        .apply(EvaluateDerivative(parameter, last))
        .apply(
            EvaluateDerivative(
                z[i, k],
                Phrase(
                    "dl_i/dz_ik: the derivative of sum_k Y_ik log softmax(z_i)_k",
                    r"$\partial l_i / \partial z_{ik}$: the derivative of "
                    r"$\sum_k Y_{ik} \log \operatorname{softmax}(z_i)_k$",
                ),
            )
        )
        .apply(one_hot)
        .apply(SimplifySummands(1 / n, expand=True))
        .apply(
            Rewrite(
                "fold-definition",
                _fold_softmax,
                Phrase(
                    "definition P_ik = exp(z_ik) / sum_a exp(z_ia)",
                    r"definition $P_{ik} = e^{z_{ik}} / \sum_a e^{z_{ia}}$",
                ),
            )
        )
    )
    final = SimplifySummands(1 / n)
    if final.rewrite(derivation.current, derivation.assumptions) == derivation.current:
        return derivation  # already factored (the bias: P_ik - Y_ik)
    return derivation.apply(final)


def derive_softmax_gradient() -> Derivation:
    """dJ/dW_kj = (1/n) sum_i (P_ik - Y_ik) X_ij = [(1/n) (P - Y)^T X]_kj."""
    derivation = _chain(
        W[k, j],
        Name("dJ/dW_kj", r"\frac{\partial J}{\partial W_{kj}}"),
        Phrase(
            "dz_im/dW_kj = [m = k] X_ij (Kronecker deltas collapse the sums over the features and the classes)",
            r"$\partial z_{im} / \partial W_{kj} = [m = k]\, X_{ij}$ (Kronecker deltas collapse the sums over "
            "the features and the classes)",
        ),
    )
    name = Name("(grad_W J)_kj", r"\left(\nabla_{W} J\right)_{kj}")
    return derivation.apply(MatrixForm(k, j, MATRICES, ENTRIES), name=name).named(name)


def derive_softmax_bias() -> Derivation:
    """dJ/db_k = (1/n) sum_i (P_ik - Y_ik) = [(1/n) (P - Y)^T 1]_k."""
    derivation = _chain(
        bias[k],
        Name("dJ/db_k", r"\frac{\partial J}{\partial b_k}"),
        Phrase("dz_im/db_k = [m = k]", r"$\partial z_{im} / \partial b_k = [m = k]$"),
    )
    derivation = replace(derivation, name="softmax-regression-bias", title="Softmax regression: dJ/db_k")
    name = Name("(grad_b J)_k", r"\left(\nabla_{b} J\right)_k")
    return derivation.apply(MatrixForm(k, None, MATRICES, ENTRIES), name=name).named(name)
