"""Accuracy against 50-digit references: every exported catalog entry in every installed backend, float64 and
float32 (the numbers each module's header states), then per-example BCE from a logit: xent's export vs peers.

Run: python benchmarks/accuracy_table.py   (prints Markdown tables; backends and peers not installed are skipped)
"""

from __future__ import annotations

import importlib.util
import math

import mpmath
import numpy as np

from xent_symbolic.export import numeric_functions

TINY = np.finfo(np.float64).tiny
Z = np.unique(
    np.concatenate([np.linspace(-1000, 1000, 401), np.linspace(-40, 40, 161), [-745.2, -709.8, 709.8]])
)
SOFT = (0.05, 0.3, 0.5, 0.77, 0.999)


def reference(z: float, y: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    with mpmath.workdps(50):
        zz, yy = mpmath.mpf(z), mpmath.mpf(y)
        loss = yy * mpmath.log1p(mpmath.exp(-zz)) + (1 - yy) * mpmath.log1p(mpmath.exp(zz))
        return loss, (1 - yy) / (1 + mpmath.exp(-zz)) - yy / (1 + mpmath.exp(zz))


def _naive(z, y):
    with np.errstate(all="ignore"):
        p = 1 / (1 + np.exp(-z))
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)), p - y


def _xent(z, y):
    return numeric_functions("logistic-regression").module._pointwise_loss_dloss(z, y)


def _logaddexp_minus_yz(z, y):  # jax.nn.softplus(z) - y z and optax's form, computed in numpy
    return np.logaddexp(0, z) - y * z, 1 / (1 + np.exp(-np.clip(z, -700, 700))) - y


def _torch_with_logits(z, y):
    import torch

    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y), reduction="none")
    loss.sum().backward()
    return loss.detach().numpy(), zt.grad.numpy()


def _torch_probabilities(z, y):
    import torch

    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy(torch.sigmoid(zt), torch.tensor(y), reduction="none")
    loss.sum().backward()
    return loss.detach().numpy(), zt.grad.numpy()


def _sklearn_log_loss(z, y):
    from sklearn.metrics import log_loss

    p = 1 / (1 + np.exp(-np.clip(z, -700, 700)))
    hard = np.all((y == 0) | (y == 1))
    if not hard:
        return None, None
    return np.array([log_loss([t], [q], labels=[0, 1]) for t, q in zip(y, p, strict=False)]), None


def _jax_softplus(z, y):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    f = jax.vmap(jax.value_and_grad(lambda a, b: jax.nn.softplus(a) - b * a))
    loss, grad = f(jnp.asarray(z), jnp.asarray(y))
    return np.asarray(loss), np.asarray(grad)


PEERS = [
    ("xent export (numpy)", None, _xent),
    ("naive -(y log p + (1-y) log(1-p)), p = sigmoid(z)", None, _naive),
    ("logaddexp(0, z) - y z, gradient sigmoid(z) - y (numpy)", None, _logaddexp_minus_yz),
    ("torch binary_cross_entropy_with_logits", "torch", _torch_with_logits),
    ("torch binary_cross_entropy(sigmoid(z))", "torch", _torch_probabilities),
    ("jax.nn.softplus(z) - y z", "jax", _jax_softplus),
    ("sklearn log_loss(y, sigmoid(z))", "sklearn", _sklearn_log_loss),
]


def _relative(values, refs) -> float:
    worst = 0.0
    with mpmath.workdps(50):
        for v, r in zip(values, refs, strict=False):
            if not math.isfinite(v):
                return math.inf
            worst = max(worst, float(abs(mpmath.mpf(float(v)) - r) / max(abs(r), TINY)))
    return worst


def _absolute(values, refs, scale) -> float:
    worst = 0.0
    with mpmath.workdps(50):
        for v, r, s in zip(values, refs, scale, strict=False):
            if not math.isfinite(v):
                return math.inf
            worst = max(worst, float(abs(mpmath.mpf(float(v)) - r)) / s)
    return worst


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return "inf/nan" if not math.isfinite(x) else f"{x:.1e}"


def rows():
    hard = {label: [reference(z, label) for z in Z] for label in (0.0, 1.0)}
    soft = {label: [reference(z, label) for z in Z] for label in SOFT}
    scale = np.maximum(1.0, np.abs(Z))
    for name, module, function in PEERS:
        if module is not None and importlib.util.find_spec(module) is None:
            continue
        loss_err, grad_err, bad, max_loss = 0.0, 0.0, 0, 0.0
        for label, refs in hard.items():
            loss, grad = function(Z, np.full_like(Z, label))
            loss = np.asarray(loss, dtype=np.float64)
            bad += int((~np.isfinite(loss)).sum()) + (0 if grad is None else int((~np.isfinite(grad)).sum()))
            max_loss = max(max_loss, float(np.nanmax(np.where(np.isfinite(loss), loss, np.nan))))
            loss_err = max(loss_err, _relative(loss, [r[0] for r in refs]))
            grad_err = None if grad is None else max(grad_err, _relative(grad, [r[1] for r in refs]))
        soft_err = 0.0
        for label, refs in soft.items():
            loss, _ = function(Z, np.full_like(Z, label))
            soft_err = (
                None
                if loss is None
                else max(soft_err, _absolute(np.asarray(loss), [r[0] for r in refs], scale))
            )
        yield name, loss_err, grad_err, bad, max_loss, soft_err


def catalog_rows():
    """(entry, backend, dtype, loss error, gradient error, loss and gradient in eps x condition units)."""
    from xent_symbolic.export import BACKENDS
    from xent_symbolic.export.catalog_accuracy import measure
    from xent_symbolic.export.codegen import EXPORTS

    for name, model in EXPORTS.items():
        for backend, record in BACKENDS.items():
            if not record.available():
                continue
            for a in measure(model, numeric_functions(name, backend).module):
                dtype = f"{a.dtype} (computed in {a.computed})" if a.computed else a.dtype
                yield name, backend, dtype, a.loss, a.gradient, a.loss_units, a.gradient_units


def main() -> None:
    from xent_symbolic.export.catalog_accuracy import LOGITS

    if importlib.util.find_spec("jax") is not None:  # jax computes in float32 unless asked for float64
        import jax

        jax.config.update("jax_enable_x64", True)

    print(
        f"Every exported entry, per example, against a 50-digit reference: {len(LOGITS)} logits in [-1000, 1000] "
        "x labels from y's domain (softmax: 12 rows of 4 logits, the label ahead by 0 to 700, behind or tied)."
    )
    print(
        "Units: the error divided by eps x the example's condition (about 1: as accurate as rounded inputs allow).\n"
    )
    print(
        "| entry | backend | dtype | max rel. error, loss | max rel. error, gradient | loss, eps x cond | gradient, eps x cond |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, backend, dtype, loss, gradient, loss_units, gradient_units in catalog_rows():
        print(
            f"| {name} | {backend} | {dtype} | {loss:.1e} | {gradient:.1e} | {loss_units:.2g} | {gradient_units:.2g} |"
        )
    print()
    print(
        f"Per-example BCE at {len(Z)} logits z in [-1000, 1000], labels y in {{0, 1}}; reference: mpmath at 50 digits."
    )
    print("Relative error with the denominator floored at the smallest normal float64; soft labels y in")
    print(f"{SOFT}: absolute error / max(1, |z|). Largest true loss on the grid: 1000.\n")
    print(
        "| implementation | max rel. error, loss | max rel. error, dloss/dz | inf/nan | largest loss returned | soft labels: max abs. error / max(1, abs(z)) |"
    )
    print("|---|---|---|---|---|---|")
    for name, loss_err, grad_err, bad, max_loss, soft_err in rows():
        print(f"| {name} | {_fmt(loss_err)} | {_fmt(grad_err)} | {bad} | {max_loss:.4g} | {_fmt(soft_err)} |")


if __name__ == "__main__":
    main()
