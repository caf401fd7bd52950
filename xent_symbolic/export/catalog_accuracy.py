"""The accuracy of a catalog export, measured when it is generated, on its own printed functions: per example,
the loss and its derivative in the logits against a 50-digit evaluation (mpmath, its working precision doubled
until the value settles) of the checked forms they are printed from, on logits in [-1000, 1000] and labels from
y's domain, in float64 and in float32."""

from __future__ import annotations

import random
import types
from dataclasses import dataclass
from functools import cache, partial

import mpmath
import numpy as np
import sympy as sp

from ..catalog import CATALOG, Export
from ..catalog.notation import K, i
from ..catalog.notation import z as logits
from ..catalog.softmax import SOFTMAX, c
from ..catalog.stable import y, z
from ..catalog.stable_glm import HYPERPARAMETERS
from .loading import as_numpy
from .reference import DIGITS, exact_input, settled

__all__ = ["DTYPES", "LOGITS", "Accuracy", "accuracy_text", "measure"]

#: the logits every linear export is measured at: a grid over [-1000, 1000] and the ends of exp's range
LOGITS = tuple(
    sorted(
        {float(v) for v in np.linspace(-1000, 1000, 41)}
        | {-745.2, -709.8, -88.7, -40.0, -20.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 5.0, 20.0, 40.0, 88.7}
        | {709.8, 745.2}
    )
)
#: the labels a linear export is measured at, by the domain of y in its stable derivations
LABELS: dict[sp.Set, tuple[float, ...]] = {
    sp.FiniteSet(0, 1): (0.0, 1.0),
    sp.Interval(0, 1): (0.0, 0.3, 0.5, 1.0),
    sp.Interval(0, sp.oo): (0.0, 1.0, 3.0, 100.0),
    sp.S.Reals: (-1000.0, -1.0, 0.0, 2.5, 1000.0),
}
#: how far the right class is ahead of the others in the rows of softmax logits measured (K = 4; negative:
#: behind), the others uniform in [-300, 300]; and one row with a tie for the max
GAPS = (0.0, 1e-8, 0.5, 5.0, 20.0, 40.0, 80.0, 300.0, 700.0, -3.0, -700.0)
CLASSES = 4
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Accuracy:
    """The largest relative error per example of the loss and of its gradient in the logits, in one dtype, over
    `points` examples (the error of a value beyond the dtype's range returned as inf of the right sign is 0;
    the denominator is at least the dtype's smallest normal number); and the largest error in units of the
    dtype's eps times the example's condition (the sum over the inputs v of |v df/dv|, or |f| where larger):
    about 1 where the code is as accurate as its rounded inputs allow, large where it loses digits itself."""

    dtype: str
    loss: float
    gradient: float
    points: int
    loss_units: float
    gradient_units: float
    computed: str = (
        ""  # the dtype the module computed in, where it is not `dtype` (jax without x64): unmeasured
    )


@dataclass(frozen=True)
class Reference:
    """An exact value to DIGITS digits and its condition scale, the sum over the inputs v of |v df/dv|."""

    value: mpmath.mpf
    scale: mpmath.mpf


def _errors(computed: float, exact: Reference, dtype: np.dtype) -> tuple[float, float]:
    """(relative error, error in units of eps times the condition) of one computed value; an error no larger
    than the dtype's smallest normal number counts as none (the true value underflows: XLA flushes it to 0)."""
    info = np.finfo(dtype)
    value = exact.value
    if not np.isfinite(computed):
        beyond = abs(value) > info.max and np.isinf(computed) and (computed > 0) == (value > 0)
        return (0.0, 0.0) if beyond else (float("inf"), float("inf"))
    with mpmath.workdps(DIGITS):
        error = abs(mpmath.mpf(float(computed)) - value)
        if error <= info.tiny:
            return 0.0, 0.0
        relative = error / max(abs(value), info.tiny)
        units = error / (mpmath.mpf(float(info.eps)) * max(abs(value), exact.scale))
        return float(relative), float(units)


def _worst(computed, exact, dtype) -> tuple[float, float]:
    """The largest (relative error, error in eps-condition units) over paired computed and exact values."""
    pairs = [_errors(float(v), e, dtype) for v, e in zip(computed, exact, strict=True)]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _reference(expr: sp.Expr, symbols: tuple, values: tuple, inputs: tuple) -> Reference:
    """`expr` at `values`, with its condition scale over the input symbols `inputs` (a subset of `symbols`)."""
    scale = sum(
        (
            abs(settled(_derivative(expr, v), symbols, values) * exact_input(values[symbols.index(v)]))
            for v in inputs
        ),
        mpmath.mpf(0),
    )
    return Reference(settled(expr, symbols, values), scale)


@cache
def _derivative(expr: sp.Expr, symbol: sp.Basic) -> sp.Expr:
    return sp.diff(expr, symbol)


@cache
def _linear_references(model: Export, dtype: str) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
    """(z, y, exact losses, exact derivatives) of the grid in `dtype`, at the default hyperparameters."""
    loss, dloss = CATALOG[model.loss].build(), CATALOG[model.dloss].build()
    by_name = {symbol.name: symbol for symbol in HYPERPARAMETERS}
    hyper = {by_name[name]: sp.Rational(default) for name, default in model.defaults}
    labels = LABELS[loss.assumptions.domain_of(y)]
    points = [(zv, yv) for zv in LOGITS for yv in labels]
    zs = np.array([p[0] for p in points], dtype=dtype)
    ys = np.array([p[1] for p in points], dtype=dtype)
    symbols = (z, y, *hyper)
    exact_loss, exact_dloss = [], []
    for zv, yv in zip(zs, ys, strict=True):
        values = (sp.Rational(float(zv)), sp.Rational(float(yv)), *hyper.values())
        exact_loss.append(_reference(loss.current, symbols, values, (z, y)))
        exact_dloss.append(_reference(dloss.current, symbols, values, (z, y)))
    return zs, ys, tuple(exact_loss), tuple(exact_dloss)


def _linear(model: Export, module: types.ModuleType, dtype: str) -> Accuracy:
    zs, ys, exact_loss, exact_dloss = _linear_references(model, dtype)
    array = getattr(module, "_array", np.asarray)
    loss, dloss = module._pointwise_loss_dloss(
        array(zs.copy()), array(ys.copy()), *(default for _, default in model.defaults)
    )
    loss, dloss = np.broadcast_to(as_numpy(loss), zs.shape), np.broadcast_to(as_numpy(dloss), zs.shape)
    if loss.dtype != zs.dtype:
        return _unmeasured(dtype, loss.dtype, len(zs))
    (loss_error, loss_units), (grad_error, grad_units) = (
        _worst(loss, exact_loss, zs.dtype),
        _worst(dloss, exact_dloss, zs.dtype),
    )
    return Accuracy(dtype, loss_error, grad_error, len(zs), loss_units, grad_units)


def _unmeasured(dtype: str, computed: np.dtype, points: int) -> Accuracy:
    nan = float("nan")
    return Accuracy(dtype, nan, nan, points, nan, nan, str(computed))


def _softmax_rows() -> np.ndarray:
    rng = random.Random(11)
    rows = []
    for gap in GAPS:
        others = [rng.uniform(-300, 300) for _ in range(CLASSES - 1)]
        rows.append([max(others) + gap, *others])
    rows.append([1000.0, 1000.0, -1000.0, 0.0])
    return np.array(rows)


@cache
def _softmax_references(dtype: str) -> tuple[np.ndarray, tuple, tuple]:
    """(logit rows with the label in class 0, exact losses, exact dl/dZ rows) in `dtype`, by the definitions of
    softmax regression: l = -log P_1, dl/dZ_m = P_m - Y_m, P_m = exp(Z_m) / sum_a exp(Z_a)."""
    Z = _softmax_rows().astype(dtype)
    classes = [sp.Integer(m + 1) for m in range(CLASSES)]
    softmax = SOFTMAX.xreplace({K: sp.Integer(CLASSES)}).doit()
    row = tuple(logits[i, m] for m in classes)
    labels = [sp.Integer(m == 1) for m in classes]  # one-hot, the label in the first class
    loss = -sp.log(softmax.xreplace({c: classes[0]}))
    gradient = [softmax.xreplace({c: m}) - label for m, label in zip(classes, labels, strict=True)]
    losses, gradients = [], []
    for values in Z:
        exact = tuple(sp.Rational(float(v)) for v in values)
        losses.append(_reference(loss, row, exact, row))
        gradients.append(tuple(_reference(g, row, exact, row) for g in gradient))
    return Z, tuple(losses), tuple(gradients)


def _softmax(module: types.ModuleType, dtype: str) -> Accuracy:
    Z, exact_loss, exact_grad = _softmax_references(dtype)
    array = getattr(module, "_array", np.asarray)
    Y = np.zeros_like(Z)
    Y[:, 0] = 1
    loss, G = module._pointwise(array(Z.copy()), array(Y))
    loss, G = as_numpy(loss), as_numpy(G)
    if loss.dtype != Z.dtype:
        return _unmeasured(dtype, loss.dtype, len(Z))
    loss_error, loss_units = _worst(loss, exact_loss, Z.dtype)
    grad_error, grad_units = _worst(G.ravel(), [e for row in exact_grad for e in row], Z.dtype)
    return Accuracy(dtype, loss_error, grad_error, len(Z), loss_units, grad_units)


def measure(model: Export, module: types.ModuleType) -> tuple[Accuracy, ...]:
    """The accuracy of a generated module's per-example functions, in every dtype of DTYPES (exp overflows to
    inf at the grid's ends, correctly: NumPy's warning about it is not raised)."""
    run = _softmax if model.kind == "softmax" else partial(_linear, model)
    with np.errstate(over="ignore", under="ignore"):
        return tuple(run(module, dtype) for dtype in DTYPES)


def accuracy_text(model: Export, accuracies: tuple[Accuracy, ...]) -> list[str]:
    """The header's lines: what was measured, where, and the largest errors."""
    if model.kind == "softmax":
        where = (
            f"{len(GAPS) + 1} rows of {CLASSES} logits in [-1000, 1000], the label's logit ahead by 0 to 700, behind"
            " or tied"
        )
        what = "l_i and dl_i/dZ_ik = P_ik - Y_ik"
    else:
        labels = LABELS[CATALOG[model.loss].build().assumptions.domain_of(y)]
        where = f"{len(LOGITS)} logits z in [-1000, 1000] x labels {', '.join(f'{v:g}' for v in labels)}"
        where += ", default hyperparameters" if model.defaults else ""
        what = "l_i and dl_i/dz_i"
    lines = [
        f"Max relative error per example ({what}), measured at generation against a {DIGITS}-digit evaluation",
        f"of the derivations' forms, at {where}:",
    ]
    lines += [
        f"  {a.dtype}: not measured: {a.dtype} inputs were computed in {a.computed} where this was generated"
        if a.computed
        else f"  {a.dtype}: loss {a.loss:.1e}, gradient {a.gradient:.1e} (at most {a.loss_units:.2g} and "
        f"{a.gradient_units:.2g} eps x the condition)"
        for a in accuracies
    ]
    return lines
