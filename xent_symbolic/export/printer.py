"""Array-code printers: the checked elementwise expressions as numpy, jax.numpy or torch source."""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..primitives import BY_NAME, PRIMITIVES, primitive_of
from ..stable_rules import Log1pForm
from .backends import BACKENDS, Backend
from .backends import backend as backend_record

__all__ = ["BACKEND_FUNCTIONS", "ArrayPrinter", "as_fused", "print_array", "shared_subexpressions"]

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
        fused = primitive.fused.get(self.record.spelling)
        if callable(fused):  # printed as other fused primitives (softplus(x) = -log_sigmoid(-x))
            return f"({self._print(fused(*args))})"
        if fused is not None:  # one library kernel computes the overflow-free form
            return fused.format(*(self._print(a) for a in args))
        if primitive.stable is not None:  # printed as one unit, like the call it stands for: sigma(z)**g
            return f"({self._print(primitive.stable(*args))})"
        return primitive.arrays[self.record.spelling].format(*(self._print(a) for a in args))

    def _print_Piecewise(self, expr):
        """(a, c1), (b, c2), (d, True) as where(c1, a, where(c2, b, d)): the first true condition's value, as
        SymPy reads a Piecewise (the derivative of max(z, 0) is one: 0 below the kink, 1/2 at it, 1 above)."""
        *cases, (otherwise, last) = expr.args
        if last is not sp.true:
            raise NotImplementedError(
                f"a Piecewise whose last case is not 'otherwise' (True) is not printed: {expr}"
            )
        text = self._print(otherwise)
        for value, condition in reversed(cases):
            text = self.table["where"].format(self._print(condition), self._print(value), text)
        return text

    def _print_And(self, expr):  # & | ~ on boolean arrays: one spelling in every array library
        return " & ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr):
        return " | ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr):
        return f"~({self._print(expr.args[0])})"

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

    # matrix expressions (the drivers' lines, printed from the checked matrix forms): a column vector is a 1-D
    # array, A B is A @ B, A^T is A.T, a product with a vector of ones is a sum, b 1 and 1 b^T are b broadcast

    def _print_MatrixSymbol(self, expr):
        return self.arrays.get(expr, expr.name)

    def _print_Transpose(self, expr):
        return f"{self._operand(expr.arg)}.T"

    def _operand(self, expr) -> str:
        text = self._print(expr)
        return text if isinstance(expr, sp.MatrixSymbol) else f"({text})"

    def _print_MatAdd(self, expr):
        broadcasts = [_broadcast(a) for a in expr.args]
        terms = [self._print(a) for a, b in zip(expr.args, broadcasts, strict=True) if b is None]
        terms += [self._print(b) for b in broadcasts if b is not None]  # X @ w + b: the broadcast term last
        return " + ".join(terms).replace("+ -", "- ")

    def _print_MatMul(self, expr):
        coefficient, factors = expr.as_coeff_matrices()
        broadcast = _broadcast(expr)
        if broadcast is not None:
            return self._print(broadcast)
        record = self.record
        if isinstance(factors[0], sp.OneMatrix) and len(factors) == 2:  # 1^T A: the column sums of A
            text = f"{self._operand(factors[1])}.sum({record.axis}=0)"
        elif (
            isinstance(factors[-1], sp.OneMatrix)
            and len(factors) == 2
            and isinstance(factors[0], sp.Transpose)
        ):  # A^T 1: the column sums of A again
            text = f"{self._operand(factors[0].arg)}.sum({record.axis}=0)"
        elif len(factors) == 2 and isinstance(factors[0], sp.Transpose) and factors[1].shape[1] == 1:
            # A^T v for a column v, a 1-D array: v @ A, which no library answers by transposing A first (XLA on
            # CPU copies X for X.T @ g: 3x slower), in the backend's spelling of a vector times a matrix
            text = record.vecmat.format(self._print(factors[1]), self._operand(factors[0].arg))
        elif len(factors) == 2 and isinstance(factors[0], sp.MatrixSymbol) and factors[1].shape[1] == 1:
            text = record.matvec.format(self._print(factors[0]), self._operand(factors[1]))  # A v
        elif any(isinstance(f, sp.OneMatrix) for f in factors):
            raise NotImplementedError(
                f"a product with a vector of ones is printed only as 1^T A or A^T 1: {expr}"
            )
        else:
            operands = [self._operand(f) if isinstance(f, sp.MatAdd) else self._print(f) for f in factors]
            matrices = len(factors) == 2 and all(1 not in f.shape for f in factors)  # two 2-D arrays
            text = record.matmul.format(*operands) if matrices else " @ ".join(operands)
        return text if coefficient == 1 else f"{self._print(coefficient)} * ({text})"

    def _print_OneMatrix(self, expr):
        raise NotImplementedError(f"a matrix of ones is printed only in a product: {expr}")


def _broadcast(expr: sp.Basic) -> sp.Basic | None:
    """b for b 1 (a scalar times a column of ones) or 1 b^T (a column of ones times a row): b broadcast over the
    rows; None for anything else."""
    if not isinstance(expr, sp.MatMul):
        return None
    coefficient, factors = expr.as_coeff_matrices()
    scalars = [a for a in expr.args if not getattr(a, "is_Matrix", False)]
    if len(factors) == 1 and isinstance(factors[0], sp.OneMatrix) and factors[0].shape[1] == 1:
        return sp.Mul(*scalars)
    if (
        len(factors) == 2
        and coefficient == 1
        and isinstance(factors[0], sp.OneMatrix)
        and factors[0].shape[1] == 1
        and isinstance(factors[1], sp.Transpose)
        and factors[1].arg.shape[1] == 1
    ):
        return factors[1].arg
    return None


def print_array(expr: sp.Expr, backend: str, arrays: dict[sp.Basic, str] | None = None) -> str:
    """`expr` as array source for `backend`."""
    return ArrayPrinter(backend, arrays).doprint(expr)


def as_fused(expr: sp.Expr, backend: str) -> sp.Expr:
    """`expr` with each call a backend prints as other fused primitives written as them."""
    spelling = backend_record(backend).spelling
    for primitive in PRIMITIVES:
        fused = primitive.fused.get(spelling)
        if callable(fused):
            expr = expr.replace(primitive.sympy_class, fused)
    return expr


def _as_printed(expr: sp.Expr, backend: str) -> sp.Expr:
    """`expr` as the printer prints it: each primitive the backend has no kernel for in its stable form,
    log(1 + x) as log1p(x) (so that 1 + x is never a rounded subexpression of its own), and each call printed
    as other fused primitives as those (so that -(-z) cancels)."""
    spelling = backend_record(backend).spelling
    for primitive in PRIMITIVES:
        if primitive.stable is not None and primitive.fused.get(spelling) is None:
            expr = expr.replace(primitive.sympy_class, primitive.stable)
    return as_fused(Log1pForm().rewrite(expr, None), backend)


def shared_subexpressions(
    exprs: list[sp.Expr], backend: str, prefix: str = "t", ignore: tuple[sp.Symbol, ...] = ()
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """(assignments, the expressions over them) by sympy.cse of `exprs` as the printer prints them (each
    computed once: exp(-|z|) of sigma(z), sigma(-z) and softplus(z) alike); the assigned symbols are named
    prefix0, prefix1, ..., and no assigned subexpression contains a symbol of `ignore` (a sum's index: a term
    of a summand stays in its sum)."""
    forms = [_as_printed(e, backend) for e in exprs]
    return sp.cse(forms, symbols=sp.numbered_symbols(prefix), ignore=ignore)
