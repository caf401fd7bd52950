"""The numerically stable forms of the per-example losses and their derivatives, as recorded, checked steps."""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1

from ..assumptions import BINARY, POSITIVE_INTEGERS, Assumptions
from ..core import Derivation, Name
from ..functions import sigmoid, softplus
from ..names import Phrase
from ..rules import Rewrite
from ..stable_rules import (
    Differentiate,
    Log1pOfLogSumExp,
    LogSigmoidToSoftplus,
    LogSoftmax,
    OverflowFreeSigmoid,
    OverflowFreeSoftplus,
    ShiftedLogits,
    ShiftLogSumExp,
    SignFlip,
    stable_sigmoid,
    stable_softplus,
)

__all__ = [
    "derive_bce_logits",
    "derive_bce_logits_gradient",
    "derive_bce_sign_flip",
    "derive_softmax_logits",
    "derive_softmax_logits_gradient",
    "stable_sigmoid",
    "stable_softplus",
    "y",
    "z",
]

#: the logit and the label of one example (binary case); the label is soft: y in [0, 1]
z = sp.Symbol("z", real=True)
y = sp.Symbol("y", real=True)

#: the softmax case: logits z_k and label weights y_k of one example, classes k, j in 1..K, any real shift m
K = sp.Symbol("K", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
zk = sp.IndexedBase("z", real=True)
yk = sp.IndexedBase("y", real=True)
m = sp.Symbol("m", real=True)
#: the shifted logits u_k = z_k - m: with m = max_k z_k every u_k <= 0 and the largest is exactly 0
uk = sp.IndexedBase("u", real=True)

LOSS = Name("l(z, y)", r"\ell(z, y)")
DLOSS = Name("dl/dz", r"\frac{\partial \ell}{\partial z}")


def _binary_assumptions(labels: sp.Set) -> Assumptions:
    return Assumptions(
        domains=((y, labels),),
        parameters=(z,),
        statements=(
            Name("z is a real logit", r"z \in \mathbb{R}"),
            Name("y in {0, 1}", r"y \in \{0, 1\}")
            if labels == BINARY
            else Name("y in [0, 1] (a soft label)", r"y \in [0, 1]"),
        ),
    )


def derive_bce_logits() -> Derivation:
    """The per-example BCE from the logit z: -(y log sigma(z) + (1 - y) log(1 - sigma(z)))
    = y softplus(-z) + (1 - y) softplus(z), then softplus in its overflow-free form (a sum of nonnegative terms)."""
    start = -(y * sp.log(sigmoid(z)) + (1 - y) * sp.log(1 - sigmoid(z)))
    derivation = Derivation(
        name="bce-logits",
        title="Binary cross-entropy from the logit, in an overflow-free form",
        start=start,
        assumptions=_binary_assumptions(sp.Interval(0, 1)),
        start_name=LOSS,
    )
    return derivation.apply(LogSigmoidToSoftplus()).apply(OverflowFreeSoftplus(), name=LOSS).named(LOSS)


def derive_bce_sign_flip() -> Derivation:
    """For hard labels: y softplus(-z) + (1 - y) softplus(z) = softplus(s z) with s = 1 - 2 y, and the derivative
    (1 - y) sigma(z) - y sigma(-z) = s sigma(s z) (the forms the generated docstrings quote)."""
    derivation = Derivation(
        name="bce-sign-flip",
        title="Binary cross-entropy for hard labels: the sign-flip form",
        start=y * softplus(-z) + (1 - y) * softplus(z),
        assumptions=_binary_assumptions(BINARY),
        start_name=LOSS,
    )
    return derivation.apply(SignFlip(y), name=LOSS).named(LOSS)


def derive_bce_logits_gradient() -> Derivation:
    """dl/dz of y softplus(-z) + (1 - y) softplus(z) = (1 - y) sigma(z) - y sigma(-z) (= sigma(z) - y),
    then sigma in its overflow-free form."""
    loss = derive_bce_logits().step_by(LogSigmoidToSoftplus).after  # the softplus form, by its rule
    derivation = Derivation(
        name="bce-logits-gradient",
        title="The derivative of the binary cross-entropy by the logit, in an overflow-free form",
        start=sp.Derivative(loss, z),
        assumptions=_binary_assumptions(sp.Interval(0, 1)),
        start_name=DLOSS,
    )
    return (
        derivation.apply(
            Differentiate("softplus'(x) = sigma(x), by the chain rule d softplus(-z)/dz = -sigma(-z)")
        )
        .apply(OverflowFreeSigmoid(), name=DLOSS)
        .named(DLOSS)
    )


def _softmax_assumptions() -> Assumptions:
    return Assumptions(
        domains=((yk, sp.Interval(0, 1)), (K, POSITIVE_INTEGERS)),
        parameters=(zk,),
        indices=((k, sp.S.One, K), (j, sp.S.One, K)),
        definitions=((uk[k], zk[k] - m),),
        statements=(
            Name("z_k real logits, k = 1..K", r"z_k \in \mathbb{R},\ k = 1, \dots, K"),
            Name("y_k in [0, 1] (one-hot or a probability vector)", r"y_k \in [0, 1]"),
            Name(
                "m any real number; the code takes m = max_k z_k",
                r"m \in \mathbb{R}\ (\text{the code takes } m = \max_k z_k)",
            ),
            Name("u_k = z_k - m, the shifted logits", r"u_k = z_k - m"),
        ),
    )


def derive_softmax_logits() -> Derivation:
    """The per-example softmax cross-entropy from the logits: -sum_k y_k log softmax(z)_k
    = sum_k y_k (log sum_j exp(z_j) - z_k) = sum_k y_k (m + log sum_j exp(z_j - m) - z_k) for any real m, the
    log-sum-exp as log1p of the sum less its max term (exactly 1 when m is the max)."""
    start = -sp.Sum(yk[k] * sp.log(sp.exp(zk[k]) / sp.Sum(sp.exp(zk[j]), (j, 1, K))), (k, 1, K))
    derivation = Derivation(
        name="softmax-logits",
        title="Softmax cross-entropy from the logits, with the log-sum-exp shifted by the max",
        start=start,
        assumptions=_softmax_assumptions(),
        start_name=Name("l(z, y)", r"\ell(z, y)"),
    )
    return (
        derivation.apply(LogSoftmax())
        .apply(ShiftLogSumExp(m))
        .apply(ShiftedLogits(zk, uk, m))
        .apply(Log1pOfLogSumExp(), name=LOSS)
        .named(LOSS)
    )


def derive_softmax_logits_gradient() -> Derivation:
    """dl/dz_k = P_k - y_k, softmax regression's residual (softmax-regression derives it), with P = softmax(z) =
    softmax(u) in the shifted logits (exp(-m) cancels), as (1 - y_k) P_k - y_k (1 - P_k) and 1 - P_k =
    (S - 1 - expm1(u_k)) / S, S = sum_j exp(u_j): with m the max, S - 1 is the sum less its max term and
    S - 1 - expm1(u_k) a sum of terms >= 0, so the label's entry keeps its digits when P_k is near 1 (P_k - 1
    would round to 0)."""
    total = sp.Sum(sp.exp(uk[j]), (j, 1, K))
    probability = sp.exp(uk[k]) / total
    derivation = Derivation(
        name="softmax-logits-gradient",
        title="The softmax cross-entropy's gradient P - y in the shifted logits, without cancellation near P = 1",
        start=probability - yk[k],
        assumptions=_softmax_assumptions(),
        start_name=Name("dl/dz_k = P_k - y_k", r"\frac{\partial \ell}{\partial z_k} = P_k - y_k"),
    )
    return (
        derivation.apply(
            Rewrite(
                "split-residual",
                lambda e: (1 - yk[k]) * probability - yk[k] * (1 - probability),
                Phrase("P - y = (1 - y) P - y (1 - P)", r"$P - y = (1 - y) P - y (1 - P)$"),
            )
        )
        .apply(
            Rewrite(
                "complement-softmax",
                lambda e: (1 - yk[k]) * probability - yk[k] * (total - 1 - expm1(uk[k])) / total,
                Phrase(
                    "1 - P_k = (S - exp(u_k)) / S = (S - 1 - expm1(u_k)) / S, S = sum_j exp(u_j)",
                    r"$1 - P_k = (S - e^{u_k}) / S = (S - 1 - \operatorname{expm1}(u_k)) / S$, "
                    r"$S = \sum_j e^{u_j}$",
                ),
            ),
            name=DLOSS_K,
        )
        .named(DLOSS_K)
    )


DLOSS_K = Name("dl/dz_k", r"\frac{\partial \ell}{\partial z_k}")
