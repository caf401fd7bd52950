"""The symbols the catalog's derivations share: sizes, indices, labels, predictions and their assumptions."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, POSITIVE_INTEGERS, UNIT_INTERVAL, Assumptions
from ..core import Name

__all__ = [
    "K",
    "P",
    "P_mat",
    "W",
    "X",
    "X_mat",
    "Y",
    "Y_mat",
    "b",
    "bernoulli_assumptions",
    "bias",
    "c",
    "d",
    "i",
    "independent_examples",
    "j",
    "k",
    "l",
    "m",
    "n",
    "q",
    "s",
    "s_vec",
    "t",
    "v",
    "w",
    "w_mat",
    "y",
    "y_vec",
    "yhat",
    "z",
]

#: the number of examples
n = sp.Symbol("n", integer=True, positive=True)
#: the example index, 1..n
i = sp.Symbol("i", integer=True, positive=True)
#: labels y_i and predicted probabilities yhat_i (printed \hat{y}_i)
y = sp.IndexedBase("y", real=True)
yhat = sp.IndexedBase("yhat", real=True)


def independent_examples(
    domains: tuple, parameters: tuple, statements: tuple[Name, ...], definitions: tuple = ()
) -> Assumptions:
    """Assumptions of n independent examples i = 1..n: the given ones, plus n a positive integer and independence."""
    return Assumptions(
        domains=(*domains, (n, POSITIVE_INTEGERS)),
        parameters=parameters,
        indices=((i, sp.S.One, n),),
        definitions=definitions,
        statements=(
            *statements,
            Name("n is a positive integer", r"n \in \mathbb{Z}_{>0}"),
            Name("the examples are independent", r"\text{the examples are independent}"),
        ),
    )


def bernoulli_assumptions() -> Assumptions:
    """0 < yhat_i < 1, y_i in {0, 1}, n a positive integer, i in 1..n; the argmax is over yhat."""
    return independent_examples(
        ((yhat, UNIT_INTERVAL), (y, BINARY)),
        (yhat,),
        (
            Name("0 < yhat_i < 1 for every i", r"0 < \hat{y}_i < 1"),
            Name("y_i in {0, 1}", r"y_i \in \{0, 1\}"),
        ),
    )


# --- models with weights (logistic and softmax regression) ---

#: the number of features and of classes
d = sp.Symbol("d", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
#: feature index j (1..d), weight index k (1..d) or class index k (1..K), second index l, summed class index c
j = sp.Symbol("j", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
l = sp.Symbol("l", integer=True, positive=True)  # noqa: E741 - the usual name of a Hessian's second index
c = sp.Symbol("c", integer=True, positive=True)
#: features X_ij, weights w_j (logistic) or W_kj (softmax), bias b or b_k, logits z_i or z_ik
X = sp.IndexedBase("X", real=True)
w = sp.IndexedBase("w", real=True)
W = sp.IndexedBase("W", real=True)
b = sp.Symbol("b", real=True)
bias = sp.IndexedBase("b", real=True)
z = sp.IndexedBase("z", real=True)
#: one-hot labels Y_ik and class probabilities P_ik (n x K; matrices are upper case)
Y = sp.IndexedBase("Y", real=True)
P = sp.IndexedBase("P", real=True)
#: bound indices of definitions: m over classes, q over features
m = sp.Symbol("m", integer=True, positive=True)
q = sp.Symbol("q", integer=True, positive=True)
#: class labels t_i in 1..K, curvature weights s_i, a direction v
t = sp.IndexedBase("t", integer=True)
s = sp.IndexedBase("s", real=True)
v = sp.IndexedBase("v", real=True)
#: the same quantities as matrices (columns for vectors)
X_mat = sp.MatrixSymbol("X", n, d)
w_mat = sp.MatrixSymbol("w", d, 1)
y_vec = sp.MatrixSymbol("y", n, 1)
s_vec = sp.MatrixSymbol("s", n, 1)
P_mat = sp.MatrixSymbol("P", n, K)
Y_mat = sp.MatrixSymbol("Y", n, K)
