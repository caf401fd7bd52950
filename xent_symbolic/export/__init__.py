"""Numeric export: checked stable forms printed as standalone numpy, jax or torch modules, and in-process callables."""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .backends import BACKENDS, Backend, MissingBackendError, require_backend
from .codegen import ALIASES, EXPORTABLE, module_source

__all__ = [
    "ALIASES",
    "BACKENDS",
    "EXPORTABLE",
    "Backend",
    "MissingBackendError",
    "NumericFunctions",
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
def numeric_functions(name: str, backend: str = "numpy") -> NumericFunctions:
    """The generated functions of catalog entry `name` for `backend`, loaded in-process ('mse' is an alias
    of 'linear-regression': the same module).

    >>> f = numeric_functions("logistic-regression")
    >>> J, (dw, db) = f.loss_and_grad(X, y, w, b)  # doctest: +SKIP
    """
    source = module_source(name, backend)
    require_backend(backend)
    module = types.ModuleType(f"xent_export_{name.replace('-', '_')}_{backend}")
    # the source is our own generated code (never user text), compiled under a file name that says so
    exec(compile(source, f"<xent export {name} --backend {backend}>", "exec"), module.__dict__)
    return NumericFunctions(name, backend, source, module)
