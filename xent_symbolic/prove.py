"""Symbolic proofs of identities under declared assumptions: sound log rules, sums merged by limits, case splits."""

from __future__ import annotations

import time
from itertools import product as cartesian

import sympy as sp

from .assumptions import Assumptions
from .bounds import enclose, proves_positive
from .timebox import BudgetExceeded, time_limit

__all__ = ["proves_zero", "expand_log_soundly"]

_MAX_CASES = 16


def expand_log_soundly(expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
    """Apply log(prod f) = sum log f, log(a b) = log a + log b, log(a^k) = k log a, log(exp(x)) = x,
    each only where its side condition (positive arguments, real exponents) is proved by interval bounds."""

    def positive(e: sp.Expr) -> bool:
        return proves_positive(e, assumptions)

    def rewrite(e: sp.Expr) -> sp.Expr:
        if not e.args:
            return e
        e = e.func(*(rewrite(a) for a in e.args)) if not isinstance(e, (sp.Sum, sp.Product)) else _rewrite_inside(e, rewrite)
        if not isinstance(e, sp.log) or len(e.args) != 1:
            return e
        (arg,) = e.args
        if isinstance(arg, sp.Product) and _proves_factor_positive(arg, assumptions):
            return rewrite(sp.Sum(sp.log(arg.function), *arg.limits))
        if isinstance(arg, sp.Mul) and all(positive(f) for f in arg.args):
            return sp.Add(*(rewrite(sp.log(f)) for f in arg.args))
        if isinstance(arg, sp.Pow) and positive(arg.base) and enclose(arg.exp, assumptions) is not None:
            return arg.exp * rewrite(sp.log(arg.base))
        if isinstance(arg, sp.exp) and enclose(arg.args[0], assumptions) is not None:
            return arg.args[0]
        return e

    return rewrite(expr)


def _rewrite_inside(e: sp.Expr, rewrite) -> sp.Expr:
    return e.func(rewrite(e.function), *e.limits)


def _proves_factor_positive(product: sp.Product, assumptions: Assumptions) -> bool:
    extra_ranges = tuple((i, lo, hi) for i, lo, hi in product.limits)
    scoped = Assumptions(
        assumptions.domains, assumptions.parameters, assumptions.indices + extra_ranges, assumptions.definitions
    )
    return proves_positive(product.function, scoped)


def _nested(expr: sp.Expr) -> sp.Expr:
    """Sums and products with several limits as nested single-limit ones (the first limit innermost)."""

    def split(e):
        if isinstance(e, (sp.Sum, sp.Product)) and len(e.limits) > 1:
            inner = e.func(e.function, e.limits[0])
            return split(e.func(inner, *e.limits[1:]))
        return e

    return expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)) and len(e.limits) > 1, split)


def _canonical_index(depth: int) -> sp.Symbol:
    return sp.Symbol(f"_k{depth}", integer=True)


def _split_sums(expr: sp.Expr, depth: int) -> tuple[sp.Expr, dict[tuple, sp.Expr]]:
    """expr = rest + sum over groups of Sum(summand, limits): terms c*Sum(f, L) with c free of L's index are
    gathered into one summand per range L, the bound index renamed canonically."""
    groups: dict[tuple, sp.Expr] = {}
    rest = sp.S.Zero
    index = _canonical_index(depth)
    for term in sp.Add.make_args(sp.expand(expr, deep=False)):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            rest += term
            continue
        (s,) = sums
        (var, low, high) = s.limits[0]
        coefficient = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not s))
        if var in coefficient.free_symbols or index in coefficient.free_symbols:
            rest += term
            continue
        key = (low, high)
        groups[key] = groups.get(key, sp.S.Zero) + coefficient * s.function.xreplace({var: index})
    return rest, groups


def _finite_atoms(expr: sp.Expr, assumptions: Assumptions) -> list[sp.Basic]:
    """Atoms with a finite domain that may be split into cases: none whose index is bound by a Sum/Product
    (substituting y[i] inside a sum over i would only test the cases where all y_i are equal)."""
    bound = {var for e in expr.atoms(sp.Sum, sp.Product) for var, *_ in e.limits}
    atoms = expr.atoms(sp.Indexed) | {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return sorted(
        (a for a in atoms if isinstance(assumptions.domain_of(a), sp.FiniteSet) and not (a.free_symbols & bound)),
        key=sp.default_sort_key,
    )


def _with_assumed_dummies(expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
    """Indexed atoms as Dummies that carry what the bounds prove (real, positive) so simplify can use it."""
    replacement = {}
    for atom in expr.atoms(sp.Indexed):
        bound = enclose(atom, assumptions)
        if bound is None:
            continue
        replacement[atom] = sp.Dummy(str(atom), real=True, positive=True if bound.is_positive() else None)
    return expr.xreplace(replacement)


def _plain_zero(expr: sp.Expr, assumptions: Assumptions, deadline: float) -> bool:
    """Zero test of an expression without sums: cheap normal forms first, then simplify within the budget."""
    attempts = (
        lambda e: sp.expand(e),
        lambda e: sp.cancel(sp.expand(e)),
        lambda e: sp.simplify(_with_assumed_dummies(e, assumptions)),
        lambda e: sp.simplify(_with_assumed_dummies(e.rewrite(sp.exp), assumptions)),
    )
    for attempt in attempts:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            with time_limit(remaining):
                if attempt(expr) == 0:
                    return True
        except BudgetExceeded:
            return False
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            continue
    return False


def _zero(expr: sp.Expr, assumptions: Assumptions, deadline: float, depth: int) -> bool:
    if expr == 0:
        return True
    finite = _finite_atoms(expr, assumptions)
    if finite and len(finite) <= 4:
        values = [sorted(assumptions.domain_of(a)) for a in finite]
        return all(
            _zero(expr.xreplace(dict(zip(finite, case))), assumptions, deadline, depth)
            for case in cartesian(*values)
        )
    rest, groups = _split_sums(expr, depth)
    for (low, high), summand in groups.items():
        index = _canonical_index(depth)
        inner = Assumptions(
            assumptions.domains, assumptions.parameters, assumptions.indices + ((index, low, high),), assumptions.definitions
        )
        if not _zero(summand, inner, deadline, depth + 1):
            return False
    if rest == 0:
        return True
    if rest.has(sp.Sum, sp.Product):
        return _plain_zero(rest.doit(), assumptions, deadline) if not rest.doit().has(sp.Sum, sp.Product) else False
    return _plain_zero(rest, assumptions, deadline)


def proves_zero(expr: sp.Expr, assumptions: Assumptions, budget: float) -> bool:
    """True only if `expr` is proved to be 0 for every admissible value; False means 'not proved'."""
    deadline = time.monotonic() + budget
    expr = assumptions.expand_definitions(sp.sympify(expr))
    expr = _nested(expr)
    expr = expand_log_soundly(expr, assumptions)
    try:
        return _zero(expr, assumptions, deadline, 0)
    except BudgetExceeded:
        return False

