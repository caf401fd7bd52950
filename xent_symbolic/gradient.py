"""Chain-rule rules: derivatives under sums, through a layer, evaluated per factor, and index -> matrix form."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import final

import sympy as sp

from .calculus import collapse_deltas, evaluate_derivative
from .core import Relation
from .errors import RuleError
from .latex_printer import latex
from .matrices import Diag, Elementwise, Entry
from .names import Phrase
from .rules import Rule

__all__ = [
    "Abbreviate",
    "ChainRule",
    "DifferentiateUnderSum",
    "EvaluateDerivative",
    "MatrixForm",
    "SimplifySummands",
    "UseDerived",
]


def _split_coefficient(expr: sp.Expr) -> tuple[sp.Expr, sp.Sum]:
    """expr = c * Sum(...) with c free of the sum's index; RuleError otherwise."""
    sums = [f for f in sp.Mul.make_args(expr) if isinstance(f, sp.Sum)]
    if len(sums) != 1:
        raise RuleError(f"expected a constant times one sum, not {expr}")
    (s,) = sums
    return sp.Mul(*(f for f in sp.Mul.make_args(expr) if f is not s)), s


@final
class DifferentiateUnderSum(Rule):
    """d/dv (c sum_i f_i) -> c sum_i d f_i/dv   [equal: a finite sum, c free of v]"""

    name = "differentiate-under-sum"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def query(e):
            return isinstance(e, sp.Derivative) and len(e.variables) == 1

        def value(e):
            coefficient, s = _split_coefficient(e.expr)
            (variable,) = e.variables
            if variable in coefficient.free_symbols or any(variable == v for v, *_ in s.limits):
                raise RuleError(f"rule {self.name!r}: the factor {coefficient} depends on {variable}")
            *inner, outer = s.limits  # only the outermost sum: the inner ones are the per-example loss
            function = sp.Sum(s.function, *inner) if inner else s.function
            return coefficient * sp.Sum(sp.Derivative(function, variable), outer)

        return expr.replace(query, value)

    def justification(self):
        return "the derivative of a finite sum is the sum of the derivatives; constant factors come out"


@final
class ChainRule(Rule):
    """d f/dv -> (d f/du_1)(d u_1/du_2)...(d u_m/dv), or sum_c (d f/du_c)(d u_c/dv) over a vector layer u
    [equal when f depends on v only through the layers]"""

    name = "chain-rule"
    relation = Relation.EQUAL

    def __init__(self, *path: sp.Indexed, over: tuple[sp.Symbol, sp.Expr, sp.Expr] | None = None) -> None:
        if not path:
            raise RuleError("rule 'chain-rule' needs at least one intermediate quantity")
        self.path, self.over = path, over

    def rewrite(self, expr, assumptions):
        def query(e):
            return (
                isinstance(e, sp.Derivative)
                and len(e.variables) == 1
                and e.variables[0] not in self.path
                and e.expr not in self.path
            )

        def value(e):
            (variable,) = e.variables
            chain = (e.expr, *self.path, variable)
            factors = [sp.Derivative(outer, inner) for outer, inner in itertools.pairwise(chain)]
            product = sp.Mul(*factors)
            return sp.Sum(product, self.over) if self.over else product

        new = expr.replace(query, value)
        if new == expr:
            raise RuleError(f"rule {self.name!r}: no derivative of an expression in {self.path[0]} to expand")
        return new

    def justification(self):
        via = ", ".join(str(u) for u in self.path)
        over = f" summed over {self.over[0]}" if self.over else ""
        via_latex = ", ".join(f"${latex(u)}$" for u in self.path)
        over_latex = f" summed over ${latex(self.over[0])}$" if self.over else ""
        return Phrase(f"chain rule through {via}{over}", f"chain rule through {via_latex}{over_latex}")


@final
class EvaluateDerivative(Rule):
    """d f/dv -> f'   for every derivative with respect to `variable`   [equal: differentiation, deltas collapsed]

    A derivative with respect to a defined quantity treats the quantities below it as fixed (see calculus).
    """

    name = "evaluate-derivative"
    relation = Relation.EQUAL

    def __init__(self, variable: sp.Basic, note: str | Phrase) -> None:
        self.variable, self.note = variable, note

    def rewrite(self, expr, assumptions):
        def query(e):
            return (
                isinstance(e, sp.Derivative)
                and e.variables == (self.variable,)
                and not e.expr.has(sp.Derivative)
            )

        new = expr.replace(query, lambda e: evaluate_derivative(e, assumptions))
        return collapse_deltas(new, assumptions)

    def justification(self):
        return self.note


@final
class SimplifySummands(Rule):
    """c sum_i f_i -> sum_i factor(cancel(c f_i))   [equal; the constant stays outside when it is 1/n]"""

    name = "simplify-summands"
    relation = Relation.EQUAL

    def __init__(self, outside: sp.Expr = sp.S.One, *, expand: bool = False) -> None:
        self.outside, self.expand = sp.sympify(outside), expand

    def rewrite(self, expr, assumptions):
        coefficient, s = _split_coefficient(expr)
        inner = sp.expand(coefficient / self.outside * s.function)
        inner = inner if self.expand else sp.factor(sp.cancel(inner))
        return self.outside * sp.Sum(inner, *s.limits)

    def justification(self):
        if self.expand:
            return "multiply out each summand; constant factors moved inside"
        return "cancel and factor each summand (rational simplification); constant factors moved inside"


def _vectorize(
    expr: sp.Expr, index: sp.Symbol, rows: sp.Expr, table: Mapping, col: sp.Symbol | None
) -> sp.MatrixExpr:
    """The matrix whose (index, col) entry is expr; a column vector when col is None."""
    if isinstance(expr, sp.Indexed) and expr.base in table and expr.indices[0] == index:
        if expr.indices[1:] not in ((), (col,)):
            raise RuleError(f"rule 'matrix-form': the entry {expr} is not indexed by ({index}, {col})")
        return table[expr.base]
    if index not in expr.free_symbols:
        return expr * sp.OneMatrix(rows, 1)
    if isinstance(expr, sp.Add):
        return sp.MatAdd(*(_vectorize(t, index, rows, table, col) for t in expr.args))
    if isinstance(expr, sp.Mul):
        scalar = sp.Mul(*(f for f in expr.args if index not in f.free_symbols))
        varying = [f for f in expr.args if index in f.free_symbols]
        if len(varying) == 1:
            return scalar * _vectorize(varying[0], index, rows, table, col)
        vectors = [f for f in varying if col is None or col not in f.free_symbols]
        matrices = [f for f in varying if f not in vectors]
        if len(vectors) == 1 and len(matrices) == 1:
            vector = _vectorize(vectors[0], index, rows, table, None)
            return scalar * sp.MatMul(Diag(vector), _vectorize(matrices[0], index, rows, table, col))
    if isinstance(expr, sp.Function) and len(expr.args) == 1:
        return Elementwise(expr.func, _vectorize(expr.args[0], index, rows, table, col))
    raise RuleError(f"rule 'matrix-form': no matrix form for {expr} over {index}")


@final
class MatrixForm(Rule):
    """c sum_i A_ik B_ij -> [c A^T B]_kj  (B_i a vector: [c A^T B]_k; no A: [c 1^T B])   [equal]

    `table` maps each IndexedBase to its matrix (a MatrixSymbol, or for a defined quantity its matrix
    expression, e.g. z -> X w + b 1); `symbols` pairs the MatrixSymbols with their IndexedBases.
    """

    name = "matrix-form"
    relation = Relation.EQUAL

    def __init__(
        self, row: sp.Symbol | None, col: sp.Symbol | None, table: Mapping, symbols: Mapping
    ) -> None:
        self.row, self.col, self.table = row, col, dict(table)
        self.symbols = sp.Tuple(*(sp.Tuple(m, base) for m, base in symbols.items()))

    def rewrite(self, expr, assumptions):
        coefficient, s = _split_coefficient(expr)
        (index, low, high), *more = s.limits
        if more or low != 1:
            raise RuleError(f"rule {self.name!r} needs one sum from 1, not {s}")
        factors = sp.Mul.make_args(s.function)
        left = [f for f in factors if self.row is not None and self.row in f.free_symbols]
        right = sp.Mul(*(f for f in factors if f not in left))
        right_matrix = _vectorize(right, index, high, self.table, self.col)
        if left:
            left_matrix = _vectorize(sp.Mul(*left), index, high, self.table, self.row)
        else:
            left_matrix = sp.OneMatrix(high, 1)
        matrix = coefficient * sp.MatMul(sp.Transpose(left_matrix), right_matrix)
        # the scalar product canonicalises MatMul, whose doit rebuilds a Diag as a plain DiagMatrix
        matrix = matrix.replace(lambda e: type(e) is sp.DiagMatrix, lambda e: Diag(*e.args))
        row = self.row if left else 1
        return Entry(matrix, row, self.col if self.col is not None else 1, self.symbols)

    def justification(self):
        return (
            "a sum over the examples of products of entries is an entry of a matrix product (1-based entries)"
        )


@final
class UseDerived(Rule):
    """d^2 f/du dv -> d/dv g   where g = df/du was derived before (e.g. the gradient)   [equal: the checker
    differentiates both sides again]"""

    name = "use-derived"
    relation = Relation.EQUAL

    def __init__(self, derivative: sp.Derivative, value: sp.Expr, source: str) -> None:
        self.derivative, self.value, self.source = derivative, value, source

    def rewrite(self, expr, assumptions):
        known = self.derivative.variable_count

        def query(e):
            return (
                isinstance(e, sp.Derivative)
                and e.expr == self.derivative.expr
                and e.variable_count[: len(known)] == known
                and len(e.variable_count) > len(known)
            )

        new = expr.replace(query, lambda e: sp.Derivative(self.value, *e.variable_count[len(known) :]))
        if new == expr:
            raise RuleError(f"rule {self.name!r}: no higher derivative of {self.derivative} in {expr}")
        return new

    def justification(self):
        return f"differentiate the derived first derivative again ({self.source})"


@final
class Abbreviate(Rule):
    """... value ... -> ... name ...   where name := value is a declared definition (s_i := sigma(z_i)(1 - sigma(z_i)))
    [equal: the checker expands the definition]"""

    name = "abbreviate"
    relation = Relation.EQUAL

    def __init__(self, defined: sp.Indexed, value: sp.Expr, note: str | Phrase) -> None:
        self.defined, self.value, self.note = defined, value, note

    def rewrite(self, expr, assumptions):
        if (self.defined, self.value) not in assumptions.definitions:
            raise RuleError(
                f"rule {self.name!r}: {self.defined} := {self.value} is not a declared definition"
            )

        def inside(e: sp.Expr) -> sp.Expr:  # Sum.subs leaves a summand in its bound index alone
            if isinstance(e, sp.Sum):
                return sp.Sum(inside(e.function), *e.limits)
            e = e.func(*(inside(a) for a in e.args)) if e.args else e
            return e.subs(self.value, self.defined)

        return inside(expr)

    def justification(self):
        return self.note
