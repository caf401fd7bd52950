"""Categorical cross-entropy from the likelihood prod_i prod_k P_ik^Y_ik, and its reduction to BCE at K = 2."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, POSITIVE_INTEGERS, UNIT_INTERVAL, Assumptions
from ..core import Derivation, Name
from ..names import Phrase
from ..rules import IndependentProduct, LogOfPower, LogOfProduct, Negate, Rewrite, Scale, Substitute, TakeLog
from .bce import BCE
from .notation import K, P, Y, i, k, n, y, yhat

__all__ = ["CROSS_ENTROPY", "categorical_assumptions", "derive_cross_entropy", "derive_cross_entropy_binary"]

CROSS_ENTROPY = Name("J(P)", r"J(P)")
ONE_HOT = Name(
    "one-hot labels: Y_ik in {0, 1} and sum_k Y_ik = 1", r"Y_{ik} \in \{0, 1\},\ \sum_{k} Y_{ik} = 1"
)


def categorical_assumptions() -> Assumptions:
    """0 < P_ik < 1, one-hot Y_ik in {0, 1}, n and K positive integers; the argmax is over P."""
    return Assumptions(
        domains=((P, UNIT_INTERVAL), (Y, BINARY), (n, POSITIVE_INTEGERS), (K, POSITIVE_INTEGERS)),
        parameters=(P,),
        indices=((i, sp.S.One, n), (k, sp.S.One, K)),
        statements=(
            Name("0 < P_ik < 1 for every i, k", r"0 < P_{ik} < 1"),
            ONE_HOT,
            Name("n, K are positive integers", r"n, K \in \mathbb{Z}_{>0}"),
            Name("the examples are independent", r"\text{the examples are independent}"),
        ),
    )


def derive_cross_entropy() -> Derivation:
    """prod_k P_ik^Y_ik (one-hot: the probability of the observed class), product over i, log, -, 1/n."""
    derivation = Derivation(
        name="cross-entropy",
        title="Categorical cross-entropy from the likelihood of n independent examples",
        start=sp.Product(P[i, k] ** Y[i, k], (k, 1, K)),
        assumptions=categorical_assumptions(),
        start_name=Name("P(Y_i | P_i)", r"P(Y_i \mid P_i)"),
    )
    return (
        derivation.apply(IndependentProduct(i, 1, n), name=Name("L(P)", r"\mathcal{L}(P)"))
        .apply(TakeLog(), name=Name("log L(P)", r"\log \mathcal{L}(P)"))
        .apply(LogOfProduct())
        .apply(LogOfPower())
        .apply(Negate(), name=Name("-log L(P)", r"-\log \mathcal{L}(P)"))
        .apply(Scale(1 / n), name=CROSS_ENTROPY)
        .named(CROSS_ENTROPY)
    )


def binary_assumptions() -> Assumptions:
    """K = 2 written through one binary label and one probability: Y_i1 = y_i, Y_i2 = 1 - y_i (one-hot),
    P_i1 = yhat_i, P_i2 = 1 - yhat_i (the probabilities sum to 1)."""
    return Assumptions(
        domains=((yhat, UNIT_INTERVAL), (y, BINARY), (n, POSITIVE_INTEGERS)),
        parameters=(yhat,),
        indices=((i, sp.S.One, n),),
        definitions=(
            (Y[i, k], sp.KroneckerDelta(k, 1) * y[i] + sp.KroneckerDelta(k, 2) * (1 - y[i])),
            (P[i, k], sp.KroneckerDelta(k, 1) * yhat[i] + sp.KroneckerDelta(k, 2) * (1 - yhat[i])),
        ),
        statements=(
            Name(
                "K = 2 with one-hot labels: Y_i1 = y_i, Y_i2 = 1 - y_i",
                r"K = 2:\ Y_{i1} = y_i,\ Y_{i2} = 1 - y_i",
            ),
            Name("P_i1 = yhat_i, P_i2 = 1 - yhat_i", r"P_{i1} = \hat{y}_i,\ P_{i2} = 1 - \hat{y}_i"),
            Name("0 < yhat_i < 1, y_i in {0, 1}", r"0 < \hat{y}_i < 1,\ y_i \in \{0, 1\}"),
        ),
    )


def _expand_class_sum(expr: sp.Expr) -> sp.Expr:
    """Sum(f, (k, 1, 2), (i, 1, n)) -> Sum(f(k=1) + f(k=2), (i, 1, n)): the limits with numeric ends written out."""

    def write_out(e: sp.Sum) -> sp.Expr:
        numeric = [lim for lim in e.limits if lim[1].is_Integer and lim[2].is_Integer]
        symbolic = [lim for lim in e.limits if lim not in numeric]
        inner = sp.Sum(e.function, *numeric).doit()
        return sp.Sum(inner, *symbolic) if symbolic else inner

    return expr.replace(
        lambda e: isinstance(e, sp.Sum) and any(lim[1].is_Integer and lim[2].is_Integer for lim in e.limits),
        write_out,
    )


def derive_cross_entropy_binary() -> Derivation:
    """The cross-entropy at K = 2 with one-hot labels is the BCE of derive_bce()."""
    start = derive_cross_entropy().current.xreplace({K: sp.Integer(2)})
    derivation = Derivation(
        name="cross-entropy-binary",
        title="Cross-entropy with K = 2 classes is binary cross-entropy",
        start=start,
        assumptions=binary_assumptions(),
        start_name=Name("J(P) at K = 2", r"J(P)\big|_{K = 2}"),
    )
    return (
        derivation.apply(
            Rewrite("expand-class-sum", _expand_class_sum, "a sum over the two classes written out")
        )
        .apply(
            Substitute(
                {Y[i, 1]: y[i], Y[i, 2]: 1 - y[i], P[i, 1]: yhat[i], P[i, 2]: 1 - yhat[i]},
                Phrase(
                    "one-hot labels: Y_i2 = 1 - Y_i1 = 1 - y_i; the probabilities sum to 1: P_i2 = 1 - P_i1 = 1 - yhat_i",
                    r"one-hot labels: $Y_{i2} = 1 - Y_{i1} = 1 - y_i$; the probabilities sum to 1: "
                    r"$P_{i2} = 1 - P_{i1} = 1 - \hat{y}_i$",
                ),
            ),
            name=BCE,
        )
        .named(BCE)
    )
