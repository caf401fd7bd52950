"""Recorded derivatives and matrix entries evaluated to plain index expressions under the declared definitions.

A derivative with respect to a defined quantity (yhat_i, z_i) is partial: the definitions listed before it (the
outer layers) and every definition that refers to it are expanded, the ones it is defined from are held fixed. A
derivative with respect to anything else is total: every definition is expanded first, to a fixed point.
Definitions are listed from the outermost quantity inward (any other order gives the same derivatives).
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from .assumptions import Assumptions
from .matrices import Entry

__all__ = ["collapse_deltas", "evaluate_derivative", "prepare"]


def _layer(variable: sp.Basic, assumptions: Assumptions) -> int:
    """How many definitions lie above `variable` (all of them when it is not itself defined)."""
    key = variable.base if isinstance(variable, sp.Indexed) else variable
    for position, (defined, _) in enumerate(assumptions.definitions):
        if (defined.base if isinstance(defined, sp.Indexed) else defined) == key:
            return position
    return len(assumptions.definitions)


def _expand_layers(expr: sp.Expr, variable: sp.Basic, assumptions: Assumptions) -> sp.Expr:
    """`expr` ready for a derivative with respect to `variable`: the definitions listed before it (the outer
    layers) and every definition that refers to it, directly or not, expanded to a fixed point; `variable`
    itself and what it is defined from are held fixed. A definition listed after `variable` that refers to it is
    expanded too: otherwise the order of the definitions would hide a dependence and drop a term."""
    position = _layer(variable, assumptions)
    dependents = assumptions.dependents(variable)
    chosen = tuple(d for k, d in enumerate(assumptions.definitions) if k < position or d in dependents)
    outer = replace(assumptions, definitions=chosen)
    return outer.expand_definitions(expr)


def evaluate_derivative(
    derivative: sp.Derivative, assumptions: Assumptions, *, indirect: bool = True
) -> sp.Expr:
    """The value of one Derivative node (its inner derivatives already evaluated), deltas collapsed."""
    expr = derivative.expr
    for variable, count in derivative.variable_count:
        expr = _expand_layers(expr, variable, assumptions)
        expr = collapse_deltas(sp.diff(expr, variable, count), assumptions, indirect=indirect)
    return expr


def _within(index: sp.Expr, low: sp.Expr, high: sp.Expr, assumptions: Assumptions, ranges: dict) -> bool:
    """Whether low <= index <= high is implied by the declared range of `index` (or of an enclosing sum)."""
    if isinstance(index, sp.Indexed) and not ranges.get(_INDIRECT, True):
        return False
    if index.is_Integer:
        lo = hi = index
    elif index in ranges:
        lo, hi = ranges[index]
    elif isinstance(index, sp.Symbol) and assumptions.index_range(index) is not None:
        lo, hi = assumptions.index_range(index)
    else:
        domain = assumptions.domain_of(index)
        if not isinstance(domain, sp.Range):
            return False
        lo, hi = domain.inf, domain.sup
    return bool(sp.simplify(lo - low).is_nonnegative) and bool(sp.simplify(high - hi).is_nonnegative)


def _collapse_sum(
    summand: sp.Expr, var: sp.Symbol, low, high, assumptions: Assumptions, ranges: dict
) -> sp.Expr:
    if not any(var in delta.free_symbols for delta in summand.atoms(sp.KroneckerDelta)):
        return sp.Sum(summand, (var, low, high))
    kept, collapsed = [], []
    for term in sp.Add.make_args(sp.expand_mul(summand)):
        delta = next(
            (
                f
                for f in sp.Mul.make_args(term)
                if isinstance(f, sp.KroneckerDelta)
                and var in f.free_symbols
                and len({a for a in f.args if var not in a.free_symbols}) == 1
            ),
            None,
        )
        if delta is None:
            kept.append(term)
            continue
        other = next(a for a in delta.args if var not in a.free_symbols)
        if var not in delta.args or not _within(other, low, high, assumptions, ranges):
            kept.append(term)
            continue
        collapsed.append((term / delta).xreplace({var: other}))
    result = sp.Add(*collapsed)
    if kept:
        result += sp.Sum(sp.Add(*kept), (var, low, high))
    return result


_INDIRECT = sp.Dummy("indirect")


def collapse_deltas(
    expr: sp.Expr, assumptions: Assumptions, ranges: dict | None = None, *, indirect: bool = True
) -> sp.Expr:
    """sum_{j=a}^{b} delta_{jk} f(j) -> f(k) wherever a <= k <= b follows from k's declared range.

    With indirect=False a delta against an Indexed value (delta_{c, t_i}) is kept: numeric evidence samples
    t_i itself and must not meet entries such as W[t_i, q] as separate unknowns.
    """
    ranges = dict(ranges or {})
    if not indirect:
        ranges[_INDIRECT] = False
    if not expr.args or not expr.has(sp.KroneckerDelta):
        return expr
    if isinstance(expr, sp.Sum):
        *inner, (var, low, high) = expr.limits  # the last limit is the outermost
        inner_ranges = {**ranges, var: (low, high)}
        function = sp.Sum(expr.function, *inner) if inner else expr.function
        function = collapse_deltas(function, assumptions, inner_ranges)
        return _collapse_sum(function, var, low, high, assumptions, ranges)
    if isinstance(expr, (sp.Derivative, Entry, sp.Product)):
        return expr
    return expr.func(*(collapse_deltas(a, assumptions, ranges) for a in expr.args))


def _evaluate_all(expr: sp.Expr, assumptions: Assumptions, indirect: bool) -> sp.Expr:
    if not expr.args:
        return expr
    if isinstance(expr, Entry):
        return _evaluate_all(expr.index_form(), assumptions, indirect)
    if isinstance(expr, sp.Derivative):
        inner = _evaluate_all(expr.expr, assumptions, indirect)
        return evaluate_derivative(sp.Derivative(inner, *expr.variable_count), assumptions, indirect=indirect)
    if not expr.has(sp.Derivative, Entry):
        return expr
    return expr.func(*(_evaluate_all(a, assumptions, indirect) for a in expr.args))


def prepare(expr: sp.Expr, assumptions: Assumptions, *, indirect: bool = True) -> sp.Expr:
    """`expr` with every Derivative and matrix Entry evaluated, the definitions expanded and Kronecker deltas
    collapsed (for an expression without derivatives, entries or deltas: expand_definitions alone)."""
    if expr.has(sp.Derivative, Entry):
        expr = _evaluate_all(expr, assumptions, indirect)
    expr = assumptions.expand_definitions(expr)
    return collapse_deltas(expr, assumptions, indirect=indirect) if expr.has(sp.KroneckerDelta) else expr
