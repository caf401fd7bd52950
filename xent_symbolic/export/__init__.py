"""Numeric export: checked stable forms printed as standalone numpy, jax or torch modules, and in-process callables."""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .backends import BACKENDS, Backend, MissingBackendError, require_backend
from .codegen import ALIASES, EXPORTABLE, module_source
from .general import NotExportable, derivation_module, derivation_of
from .loading import load_module

__all__ = [
    "ALIASES",
    "BACKENDS",
    "EXPORTABLE",
    "Backend",
    "MissingBackendError",
    "NotExportable",
    "NumericFunctions",
    "derivation_module",
    "derivation_of",
    "module_source",
    "numeric_functions",
    "require_backend",
]


@dataclass(frozen=True)
class NumericFunctions:
    """`loss`, `grad` and `loss_and_grad` of one exported derivation (hyperparameters keyword-only, as in the
    generated module); input errors raise xent's InputError."""

    name: str
    backend: str
    source: str
    module: types.ModuleType

    def _call(self, function: str, *args: Any, **hyperparameters: Any):
        try:
            return getattr(self.module, function)(*args, **hyperparameters)
        except self.module.InputError as error:
            raise InputError(str(error)) from None

    def loss(self, *args: Any, **hyperparameters: Any):
        return self._call("loss", *args, **hyperparameters)

    def grad(self, *args: Any, **hyperparameters: Any):
        return self._call("grad", *args, **hyperparameters)

    def loss_and_grad(self, *args: Any, **hyperparameters: Any):
        return self._call("loss_and_grad", *args, **hyperparameters)


@functools.cache
def _catalog_functions(name: str, backend: str) -> NumericFunctions:
    source = module_source(name, backend)
    require_backend(backend)
    module = load_module(source, f"{name} --backend {backend}")
    return NumericFunctions(name, backend, source, module)


def numeric_functions(target: object, backend: str = "numpy") -> NumericFunctions:
    """The generated functions of `target` for `backend`, loaded in-process.

    `target` is an exportable catalog entry ('logistic-regression'; 'mse' is an alias of 'linear-regression':
    the same module), any other catalog entry, a Derivation (a user's own, checked when it is exported), a
    derivation file 'FILE.xent', or 'MODULE:FUNCTION' / 'FILE.py:FUNCTION' returning a Derivation. A derivation
    is exported through export.general: the loss and the gradient by each parameter.

    >>> f = numeric_functions("logistic-regression")
    >>> J, (dw, db) = f.loss_and_grad(X, y, w, b)  # doctest: +SKIP
    """
    if isinstance(target, str) and (target in EXPORTABLE or target in ALIASES):
        return _catalog_functions(target, backend)
    require_backend(backend)
    derivation = derivation_of(target)
    source, _ = derivation_module(derivation, backend)
    module = load_module(source, f"{derivation.name} --backend {backend}")
    return NumericFunctions(derivation.name, backend, source, module)
