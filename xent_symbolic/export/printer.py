"""Array-code printers: the checked elementwise expressions as numpy, jax.numpy or torch source."""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..primitives import BY_NAME, PRIMITIVES, primitive_of
from .backends import BACKENDS, Backend
from .backends import backend as backend_record

__all__ = ["BACKEND_FUNCTIONS", "ArrayPrinter", "print_array"]

_LOG, _LOG1P = BY_NAME["log"], BY_NAME["log1p"]


def _functions(record: Backend) -> dict[str, str]:
    """name -> array function ({0} is the argument) of a backend: the primitives' spellings in its column of
    the primitive table, and its spelling of what is not a primitive."""
    return {**{p.name: p.arrays[record.spelling] for p in PRIMITIVES if p.arrays}, **record.functions}


#: backend -> name -> array function: read off the backend table and the primitive table
BACKEND_FUNCTIONS: dict[str, dict[str, str]] = {name: _functions(record) for name, record in BACKENDS.items()}


class ArrayPrinter(NumPyPrinter):
    """NumPyPrinter whose functions come from the primitives table: each prints in its stable form where it has
    one (sigmoid, softplus, log_sigmoid), else in its spelling for the backend; log(1 + x) prints as
    log1p(x); Indexed z[k] prints as the array named `arrays[z]`, and a Sum over the class index as a row sum
    (axis 1, kept as a column)."""

    def __init__(self, backend: str, arrays: dict[sp.Basic, str] | None = None) -> None:
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": False})
        self.backend = backend
        self.record = backend_record(backend)
        self.table = BACKEND_FUNCTIONS[backend]
        self.arrays = dict(arrays or {})

    def _call(self, name: str, *args: sp.Basic) -> str:
        return self.table[name].format(*(self._print(a) for a in args))

    def _print(self, expr, **kwargs):
        primitive = primitive_of(expr)
        if primitive is None:
            return super()._print(expr, **kwargs)
        args = expr.args
        if primitive is _LOG and isinstance(args[0], sp.Add) and sp.S.One in args[0].args:
            primitive, args = _LOG1P, (args[0] - 1,)  # log(1 + x) -> log1p(x): 1 + x is never rounded
        if primitive.stable is not None:  # printed as one unit, like the call it stands for: sigma(z)**g
            return f"({self._print(primitive.stable(*args))})"
        return primitive.arrays[self.record.spelling].format(*(self._print(a) for a in args))

    def _print_Piecewise(self, expr):
        if len(expr.args) != 2 or expr.args[1].cond is not sp.true:
            raise NotImplementedError(f"only two-case Piecewise (a if c else b) is printed, not {expr}")
        (a, condition), (b, _) = expr.args
        return self._call("where", condition, a, b)

    def _print_Relational(self, expr):
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    def _zero_and_other(self, expr):
        if len(expr.args) != 2 or sp.S.Zero not in expr.args:
            raise NotImplementedError(f"only max(x, 0) and min(x, 0) are printed, not {expr}")
        return next(a for a in expr.args if a != 0)

    def _print_Max(self, expr):
        return self._call("relu", self._zero_and_other(expr))

    def _print_Min(self, expr):
        return self._call("negative_part", self._zero_and_other(expr))

    def _print_sign(self, expr):
        return self._call("sign", expr.args[0])

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return f"1 / ({self._print(expr.base)})"
        return super()._print_Pow(expr, rational)

    def _print_Indexed(self, expr):
        return self.arrays[expr.base]

    def _print_Sum(self, expr):
        record = self.record
        return f"({self._print(expr.function)}).sum({record.axis}=1, {record.keepdims}=True)"

    def _print_Symbol(self, expr):
        return self.arrays.get(expr, expr.name)


def print_array(expr: sp.Expr, backend: str, arrays: dict[sp.Basic, str] | None = None) -> str:
    """`expr` as array source for `backend`."""
    return ArrayPrinter(backend, arrays).doprint(expr)
