"""Binary cross-entropy with label smoothing: the Bernoulli likelihood of smoothed, soft labels."""

from __future__ import annotations

import sympy as sp

from ..assumptions import BINARY, UNIT_INTERVAL
from ..core import Derivation, Name
from ..likelihood import likelihood_chain
from ..names import Phrase
from ..rules import Substitute
from .notation import i, independent_examples, n, y, yhat

__all__ = ["derive_label_smoothing", "epsilon", "ytilde"]

#: the smoothing strength and the smoothed labels ytilde_i = (1 - epsilon) y_i + epsilon / 2
epsilon = sp.Symbol("epsilon", positive=True)
ytilde = sp.IndexedBase("ytilde", real=True)
SMOOTHED = Name("J_epsilon(yhat)", r"J_\epsilon(\hat{y})")


def derive_label_smoothing() -> Derivation:
    """yhat^ytilde (1 - yhat)^(1 - ytilde) with ytilde = (1 - eps) y + eps/2, then the likelihood chain."""
    smoothed = (1 - epsilon) * y[i] + epsilon / 2
    assumptions = independent_examples(
        domains=(
            (yhat, UNIT_INTERVAL),
            (y, BINARY),
            (ytilde, UNIT_INTERVAL),
            (epsilon, UNIT_INTERVAL),
        ),
        parameters=(yhat,),
        definitions=((ytilde[i], smoothed),),
        statements=(
            Name("0 < yhat_i < 1 for every i", r"0 < \hat{y}_i < 1"),
            Name("y_i in {0, 1}", r"y_i \in \{0, 1\}"),
            Name("0 < epsilon < 1 is fixed", r"0 < \epsilon < 1 \text{ fixed}"),
            Name(
                "ytilde_i = (1 - epsilon) y_i + epsilon/2 (so 0 < ytilde_i < 1)",
                r"\tilde{y}_i = (1 - \epsilon) y_i + \epsilon / 2",
            ),
        ),
    )
    trial = yhat[i] ** ytilde[i] * (1 - yhat[i]) ** (1 - ytilde[i])
    derivation = Derivation(
        "label-smoothing",
        "Binary cross-entropy with label smoothing",
        trial,
        assumptions,
        Name("P(ytilde_i | yhat_i)", r"P(\tilde{y}_i \mid \hat{y}_i)"),
    )
    loss = likelihood_chain(derivation, i, n, SMOOTHED)
    written_out = Substitute(
        {ytilde[i]: smoothed},
        Phrase(
            "the smoothed label is (1 - epsilon) y_i + epsilon/2 (definition)",
            r"the smoothed label is $\tilde{y}_i = (1 - \epsilon) y_i + \epsilon / 2$ (definition)",
        ),
    )
    return loss.apply(written_out, name=SMOOTHED)
