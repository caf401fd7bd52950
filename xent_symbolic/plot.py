"""Seed 002's figure, for every loss of the catalog: the loss of one example against its prediction (and, for a
predicted probability, against the logit), one curve per label value, hyperparameters at chosen values."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .check import set_text
from .core import Derivation
from .errors import InputError, XentError
from .functions import sigmoid

__all__ = ["FIGURE_FORMATS", "LossCurve", "figure_bytes", "loss_curves", "per_example_loss"]

#: file suffix -> matplotlib format
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}
#: label values drawn for a label that is not binary (a real target, a count)
_LABEL_VALUES = (0, 1, 3)
_UNIT = sp.Interval.open(0, 1)


@dataclass(frozen=True)
class LossCurve:
    label: str  # e.g. "y = 1"
    expression: sp.Expr  # the loss of one example as a function of the prediction p
    prediction: np.ndarray  # the probability (in (0, 1)) or the real prediction
    loss: np.ndarray
    logit: np.ndarray | None  # for a predicted probability: the logits, and the loss against them
    loss_of_logit: np.ndarray | None
    symbol: str = "p"  # the LaTeX of the prediction (\\hat{y}, \\mu, \\eta)

    @property
    def probability(self) -> np.ndarray:
        return self.prediction


@dataclass(frozen=True)
class PerExampleLoss:
    """The final expression for one example (every size 1), its prediction, its label and its domains."""

    expression: sp.Expr
    prediction: sp.Basic
    label: sp.Basic | None
    is_probability: bool
    label_values: tuple[int, ...]


def _refuse(derivation: Derivation, why: str) -> XentError:
    return XentError(
        f"'{derivation.name}' does not end in the loss of one prediction and one label ({why}); "
        "plot a loss such as 'bce'"
    )


def per_example_loss(derivation: Derivation, values: Mapping[str, float] | None = None) -> PerExampleLoss:
    """The loss of one example: every size set to 1 and every hyperparameter to its value in `values`.

    Raises XentError where the derivation does not end in a loss of one prediction and at most one label, or
    where a hyperparameter has no value (with the --set to give one).
    """
    assumptions = derivation.assumptions
    if derivation.current.has(sp.Derivative) or derivation.start.has(sp.Derivative):
        raise _refuse(derivation, "it derives a gradient, not a loss")
    one = derivation.current.xreplace({s: sp.Integer(1) for s in assumptions.sizes()}).doit()
    atoms = sorted(one.atoms(sp.Indexed), key=sp.default_sort_key)
    predictions = [a for a in atoms if assumptions.is_parameter(a)]
    labels = [a for a in atoms if not assumptions.is_parameter(a)]
    if len(predictions) != 1 or len(labels) > 1:
        raise _refuse(derivation, f"{len(predictions)} predictions, {len(labels)} labels")
    given = dict(values or {})
    bases = {a.base.label for a in atoms}
    hyper = sorted(
        (s for s in one.free_symbols if isinstance(s, sp.Symbol) and s not in bases), key=sp.default_sort_key
    )
    missing = [s.name for s in hyper if s.name not in given]
    if missing:
        raise InputError(
            f"'{derivation.name}' has the hyperparameter(s) {', '.join(missing)}; give a value with "
            f"--set {missing[0]}=VALUE"
        )
    unknown = sorted(set(given) - {s.name for s in hyper})
    if unknown:
        known = ", ".join(s.name for s in hyper) or "none"
        raise InputError(
            f"'{derivation.name}' has no hyperparameter {unknown[0]!r}; its hyperparameters: {known}"
        )
    for s in hyper:
        domain = assumptions.domain_of(s)
        if not domain.contains(sp.Rational(repr(given[s.name]))):
            raise InputError(
                f"{s.name}={given[s.name]:g} is outside {s.name}'s domain {set_text(domain)}; choose a value in it"
            )
    one = one.xreplace({s: sp.Rational(repr(given[s.name])) for s in hyper})
    (prediction,) = predictions
    label = labels[0] if labels else None
    domain = assumptions.domain_of(label) if label is not None else None
    finite = isinstance(domain, sp.FiniteSet)
    label_values = tuple(sorted((int(v) for v in domain), reverse=True)) if finite else _LABEL_VALUES
    return PerExampleLoss(one, prediction, label, assumptions.domain_of(prediction) == _UNIT, label_values)


def loss_curves(
    derivation: Derivation, points: int = 400, values: Mapping[str, float] | None = None
) -> list[LossCurve]:
    """The loss of one example for each label value, on a grid of the prediction (probabilities in (0, 1), or
    real predictions in [-3, 3] around the label), and of logits in [-10, 10] for a probability. A label value
    for which the loss does not depend on the prediction (y = 0 of a one-hot class) draws no curve."""
    loss = per_example_loss(derivation, values)
    p, z = sp.Symbol("p"), sp.Symbol("z", real=True)
    grid = np.linspace(0.0, 1.0, points + 2)[1:-1] if loss.is_probability else np.linspace(-3.0, 3.0, points)
    logit = np.linspace(-10.0, 10.0, points) if loss.is_probability else None
    curves = []
    for value in loss.label_values if loss.label is not None else (None,):
        replaced = loss.expression.xreplace(
            {loss.prediction: p} | ({loss.label: value} if value is not None else {})
        )
        expression = sp.simplify(replaced)
        if not expression.has(p):
            continue
        of_p = sp.lambdify(p, expression, "numpy")
        of_z = None
        if logit is not None:
            of_z = np.broadcast_to(
                sp.lambdify(z, expression.xreplace({p: sigmoid(z)}), "numpy")(logit), logit.shape
            )
        curves.append(
            LossCurve(
                f"y = {value}" if value is not None else "loss",
                expression,
                grid,
                np.broadcast_to(of_p(grid), grid.shape).astype(float),
                logit,
                None if of_z is None else of_z.astype(float),
                sp.latex(loss.prediction.base),
            )
        )
    return curves


def figure_bytes(derivation: Derivation, suffix: str, values: Mapping[str, float] | None = None) -> bytes:
    """The figure (loss against the prediction, and against the logit for a probability) as PNG or SVG bytes."""
    try:
        fmt = FIGURE_FORMATS[suffix]
    except KeyError:
        raise InputError(f"cannot draw a {suffix or 'suffix-less'} file; name it .png or .svg") from None
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise XentError("plotting needs matplotlib: pip install 'xent-symbolic[plot]'") from None
    curves = loss_curves(derivation, values=values)
    probability = curves[0].logit is not None
    figure = Figure(figsize=(10, 4.2) if probability else (6, 4.2), layout="constrained")
    panels = figure.subplots(1, 2) if probability else [figure.subplots(1, 1)]
    symbol = curves[0].symbol
    for curve in curves:
        text = sp.latex(curve.expression.xreplace({sp.Symbol("p"): sp.Symbol(symbol)}))
        panels[0].plot(curve.prediction, curve.loss, label=f"${curve.label}$: ${text}$")
        if probability:
            panels[1].plot(curve.logit, curve.loss_of_logit, label=f"${curve.label}$")
    if probability:
        panels[0].set(xlabel=f"predicted probability ${symbol}$", ylabel="loss of one example", ylim=(0, 7))
        panels[1].set(
            xlabel=f"logit $z$, ${symbol} = \\sigma(z)$", ylabel="loss of one example", ylim=(0, 10)
        )
    else:
        panels[0].set(xlabel=f"prediction ${symbol}$", ylabel="loss of one example")
    for axes in panels:
        axes.legend(loc="upper center", fontsize="small")
        axes.grid(alpha=0.3)
    settings = ", ".join(f"{k} = {v:g}" for k, v in sorted((values or {}).items()))
    figure.suptitle(f"{derivation.title}: the loss of one example" + (f" ({settings})" if settings else ""))
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=110, metadata=metadata)
    return buffer.getvalue()
