"""Rules on nested finite sums: exchange their order, factor independent sums apart, collect a square."""

from __future__ import annotations

from typing import final

import sympy as sp

from .core import Relation
from .errors import RuleError
from .rules import Rule

__all__ = ["CollectSquare", "FactorSums", "ReorderSums", "substitute_free", "write_out_sums"]


def substitute_free(expr: sp.Expr, var: sp.Symbol, value: sp.Expr) -> sp.Expr:
    """`expr` with the free occurrences of `var` replaced by `value`: a Sum or Product that binds `var` again
    (shadowing it) keeps its own; only its limits outside that binding change (xreplace would replace both)."""
    if not expr.has(var):
        return expr
    if isinstance(expr, (sp.Sum, sp.Product)):
        shadow = max((k for k, (v, *_) in enumerate(expr.limits) if v == var), default=-1)
        function = expr.function if shadow >= 0 else substitute_free(expr.function, var, value)
        limits = [
            (v, low, high)
            if k < shadow
            else (v, substitute_free(low, var, value), substitute_free(high, var, value))
            for k, (v, low, high) in enumerate(expr.limits)
        ]
        return expr.func(function, *limits)
    if not expr.args:
        return value if expr == var else expr
    return expr.func(*(substitute_free(a, var, value) for a in expr.args))


#: the most terms a sum or product is written out with (sampled sizes are at most 4)
_MAX_WRITTEN_OUT = 10_000


def write_out_sums(expr: sp.Expr) -> sp.Expr:
    """Every Sum and Product whose limits are integers written out term by term, the outermost limit first, so
    an inner limit that depends on an outer index (sum_{i<=n} sum_{j<=i} x_j) becomes numbers too and no bound
    element x[j] is left to be sampled as a free unknown. Karr's convention for reversed limits:
    sum_{i=a}^{b} f = -sum_{i=b+1}^{a-1} f and prod_{i=a}^{b} f = 1 / prod_{i=b+1}^{a-1} f when b < a - 1."""

    def out(e: sp.Expr) -> sp.Expr:
        if not isinstance(e, (sp.Sum, sp.Product)):
            return e.func(*(out(a) for a in e.args)) if e.args else e
        var, low, high = e.limits[-1]
        if not (low.is_Integer and high.is_Integer) or abs(high - low) > _MAX_WRITTEN_OUT:
            return e
        inner = e.func(e.function, *e.limits[:-1]) if len(e.limits) > 1 else e.function
        combine = sp.Add if isinstance(e, sp.Sum) else sp.Mul
        if high >= low - 1:
            return combine(
                *(out(substitute_free(inner, var, sp.Integer(v))) for v in range(int(low), int(high) + 1))
            )
        reversed_terms = combine(
            *(out(substitute_free(inner, var, sp.Integer(v))) for v in range(int(high) + 1, int(low)))
        )
        return -reversed_terms if isinstance(e, sp.Sum) else 1 / reversed_terms

    return out(expr) if expr.has(sp.Sum, sp.Product) else expr


def _gather(expr: sp.Expr) -> tuple[list[sp.Expr], list[tuple]]:
    """The factors and the limits of a product of nested sums: expr = prod(factors) summed over the limits."""
    factors: list[sp.Expr] = []
    limits: list[tuple] = []

    def walk(e: sp.Expr) -> None:
        for f in sp.Mul.make_args(e):
            if isinstance(f, sp.Sum):
                limits.extend(tuple(limit) for limit in f.limits)
                walk(f.function)
            else:
                factors.append(f)

    walk(expr)
    return factors, limits


@final
class ReorderSums(Rule):
    """c sum_k sum_l a_k b_kl ... -> c sum_i ... in the given order, each factor in the outermost sum that binds
    all its indices   [equal: finite sums with independent limits may be exchanged; constants factor out]"""

    name = "reorder-sums"
    relation = Relation.EQUAL

    def __init__(self, *order: sp.Symbol) -> None:
        self.order = order

    def rewrite(self, expr, assumptions):
        factors, limits = _gather(expr)
        by_index = {var: (var, low, high) for var, low, high in limits}
        if len(by_index) != len(limits) or set(by_index) != set(self.order):
            raise RuleError(
                f"rule {self.name!r}: the sums of {expr} are not over distinct indices {self.order}"
            )
        if any((low.free_symbols | high.free_symbols) & set(by_index) for _, low, high in limits):
            raise RuleError(f"rule {self.name!r}: a limit of {expr} depends on another sum's index")
        if any(f.has(sp.Sum) and f.free_symbols & set(by_index) for f in factors):
            raise RuleError(f"rule {self.name!r}: a factor of {expr} holds a sum over a bound index")
        depth = {var: position for position, var in enumerate(self.order)}

        def level(f: sp.Expr) -> int:
            return max((depth[var] for var in f.free_symbols & set(by_index)), default=-1)

        result = sp.S.One
        for position in reversed(range(len(self.order))):
            here = sp.Mul(*(f for f in factors if level(f) == position))
            result = sp.Sum(here * result, by_index[self.order[position]])
        return sp.Mul(*(f for f in factors if level(f) == -1)) * result

    def justification(self):
        order = ", ".join(str(var) for var in self.order)
        return f"finite sums with independent limits may be exchanged: sum over {order} (outermost first), factors out"


@final
class FactorSums(Rule):
    """sum_k (a_k sum_l b_l) -> (sum_k a_k)(sum_l b_l) when sum_l b_l does not depend on k   [equal: linearity]"""

    name = "factor-sums"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def independent(e: sp.Sum) -> list[sp.Expr]:
            ((var, *_),) = e.limits
            return [
                f for f in sp.Mul.make_args(e.function) if isinstance(f, sp.Sum) and var not in f.free_symbols
            ]

        def query(e):
            return isinstance(e, sp.Sum) and len(e.limits) == 1 and bool(independent(e))

        def value(e):
            outside = independent(e)
            inside = sp.Mul(*(f for f in sp.Mul.make_args(e.function) if f not in outside))
            return sp.Sum(inside, *e.limits) * sp.Mul(*outside)

        return expr.replace(query, value)

    def justification(self):
        return "a sum that does not depend on the outer index is a constant factor of the outer sum"


@final
class CollectSquare(Rule):
    """(sum_k a_k)(sum_l a_l) -> (sum_k a_k)^2   [equal: renaming a bound index changes nothing]"""

    name = "collect-square"
    relation = Relation.EQUAL

    def __init__(self, index: sp.Symbol) -> None:
        self.index = index

    def rewrite(self, expr, assumptions):
        def query(e):
            if not (isinstance(e, sp.Sum) and len(e.limits) == 1):
                return False
            var, low, high = e.limits[0]
            return var != self.index and not (
                e.function.has(self.index) or low.has(self.index) or high.has(self.index)
            )

        def value(e):
            var, low, high = e.limits[0]
            return sp.Sum(e.function.xreplace({var: self.index}), (self.index, low, high))

        new = expr.replace(query, value)
        if not new.has(sp.Pow) or not any(isinstance(p.base, sp.Sum) for p in new.atoms(sp.Pow)):
            raise RuleError(
                f"rule {self.name!r}: renaming the sums of {expr} to {self.index} gives no square"
            )
        return new

    def justification(self):
        return f"rename the bound index of each sum to {self.index}: the two equal factors make a square"
