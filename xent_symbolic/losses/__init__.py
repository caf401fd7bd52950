"""Pointwise losses on logits with torch's conventions, printed from checked stable derivations (numpy, torch, jax).

Each loss `f(logits, labels, *, reduction=..., ...)` has `f_grad` with the same arguments: the gradient of the
returned value with respect to the logits (for reduction="none", the elementwise derivative of each loss, i.e.
the gradient of the sum of the returned array). The backend follows the logits: a torch tensor computes in
torch, a jax array in jax, anything else in NumPy; float32 stays float32.

>>> import numpy as np
>>> binary_cross_entropy(np.array([1000.0, -1000.0]), np.array([1.0, 0.0]))
np.float64(0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, did_you_mean
from ..export import require_backend
from ._code import POINTWISE, pointwise, pointwise_source

__all__ = [
    "POINTWISE",
    "REDUCTIONS",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "pointwise_source",
    "poisson_nll_loss",
    "poisson_nll_loss_grad",
    "sigmoid_focal_loss",
    "sigmoid_focal_loss_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
]

#: torch's reductions
REDUCTIONS = ("mean", "sum", "none")


class _Backend:
    """The array operations the wrappers need, for one library."""

    def __init__(self, name: str) -> None:
        self.name = name
        require_backend(name)  # a MissingBackendError with the install command where the library is absent
        if name == "torch":
            import torch

            self.xp = torch
        elif name == "jax":
            import jax.numpy as jnp

            self.xp = jnp
        else:
            self.xp = np

    def floating(self, x: Any) -> Any:
        xp = self.xp
        if self.name == "torch":
            return x if x.is_floating_point() else x.to(xp.get_default_dtype())
        x = xp.asarray(x)
        return (
            x
            if xp.issubdtype(x.dtype, xp.floating)
            else x.astype(xp.float64 if self.name == "numpy" else float)
        )

    def like(self, value: Any, reference: Any) -> Any:
        if self.name == "torch":
            torch = self.xp
            if isinstance(value, torch.Tensor):
                return value.to(dtype=reference.dtype, device=reference.device)
            return torch.as_tensor(np.asarray(value), dtype=reference.dtype, device=reference.device)
        return self.xp.asarray(value, dtype=reference.dtype)

    def array(self, x: Any, reference: Any) -> Any:
        """`x` as an array of this library (on the reference's device), keeping its dtype."""
        if self.name == "torch":
            torch = self.xp
            return (
                x.to(reference.device)
                if isinstance(x, torch.Tensor)
                else torch.as_tensor(np.asarray(x), device=reference.device)
            )
        return self.xp.asarray(x)

    def is_integer(self, x: Any) -> bool:
        if self.name == "torch":
            return not x.is_floating_point() and not x.is_complex() and x.dtype != self.xp.bool
        return bool(np.issubdtype(x.dtype, np.integer))

    def all(self, condition: Any) -> bool:
        try:
            return bool(condition.all())
        except Exception as error:  # a jax tracer under jit: values are not known, so they are not checked
            if self.name == "jax" and "Tracer" in type(error).__name__ + str(error):
                return True
            raise

    def shift(self, logits: Any) -> Any:
        """U = Z - max_k Z_k, row by row (the m of the softmax derivations)."""
        if self.name == "torch":
            return logits - logits.amax(dim=1, keepdim=True)
        return logits - self.xp.max(logits, axis=1, keepdims=True)

    def one_hot(self, labels: Any, classes: int, reference: Any) -> Any:
        xp = self.xp
        if self.name == "torch":
            return (labels[:, None] == xp.arange(classes, device=reference.device)).to(reference.dtype)
        return (labels[:, None] == xp.arange(classes)).astype(reference.dtype)


def _backend_of(logits: Any) -> _Backend:
    module = type(logits).__module__.split(".")[0]
    name = {"torch": "torch", "jax": "jax", "jaxlib": "jax"}.get(module, "numpy")
    return _Backend(name)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in np.shape(x)) if not hasattr(x, "shape") else tuple(int(s) for s in x.shape)


def _reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise InputError(str(did_you_mean(str(reduction), REDUCTIONS, "reduction")))
    return reduction


def _broadcastable(name: str, value: Any, shape: tuple[int, ...]) -> None:
    try:
        if np.broadcast_shapes(_shape(value), shape) == shape:
            return
    except ValueError:
        pass
    raise InputError(
        f"{name} has shape {_shape(value)}, which does not broadcast to the logits' shape {shape}"
    )


def _number(name: str, value: Any, low: float, high: float, text: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in {text}, not {value!r}") from None
    if not low <= number <= high:
        raise InputError(f"{name} must lie in {text}, not {number!r}")
    return number


def _prepare(logits: Any, labels: Any) -> tuple[_Backend, Any, Any]:
    backend = _backend_of(logits)
    z = backend.floating(logits)
    return backend, z, labels


def _weighted(loss: str, which: int, backend: _Backend, args: tuple, weight: Any) -> Any:
    """The printed pointwise loss (which = 0) or its gradient (which = 1) at `args`, times the weights."""
    values = pointwise(loss, backend.name)[which](*args)
    return values if weight is None else values * weight


def _reduce(backend: _Backend, values: Any, reduction: str, denominator: Any = None) -> Any:
    if reduction == "none":
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    return (
        total / (values.size if backend.name != "torch" else values.numel())
        if denominator is None
        else total / denominator
    )


def _scale(backend: _Backend, values: Any, reduction: str, denominator: Any = None) -> Any:
    """The gradient of the reduction: values / n for the mean (or / the given denominator)."""
    if reduction != "mean":
        return values
    n = values.size if backend.name != "torch" else values.numel()
    return values / (n if denominator is None else denominator)


# --- binary cross-entropy -----------------------------------------------------------------------------------


def _bce(logits, labels, reduction, sample_weight, pos_weight, label_smoothing):
    reduction = _reduction(reduction)
    backend, z, labels = _prepare(logits, labels)
    shape = _shape(z)
    if _shape(labels) != shape:
        raise InputError(f"labels has shape {_shape(labels)}; it must be the logits' shape {shape}")
    y = backend.like(labels, z)
    if not backend.all((y >= 0) & (y <= 1)):
        raise InputError("labels must lie in [0, 1]")
    eps = _number("label_smoothing", label_smoothing, 0.0, 1.0, "[0, 1]")
    if pos_weight is None:
        p = 1.0
    else:
        _broadcastable("pos_weight", pos_weight, shape)
        p = backend.like(pos_weight, z)
        if not backend.all(p >= 0):
            raise InputError("pos_weight must be >= 0")
    weight = None
    if sample_weight is not None:
        _broadcastable("sample_weight", sample_weight, shape)
        weight = backend.like(sample_weight, z)
    return backend, (z, y, p, eps), weight, reduction


def binary_cross_entropy(
    logits: Any,
    labels: Any,
    *,
    reduction: str = "mean",
    sample_weight: Any = None,
    pos_weight: Any = None,
    label_smoothing: float = 0.0,
) -> Any:
    """torch's binary_cross_entropy_with_logits: p ytilde softplus(-z) + (1 - ytilde) softplus(z) with
    ytilde = (1 - label_smoothing) y + label_smoothing / 2 (optax's smooth_labels; torch has no smoothing),
    p = pos_weight; sample_weight (torch's `weight`) multiplies each loss; "mean" divides by the number of
    elements."""
    backend, args, weight, reduction = _bce(
        logits, labels, reduction, sample_weight, pos_weight, label_smoothing
    )
    return _reduce(backend, _weighted("binary_cross_entropy", 0, backend, args, weight), reduction)


def binary_cross_entropy_grad(
    logits: Any,
    labels: Any,
    *,
    reduction: str = "mean",
    sample_weight: Any = None,
    pos_weight: Any = None,
    label_smoothing: float = 0.0,
) -> Any:
    """The gradient of binary_cross_entropy (same arguments) with respect to the logits."""
    backend, args, weight, reduction = _bce(
        logits, labels, reduction, sample_weight, pos_weight, label_smoothing
    )
    return _scale(backend, _weighted("binary_cross_entropy", 1, backend, args, weight), reduction)


# --- the focal loss -----------------------------------------------------------------------------------------


def _focal(logits, labels, alpha, gamma, reduction, sample_weight):
    reduction = _reduction(reduction)
    backend, z, labels = _prepare(logits, labels)
    shape = _shape(z)
    if _shape(labels) != shape:
        raise InputError(f"labels has shape {_shape(labels)}; it must be the logits' shape {shape}")
    y = backend.like(labels, z)
    if not backend.all((y == 0) | (y == 1)):
        raise InputError("labels must be 0 or 1 (the focal loss is derived for hard labels)")
    a = _number("alpha", alpha, -np.inf, 1.0, "[0, 1] (or < 0 for no weighting)")
    g = _number("gamma", gamma, 0.0, np.inf, "[0, inf)")
    a1, a0 = (1.0, 1.0) if a < 0 else (a, 1.0 - a)
    weight = None
    if sample_weight is not None:
        _broadcastable("sample_weight", sample_weight, shape)
        weight = backend.like(sample_weight, z)
    return backend, (z, y, a1, a0, g), weight, reduction


def sigmoid_focal_loss(
    logits: Any,
    labels: Any,
    *,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "none",
    sample_weight: Any = None,
) -> Any:
    """torchvision's sigmoid_focal_loss: alpha y (1 - p)^gamma softplus(-z) + (1 - alpha)(1 - y) p^gamma
    softplus(z), p = sigma(z); alpha < 0 weights both terms by 1; reduction "none" by default, as torchvision."""
    backend, args, weight, reduction = _focal(logits, labels, alpha, gamma, reduction, sample_weight)
    return _reduce(backend, _weighted("sigmoid_focal_loss", 0, backend, args, weight), reduction)


def sigmoid_focal_loss_grad(
    logits: Any,
    labels: Any,
    *,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "none",
    sample_weight: Any = None,
) -> Any:
    """The gradient of sigmoid_focal_loss (same arguments) with respect to the logits."""
    backend, args, weight, reduction = _focal(logits, labels, alpha, gamma, reduction, sample_weight)
    return _scale(backend, _weighted("sigmoid_focal_loss", 1, backend, args, weight), reduction)


# --- Poisson ------------------------------------------------------------------------------------------------


def _poisson(log_input, target, reduction, sample_weight):
    reduction = _reduction(reduction)
    backend, z, target = _prepare(log_input, target)
    shape = _shape(z)
    if _shape(target) != shape:
        raise InputError(f"target has shape {_shape(target)}; it must be the log_input's shape {shape}")
    y = backend.like(target, z)
    if not backend.all(y >= 0):
        raise InputError("target must be >= 0 (counts)")
    weight = None
    if sample_weight is not None:
        _broadcastable("sample_weight", sample_weight, shape)
        weight = backend.like(sample_weight, z)
    return backend, (z, y), weight, reduction


def poisson_nll_loss(
    log_input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None
) -> Any:
    """torch's poisson_nll_loss(log_input=True, full=False): exp(z) - y z per element."""
    backend, args, weight, reduction = _poisson(log_input, target, reduction, sample_weight)
    return _reduce(backend, _weighted("poisson_nll_loss", 0, backend, args, weight), reduction)


def poisson_nll_loss_grad(
    log_input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None
) -> Any:
    """The gradient of poisson_nll_loss (same arguments) with respect to log_input: exp(z) - y."""
    backend, args, weight, reduction = _poisson(log_input, target, reduction, sample_weight)
    return _scale(backend, _weighted("poisson_nll_loss", 1, backend, args, weight), reduction)


# --- softmax cross-entropy ----------------------------------------------------------------------------------


def _softmax(logits, labels, reduction, sample_weight, class_weight, label_smoothing):
    reduction = _reduction(reduction)
    backend, z, labels = _prepare(logits, labels)
    shape = _shape(z)
    if len(shape) != 2:
        raise InputError(f"logits has shape {shape}; it must be (n, K)")
    n, classes = shape
    eps = _number("label_smoothing", label_smoothing, 0.0, 1.0, "[0, 1]")
    labels = backend.array(labels, z)
    integer = backend.is_integer(labels)
    if integer:
        t = labels
        if _shape(t) != (n,):
            raise InputError(f"integer labels have shape {_shape(t)}; they must be (n,) = ({n},)")
        if not backend.all((t >= 0) & (t < classes)):
            raise InputError(f"integer labels must lie in 0..{classes - 1} (K = {classes} classes)")
        y = backend.one_hot(t, classes, z)
    else:
        if _shape(labels) != shape:
            raise InputError(
                f"soft labels have shape {_shape(labels)}; they must be the logits' shape {shape}"
            )
        y = backend.like(labels, z)
        if not backend.all((y >= 0) & (y <= 1)):
            raise InputError("soft labels must lie in [0, 1]")
    q = y if eps == 0 else (1 - eps) * y + eps / classes
    denominator = None
    if class_weight is not None:
        if _shape(class_weight) != (classes,):
            raise InputError(f"class_weight has shape {_shape(class_weight)}; it must be (K,) = ({classes},)")
        w = backend.like(class_weight, z)
        if not backend.all(w >= 0):
            raise InputError("class_weight must be >= 0")
        q = q * w[None, :]
        if integer:
            denominator = (y * w[None, :]).sum()  # torch: the mean divides by the weights of the targets
    weight = None
    if sample_weight is not None:
        if _shape(sample_weight) != (n,):
            raise InputError(f"sample_weight has shape {_shape(sample_weight)}; it must be (n,) = ({n},)")
        weight = backend.like(sample_weight, z)[:, None]
    return backend, (backend.shift(z), q), weight, reduction, denominator


def softmax_cross_entropy(
    logits: Any,
    labels: Any,
    *,
    reduction: str = "mean",
    sample_weight: Any = None,
    class_weight: Any = None,
    label_smoothing: float = 0.0,
) -> Any:
    """torch's cross_entropy on (n, K) logits: integer labels (n,) or one-hot / soft labels (n, K);
    -sum_k q_k log softmax(z)_k with q = class_weight * ((1 - label_smoothing) y + label_smoothing / K);
    a weight-0 class contributes exactly 0 (a -inf logit there gives a finite loss)."""
    backend, args, weight, reduction, denominator = _softmax(
        logits, labels, reduction, sample_weight, class_weight, label_smoothing
    )
    with np.errstate(invalid="ignore"):  # where(q == 0, 0, ...) discards the 0 * inf it evaluates
        values = _weighted("softmax_cross_entropy", 0, backend, args, weight)
    return _reduce(backend, values[:, 0], reduction, denominator)


def softmax_cross_entropy_grad(
    logits: Any,
    labels: Any,
    *,
    reduction: str = "mean",
    sample_weight: Any = None,
    class_weight: Any = None,
    label_smoothing: float = 0.0,
) -> Any:
    """The gradient of softmax_cross_entropy (same arguments) with respect to the (n, K) logits."""
    backend, args, weight, reduction, denominator = _softmax(
        logits, labels, reduction, sample_weight, class_weight, label_smoothing
    )
    values = _weighted("softmax_cross_entropy", 1, backend, args, weight)
    if reduction != "mean":
        return values
    return values / (values.shape[0] if denominator is None else denominator)
