"""Matrix forms of index expressions: an elementwise function, diag, and 1-based entries the checker can expand."""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .errors import StepError

__all__ = ["Diag", "Elementwise", "Entry", "index_form"]

_PLACEHOLDER = sp.Symbol("ARGPLACEHOLDER")
_ENTRY = sp.Symbol("u", real=True)


class Elementwise(ElementwiseApplyFunction):
    r"""f applied to every entry of a matrix, printed f(A) (e.g. \sigma(X w + b 1))."""

    def __new__(cls, function, expr):
        if not isinstance(function, sp.Lambda):  # a fixed variable, not a Dummy: reproducible srepr and JSON
            function = sp.Lambda(_ENTRY, function(_ENTRY))
        return super().__new__(cls, function, expr)

    def _latex(self, printer):
        body = printer._print(self.function(_PLACEHOLDER))
        return body.replace(printer._print(_PLACEHOLDER), printer._print(self.expr))

    def _sympystr(self, printer):
        return str(self.function(_PLACEHOLDER)).replace(str(_PLACEHOLDER), printer._print(self.expr))


class Diag(sp.DiagMatrix):
    r"""The diagonal matrix of a column vector, printed \operatorname{diag}(s)."""

    def _latex(self, printer):
        return r"\operatorname{diag}\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return f"diag({printer._print(self.args[0])})"


class Entry(sp.Expr):
    """The (row, col) entry of a matrix expression, 1-based; `table` pairs each MatrixSymbol with the
    IndexedBase holding its entries (vectors: one index), so the entry has an index form."""

    is_commutative = True

    def __new__(cls, matrix: sp.MatrixExpr, row: sp.Expr, col: sp.Expr, table: sp.Tuple):
        return super().__new__(cls, matrix, sp.sympify(row), sp.sympify(col), table)

    @property
    def matrix(self) -> sp.MatrixExpr:
        return self.args[0]

    def _eval_is_real(self):
        return True

    def index_form(self) -> sp.Expr:
        matrix, row, col, table = self.args
        return index_form(matrix, row, col, {m: base for m, base in table})

    def _latex(self, printer):
        matrix, row, col, _ = self.args
        where = (
            printer._print(row) if matrix.shape[1] == 1 else f"{printer._print(row)}, {printer._print(col)}"
        )
        return r"\left[%s\right]_{%s}" % (printer._print(matrix), where)

    def _sympystr(self, printer):
        matrix, row, col, _ = self.args
        where = (
            printer._print(row) if matrix.shape[1] == 1 else f"{printer._print(row)}, {printer._print(col)}"
        )
        return f"[{printer._print(matrix)}]_{where}"


def index_form(matrix: sp.Basic, row: sp.Expr, col: sp.Expr, table: dict) -> sp.Expr:
    """The (row, col) entry (1-based) of `matrix` as an expression over Indexed elements and Sums."""
    if isinstance(matrix, sp.MatrixSymbol):
        base = table.get(matrix)
        if base is None:
            raise StepError(f"matrix entry: no IndexedBase is given for the matrix symbol {matrix}")
        return base[row] if matrix.shape[1] == 1 else base[row, col]
    if isinstance(matrix, sp.OneMatrix):
        return sp.S.One
    if isinstance(matrix, sp.Identity):
        return sp.KroneckerDelta(row, col)
    if isinstance(matrix, sp.Transpose):
        return index_form(matrix.arg, col, row, table)
    if isinstance(matrix, sp.MatAdd):
        return sp.Add(*(index_form(term, row, col, table) for term in matrix.args))
    if isinstance(matrix, ElementwiseApplyFunction):
        return matrix.function(index_form(matrix.expr, row, col, table))
    if isinstance(matrix, sp.DiagMatrix):
        return sp.KroneckerDelta(row, col) * index_form(matrix.args[0], row, 1, table)
    if isinstance(matrix, sp.MatMul):
        scalar = sp.Mul(*(a for a in matrix.args if not getattr(a, "is_Matrix", False)))
        factors = [a for a in matrix.args if getattr(a, "is_Matrix", False)]
        return scalar * _product_entry(factors, row, col, table)
    raise StepError(f"matrix entry: cannot expand {type(matrix).__name__} {matrix} into indices")


def _product_entry(factors: list, row: sp.Expr, col: sp.Expr, table: dict) -> sp.Expr:
    if len(factors) == 1:
        return index_form(factors[0], row, col, table)
    first, rest = factors[0], factors[1:]
    if isinstance(first, sp.DiagMatrix):  # diag(v) M: the row of M scaled by v_row, no sum needed
        return index_form(first.args[0], row, 1, table) * _product_entry(rest, row, col, table)
    inner = first.shape[1]
    if inner == 1:
        return index_form(first, row, 1, table) * _product_entry(rest, 1, col, table)
    m = sp.Dummy("m", integer=True, positive=True)
    return sp.Sum(index_form(first, row, m, table) * _product_entry(rest, m, col, table), (m, 1, inner))
