"""The checked stable forms behind xent_symbolic.losses that the export layer does not have yet, as recorded steps."""

from __future__ import annotations

from typing import final

import sympy as sp

from ..assumptions import BINARY, POSITIVE_INTEGERS, Assumptions
from ..catalog.stable import DLOSS, LOSS, K, j, k, m, uk, y, z, zk
from ..core import Derivation, Name, Relation
from ..functions import sigmoid
from ..gradient import EvaluateDerivative
from ..names import Phrase
from ..rules import Rule, SplitByLabel
from ..stable_rules import (
    Differentiate,
    LogSigmoidToSoftplus,
    LogSoftmax,
    OverflowFreeSigmoid,
    OverflowFreeSoftplus,
    ShiftedLogits,
    ShiftLogSumExp,
    SigmoidComplement,
    before_overflow_free,
)

__all__ = [
    "BUILDERS",
    "a0",
    "a1",
    "c",
    "derive_bce_options",
    "derive_bce_options_gradient",
    "derive_focal_weighted",
    "derive_focal_weighted_gradient",
    "derive_softmax_weighted",
    "derive_softmax_weighted_gradient",
    "epsilon",
    "gamma",
    "pos_weight",
    "qk",
]

#: BCE options: the weight of the positive term (torch's pos_weight) and the smoothing strength
pos_weight = sp.Symbol("p", nonnegative=True)
epsilon = sp.Symbol("epsilon", nonnegative=True)
#: focal loss: the weights of the positive and the negative term (alpha and 1 - alpha, or 1 and 1) and gamma
a1 = sp.Symbol("a_1", nonnegative=True)
a0 = sp.Symbol("a_0", nonnegative=True)
gamma = sp.Symbol("gamma", nonnegative=True)
#: softmax: target weights q_k >= 0 (a label distribution times class weights) and the class c differentiated by
qk = sp.IndexedBase("q", real=True)
c = sp.Symbol("c", integer=True, positive=True)


@final
class ZeroWeightTerm(Rule):
    """q_k a -> {0 if q_k = 0; q_k a otherwise} for each term of a sum weighted by q_k   [equal for finite a;
    the code never forms 0 * inf where a logit is -inf and its weight 0]"""

    name = "zero-weight-term"
    relation = Relation.EQUAL

    def __init__(self, weights: sp.IndexedBase) -> None:
        self.weights = weights

    def rewrite(self, expr, assumptions):
        def query(e):
            return isinstance(e, sp.Sum) and any(
                isinstance(f, sp.Indexed) and f.base == self.weights for f in sp.Mul.make_args(e.function)
            )

        def value(e):
            (weight,) = [
                f
                for f in sp.Mul.make_args(e.function)
                if isinstance(f, sp.Indexed) and f.base == self.weights
            ]
            return sp.Sum(sp.Piecewise((0, sp.Eq(weight, 0)), (e.function, True)), *e.limits)

        return expr.replace(query, value)

    def justification(self):
        return Phrase(
            "a term with weight q_k = 0 is 0 (written so, not as 0 times a value that may be infinite)",
            r"a term with weight $q_k = 0$ is $0$ (written so, not as $0$ times a value that may be infinite)",
        )


@final
class FactorOutOfSums(Rule):
    """sum_k a b_k -> a sum_k b_k for every factor a free of the summation index   [equal: a sum is linear]"""

    name = "factor-out-of-sums"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def value(e):
            index = e.limits[0][0]
            factors = sp.Mul.make_args(e.function)
            outside = [f for f in factors if index not in f.free_symbols]
            inside = [f for f in factors if index in f.free_symbols]
            return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *e.limits)

        return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, value)

    def justification(self):
        return "factors free of the summation index come out of the sum"


# --- binary cross-entropy with pos_weight and label smoothing on soft labels -----------------------------


def _bce_assumptions() -> Assumptions:
    return Assumptions(
        domains=((y, sp.Interval(0, 1)), (pos_weight, sp.Interval(0, sp.oo)), (epsilon, sp.Interval(0, 1))),
        parameters=(z,),
        statements=(
            Name("z is a real logit", r"z \in \mathbb{R}"),
            Name("y in [0, 1] (a hard or soft label)", r"y \in [0, 1]"),
            Name("p >= 0, the weight of the positive term (torch's pos_weight)", r"p \ge 0"),
            Name(
                "0 <= epsilon <= 1, labels smoothed to (1 - epsilon) y + epsilon/2 (optax's smooth_labels)",
                r"0 \le \epsilon \le 1,\ \tilde{y} = (1 - \epsilon) y + \epsilon / 2",
            ),
        ),
    )


def derive_bce_options() -> Derivation:
    """-(p ytilde log sigma(z) + (1 - ytilde) log(1 - sigma(z))), ytilde = (1 - epsilon) y + epsilon/2,
    = p ytilde softplus(-z) + (1 - ytilde) softplus(z), softplus overflow-free."""
    smoothed = (1 - epsilon) * y + epsilon / 2
    start = -(pos_weight * smoothed * sp.log(sigmoid(z)) + (1 - smoothed) * sp.log(1 - sigmoid(z)))
    derivation = Derivation(
        "bce-options",
        "Binary cross-entropy from the logit with pos_weight and label smoothing, overflow-free",
        start,
        _bce_assumptions(),
        LOSS,
    )
    return derivation.apply(LogSigmoidToSoftplus()).apply(OverflowFreeSoftplus(), name=LOSS).named(LOSS)


def derive_bce_options_gradient() -> Derivation:
    """dl/dz = (1 - ytilde) sigma(z) - p ytilde sigma(-z), sigma overflow-free."""
    loss = before_overflow_free(derive_bce_options())
    derivation = Derivation(
        "bce-options-gradient",
        "The derivative of the binary cross-entropy with pos_weight and label smoothing by the logit",
        sp.Derivative(loss, z),
        _bce_assumptions(),
        DLOSS,
    )
    return (
        derivation.apply(Differentiate("differentiate by z; softplus'(x) = sigma(x)"))
        .apply(OverflowFreeSigmoid(), name=DLOSS)
        .named(DLOSS)
    )


# --- the focal loss with any nonnegative weights of its two terms -----------------------------------------


def _focal_assumptions() -> Assumptions:
    return Assumptions(
        domains=(
            (y, BINARY),
            (a1, sp.Interval(0, sp.oo)),
            (a0, sp.Interval(0, sp.oo)),
            (gamma, sp.Interval(0, sp.oo)),
        ),
        parameters=(z,),
        statements=(
            Name("z is a real logit", r"z \in \mathbb{R}"),
            Name("y in {0, 1}", r"y \in \{0, 1\}"),
            Name(
                "a_1, a_0 >= 0: alpha and 1 - alpha, or 1 and 1 (no weighting)",
                r"a_1, a_0 \ge 0",
            ),
            Name("gamma >= 0", r"\gamma \ge 0"),
        ),
    )


def _focal_start() -> sp.Expr:
    p = sigmoid(z)
    return -a1 * y * (1 - p) ** gamma * sp.log(p) - a0 * (1 - y) * p**gamma * sp.log(1 - p)


def _stable_focal(derivation: Derivation, name: Name) -> Derivation:
    return (
        derivation.apply(SigmoidComplement())
        .apply(LogSigmoidToSoftplus())
        .apply(OverflowFreeSigmoid())
        .apply(OverflowFreeSoftplus(), name=name)
        .named(name)
    )


def derive_focal_weighted() -> Derivation:
    """-a_1 y (1 - p)^gamma log p - a_0 (1 - y) p^gamma log(1 - p), p = sigma(z), in overflow-free form."""
    derivation = Derivation(
        "focal-weighted",
        "Focal loss from the logit with weights a_1, a_0 of its two terms, overflow-free",
        _focal_start(),
        _focal_assumptions(),
        LOSS,
    )
    return _stable_focal(derivation, LOSS)


def derive_focal_weighted_gradient() -> Derivation:
    """d/dz of the weighted focal loss, split by label, then in overflow-free form."""
    derivation = Derivation(
        "focal-weighted-gradient",
        "The derivative of the weighted focal loss by the logit, overflow-free",
        sp.Derivative(_focal_start(), z),
        _focal_assumptions(),
        DLOSS,
    )
    derivation = derivation.apply(
        EvaluateDerivative(
            z,
            Phrase(
                "differentiate, with sigma'(z) = sigma(z) (1 - sigma(z))",
                r"differentiate, with $\sigma'(z) = \sigma(z)(1 - \sigma(z))$",
            ),
        )
    ).apply(SplitByLabel(y))
    return _stable_focal(derivation, DLOSS)


# --- softmax cross-entropy with target weights q_k >= 0 ---------------------------------------------------


def _softmax_assumptions() -> Assumptions:
    return Assumptions(
        domains=((qk, sp.Interval(0, sp.oo)), (K, POSITIVE_INTEGERS)),
        parameters=(zk,),
        indices=((k, sp.S.One, K), (j, sp.S.One, K), (c, sp.S.One, K)),
        definitions=((uk[k], zk[k] - m),),
        statements=(
            Name("z_k real logits, k = 1..K", r"z_k \in \mathbb{R},\ k = 1, \dots, K"),
            Name(
                "q_k >= 0: the label distribution (one-hot, smoothed or soft) times the class weights",
                r"q_k \ge 0",
            ),
            Name(
                "m any real number; the code takes m = max_k z_k",
                r"m \in \mathbb{R}\ (\text{the code takes } m = \max_k z_k)",
            ),
            Name("u_k = z_k - m, the shifted logits", r"u_k = z_k - m"),
        ),
    )


def _softmax_start() -> sp.Expr:
    return -sp.Sum(qk[k] * sp.log(sp.exp(zk[k]) / sp.Sum(sp.exp(zk[j]), (j, 1, K))), (k, 1, K))


def derive_softmax_weighted() -> Derivation:
    """-sum_k q_k log softmax(z)_k = sum_k q_k (log sum_j exp(u_j) - u_k), a zero-weight term written as 0."""
    derivation = Derivation(
        "softmax-weighted",
        "Softmax cross-entropy with target weights, max-shifted, zero-weight terms exactly 0",
        _softmax_start(),
        _softmax_assumptions(),
        LOSS,
    )
    return (
        derivation.apply(LogSoftmax())
        .apply(ShiftLogSumExp(m))
        .apply(ShiftedLogits(zk, uk, m))
        .apply(ZeroWeightTerm(qk), name=LOSS)
        .named(LOSS)
    )


def derive_softmax_weighted_gradient() -> Derivation:
    """dl/dz_c of -sum_k q_k log softmax(z)_k = softmax(u)_c sum_k q_k - q_c (no one-hot assumption)."""
    derivation = Derivation(
        "softmax-weighted-gradient",
        "The derivative of the softmax cross-entropy with target weights by the logit z_c, max-shifted",
        sp.Derivative(derive_softmax_weighted().step_by(ShiftLogSumExp).after, zk[c]),
        _softmax_assumptions(),
        Name("dl/dz_c", r"\frac{\partial \ell}{\partial z_c}"),
    )
    name = Name("dl/dz_c", r"\frac{\partial \ell}{\partial z_c}")
    return (
        derivation.apply(
            EvaluateDerivative(
                zk[c],
                Phrase(
                    "differentiate at a fixed shift m (the loss equals this form for every real m): "
                    "d/dz_c log sum_j exp(z_j - m) = exp(z_c - m) / sum_j exp(z_j - m), dz_k/dz_c = [k = c]",
                    r"differentiate at a fixed shift $m$ (the loss equals this form for every real $m$): "
                    r"$\partial_{z_c} \log \sum_j e^{z_j - m} = e^{z_c - m} / \sum_j e^{z_j - m}$, "
                    r"$\partial z_k / \partial z_c = [k = c]$",
                ),
            )
        )
        .apply(ShiftedLogits(zk, uk, m))
        .apply(FactorOutOfSums(), name=name)
        .named(name)
    )


#: derivation name -> builder (the pointwise forms xent_symbolic.losses prints; each is fully proved)
BUILDERS = {
    "bce-options": derive_bce_options,
    "bce-options-gradient": derive_bce_options_gradient,
    "focal-weighted": derive_focal_weighted,
    "focal-weighted-gradient": derive_focal_weighted_gradient,
    "softmax-weighted": derive_softmax_weighted,
    "softmax-weighted-gradient": derive_softmax_weighted_gradient,
}
