"""Sound interval enclosures of expressions over the declared domains: proves signs and ranges cheaply."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product as cartesian

import sympy as sp

from .assumptions import Assumptions
from .primitives import BY_NAME, Monotone, Primitive, primitive_of

__all__ = ["Bound", "enclose", "proves_negative", "proves_positive", "proves_within"]

oo = sp.oo


@dataclass(frozen=True)
class Bound:
    """A set containing every value of an expression: the interval from lo to hi (each end open or closed)."""

    lo: sp.Expr
    hi: sp.Expr
    lo_open: bool = False
    hi_open: bool = False

    @staticmethod
    def point(value: sp.Expr) -> Bound:
        return Bound(value, value)

    @staticmethod
    def of_set(domain: sp.Set) -> Bound:
        if isinstance(domain, sp.Interval):
            return Bound(
                domain.inf,
                domain.sup,
                domain.left_open or domain.inf == -oo,
                domain.right_open or domain.sup == oo,
            )
        if domain == sp.S.Naturals:
            return Bound(sp.S.One, oo, False, True)
        if domain == sp.S.Naturals0:
            return Bound(sp.S.Zero, oo, False, True)
        inf, sup = domain.inf, domain.sup
        return Bound(inf, sup, inf == -oo, sup == oo)

    def is_positive(self) -> bool:
        return bool(self.lo > 0 or (self.lo == 0 and self.lo_open))

    def is_nonnegative(self) -> bool:
        return bool(self.lo >= 0)

    def neg(self) -> Bound:
        return Bound(-self.hi, -self.lo, self.hi_open, self.lo_open)

    def within(self, domain: sp.Set) -> bool:
        """Whether every value of the enclosure lies in `domain` (an interval or the reals)."""
        if domain == sp.S.Reals:
            return True
        if not isinstance(domain, sp.Interval):
            return False
        low_ok = self.lo > domain.inf or (self.lo == domain.inf and (self.lo_open or not domain.left_open))
        high_ok = self.hi < domain.sup or (self.hi == domain.sup and (self.hi_open or not domain.right_open))
        return bool(low_ok and high_ok)


REALS = Bound(-oo, oo, True, True)


def _add(a: Bound, b: Bound) -> Bound:
    return Bound(a.lo + b.lo, a.hi + b.hi, a.lo_open or b.lo_open, a.hi_open or b.hi_open)


def _times(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    if x == 0 or y == 0:
        return sp.S.Zero  # 0 times an unbounded end: the end is only approached, the product stays 0
    return x * y


def _mul(a: Bound, b: Bound) -> Bound:
    ends = [
        (_times(x, y), x_open or y_open)
        for (x, x_open), (y, y_open) in cartesian(
            ((a.lo, a.lo_open), (a.hi, a.hi_open)), ((b.lo, b.lo_open), (b.hi, b.hi_open))
        )
    ]
    lo = min(v for v, _ in ends)
    hi = max(v for v, _ in ends)
    # an end is open only if every way of reaching it is open; zero is reached whenever a factor can be zero
    zero_reached = _reaches_zero(a) or _reaches_zero(b)
    lo_open = all(o for v, o in ends if v == lo) and not (lo == 0 and zero_reached)
    hi_open = all(o for v, o in ends if v == hi) and not (hi == 0 and zero_reached)
    return Bound(lo, hi, lo_open or lo == -oo, hi_open or hi == oo)


def _reaches_zero(b: Bound) -> bool:
    """Whether zero may be a value of b (it lies in b and is not an excluded end)."""
    if not (b.lo <= 0 <= b.hi):
        return False
    return not ((b.lo == 0 and b.lo_open) or (b.hi == 0 and b.hi_open))


def _increasing(f, b: Bound) -> Bound:
    return Bound(f(b.lo), f(b.hi), b.lo_open, b.hi_open)


def _hull(parts) -> Bound:
    """The smallest Bound holding every one of `parts`."""
    lo = min(p.lo for p in parts)
    hi = max(p.hi for p in parts)
    return Bound(
        lo, hi, all(p.lo_open for p in parts if p.lo == lo), all(p.hi_open for p in parts if p.hi == hi)
    )


def _defined_on(b: Bound, domain: sp.Interval) -> bool:
    """Whether every value of b lies in `domain` (an infinite end of b is approached, never reached)."""
    low_ok = (
        domain.inf == -oo or b.lo > domain.inf or (b.lo == domain.inf and (b.lo_open or not domain.left_open))
    )
    high_ok = (
        domain.sup == oo or b.hi < domain.sup or (b.hi == domain.sup and (b.hi_open or not domain.right_open))
    )
    return bool(low_ok and high_ok)


def _image(f, rule: Monotone, b: Bound) -> Bound | None:
    """f over b, f strictly increasing on rule.domain: the values at b's ends, the table's values at the
    domain's ends (limits there); an end of b that is open or infinite stays open."""
    if not _defined_on(b, rule.domain):
        return None
    lo = rule.ends[0] if b.lo == rule.domain.inf else f(b.lo)
    hi = rule.ends[1] if b.hi == rule.domain.sup else f(b.hi)
    return Bound(lo, hi, b.lo_open or b.lo == -oo, b.hi_open or b.hi == oo)


def _apply(primitive: Primitive, b: Bound) -> Bound | None:
    """The enclosure of primitive(x) for x in b, read from the primitive's row: the one place it is interpreted."""
    f, rule = primitive.sympy_class, primitive.enclosure
    if not rule.even or b.is_nonnegative():
        return _image(f, rule, b)
    if b.neg().is_nonnegative():
        return _image(f, rule, b.neg())
    # b holds negative and positive values: f(x) = f(|x|), |x| ranging over [0, -b.lo) and [0, b.hi)
    left = _image(f, rule, Bound(sp.S.Zero, -b.lo, False, b.lo_open))
    right = _image(f, rule, Bound(sp.S.Zero, b.hi, False, b.hi_open))
    return _hull((left, right)) if left and right else None


def _reciprocal(b: Bound) -> Bound | None:
    if b.is_positive():
        lo = sp.S.Zero if b.hi == oo else 1 / b.hi
        hi = oo if b.lo == 0 else 1 / b.lo
        return Bound(lo, hi, b.hi_open, b.lo_open)
    if b.neg().is_positive():
        inner = _reciprocal(b.neg())
        return inner.neg() if inner else None
    return None


def _pow(base: Bound, exponent: sp.Expr, exp_bound: Bound) -> Bound | None:
    if exponent.is_Integer:
        k = int(exponent)
        if k == 0:
            return Bound.point(sp.S.One)
        if k < 0:
            inner = _pow(base, -exponent, Bound.point(-exponent))
            return _reciprocal(inner) if inner else None
        if base.is_nonnegative():
            return Bound(base.lo**k, base.hi**k, base.lo_open, base.hi_open)
        if k % 2 == 0:  # an even power of a real number is at least 0, whatever its sign
            top = sp.Max(base.lo**k, base.hi**k)
            return Bound(sp.S.Zero, top, not _reaches_zero(base), top == oo)
        result = base
        for _ in range(k - 1):
            result = _mul(result, base)
        return result
    if exponent == sp.S.Half and base.is_nonnegative():
        return _increasing(sp.sqrt, base)
    if base.is_positive():
        log_base = _apply(BY_NAME["log"], base)  # base**e = exp(e log base)
        return _apply(BY_NAME["exp"], _mul(log_base, exp_bound)) if log_base else None
    return None


def _count(low: sp.Expr, high: sp.Expr, assumptions: Assumptions, env: dict) -> Bound | None:
    """The number of terms high - low + 1 of a Sum or Product, enclosed."""
    count = _enclose(high - low + 1, assumptions, env)
    if count is None:
        return None
    return Bound(sp.Max(count.lo, 0), count.hi, count.lo_open and count.lo >= 0, count.hi_open)


def _term(expr: sp.Sum | sp.Product, assumptions: Assumptions, env: dict) -> Bound | None:
    """The enclosure of one term of a Sum or Product, its index ranging over the outermost limits."""
    (index, low, high), *rest = expr.limits
    low_b, high_b = _enclose(low, assumptions, env), _enclose(high, assumptions, env)
    if low_b is None or high_b is None:
        return None
    inner = expr.func(expr.function, *rest) if rest else expr.function
    return _enclose(inner, assumptions, {**env, index: Bound(low_b.lo, high_b.hi)})


def _sum(expr: sp.Sum, assumptions: Assumptions, env: dict) -> Bound | None:
    (_, low, high), *_ = expr.limits
    term = _term(expr, assumptions, env)
    count = _count(low, high, assumptions, env)
    if term is None or count is None:
        return None
    return _mul(count, term)


def _product(expr: sp.Product, assumptions: Assumptions, env: dict) -> Bound | None:
    term = _term(expr, assumptions, env)
    if term is None or not term.is_positive():
        return None
    if term.hi <= 1:  # a product of numbers in (0, 1] (or of none) lies in (0, 1]
        return Bound(sp.S.Zero, sp.S.One, True, False)
    if term.lo >= 1:
        return Bound(sp.S.One, oo, False, True)
    return Bound(sp.S.Zero, oo, True, True)


def _fold(args, start: sp.Expr, combine, assumptions: Assumptions, env: dict) -> Bound | None:
    """The enclosure of a sum or product: the enclosures of its terms combined (None if any is missing)."""
    result = Bound.point(start)
    for arg in args:
        b = _enclose(arg, assumptions, env)
        if b is None:
            return None
        result = combine(result, b)
    return result


def _enclose(expr: sp.Expr, assumptions: Assumptions, env: dict) -> Bound | None:
    if expr.is_number:
        if expr.is_real is False:
            return None
        if expr in (oo, -oo):
            return Bound.point(expr)
        value = expr.evalf(30)
        return Bound.point(expr if expr.is_Rational else value) if value.is_real else None
    if expr in env:
        return env[expr]
    if isinstance(expr, (sp.Symbol, sp.Indexed)):
        return Bound.of_set(assumptions.domain_of(expr))
    if isinstance(expr, sp.Add):
        return _fold(expr.args, sp.S.Zero, _add, assumptions, env)
    if isinstance(expr, sp.Mul):
        return _fold(expr.args, sp.S.One, _mul, assumptions, env)
    if isinstance(expr, sp.Pow):
        base = _enclose(expr.base, assumptions, env)
        exponent = _enclose(expr.exp, assumptions, env)
        if base is None or exponent is None:
            return None
        return _pow(base, expr.exp, exponent)
    primitive = primitive_of(expr)
    if primitive is not None:
        b = _enclose(expr.args[0], assumptions, env) if len(expr.args) == 1 else None
        return _apply(primitive, b) if b else None
    if isinstance(expr, sp.factorial):
        b = _enclose(expr.args[0], assumptions, env)
        return Bound(sp.S.One, oo, False, True) if b is not None and b.is_nonnegative() else None
    if isinstance(expr, sp.Sum):
        return _sum(expr, assumptions, env)
    if isinstance(expr, sp.Product):
        return _product(expr, assumptions, env)
    if isinstance(expr, sp.Piecewise):
        parts = [_enclose(value, assumptions, env) for value, _ in expr.args]
        return None if any(p is None for p in parts) else _hull(parts)
    return None


def enclose(expr: sp.Expr, assumptions: Assumptions, extra: dict | None = None) -> Bound | None:
    """A Bound containing every value of `expr` over the declared domains, or None where none is derived.

    `extra` maps further atoms (a dummy variable t of a transform) to their sets of values.
    """
    env = {atom: Bound.of_set(domain) for atom, domain in (extra or {}).items()}
    try:
        return _enclose(sp.sympify(expr), assumptions, env)
    except (TypeError, ValueError):  # an end SymPy cannot order (a symbolic bound): no enclosure
        return None


def proves_positive(expr: sp.Expr, assumptions: Assumptions, extra: dict | None = None) -> bool:
    bound = enclose(expr, assumptions, extra)
    return bound is not None and bound.is_positive()


def proves_negative(expr: sp.Expr, assumptions: Assumptions, extra: dict | None = None) -> bool:
    return proves_positive(-expr, assumptions, extra)


def proves_within(expr: sp.Expr, domain: sp.Set, assumptions: Assumptions, extra: dict | None = None) -> bool:
    bound = enclose(expr, assumptions, extra)
    return bound is not None and bound.within(domain)
