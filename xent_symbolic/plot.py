"""Seed 002's figure: the per-example loss against the predicted probability and against the logit."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .core import Derivation
from .errors import InputError, XentError
from .functions import sigmoid

__all__ = ["FIGURE_FORMATS", "LossCurve", "figure_bytes", "loss_curves", "per_example_loss"]

#: file suffix -> matplotlib format
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}


@dataclass(frozen=True)
class LossCurve:
    label: str  # e.g. "y = 1"
    expression: sp.Expr  # the loss of one example as a function of the prediction p
    probability: np.ndarray
    loss: np.ndarray
    logit: np.ndarray
    loss_of_logit: np.ndarray


def per_example_loss(derivation: Derivation) -> tuple[sp.Expr, sp.Basic, sp.Basic]:
    """The final expression for one example (n = 1), its prediction atom and its label atom.

    Raises XentError where the derivation does not end in a loss of one prediction and one binary label.
    """
    assumptions = derivation.assumptions
    one = derivation.current.xreplace({s: sp.Integer(1) for s in assumptions.sizes()}).doit()
    atoms = sorted(one.atoms(sp.Indexed), key=sp.default_sort_key)
    predictions = [a for a in atoms if assumptions.is_parameter(a)]
    labels = [a for a in atoms if isinstance(assumptions.domain_of(a), sp.FiniteSet)]
    if (
        len(predictions) != 1
        or len(labels) != 1
        or assumptions.domain_of(predictions[0]) != sp.Interval.open(0, 1)
    ):
        raise XentError(
            f"'{derivation.name}' does not end in the loss of one predicted probability and one label; "
            "plot a loss such as 'bce'"
        )
    return one, predictions[0], labels[0]


def loss_curves(derivation: Derivation, points: int = 400) -> list[LossCurve]:
    """The per-example loss for each label value, on a grid of probabilities in (0, 1) and of logits in [-10, 10]."""
    one, prediction, label = per_example_loss(derivation)
    p, z = sp.Symbol("p"), sp.Symbol("z", real=True)
    probability = np.linspace(0.0, 1.0, points + 2)[1:-1]
    logit = np.linspace(-10.0, 10.0, points)
    curves = []
    for value in sorted(derivation.assumptions.domain_of(label), reverse=True):
        loss = sp.simplify(one.xreplace({label: value, prediction: p}))
        of_p = sp.lambdify(p, loss, "numpy")
        of_z = sp.lambdify(z, loss.xreplace({p: sigmoid(z)}).rewrite(sp.exp), "numpy")
        curves.append(
            LossCurve(
                f"y = {value}",
                loss,
                probability,
                np.broadcast_to(of_p(probability), probability.shape).astype(float),
                logit,
                np.broadcast_to(of_z(logit), logit.shape).astype(float),
            )
        )
    return curves


def figure_bytes(derivation: Derivation, suffix: str) -> bytes:
    """The figure (two panels: loss against probability, loss against logit) as PNG or SVG bytes."""
    try:
        fmt = FIGURE_FORMATS[suffix]
    except KeyError:
        raise InputError(f"cannot draw a {suffix or 'suffix-less'} file; name it .png or .svg") from None
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise XentError("plotting needs matplotlib: pip install 'xent-symbolic[plot]'") from None
    curves = loss_curves(derivation)
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    by_probability, by_logit = figure.subplots(1, 2)
    for curve in curves:
        text = sp.latex(curve.expression.xreplace({sp.Symbol("p"): sp.Symbol(r"\hat{y}")}))
        by_probability.plot(curve.probability, curve.loss, label=f"${curve.label}$: ${text}$")
        by_logit.plot(curve.logit, curve.loss_of_logit, label=f"${curve.label}$")
    by_probability.set(xlabel=r"predicted probability $\hat{y}$", ylabel="loss of one example", ylim=(0, 7))
    by_logit.set(xlabel=r"logit $z$, $\hat{y} = \sigma(z)$", ylabel="loss of one example", ylim=(0, 10))
    for axes in (by_probability, by_logit):
        axes.legend(loc="upper center")
        axes.grid(alpha=0.3)
    figure.suptitle(f"{derivation.title}: the loss of one example")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=110, metadata=metadata)
    return buffer.getvalue()
