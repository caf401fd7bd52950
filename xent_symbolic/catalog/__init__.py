"""The catalog: every built-in derivation by name, with a one-line description and its builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core import Derivation
from ..errors import did_you_mean
from .bce import derive_bce
from .categorical import derive_cross_entropy, derive_cross_entropy_binary
from .focal import derive_focal_gradient
from .gaussian import derive_mse
from .hessian import derive_logistic_convexity, derive_logistic_hessian
from .linear import derive_linear_gradient
from .logistic import derive_logistic_bias, derive_logistic_gradient
from .poisson import derive_poisson
from .regularised import derive_l2_penalty_gradient, derive_regularised_objective
from .smoothing import derive_label_smoothing
from .softmax import derive_softmax_bias, derive_softmax_gradient
from .weighted import derive_weighted_bce

__all__ = ["CATALOG", "CatalogEntry", "get", "names"]


@dataclass(frozen=True)
class CatalogEntry:
    """A built-in derivation: its name, a one-line description, its builder, and the default value of each
    hyperparameter (fixed symbols such as class weights) for plots and exports."""

    name: str
    description: str
    build: Callable[[], Derivation]
    defaults: tuple[tuple[str, float], ...] = ()


_ENTRIES = (
    CatalogEntry(
        "regularised-objective",
        "(1/n) sum_i s_i l_i + (lambda/2) ||w||^2: the sample_weight= and l2= objective of every linear export",
        derive_regularised_objective,
    ),
    CatalogEntry(
        "l2-penalty-gradient",
        "d/dw_k (lambda/2) sum_j w_j^2 = lambda w_k, the l2= term of every linear export's gradient",
        derive_l2_penalty_gradient,
    ),
    CatalogEntry(
        "bce", "binary cross-entropy from the Bernoulli likelihood of n independent examples", derive_bce
    ),
    CatalogEntry(
        "logistic-regression",
        "dJ/dw_k of the mean BCE of logistic regression by the chain rule, and grad_w J = (1/n) X^T (sigma(X w + b 1) - y)",
        derive_logistic_gradient,
    ),
    CatalogEntry(
        "logistic-regression-bias",
        "dJ/db of the mean BCE of logistic regression by the chain rule",
        derive_logistic_bias,
    ),
    CatalogEntry(
        "logistic-regression-hessian",
        "d^2J/dw_k dw_l of the mean BCE of logistic regression, and H = (1/n) X^T diag(s) X with s_i = sigma(z_i)(1 - sigma(z_i))",
        derive_logistic_hessian,
    ),
    CatalogEntry(
        "logistic-regression-convexity",
        "v^T H v = (1/n) sum_i s_i (x_i . v)^2 >= 0: the Hessian is positive semi-definite, the mean BCE convex in w",
        derive_logistic_convexity,
    ),
    CatalogEntry(
        "cross-entropy",
        "categorical cross-entropy from the likelihood prod_i prod_k p_ik^y_ik of one-hot labels",
        derive_cross_entropy,
    ),
    CatalogEntry(
        "cross-entropy-binary",
        "the cross-entropy with K = 2 one-hot classes is the binary cross-entropy",
        derive_cross_entropy_binary,
    ),
    CatalogEntry(
        "softmax-regression",
        "dJ/dW_kj of the cross-entropy of softmax regression, and (1/n) (P - Y)^T X",
        derive_softmax_gradient,
    ),
    CatalogEntry(
        "softmax-regression-bias",
        "dJ/db_k of the cross-entropy of softmax regression by the chain rule",
        derive_softmax_bias,
    ),
    CatalogEntry("mse", "mean squared error from the Gaussian likelihood with fixed variance", derive_mse),
    CatalogEntry(
        "poisson",
        "Poisson negative log-likelihood with a log link, from the likelihood of counts",
        derive_poisson,
    ),
    CatalogEntry(
        "weighted-bce",
        "class-weighted binary cross-entropy from the weighted Bernoulli likelihood",
        derive_weighted_bce,
        (("omega_0", 1.0), ("omega_1", 1.0)),
    ),
    CatalogEntry(
        "label-smoothing",
        "binary cross-entropy with label smoothing, from the likelihood of smoothed labels",
        derive_label_smoothing,
        (("epsilon", 0.1),),
    ),
    CatalogEntry(
        "linear-regression",
        "dMSE/dw_k of linear regression by the chain rule, and (2/n) X^T (X w + b 1 - y)",
        derive_linear_gradient,
    ),
    CatalogEntry(
        "focal-loss",
        "the gradient of the focal loss (given directly) with respect to the logit",
        derive_focal_gradient,
        (("alpha", 0.25), ("gamma", 2.0)),
    ),
)

#: catalog name -> entry
CATALOG: dict[str, CatalogEntry] = {entry.name: entry for entry in _ENTRIES}


def names() -> tuple[str, ...]:
    return tuple(CATALOG)


def get(name: str) -> CatalogEntry:
    """The entry called `name`; an UnknownNameError naming the closest entries otherwise."""
    try:
        return CATALOG[name]
    except KeyError:
        raise did_you_mean(name, names(), "derivation") from None
