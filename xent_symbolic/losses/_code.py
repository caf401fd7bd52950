"""The elementwise functions of xent_symbolic.losses, printed per backend from the checked stable derivations."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from ..catalog.stable import uk, y, z
from ..catalog.stable_glm import derive_poisson_pointwise, derive_poisson_pointwise_gradient
from ..core import Derivation
from ..export.printer import print_array
from ..functions import log_sigmoid, sigmoid, softplus
from .derivations import (
    BUILDERS,
    a0,
    a1,
    epsilon,
    gamma,
    pos_weight,
    qk,
)

__all__ = ["POINTWISE", "Pointwise", "pointwise", "pointwise_source"]


@dataclass(frozen=True)
class Pointwise:
    """One loss's elementwise code: the derivations of l and of its derivative, and the arguments in order."""

    loss: str
    dloss: str
    arguments: tuple[sp.Basic, ...]
    arrays: tuple[tuple[sp.Basic, str], ...] = ()

    def names(self) -> list[str]:
        table = dict(self.arrays)
        return [table.get(a, getattr(a, "name", "")) for a in self.arguments]


#: every builder the losses print from: the ones of this package and the export layer's Poisson forms
DERIVATIONS: dict[str, Callable[[], Derivation]] = {
    **BUILDERS,
    "poisson-pointwise": derive_poisson_pointwise,
    "poisson-pointwise-gradient": derive_poisson_pointwise_gradient,
}

#: public loss -> its elementwise code
POINTWISE: dict[str, Pointwise] = {
    "binary_cross_entropy": Pointwise("bce-options", "bce-options-gradient", (z, y, pos_weight, epsilon)),
    "sigmoid_focal_loss": Pointwise("focal-weighted", "focal-weighted-gradient", (z, y, a1, a0, gamma)),
    "poisson_nll_loss": Pointwise("poisson-pointwise", "poisson-pointwise-gradient", (z, y)),
    "softmax_cross_entropy": Pointwise(
        "softmax-weighted", "softmax-weighted-gradient", (uk, qk), ((uk, "U"), (qk, "Q"))
    ),
}


def _with_log1p(expr: sp.Expr) -> sp.Expr:
    """log(1 + x) -> log1p(x) before common subexpressions are taken, so 1 + x is never rounded first."""
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and sp.S.One in e.args[0].args,
        lambda e: log1p(e.args[0] - 1),
    )


def _function(name: str, exprs: list[sp.Expr], signature: str, backend: str, arrays: dict, doc: str) -> str:
    replacements, reduced = sp.cse([_with_log1p(e) for e in exprs], symbols=sp.numbered_symbols("t"))
    lines = [f"    {s} = {print_array(v, backend, arrays)}" for s, v in replacements]
    results = ", ".join(print_array(e, backend, arrays) for e in reduced)
    body = "".join(f"{line}\n" for line in lines)
    return f'def {name}({signature}):\n    """{doc}"""\n{body}    return {results}\n'


@functools.cache
def pointwise_source(loss: str, backend: str) -> str:
    """The source of `loss` and `dloss`, the elementwise loss and derivative of public loss `loss`, as printed
    from their checked derivations for `backend`."""
    spec = POINTWISE[loss]
    arrays = dict(spec.arrays)
    signature = ", ".join(spec.names())
    chunks = []
    for fname, derivation in (("loss", spec.loss), ("dloss", spec.dloss)):
        expr = DERIVATIONS[derivation]().current
        unknown = {s for s in expr.free_symbols if not isinstance(s, sp.Idx)} - set(spec.arguments)
        unknown -= {s for s in unknown if any(s in i.free_symbols for i in expr.atoms(sp.Indexed))}
        unknown -= {
            s for e in expr.atoms(sp.Sum) for limit in e.limits for s in sp.Tuple(*limit).free_symbols
        }
        assert not unknown, f"{loss}: {derivation} uses undeclared symbols {unknown}"
        # the derivations end in their overflow-free forms: no sigmoid or softplus is left for the printer to
        # expand (it would expand sigmoid(z)**g without parentheses around the expanded base)
        assert not expr.has(sigmoid, softplus, log_sigmoid), f"{derivation} is not in overflow-free form"
        doc = f"Printed from the checked derivation {derivation!r}; do not edit."
        chunks.append(_function(fname, [expr], signature, backend, arrays, doc))
    return "\n\n".join(chunks)


_IMPORTS = {"numpy": "import numpy as np", "jax": "import jax.numpy as jnp", "torch": "import torch"}


@functools.cache
def pointwise(loss: str, backend: str) -> tuple[Callable, Callable]:
    """(loss, dloss) of public loss `loss` for `backend`, compiled from pointwise_source."""
    source = f"{_IMPORTS[backend]}\n\n\n{pointwise_source(loss, backend)}"
    namespace: dict = {}
    # our own printed code (never user text), compiled under a file name that says so
    exec(compile(source, f"<xent losses {loss} --backend {backend}>", "exec"), namespace)
    return namespace["loss"], namespace["dloss"]
