"""The per-example losses of the linear-model catalog entries and their derivatives, as recorded, checked steps.

Each derivation starts from its catalog entry's final expression (the summand of J = (1/n) sum_i l_i, or for
the focal loss the loss and the derived gradient themselves), written in the logit z of one example, and
rewrites it into the form the generated code computes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sympy as sp

from ..assumptions import BINARY, Assumptions
from ..core import Derivation, Name
from ..functions import sigmoid
from ..rules import Substitute
from ..stable_rules import (
    Differentiate,
    LabelComplement,
    LogSigmoidToSoftplus,
    OverflowFreeSigmoid,
    OverflowFreeSoftplus,
    SigmoidComplement,
    before_overflow_free,
)
from .focal import alpha, derive_focal_gradient, focal_loss, gamma
from .gaussian import derive_mse, mu
from .notation import i, n, yhat
from .notation import y as y_i
from .poisson import derive_poisson, eta
from .smoothing import derive_label_smoothing, epsilon
from .stable import DLOSS, LOSS, y, z
from .weighted import derive_weighted_bce, omega_0, omega_1

__all__ = ["GLM_BUILDERS", "GLM_ENTRIES", "HYPERPARAMETERS", "catalog_summand"]

#: the hyperparameters of the linear models (the catalog's own symbols): their domains are in the assumptions
HYPERPARAMETERS = (omega_0, omega_1, epsilon, alpha, gamma)


def catalog_summand(final: sp.Expr, replacements: dict[sp.Basic, sp.Expr] | None = None) -> sp.Expr:
    """l(z, y) from a catalog loss J = (c/n) sum_i f_i: c f_i with the example's quantities replaced by z, y
    (left in the catalog's own symbols where no replacements are given)."""
    (total,) = final.atoms(sp.Sum)
    if total.limits != ((i, 1, n),):
        raise ValueError(f"expected a sum over i = 1..n, got {total}")
    summand = final.xreplace({total: total.function}) * n
    if summand.has(n) or summand.has(sp.Sum):
        raise ValueError(f"expected J = (c/n) sum_i f_i, got {final}")
    return summand.xreplace(replacements or {})


def _assumptions(
    label_domain: sp.Set, label_text: Name, *hyper: tuple[sp.Symbol, sp.Set, Name]
) -> Assumptions:
    return Assumptions(
        domains=((y, label_domain), *tuple((s, d) for s, d, _ in hyper)),
        parameters=(z,),
        statements=(
            Name("z is a real logit (z = x^T w + b)", r"z \in \mathbb{R}"),
            label_text,
            *tuple(t for _, _, t in hyper),
        ),
    )


_BINARY_LABEL = Name("y in {0, 1}", r"y \in \{0, 1\}")
_OMEGAS = (
    (omega_0, sp.Interval.open(0, sp.oo), Name("omega_0 > 0 fixed", r"\omega_0 > 0")),
    (omega_1, sp.Interval.open(0, sp.oo), Name("omega_1 > 0 fixed", r"\omega_1 > 0")),
)
_EPSILON = ((epsilon, sp.Interval.open(0, 1), Name("0 < epsilon < 1 fixed", r"0 < \epsilon < 1")),)
_FOCAL = (
    (alpha, sp.Interval.open(0, 1), Name("0 < alpha < 1 fixed", r"0 < \alpha < 1")),
    (gamma, sp.Interval(0, sp.oo), Name("gamma >= 0 fixed", r"\gamma \ge 0")),
)


_MSE_ASSUMPTIONS = _assumptions(sp.S.Reals, Name("y real", r"y \in \mathbb{R}"))
_POISSON_ASSUMPTIONS = _assumptions(
    sp.Interval(0, sp.oo), Name("y >= 0 (counts; any nonnegative real is admitted)", r"y \ge 0")
)
_LOG_SIGMOID = LogSigmoidToSoftplus()
_COMPLEMENT = SigmoidComplement()
_STABLE_SOFTPLUS = OverflowFreeSoftplus()
_STABLE_SIGMOID = OverflowFreeSigmoid()
_DIFFERENTIATE = Differentiate(
    "differentiate by z; softplus'(x) = sigma(x), so d softplus(-z)/dz = -sigma(-z)"
)


def _gradient(name: str, title: str, loss: Derivation, assumptions: Assumptions | None = None) -> Derivation:
    """dl/dz of the loss derivation's softplus form (its expression before the overflow-free steps), under the
    loss's assumptions unless others are given."""
    softplus_form = before_overflow_free(loss)
    assumptions = loss.assumptions if assumptions is None else assumptions
    derivation = Derivation(name, title, sp.Derivative(softplus_form, z), assumptions, DLOSS)
    derivation = derivation.apply(_DIFFERENTIATE)
    if derivation.current.has(sigmoid):
        derivation = derivation.apply(_STABLE_SIGMOID, name=DLOSS)
    return derivation.named(DLOSS)


# --- linear regression: the mean squared error ------------------------------------------------------------


def _one_example(
    name: str, title: str, final: sp.Expr, quantities: dict[sp.Basic, sp.Expr], assumptions: Assumptions
) -> Derivation:
    """One example's loss from a catalog loss J = (c/n) sum_i f_i: c f_i in the catalog's symbols, then z and y
    for the example's quantities (declared definitions: the checker expands them to prove the step equal)."""
    start = catalog_summand(final)
    # each catalog quantity takes the domain of the symbol it becomes; it is defined as that symbol
    catalog = tuple((old.base, assumptions.domain_of(new)) for old, new in quantities.items())
    said = tuple(
        Name(f"{old} = {new} (one example)", rf"{sp.latex(old)} = {sp.latex(new)}")
        for old, new in quantities.items()
    )
    assumptions = replace(
        assumptions,
        domains=(*assumptions.domains, *catalog),
        definitions=tuple(quantities.items()),
        statements=(*assumptions.statements, *said),
    )
    step = Substitute(quantities, "z and y: the example's quantities, by definition")
    return Derivation(name, title, start, assumptions, LOSS).apply(step, name=LOSS).named(LOSS)


def derive_mse_pointwise() -> Derivation:
    """(y - z)^2 from the catalog's MSE summand (y_i - mu_i)^2 with mu_i = z, y_i = y: overflow-free as it
    stands."""
    return _one_example(
        "mse-pointwise",
        "Squared error of one example from the catalog's mse",
        derive_mse().current,
        {mu[i]: z, y_i[i]: y},
        _MSE_ASSUMPTIONS,
    )


def derive_mse_pointwise_gradient() -> Derivation:
    """dl/dz of (y - z)^2 = 2 (z - y)."""
    return _gradient(
        "mse-pointwise-gradient",
        "The derivative of the squared error by the prediction z",
        derive_mse_pointwise(),
        _MSE_ASSUMPTIONS,
    )


# --- Poisson regression with a log link -------------------------------------------------------------------


def derive_poisson_pointwise() -> Derivation:
    """exp(z) - y z from the catalog's Poisson summand with eta_i = z, y_i = y; computed as it stands: exp(z)
    overflows only beyond z ~ 709 (float64) or ~ 88 (float32), where the true loss itself exceeds the largest
    float."""
    return _one_example(
        "poisson-pointwise",
        "Poisson loss of one example from the catalog's poisson",
        derive_poisson().current,
        {eta[i]: z, y_i[i]: y},
        _POISSON_ASSUMPTIONS,
    )


def derive_poisson_pointwise_gradient() -> Derivation:
    """dl/dz of exp(z) - y z = exp(z) - y."""
    return _gradient(
        "poisson-pointwise-gradient",
        "The derivative of the Poisson loss by the log-rate z",
        derive_poisson_pointwise(),
        _POISSON_ASSUMPTIONS,
    )


# --- class-weighted and label-smoothed binary cross-entropy ----------------------------------------------


def _bce_like(name: str, title: str, final: sp.Expr, hyper, *, complement: bool = False) -> Derivation:
    """The catalog summand in the logit: log-sigmoid to softplus, (the label's complement without
    cancellation,) softplus overflow-free."""
    start = catalog_summand(final, {yhat[i]: sigmoid(z), y_i[i]: y})
    derivation = Derivation(name, title, start, _assumptions(BINARY, _BINARY_LABEL, *hyper), LOSS)
    derivation = derivation.apply(_LOG_SIGMOID)
    if complement:
        derivation = derivation.apply(LabelComplement(y))
    return derivation.apply(_STABLE_SOFTPLUS, name=LOSS).named(LOSS)


def derive_weighted_bce_logits() -> Derivation:
    """-(omega_1 y log sigma(z) + omega_0 (1 - y) log(1 - sigma(z)))
    = omega_1 y softplus(-z) + omega_0 (1 - y) softplus(z), softplus overflow-free."""
    return _bce_like(
        "weighted-bce-logits",
        "Class-weighted binary cross-entropy from the logit, in an overflow-free form",
        derive_weighted_bce().current,
        _OMEGAS,
    )


def derive_weighted_bce_logits_gradient() -> Derivation:
    """dl/dz = omega_0 (1 - y) sigma(z) - omega_1 y sigma(-z), sigma overflow-free."""
    return _gradient(
        "weighted-bce-logits-gradient",
        "The derivative of the class-weighted binary cross-entropy by the logit",
        derive_weighted_bce_logits(),
    )


def derive_label_smoothing_logits() -> Derivation:
    """With ytilde = (1 - epsilon) y + epsilon/2: ytilde softplus(-z) + (1 - ytilde) softplus(z), 1 - ytilde as
    (1 - epsilon)(1 - y) + epsilon/2 (exact at y = 1), softplus overflow-free."""
    return _bce_like(
        "label-smoothing-logits",
        "Label-smoothed binary cross-entropy from the logit, in an overflow-free form",
        derive_label_smoothing().current,
        _EPSILON,
        complement=True,
    )


def derive_label_smoothing_logits_gradient() -> Derivation:
    """dl/dz = (1 - ytilde) sigma(z) - ytilde sigma(-z), sigma overflow-free."""
    return _gradient(
        "label-smoothing-logits-gradient",
        "The derivative of the label-smoothed binary cross-entropy by the logit",
        derive_label_smoothing_logits(),
    )


# --- the focal loss ---------------------------------------------------------------------------------------


def _focal(name: str, title: str, start: sp.Expr, start_name: Name) -> Derivation:
    derivation = Derivation(name, title, start, _assumptions(BINARY, _BINARY_LABEL, *_FOCAL), start_name)
    return (
        derivation.apply(_COMPLEMENT)
        .apply(_LOG_SIGMOID)
        .apply(_STABLE_SIGMOID)  # sigma before softplus: each step's proof stays well inside the budget
        .apply(_STABLE_SOFTPLUS, name=start_name)
        .named(start_name)
    )


def derive_focal_logits() -> Derivation:
    """The catalog's focal loss with 1 - sigma(z) = sigma(-z), log sigma(z) = -softplus(-z),
    log(1 - sigma(z)) = -softplus(z), then softplus and sigma overflow-free."""
    return _focal("focal-logits", "Focal loss from the logit, in an overflow-free form", focal_loss(), LOSS)


def derive_focal_logits_gradient() -> Derivation:
    """The catalog's derived dFL/dz, rewritten the same way (sigma(z) - 1 = -sigma(-z) too)."""
    return _focal(
        "focal-logits-gradient",
        "The catalog's derivative of the focal loss by the logit, in an overflow-free form",
        derive_focal_gradient().current,
        DLOSS,
    )


#: stable derivation name -> (one-line description for the catalog, builder)
GLM_ENTRIES: dict[str, tuple[str, Callable[[], Derivation]]] = {
    "mse-pointwise": ("one example's squared error (y - z)^2 from the catalog's mse", derive_mse_pointwise),
    "mse-pointwise-gradient": ("dl/dz of one example's squared error", derive_mse_pointwise_gradient),
    "poisson-pointwise": (
        "one example's Poisson loss exp(z) - y z from the catalog's poisson",
        derive_poisson_pointwise,
    ),
    "poisson-pointwise-gradient": ("dl/dz of one example's Poisson loss", derive_poisson_pointwise_gradient),
    "weighted-bce-logits": (
        "one example's class-weighted BCE from the logit, softplus overflow-free",
        derive_weighted_bce_logits,
    ),
    "weighted-bce-logits-gradient": (
        "dl/dz of one example's class-weighted BCE, sigma overflow-free",
        derive_weighted_bce_logits_gradient,
    ),
    "label-smoothing-logits": (
        "one example's label-smoothed BCE from the logit, softplus overflow-free",
        derive_label_smoothing_logits,
    ),
    "label-smoothing-logits-gradient": (
        "dl/dz of one example's label-smoothed BCE, sigma overflow-free",
        derive_label_smoothing_logits_gradient,
    ),
    "focal-logits": (
        "one example's focal loss from the logit, in an overflow-free form",
        derive_focal_logits,
    ),
    "focal-logits-gradient": (
        "the catalog's dFL/dz from the logit, in an overflow-free form",
        derive_focal_logits_gradient,
    ),
}

#: stable derivation name -> builder
GLM_BUILDERS: dict[str, Callable[[], Derivation]] = {name: build for name, (_, build) in GLM_ENTRIES.items()}
