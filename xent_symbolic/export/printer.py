"""Array-code printers: the checked elementwise expressions as numpy, jax.numpy or torch source."""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..primitives import BACKENDS, BY_NAME, PRIMITIVES, primitive_of

__all__ = ["BACKEND_FUNCTIONS", "ArrayPrinter", "print_array"]

#: backend -> the array code of what is not a primitive: a two-case Piecewise, max(x, 0), min(x, 0)
_HELPERS: dict[str, dict[str, str]] = {
    "numpy": {
        "where": "np.where({0}, {1}, {2})",
        "relu": "np.maximum({0}, 0)",
        "negative_part": "np.minimum({0}, 0)",
    },
    "jax": {
        "where": "jnp.where({0}, {1}, {2})",
        "relu": "jnp.maximum({0}, 0)",
        "negative_part": "jnp.minimum({0}, 0)",
    },
    "torch": {
        "where": "torch.where({0}, {1}, {2})",
        "relu": "torch.clamp({0}, min=0)",
        "negative_part": "torch.clamp({0}, max=0)",
    },
}

_LOG, _LOG1P = BY_NAME["log"], BY_NAME["log1p"]

#: backend -> name -> array function ({0} is the argument): the primitives' spellings and the helpers
BACKEND_FUNCTIONS: dict[str, dict[str, str]] = {
    backend: {**{p.name: p.arrays[backend] for p in PRIMITIVES if p.arrays}, **_HELPERS[backend]}
    for backend in BACKENDS
}


class ArrayPrinter(NumPyPrinter):
    """NumPyPrinter whose functions come from the primitives table: each prints in its stable form where it has
    one (sigmoid, softplus, log_sigmoid), else in its spelling for the backend; log(1 + x) prints as
    log1p(x); Indexed z[k] prints as the array named `arrays[z]`, and a Sum over the class index as a row sum
    (axis 1, kept as a column)."""

    def __init__(self, backend: str, arrays: dict[sp.Basic, str] | None = None) -> None:
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": False})
        self.backend = backend
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
        return primitive.arrays[self.backend].format(*(self._print(a) for a in args))

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

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return f"1 / ({self._print(expr.base)})"
        return super()._print_Pow(expr, rational)

    def _print_Indexed(self, expr):
        return self.arrays[expr.base]

    def _print_Sum(self, expr):
        return f"({self._print(expr.function)}).sum({'dim' if self.backend == 'torch' else 'axis'}=1, keepdim{'' if self.backend == 'torch' else 's'}=True)"

    def _print_Symbol(self, expr):
        return self.arrays.get(expr, expr.name)


def print_array(expr: sp.Expr, backend: str, arrays: dict[sp.Basic, str] | None = None) -> str:
    """`expr` as array source for `backend`."""
    return ArrayPrinter(backend, arrays).doprint(expr)
