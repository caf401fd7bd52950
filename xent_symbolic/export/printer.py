"""Array-code printers: the checked elementwise expressions as numpy, jax.numpy or torch source."""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..functions import sigmoid, softplus
from .stable import stable_sigmoid, stable_softplus

__all__ = ["BACKEND_FUNCTIONS", "ArrayPrinter", "print_array"]

#: backend -> the array function for each primitive the stable forms use ({0} is the argument)
BACKEND_FUNCTIONS: dict[str, dict[str, str]] = {
    "numpy": {
        "exp": "np.exp({0})",
        "where": "np.where({0}, {1}, {2})",
        "log": "np.log({0})",
        "log1p": "np.log1p({0})",
        "abs": "np.abs({0})",
        "relu": "np.maximum({0}, 0)",
        "negative_part": "np.minimum({0}, 0)",
    },
    "jax": {
        "exp": "jnp.exp({0})",
        "where": "jnp.where({0}, {1}, {2})",
        "log": "jnp.log({0})",
        "log1p": "jnp.log1p({0})",
        "abs": "jnp.abs({0})",
        "relu": "jnp.maximum({0}, 0)",
        "negative_part": "jnp.minimum({0}, 0)",
    },
    "torch": {
        "exp": "torch.exp({0})",
        "where": "torch.where({0}, {1}, {2})",
        "log": "torch.log({0})",
        "log1p": "torch.log1p({0})",
        "abs": "torch.abs({0})",
        "relu": "torch.clamp({0}, min=0)",
        "negative_part": "torch.clamp({0}, max=0)",
    },
}


class ArrayPrinter(NumPyPrinter):
    """NumPyPrinter whose primitives come from BACKEND_FUNCTIONS; sigmoid and softplus print in their
    overflow-free forms; log(1 + x) prints as log1p(x); Indexed z[k] prints as the array named `arrays[z]`,
    and a Sum over the class index as a row sum (axis 1, kept as a column)."""

    def __init__(self, backend: str, arrays: dict[sp.Basic, str] | None = None) -> None:
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": False})
        self.backend = backend
        self.table = BACKEND_FUNCTIONS[backend]
        self.arrays = dict(arrays or {})

    def _call(self, name: str, *args: sp.Basic) -> str:
        return self.table[name].format(*(self._print(a) for a in args))

    def _print_Piecewise(self, expr):
        if len(expr.args) != 2 or expr.args[1].cond is not sp.true:
            raise NotImplementedError(f"only two-case Piecewise (a if c else b) is printed, not {expr}")
        (a, condition), (b, _) = expr.args
        return self._call("where", condition, a, b)

    def _print_Relational(self, expr):
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    def _print_exp(self, expr):
        return self._call("exp", expr.args[0])

    def _print_log(self, expr):
        (arg,) = expr.args
        if isinstance(arg, sp.Add) and sp.S.One in arg.args:
            return self._call("log1p", arg - 1)
        return self._call("log", arg)

    def _print_log1p(self, expr):
        return self._call("log1p", expr.args[0])

    def _print_Abs(self, expr):
        return self._call("abs", expr.args[0])

    def _zero_and_other(self, expr):
        if len(expr.args) != 2 or sp.S.Zero not in expr.args:
            raise NotImplementedError(f"only max(x, 0) and min(x, 0) are printed, not {expr}")
        return next(a for a in expr.args if a != 0)

    def _print_Max(self, expr):
        return self._call("relu", self._zero_and_other(expr))

    def _print_Min(self, expr):
        return self._call("negative_part", self._zero_and_other(expr))

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return f"1 / ({self._print(expr.base)})"
        return super()._print_Pow(expr, rational)

    def _print_sigmoid(self, expr):
        return self._print(stable_sigmoid(expr.args[0]))

    def _print_softplus(self, expr):
        return self._print(stable_softplus(expr.args[0]))

    def _print_Indexed(self, expr):
        return self.arrays[expr.base]

    def _print_Sum(self, expr):
        return f"({self._print(expr.function)}).sum({'dim' if self.backend == 'torch' else 'axis'}=1, keepdim{'' if self.backend == 'torch' else 's'}=True)"

    def _print_Symbol(self, expr):
        return self.arrays.get(expr, expr.name)


def print_array(expr: sp.Expr, backend: str, arrays: dict[sp.Basic, str] | None = None) -> str:
    """`expr` as array source for `backend`."""
    return ArrayPrinter(backend, arrays).doprint(expr)


def _check_table_complete() -> None:
    names = {frozenset(t) for t in BACKEND_FUNCTIONS.values()}
    assert len(names) == 1, "every backend must provide the same primitives"


_check_table_complete()
# the sympy functions the printer handles: sigmoid and softplus go through their stable forms
PRINTED_FUNCTIONS = (sp.exp, sp.log, sp.Abs, sp.Max, sp.Min, sp.Piecewise, sigmoid, softplus)
