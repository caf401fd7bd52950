"""The symbols the catalog's derivations share: sizes, indices, labels, predictions and their assumptions."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, POSITIVE_INTEGERS, UNIT_INTERVAL, Assumptions
from ..core import Name

__all__ = ["n", "i", "y", "yhat", "bernoulli_assumptions"]

#: the number of examples
n = sp.Symbol("n", integer=True, positive=True)
#: the example index, 1..n
i = sp.Symbol("i", integer=True, positive=True)
#: labels y_i and predicted probabilities yhat_i (printed \hat{y}_i)
y = sp.IndexedBase("y", real=True)
yhat = sp.IndexedBase("yhat", real=True)


def bernoulli_assumptions() -> Assumptions:
    """0 < yhat_i < 1, y_i in {0, 1}, n a positive integer, i in 1..n; the argmax is over yhat."""
    return Assumptions(
        domains=((yhat, UNIT_INTERVAL), (y, BINARY), (n, POSITIVE_INTEGERS)),
        parameters=(yhat,),
        indices=((i, sp.S.One, n),),
        statements=(
            Name("0 < yhat_i < 1 for every i", r"0 < \hat{y}_i < 1"),
            Name("y_i in {0, 1}", r"y_i \in \{0, 1\}"),
            Name("n is a positive integer", r"n \in \mathbb{Z}_{>0}"),
            Name("the examples are independent", r"\text{the examples are independent}"),
        ),
    )
