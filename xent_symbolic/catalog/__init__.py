"""The catalog: every built-in derivation by name, with a one-line description and its builder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from ..core import Derivation
from ..errors import did_you_mean
from .bce import derive_bce
from .categorical import derive_cross_entropy, derive_cross_entropy_binary
from .focal import derive_focal_gradient
from .gaussian import derive_mse
from .hessian import derive_logistic_convexity, derive_logistic_hessian
from .linear import derive_linear_gradient
from .linear_model import ENTRIES as LINEAR_ENTRIES
from .linear_model import LOGITS as LINEAR_LOGITS
from .linear_model import derive_linear_model_bias, derive_linear_model_gradient, g_vec
from .logistic import derive_logistic_bias, derive_logistic_gradient
from .notation import P_mat, Y_mat, c, i, z
from .poisson import derive_poisson
from .regularised import derive_l2_penalty_gradient, derive_regularised_objective
from .smoothing import derive_label_smoothing
from .softmax import LOGIT_ENTRIES as SOFTMAX_ENTRIES
from .softmax import LOGITS as SOFTMAX_LOGITS
from .softmax import derive_softmax_bias, derive_softmax_gradient
from .stable import (
    derive_bce_logits,
    derive_bce_logits_gradient,
    derive_bce_sign_flip,
    derive_softmax_logits,
    derive_softmax_logits_gradient,
)
from .stable_glm import GLM_ENTRIES
from .weighted import derive_weighted_bce

__all__ = ["CATALOG", "DRIVER_FORMS", "EXPORT_KINDS", "CatalogEntry", "DriverForms", "Export", "get", "names"]

#: the drivers an export can be generated into: z = X w + b with a pointwise loss, or softmax regression
EXPORT_KINDS = ("linear", "softmax")


@dataclass(frozen=True)
class DriverForms:
    """What a kind of driver prints its matrix lines from: the entries whose checked matrix forms give the
    weights' and the bias's gradient (`weights`, `bias`), the matrix the driver holds as its residual (g, or
    P - Y: each form must be (1/n) times a product with it), and the logits as a matrix (`logits`, whose
    entries `entries` names) with the logit `logit` the derivations define entry by entry."""

    weights: str
    bias: str
    residual: sp.MatrixExpr
    logits: sp.MatrixExpr
    logit: sp.Indexed
    entries: Mapping[sp.MatrixSymbol, sp.IndexedBase]


#: the driver of each kind of export
DRIVER_FORMS = {
    "linear": DriverForms(
        "linear-model-gradient", "linear-model-bias", g_vec, LINEAR_LOGITS, z[i], LINEAR_ENTRIES
    ),
    "softmax": DriverForms(
        "softmax-regression",
        "softmax-regression-bias",
        P_mat - Y_mat,
        SOFTMAX_LOGITS,
        z[i, c],
        SOFTMAX_ENTRIES,
    ),
}


@dataclass(frozen=True)
class Export:
    """What `xent export` generates for an entry, as data the generator reads.

    module: the generated module's name (entries that share one, like mse and linear-regression, name the
    same); kind: one of EXPORT_KINDS; loss / dloss: the catalog's stable derivations of the per-example loss
    l(z, y) and of dl/dz ('' where the driver derives P - Y itself); listed: the derivations the module's
    header cites (its matrix forms first); matrix_form: those of them that derive the gradient in matrix form
    (the header says "matrix form" only of these); mean: what J is, in words.
    """

    module: str
    kind: str
    loss: str
    dloss: str
    listed: tuple[str, ...]
    matrix_form: tuple[str, ...]
    mean: str
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in EXPORT_KINDS:
            raise ValueError(f"export {self.module}: kind must be one of {EXPORT_KINDS}")
        if not set(self.matrix_form) <= set(self.listed):
            raise ValueError(f"export {self.module}: a matrix form it cites must be listed")

    @property
    def defaults(self) -> tuple[tuple[str, float], ...]:
        """The keyword-only hyperparameters and their defaults: those of the catalog entries it lists."""
        return tuple(pair for name in self.listed for pair in CATALOG[name].defaults)

    @property
    def driver(self) -> DriverForms:
        """What its driver's logits and gradient lines are printed from."""
        return DRIVER_FORMS[self.kind]

    @property
    def stable(self) -> tuple[str, ...]:
        """The stable derivations its elementwise code is printed from."""
        return tuple(name for name in (self.loss, self.dloss, *self.extra) if name)


@dataclass(frozen=True)
class CatalogEntry:
    """A built-in derivation: its name, a one-line description, its builder, the default value of each
    hyperparameter (fixed symbols such as class weights) for plots and exports, and its export if it has one."""

    name: str
    description: str
    build: Callable[[], Derivation]
    defaults: tuple[tuple[str, float], ...] = ()
    export: Export | None = None


_LOGISTIC = Export(
    "logistic-regression",
    "linear",
    "bce-logits",
    "bce-logits-gradient",
    ("logistic-regression", "logistic-regression-bias"),
    ("logistic-regression", "logistic-regression-bias"),
    "the mean binary cross-entropy",
    extra=("bce-sign-flip",),
)
_LINEAR = Export(
    "linear-regression",
    "linear",
    "mse-pointwise",
    "mse-pointwise-gradient",
    ("mse", "linear-regression"),
    ("linear-regression",),
    "the mean squared error",
)
_SOFTMAX = Export(
    "softmax-regression",
    "softmax",
    "softmax-logits",
    "softmax-logits-gradient",
    ("softmax-regression", "softmax-regression-bias"),
    ("softmax-regression", "softmax-regression-bias"),
    "the mean softmax cross-entropy",
)


def _pointwise(module: str, loss: str, mean: str) -> Export:
    """The export of a linear model whose catalog entry derives the loss (its gradient through z = X w + b is
    the chain rule the driver applies, not a catalog derivation)."""
    return Export(module, "linear", loss, f"{loss}-gradient", (module,), (), mean)


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
        "linear-model-gradient",
        "dJ/dw_k = [(1/n) X^T g]_k for any pointwise loss l(z_i, y_i) of z = X w + b, g_i = dl/dz: every linear export's gradient",
        derive_linear_model_gradient,
    ),
    CatalogEntry(
        "linear-model-bias",
        "dJ/db = (1/n) 1^T g for any pointwise loss l(z_i, y_i) of z = X w + b: every linear export's bias gradient",
        derive_linear_model_bias,
    ),
    CatalogEntry(
        "bce", "binary cross-entropy from the Bernoulli likelihood of n independent examples", derive_bce
    ),
    CatalogEntry(
        "logistic-regression",
        "dJ/dw_k of the mean BCE of logistic regression by the chain rule, and grad_w J = (1/n) X^T (sigma(X w + b 1) - y)",
        derive_logistic_gradient,
        export=_LOGISTIC,
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
        export=_SOFTMAX,
    ),
    CatalogEntry(
        "softmax-regression-bias",
        "dJ/db_k of the cross-entropy of softmax regression by the chain rule",
        derive_softmax_bias,
    ),
    CatalogEntry(
        "mse",
        "mean squared error from the Gaussian likelihood with fixed variance",
        derive_mse,
        export=_LINEAR,
    ),
    CatalogEntry(
        "poisson",
        "Poisson negative log-likelihood with a log link, from the likelihood of counts",
        derive_poisson,
        export=_pointwise(
            "poisson",
            "poisson-pointwise",
            "the mean Poisson negative log-likelihood (log link, without the constant log y!)",
        ),
    ),
    CatalogEntry(
        "weighted-bce",
        "class-weighted binary cross-entropy from the weighted Bernoulli likelihood",
        derive_weighted_bce,
        (("omega_0", 1.0), ("omega_1", 1.0)),
        export=_pointwise(
            "weighted-bce", "weighted-bce-logits", "the mean class-weighted binary cross-entropy"
        ),
    ),
    CatalogEntry(
        "label-smoothing",
        "binary cross-entropy with label smoothing, from the likelihood of smoothed labels",
        derive_label_smoothing,
        (("epsilon", 0.1),),
        export=_pointwise(
            "label-smoothing", "label-smoothing-logits", "the mean label-smoothed binary cross-entropy"
        ),
    ),
    CatalogEntry(
        "linear-regression",
        "dMSE/dw_k of linear regression by the chain rule, and (2/n) X^T (X w + b 1 - y)",
        derive_linear_gradient,
        export=_LINEAR,
    ),
    CatalogEntry(
        "focal-loss",
        "the gradient of the focal loss (given directly) with respect to the logit",
        derive_focal_gradient,
        (("alpha", 0.25), ("gamma", 2.0)),
        export=_pointwise("focal-loss", "focal-logits", "the mean focal loss"),
    ),
    # the stable forms the exports print their elementwise code from: ordinary entries, checked like the rest
    CatalogEntry(
        "bce-logits",
        "one example's BCE from the logit: y softplus(-z) + (1 - y) softplus(z), softplus overflow-free",
        derive_bce_logits,
    ),
    CatalogEntry(
        "bce-logits-gradient",
        "dl/dz of one example's BCE: (1 - y) sigma(z) - y sigma(-z), sigma overflow-free",
        derive_bce_logits_gradient,
    ),
    CatalogEntry(
        "bce-sign-flip",
        "for hard labels, one example's BCE is softplus(s z) with s = 1 - 2 y",
        derive_bce_sign_flip,
    ),
    CatalogEntry(
        "softmax-logits",
        "one example's softmax cross-entropy from the logits, the log-sum-exp shifted by the max",
        derive_softmax_logits,
    ),
    CatalogEntry(
        "softmax-logits-gradient",
        "dl/dz_k = P_k - y_k as (1 - y_k) P_k - y_k (S - 1 - expm1(u_k)) / S: no cancellation when P_k is near 1",
        derive_softmax_logits_gradient,
    ),
    *(CatalogEntry(name, describe, build) for name, (describe, build) in GLM_ENTRIES.items()),
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
