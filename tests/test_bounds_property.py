"""Property: an enclosure, when there is one, contains every value of the expression over its domain."""

from __future__ import annotations

import mpmath
import sympy as sp
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from xent_symbolic import Assumptions
from xent_symbolic.bounds import Bound, enclose
from xent_symbolic.primitives import MPMATH_FUNCTIONS, PRIMITIVES
from xent_symbolic.timebox import BudgetExceeded, time_limit

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)

RATIONAL_ENDS = st.builds(sp.Rational, st.integers(-40, 40), st.sampled_from((1, 2, 3, 7, 10, 1000)))
IRRATIONAL_ENDS = st.sampled_from(
    (sp.pi, -sp.pi, sp.E, -sp.E, sp.sqrt(2), -sp.sqrt(2), sp.pi / 7, -sp.log(2))
)
#: constants that cancel near or below the working precision, of both signs
CANCELLING = (
    sp.E - sp.Rational(27182818284590452353602874713527, 10**31),
    sp.pi - sp.Rational(314159265358979323846264338327950288, 10**35),
    sp.sqrt(2) - sp.Rational(14142135623730950488016887242097, 10**31),
    sp.log(2) - sp.Rational(6931471805599453094172321214581766, 10**34),
)
CONSTANTS = st.one_of(
    st.builds(sp.Rational, st.integers(-9, 9), st.integers(1, 4)),
    st.sampled_from((sp.pi, sp.E, sp.sqrt(2), sp.log(2), sp.exp(sp.Rational(1, 3)), *CANCELLING)),
)


@st.composite
def intervals(draw) -> sp.Interval:
    kinds = draw(st.tuples(*(st.sampled_from(("rational", "irrational", "infinite")),) * 2))
    ends = []
    for side, kind in zip((-1, 1), kinds, strict=True):
        if kind == "infinite":
            ends.append(side * sp.oo)
        else:
            ends.append(draw(RATIONAL_ENDS if kind == "rational" else IRRATIONAL_ENDS))
    lo, hi = ends
    if lo != -sp.oo and hi != sp.oo and (lo > hi) is sp.true:
        lo, hi = hi, lo
    if lo == hi:
        hi = lo + 1
    left_open, right_open = draw(st.booleans()), draw(st.booleans())
    return sp.Interval(lo, hi, left_open or lo == -sp.oo, right_open or hi == sp.oo)


def _applied(f, a):
    """f(a), or None where SymPy fails to build it (cosh of an expression SymPy compares with nan)."""
    try:
        return f(a)
    except (TypeError, ValueError, ZeroDivisionError, RecursionError):
        return None


def _combine(children):
    unary = st.sampled_from(PRIMITIVES).map(lambda p: p.sympy_class)
    power = st.sampled_from((-3, -2, -1, 2, 3, 4, sp.S.Half))
    return st.one_of(
        st.builds(_applied, unary, children).filter(lambda e: e is not None),
        st.builds(sp.Add, children, children),
        st.builds(lambda a, b: a - b, children, children),
        st.builds(sp.Mul, children, children),
        st.builds(lambda a, b: a / b, children, children),
        st.builds(sp.Pow, children, power),
    )


EXPRESSIONS = st.recursive(st.one_of(st.just(x), st.just(y), CONSTANTS), _combine, max_leaves=6)


@st.composite
def points(draw, interval: sp.Interval) -> sp.Expr:
    """A point of the interval: a closed end itself (irrational ones exactly), or a rational inside."""
    lo, hi = interval.inf, interval.sup
    choice = draw(st.integers(0, 9))
    if choice == 0 and not interval.left_open:
        return lo
    if choice == 1 and not interval.right_open:
        return hi
    u = sp.Rational(draw(st.integers(1, 999)), 1000)
    if lo == -sp.oo and hi == sp.oo:
        return sp.Rational(draw(st.integers(-2000, 2000)), draw(st.sampled_from((1, 3, 100))))
    lo_q = sp.Rational(sp.floor(lo * 10**6) + 1, 10**6) if lo != -sp.oo else None
    hi_q = sp.Rational(sp.ceiling(hi * 10**6) - 1, 10**6) if hi != sp.oo else None
    if lo_q is None:
        return hi_q - draw(st.integers(0, 2000)) * u
    if hi_q is None:
        return lo_q + draw(st.integers(0, 2000)) * u
    if lo_q >= hi_q:
        return (lo + hi) / 2
    return lo_q + (hi_q - lo_q) * u


def _value(expr: sp.Expr, point: dict, digits: int):
    """expr at the point with mpmath at `digits` digits (the point's irrational ends rounded to 20 more)."""
    f = sp.lambdify(list(point), expr, modules=[MPMATH_FUNCTIONS, "mpmath"])
    with mpmath.workdps(digits):
        args = [mpmath.mpf(sp.N(v, digits + 20)) for v in point.values()]
        try:
            with time_limit(1.0):  # exp(exp(exp(x))) at a large x would work for hours
                return +f(*args)
        except (ValueError, ZeroDivisionError, OverflowError, BudgetExceeded):
            return mpmath.nan


def _check(bound: Bound, expr: sp.Expr, point: dict) -> None:
    """exact (the expression at the point, SymPy's exact form) lies in the bound; rational values exactly,
    open ends excluded; others at 60 digits, allowing the difference from an 80-digit evaluation."""
    exact = expr.xreplace(point) if not expr.atoms(sp.Function) else None
    if exact is not None and exact.is_Rational:
        lo_ok = bound.lo == -sp.oo or (exact > bound.lo if bound.lo_open else exact >= bound.lo)
        hi_ok = bound.hi == sp.oo or (exact < bound.hi if bound.hi_open else exact <= bound.hi)
        assert lo_ok and hi_ok, (bound, exact)
        return
    v60, v80 = _value(expr, point, 60), _value(expr, point, 80)
    # an enclosure says every value is real
    assert isinstance(v60, mpmath.mpf) and mpmath.isfinite(v60), (bound, point, v60)
    with mpmath.workdps(90):
        a, b = mpmath.mpf(v60), mpmath.mpf(v80)
        if abs(a - b) > mpmath.mpf(10) ** -20 * max(1, abs(b)):  # ill-conditioned at the point: no verdict
            return
        tol = 10 * abs(a - b) + mpmath.mpf(10) ** -55 * max(1, abs(b))
        if bound.lo != -sp.oo:
            assert b >= mpmath.mpf(sp.N(bound.lo, 90)) - tol, (bound, point, v80)
        if bound.hi != sp.oo:
            assert b <= mpmath.mpf(sp.N(bound.hi, 90)) + tol, (bound, point, v80)


@given(EXPRESSIONS, intervals(), intervals(), st.data())
def test_the_enclosure_contains_the_value_at_random_points(expr, x_domain, y_domain, data):
    assume(isinstance(expr, sp.Expr) and not expr.has(sp.zoo, sp.nan))  # first: SymPy's queries fail on zoo
    try:
        finite = expr.is_finite
    except (TypeError, ValueError):  # cosh(zoo*x): SymPy's own assumption query compares nan
        finite = False
    assume(finite is not False)
    assumptions = Assumptions(domains=((x, x_domain), (y, y_domain)))
    bound = enclose(expr, assumptions)
    note(f"bound {bound}")
    event("enclosed" if bound is not None else "no enclosure")
    if bound is None:
        return
    for _ in range(2):
        point = {x: data.draw(points(x_domain)), y: data.draw(points(y_domain))}
        note(f"point {point}")
        _check(bound, expr, point)
