"""Sound interval enclosures of expressions over the declared domains: every end rounded outward, so no enclosure
ever excludes a true value; proves signs and ranges cheaply."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import product as cartesian

import sympy as sp
from mpmath.libmp import (
    ComplexResult,
    finf,
    fnan,
    fninf,
    fone,
    from_int,
    from_rational,
    fzero,
    mpf_add,
    mpf_cmp,
    mpf_div,
    mpf_e,
    mpf_mul,
    mpf_pi,
    mpf_pow_int,
    mpf_sqrt,
    round_ceiling,
    round_floor,
)

from .assumptions import Assumptions
from .primitives import BY_NAME, Directed, Monotone, Primitive, primitive_of

__all__ = ["Bound", "enclose", "proves_negative", "proves_positive", "proves_within"]

oo = sp.oo

#: bits of the rounded ends of an enclosure (about 34 digits)
PREC = 113
#: the precisions (digits) at which a constant is enclosed, in turn, until its enclosure excludes 0
CONSTANT_DIGITS = (30, 60, 120, 240)
#: exact rational ends are kept while numerator and denominator have at most this many bits, then rounded
MAX_EXACT_BITS = 512
#: ends beyond 2**MAX_MAGNITUDE (or nonzero below 2**-MAX_MAGNITUDE) are widened to a bounded end, so no
#: computation carries an astronomically large number further
MAX_MAGNITUDE = 4096
#: a rational lower bound of the least value of the gamma function on (0, oo): 0.8856031944... at 1.4616321...
GAMMA_MIN_LOWER = sp.Rational(885, 1000)

FLOOR, CEILING = round_floor, round_ceiling


def _bits(digits: int) -> int:
    return int(digits * 3.3219280948873626) + 8


# ------------------------------------------------------------------------------------------- ends
# An end is a SymPy Rational (exact, kept while small), a SymPy Float (an exact binary number, the result of
# rounding outward), or oo / -oo (an infinite end, always open: approached, never a value).


def _is_infinite(x: sp.Expr) -> bool:
    return x is oo or x is sp.S.NegativeInfinity


def _as_end(value: object) -> sp.Expr:
    x = sp.sympify(value)
    if isinstance(x, sp.Float):
        if x._mpf_ == finf:
            return oo
        if x._mpf_ == fninf:
            return -oo
        if x._mpf_ == fnan:
            raise ValueError("a Bound's end is not a number (nan)")
        return x
    if x.is_Rational or _is_infinite(x):
        return x
    raise TypeError(f"a Bound's ends are numbers (rational, binary float or infinite), not {x}")


def _cmp(x: sp.Expr, y: sp.Expr) -> int:
    """-1, 0 or 1 as x <, =, > y: exact, whatever the kinds of the two ends."""
    rx = 1 if x is oo else -1 if x is sp.S.NegativeInfinity else 0
    ry = 1 if y is oo else -1 if y is sp.S.NegativeInfinity else 0
    if rx or ry:
        return (rx > ry) - (rx < ry)
    if x.is_Rational and y.is_Rational:
        a, b = x.p * y.q, y.p * x.q
        return (a > b) - (a < b)
    if x.is_Rational:
        return -_cmp(y, x)
    if y.is_Rational:  # x a Float: x <?> p/q as x q <?> p, exactly (q > 0)
        return mpf_cmp(mpf_mul(x._mpf_, from_int(y.q)), from_int(y.p))
    return mpf_cmp(x._mpf_, y._mpf_)


def _min(values):
    result = None
    for v in values:
        result = v if result is None or _cmp(v, result) < 0 else result
    return result


def _max(values):
    result = None
    for v in values:
        result = v if result is None or _cmp(v, result) > 0 else result
    return result


def _to_mpf(x: sp.Expr, prec: int, rnd: str) -> tuple:
    """The end as an mpmath raw number, rounded in the direction rnd where it is not a binary number."""
    if x is oo:
        return finf
    if x is sp.S.NegativeInfinity:
        return fninf
    if isinstance(x, sp.Float):
        return x._mpf_
    if x.q == 1:
        return from_int(x.p)
    return from_rational(x.p, x.q, prec, rnd)


def _from_mpf(t: tuple) -> sp.Expr:
    """An mpmath raw number as an end (exactly): small integers as Integers, others as Floats of its bits."""
    if t == finf:
        return oo
    if t == fninf:
        return -oo
    if t == fnan:
        raise ValueError("an enclosure computation gave nan")
    if t == fzero:
        return sp.S.Zero
    sign, man, exp, bc = t
    if exp >= 0 and exp + bc <= 64:
        return sp.Integer((-1) ** sign * (man << exp))
    return sp.Float._new(t, max(bc, 53))


def _fit(r: sp.Rational, prec: int, rnd: str) -> sp.Expr:
    """An exact rational result, kept exact while small, else rounded in the direction rnd."""
    if max(r.p.bit_length(), r.q.bit_length()) <= MAX_EXACT_BITS:
        return r
    return _from_mpf(from_rational(r.p, r.q, prec, rnd))


def _magnitude(x: sp.Expr) -> int | None:
    """About log2 |x| for a finite nonzero end (None for 0 and the infinities)."""
    if _is_infinite(x) or x == 0:
        return None
    if isinstance(x, sp.Float):
        return x._mpf_[2] + x._mpf_[3]
    return abs(x.p).bit_length() - x.q.bit_length()  # within 1 of it, which is all the clamp needs


def _power_of_two(m: int) -> sp.Expr:
    return _from_mpf((0, 1, m, 1))


def _clamped(x: sp.Expr, is_open: bool, lower: bool) -> tuple[sp.Expr, bool]:
    """A lower (upper) end moved down (up) to a bounded magnitude where it is astronomically large or small:
    values >= 2**(2**20) are >= 2**MAX_MAGNITUDE; positive values are > 0; and so on."""
    m = _magnitude(x)
    if m is None or -MAX_MAGNITUDE <= m <= MAX_MAGNITUDE:
        return x, is_open
    positive = _cmp(x, sp.S.Zero) > 0
    if m > MAX_MAGNITUDE:  # huge: a lower end keeps its sign at 2**MAX, an upper end of that sign goes to oo
        if positive:
            return (_power_of_two(MAX_MAGNITUDE), is_open) if lower else (oo, True)
        return (-oo, True) if lower else (-_power_of_two(MAX_MAGNITUDE), is_open)
    # tiny: toward zero it becomes 0, excluded (the values keep their strict sign); away from it 2**-MAX
    if positive:
        return (sp.S.Zero, True) if lower else (_power_of_two(-MAX_MAGNITUDE), is_open)
    return (-_power_of_two(-MAX_MAGNITUDE), is_open) if lower else (sp.S.Zero, True)


# directed operations on ends: rnd = FLOOR gives a number <= the true result, CEILING one >= it


def _add_e(x: sp.Expr, y: sp.Expr, prec: int, rnd: str) -> sp.Expr:
    if _is_infinite(x) or _is_infinite(y):
        if _is_infinite(x) and _is_infinite(y) and x != y:  # not a sum of values; the widest end is sound
            return -oo if rnd == FLOOR else oo
        return x if _is_infinite(x) else y
    if x.is_Rational and y.is_Rational:
        return _fit(x + y, prec, rnd)
    # addition increases in each operand: rounding each the way the result goes keeps the direction
    return _from_mpf(mpf_add(_to_mpf(x, prec, rnd), _to_mpf(y, prec, rnd), prec, rnd))


def _mul_e(x: sp.Expr, y: sp.Expr, prec: int, rnd: str) -> sp.Expr:
    """x y rounded; 0 times an infinite end is 0 (the end is approached, never a value, and 0 c = 0)."""
    if x == 0 or y == 0:
        return sp.S.Zero
    if _is_infinite(x) or _is_infinite(y):
        return oo if (_cmp(x, sp.S.Zero) > 0) == (_cmp(y, sp.S.Zero) > 0) else -oo
    if x.is_Rational and y.is_Rational:
        return _fit(x * y, prec, rnd)
    if y.is_Rational:
        x, y = y, x
    if x.is_Rational:  # (p / q) f = (p f) / q: the product exact, one rounded division
        return _from_mpf(mpf_div(mpf_mul(y._mpf_, from_int(x.p)), from_int(x.q), prec, rnd))
    return _from_mpf(mpf_mul(x._mpf_, y._mpf_, prec, rnd))


def _reciprocal_e(x: sp.Expr, prec: int, rnd: str) -> sp.Expr:
    """1 / x for x nonzero (0 for an infinite x)."""
    if _is_infinite(x):
        return sp.S.Zero
    if x.is_Rational:
        return _fit(1 / x, prec, rnd)
    return _from_mpf(mpf_div(fone, x._mpf_, prec, rnd))


def _pow_e(x: sp.Expr, k: int, prec: int, rnd: str) -> sp.Expr:
    """x**k, k >= 1, where t -> t**k increases at x (x >= 0 or k odd), so rounding x the way the result goes
    keeps the direction. Exact for small rationals; never an exact number of more than MAX_EXACT_BITS bits."""
    if _is_infinite(x):
        return x
    if x.is_Rational and max(x.p.bit_length(), x.q.bit_length()) * k <= MAX_EXACT_BITS:
        return x**k
    return _from_mpf(mpf_pow_int(_to_mpf(x, prec, rnd), k, prec, rnd))


def _sqrt_e(x: sp.Expr, prec: int, rnd: str) -> sp.Expr:
    if x is oo:
        return oo
    return _from_mpf(mpf_sqrt(_to_mpf(x, prec, rnd), prec, rnd))


def _function_e(value: Directed, x: sp.Expr, prec: int, rnd: str) -> sp.Expr | None:
    """f(x) rounded, f increasing near x (a primitive's `value`); None where it cannot be evaluated there
    (an operand rounded out of the domain), and the caller falls back on the table's end."""
    # a rational operand is rounded with as many extra bits as it has, so 1 + 10**-40 stays above 1
    wp = prec + (max(x.p.bit_length(), x.q.bit_length()) if x.is_Rational else 0)
    try:
        return _from_mpf(value(_to_mpf(x, wp, rnd), prec, rnd))
    except (ComplexResult, ValueError, ZeroDivisionError, OverflowError):
        return None


# ------------------------------------------------------------------------------------------- the Bound record


@dataclass(frozen=True)
class Bound:
    """A set containing every value of an expression: the interval from lo to hi, each end open or closed.

    The ends are numbers: exact Rationals, Floats (exact binary numbers, rounded outward from the true end) or
    oo / -oo (always open). An end beyond 2**MAX_MAGNITUDE in size is widened to a bounded one when the Bound
    is built."""

    lo: sp.Expr
    hi: sp.Expr
    lo_open: bool = False
    hi_open: bool = False

    def __post_init__(self) -> None:
        lo, lo_open = _clamped(_as_end(self.lo), bool(self.lo_open), lower=True)
        hi, hi_open = _clamped(_as_end(self.hi), bool(self.hi_open), lower=False)
        if lo is oo or hi is sp.S.NegativeInfinity:
            raise ValueError(f"a Bound holds real numbers; it cannot start at {lo} or end at {hi}")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        object.__setattr__(self, "lo_open", lo_open or lo is sp.S.NegativeInfinity)
        object.__setattr__(self, "hi_open", hi_open or hi is oo)

    @staticmethod
    def point(value: sp.Expr) -> Bound:
        return Bound(value, value)

    @staticmethod
    def of_set(domain: sp.Set) -> Bound:
        """An enclosure of a set of real numbers: its infimum rounded down, its supremum up (the open flags as
        the set's, which is sound whether or not rounding moved an end); a set it cannot read gives the reals."""
        return _of_set(domain, _Context(Assumptions()))

    def is_positive(self) -> bool:
        """Every value > 0: lo > 0, or lo = 0 excluded."""
        c = _cmp(self.lo, sp.S.Zero)
        return c > 0 or (c == 0 and self.lo_open)

    def is_nonnegative(self) -> bool:
        """Every value >= 0: lo >= 0."""
        return _cmp(self.lo, sp.S.Zero) >= 0

    def is_nonpositive(self) -> bool:
        return _cmp(self.hi, sp.S.Zero) <= 0

    def excludes_zero(self) -> bool:
        return self.is_positive() or self.neg().is_positive()

    def neg(self) -> Bound:
        return Bound(-self.hi, -self.lo, self.hi_open, self.lo_open)

    def within(self, domain: sp.Set) -> bool:
        """Whether every value of the enclosure lies in `domain`: the reals, or an interval whose ends (E,
        sqrt(2), 2 pi) are compared with the enclosure's by certified enclosures of their own; any other set,
        or an end that cannot be told apart from the enclosure's at 240 digits, gives False."""
        if domain == sp.S.Reals:
            return True
        if not isinstance(domain, sp.Interval):
            return False
        return _inside(self, domain, _Context(Assumptions()))

    def __str__(self) -> str:
        return f"{'(' if self.lo_open else '['}{self.lo}, {self.hi}{')' if self.hi_open else ']'}"


REALS = Bound(-oo, oo, True, True)


@dataclass(frozen=True)
class _Context:
    """What an enclosure is computed under: the assumptions, the sets of bound atoms (sum indices, a
    transform's variable), the integer atoms among them, the precision, and whether inside a constant."""

    assumptions: Assumptions
    env: dict = field(default_factory=dict)
    integers: frozenset = frozenset()
    prec: int = PREC
    in_constant: bool = False


def _of_set(domain: sp.Set, ctx: _Context) -> Bound:
    if domain == sp.S.Naturals:
        return Bound(sp.S.One, oo, False, True)
    if domain == sp.S.Naturals0:
        return Bound(sp.S.Zero, oo, False, True)
    if domain.is_empty is not False:  # no value at all (or not known to have one): the reals hold them
        return REALS
    try:
        inf, sup = domain.inf, domain.sup
    except (NotImplementedError, TypeError, ValueError):
        return REALS
    left_open = domain.left_open if isinstance(domain, sp.Interval) else False
    right_open = domain.right_open if isinstance(domain, sp.Interval) else False
    lo = _constant_end(inf, ctx, lower=True)
    hi = _constant_end(sup, ctx, lower=False)
    return Bound(lo, hi, left_open or lo is sp.S.NegativeInfinity, right_open or hi is oo)


def _constant_end(c: sp.Expr, ctx: _Context, lower: bool) -> sp.Expr:
    """A number's certified lower (upper) end; -oo (oo) where it is not a number that can be enclosed."""
    if _is_infinite(c) or c.is_Rational:
        return c
    b = _constant(c, ctx) if c.is_number else None
    if b is None:
        return -oo if lower else oo
    return b.lo if lower else b.hi


def _compare_constant(x: sp.Expr, c: sp.Expr, ctx: _Context) -> int | None:
    """-1, 0 or 1 as the end x <, =, > the number c; None where that is not decided at 240 digits (an
    irrational c is enclosed at increasing precision until x falls outside its enclosure)."""
    if _is_infinite(c) or c.is_Rational:
        return _cmp(x, c)
    if not c.is_number:
        return None
    for digits in CONSTANT_DIGITS:
        b = _enclose(c, replace(ctx, prec=_bits(digits), in_constant=True))
        if b is None:
            return None
        if _cmp(x, b.lo) < 0:
            return -1
        if _cmp(x, b.hi) > 0:
            return 1
        if _cmp(b.lo, b.hi) == 0:
            return 0
    return None


def _inside(b: Bound, domain: sp.Interval, ctx: _Context) -> bool:
    """Whether every value of b lies in the interval `domain`. An infinite end of the domain holds every value
    on its side (values are finite); a finite end needs b's end strictly inside, or equal to it with b's end
    excluded or the domain's included."""
    low = domain.inf
    if low is not sp.S.NegativeInfinity:
        c = _compare_constant(b.lo, low, ctx)
        if c is None or c < 0 or (c == 0 and domain.left_open and not b.lo_open):
            return False
    high = domain.sup
    if high is not oo:
        c = _compare_constant(b.hi, high, ctx)
        if c is None or c > 0 or (c == 0 and domain.right_open and not b.hi_open):
            return False
    return True


# ------------------------------------------------------------------------------------------- rules of inference


def _add(a: Bound, b: Bound, prec: int) -> Bound:
    """x + y for x in a, y in b: the ends added, rounded outward; an end is open if either summand's is."""
    return Bound(
        _add_e(a.lo, b.lo, prec, FLOOR),
        _add_e(a.hi, b.hi, prec, CEILING),
        a.lo_open or b.lo_open,
        a.hi_open or b.hi_open,
    )


def _reaches_zero(b: Bound) -> bool:
    """Whether zero may be a value of b (it lies in b and is not an excluded end)."""
    if _cmp(b.lo, sp.S.Zero) > 0 or _cmp(b.hi, sp.S.Zero) < 0:
        return False
    return not ((_cmp(b.lo, sp.S.Zero) == 0 and b.lo_open) or (_cmp(b.hi, sp.S.Zero) == 0 and b.hi_open))


def _mul(a: Bound, b: Bound, prec: int) -> Bound:
    """x y for x in a, y in b. x y is bilinear, so its extremes over the box are at the corners: lo is the least
    corner product rounded down, hi the greatest rounded up (0 times an infinite end is 0, the end being only
    approached). An end is open only if every corner reaching it is open (a rounded corner counts, which can
    only close an end), and never where it is 0 and a factor can be 0 (then 0 is a value)."""
    corners = [
        (_mul_e(x, y, prec, FLOOR), _mul_e(x, y, prec, CEILING), x_open or y_open)
        for (x, x_open), (y, y_open) in cartesian(
            ((a.lo, a.lo_open), (a.hi, a.hi_open)), ((b.lo, b.lo_open), (b.hi, b.hi_open))
        )
    ]
    lo = _min(down for down, _, _ in corners)
    hi = _max(up for _, up, _ in corners)
    zero_reached = _reaches_zero(a) or _reaches_zero(b)
    lo_open = all(o for down, _, o in corners if _cmp(down, lo) == 0) and not (
        _cmp(lo, sp.S.Zero) == 0 and zero_reached
    )
    hi_open = all(o for _, up, o in corners if _cmp(up, hi) == 0) and not (
        _cmp(hi, sp.S.Zero) == 0 and zero_reached
    )
    return Bound(lo, hi, lo_open, hi_open)


def _hull(parts) -> Bound:
    """The smallest Bound holding every one of `parts`: an end is open only if it is open in every part that
    has it."""
    lo = _min(p.lo for p in parts)
    hi = _max(p.hi for p in parts)
    return Bound(
        lo,
        hi,
        all(p.lo_open for p in parts if _cmp(p.lo, lo) == 0),
        all(p.hi_open for p in parts if _cmp(p.hi, hi) == 0),
    )


def _table_end(rule: Monotone, which: int, ctx: _Context) -> sp.Expr:
    """The value (limit) of f at an end of its domain, as the table states it: rounded down at the domain's
    infimum, up at its supremum (f increases, so these are f's least and greatest values there)."""
    return _constant_end(rule.ends[which], ctx, lower=which == 0)


def _image(rule: Monotone, b: Bound, ctx: _Context) -> Bound | None:
    """f over b, f strictly increasing on rule.domain (the row's claim, tested in test_primitives).

    Side condition: every value of b lies in rule.domain (else None). Then f(b.lo) <= f(x) <= f(b.hi): an end
    of b at the domain's end gives the table's value there (a limit at an open or infinite end), any other
    end the row's directed value (rounded down at lo, up at hi, or the table's end where the rounded operand
    leaves the domain); f strictly increasing keeps an open end open; an infinite end stays open."""
    if not _inside(b, rule.domain, ctx):
        return None
    at_low = _is_infinite(b.lo) or _compare_constant(b.lo, rule.domain.inf, ctx) == 0
    at_high = _is_infinite(b.hi) or _compare_constant(b.hi, rule.domain.sup, ctx) == 0
    lo = None if at_low else _function_e(rule.value, b.lo, ctx.prec, FLOOR)
    hi = None if at_high else _function_e(rule.value, b.hi, ctx.prec, CEILING)
    lo = _table_end(rule, 0, ctx) if lo is None else _max((lo, _table_end(rule, 0, ctx)))
    hi = _table_end(rule, 1, ctx) if hi is None else _min((hi, _table_end(rule, 1, ctx)))
    return Bound(lo, hi, b.lo_open or _is_infinite(b.lo), b.hi_open or _is_infinite(b.hi))


def _apply(primitive: Primitive, b: Bound, ctx: _Context) -> Bound | None:
    """The enclosure of primitive(x) for x in b, read from the primitive's row: the one place it is interpreted.

    An even f (f(-x) = f(x), increasing on [0, c]) over b >= 0 is the image of b; over b <= 0 the image of -b;
    over b holding both signs the hull of the images of [0, -b.lo] and [0, b.hi] (|x| ranges over their union,
    0 included)."""
    rule = primitive.enclosure
    if not rule.even or b.is_nonnegative():
        return _image(rule, b, ctx)
    if b.is_nonpositive():
        return _image(rule, b.neg(), ctx)
    left = _image(rule, Bound(sp.S.Zero, -b.lo, False, b.lo_open), ctx)
    right = _image(rule, Bound(sp.S.Zero, b.hi, False, b.hi_open), ctx)
    return _hull((left, right)) if left and right else None


def _reciprocal(b: Bound, prec: int) -> Bound | None:
    """1 / x for x in b, b of one strict sign (else None): 1/x decreases there, so the ends swap, rounded
    outward; an infinite end gives 0 excluded, an excluded 0 gives an infinite end."""
    if b.is_positive():
        lo = _reciprocal_e(b.hi, prec, FLOOR)
        hi = oo if _cmp(b.lo, sp.S.Zero) == 0 else _reciprocal_e(b.lo, prec, CEILING)
        return Bound(lo, hi, b.hi_open, b.lo_open)
    if b.neg().is_positive():
        inner = _reciprocal(b.neg(), prec)
        return inner.neg() if inner else None
    return None


def _integer_power(base: Bound, k: int, prec: int) -> Bound:
    """x**k for x in base, k an integer >= 1 of any size (the ends are rounded numbers, never huge exact ones).

    t**k increases on [0, oo) and, for odd k, on all the reals: the ends map to the ends (open stays open).
    An even power of a nonpositive base is that of its mirror image; of a base holding both signs it lies in
    [0, max(|lo|, hi)**k], 0 reached."""
    if base.is_nonnegative() or k % 2 == 1:
        return Bound(
            _pow_e(base.lo, k, prec, FLOOR), _pow_e(base.hi, k, prec, CEILING), base.lo_open, base.hi_open
        )
    if base.is_nonpositive():
        return _integer_power(base.neg(), k, prec)
    top = _max((_pow_e(-base.lo, k, prec, CEILING), _pow_e(base.hi, k, prec, CEILING)))
    return Bound(sp.S.Zero, top, False, top is oo)


def _pow(base: Bound, exponent: sp.Expr, exp_bound: Bound, ctx: _Context) -> Bound | None:
    """base**exponent. An integer exponent: 1 for 0 (SymPy's 0**0 = 1), the power rule above for k >= 1, the
    reciprocal of the power for k < 0 (which needs a base of one strict sign). The exponent 1/2 over a
    nonnegative base: sqrt, increasing. Any other exponent needs a positive base: exp(e log(base))."""
    if exponent.is_Integer:
        k = int(exponent)
        if k == 0:
            return Bound.point(sp.S.One)
        if k < 0:
            return _reciprocal(_integer_power(base, -k, ctx.prec), ctx.prec)
        return _integer_power(base, k, ctx.prec)
    if exponent == sp.S.Half and base.is_nonnegative():
        return Bound(
            _sqrt_e(base.lo, ctx.prec, FLOOR), _sqrt_e(base.hi, ctx.prec, CEILING), base.lo_open, base.hi_open
        )
    if base.is_positive():
        log_base = _apply(BY_NAME["log"], base, ctx)
        return _apply(BY_NAME["exp"], _mul(log_base, exp_bound, ctx.prec), ctx) if log_base else None
    return None


def _is_integer(expr: sp.Expr, ctx: _Context) -> bool:
    """Whether every value of expr is an integer: integer numbers, summation indices, atoms declared integer
    (by SymPy assumption or by a domain inside the integers), and sums, products and nonnegative integer
    powers of those. Anything else is not known to be an integer."""
    if expr.is_Integer or expr in ctx.integers:
        return True
    if isinstance(expr, (sp.Symbol, sp.Indexed)):
        if expr in ctx.env:
            return False
        if expr.is_integer is True:
            return True
        return ctx.assumptions.domain_of(expr).is_subset(sp.S.Integers) is True
    if isinstance(expr, (sp.Add, sp.Mul)):
        return all(_is_integer(a, ctx) for a in expr.args)
    if isinstance(expr, sp.Pow):
        return expr.exp.is_Integer and expr.exp >= 0 and _is_integer(expr.base, ctx)
    if isinstance(expr, sp.factorial):
        return _is_integer(expr.args[0], ctx)
    return False


def _limits(expr: sp.Sum | sp.Product, ctx: _Context):
    """The outermost limit of a Sum or Product (SymPy lists limits innermost first), the term count
    b - a + 1 enclosed, and the context in which its index ranges over the Karr range.

    Side conditions: the limits a, b are proved integers (else None). Under Karr's convention the terms are
    those of a..b when b >= a - 1 and of b+1..a-1 when b < a - 1 (the sum negated, the product inverted), so
    the index lies in [min(a, b+1), max(b, a-1)] whichever order holds: no order of the limits is assumed."""
    *inner_limits, (index, low, high) = expr.limits
    if not (_is_integer(low, ctx) and _is_integer(high, ctx)):
        return None
    low_b, high_b = _enclose(low, ctx), _enclose(high, ctx)
    count = _enclose(high - low + 1, ctx)
    if low_b is None or high_b is None or count is None:
        return None
    first = _min((low_b.lo, _add_e(high_b.lo, sp.S.One, ctx.prec, FLOOR)))
    last = _max((high_b.hi, _add_e(low_b.hi, sp.S.NegativeOne, ctx.prec, CEILING)))
    # (an empty range, a = b + 1, gives first > last: the hull of the two is still a superset of the index set)
    span = Bound(_min((first, last)), _max((first, last)))
    scope = replace(ctx, env={**ctx.env, index: span}, integers=ctx.integers | {index})
    inner = expr.func(expr.function, *inner_limits) if inner_limits else expr.function
    return count, inner, scope


def _sum(expr: sp.Sum, ctx: _Context) -> Bound | None:
    """Sum(f, (i, a, b)) = (b - a + 1) * (the mean of the terms) in both of Karr's cases (b >= a - 1: b - a + 1
    terms; b < a - 1: minus the a - b - 1 terms of b+1..a-1), and the mean lies in any interval holding every
    term: the count's enclosure times the term's."""
    limits = _limits(expr, ctx)
    if limits is None:
        return None
    count, inner, scope = limits
    term = _enclose(inner, scope)
    return None if term is None else _mul(count, term, ctx.prec)


def _product(expr: sp.Product, ctx: _Context) -> Bound | None:
    """A product of positive terms (else None): in (0, 1] when every term is <= 1, in [1, oo) when every term is
    >= 1, in (0, oo) otherwise (an empty product is 1). Reversed limits (b < a - 1) give the reciprocal of the
    product over b+1..a-1; where the order of the limits is not proved, the hull of both."""
    limits = _limits(expr, ctx)
    if limits is None:
        return None
    count, inner, scope = limits
    term = _enclose(inner, scope)
    if term is None or not term.is_positive():
        return None
    if _cmp(term.hi, sp.S.One) <= 0:
        forward = Bound(sp.S.Zero, sp.S.One, True, False)
    elif _cmp(term.lo, sp.S.One) >= 0:
        forward = Bound(sp.S.One, oo, False, True)
    else:
        forward = Bound(sp.S.Zero, oo, True, True)
    backward = _reciprocal(forward, ctx.prec)
    if count.is_nonnegative():
        return forward
    if count.is_nonpositive():
        return backward
    return _hull((forward, backward))


def _covers(conditions, ctx: _Context) -> bool:
    """Whether the conditions of a Piecewise are proved to hold somewhere for every admissible value: one is
    True (an otherwise branch), or they depend on one declared symbol whose whole domain lies in the set where
    one of them holds. Anything else is not proved."""
    if any(c is sp.true for c in conditions):
        return True
    union = sp.Or(*conditions)
    if union is sp.true:
        return True
    symbols = union.free_symbols
    if len(symbols) != 1:
        return False
    (symbol,) = symbols
    if not isinstance(symbol, sp.Symbol) or symbol in ctx.env:
        return False
    try:
        covered = union.as_set()
    except (NotImplementedError, TypeError, ValueError):
        return False
    return ctx.assumptions.domain_of(symbol).is_subset(covered) is True


def _piecewise(expr: sp.Piecewise, ctx: _Context) -> Bound | None:
    """The hull of the branches' enclosures (each over the whole domain, a superset of where it is taken),
    only where the conditions are proved to cover the domain: else the expression is undefined somewhere."""
    if not _covers([c for _, c in expr.args], ctx):
        return None
    parts = [_enclose(value, ctx) for value, _ in expr.args]
    return None if any(p is None for p in parts) else _hull(parts)


def _factorial(expr: sp.factorial, ctx: _Context) -> Bound | None:
    """x! for x a proved integer >= 0: at least 1. For a real x >= 0 that is not proved an integer, x! is
    gamma(x + 1) (as SymPy and mpmath evaluate it), at least the least value of gamma on (0, oo), 0.8856...
    Elsewhere (x may be below 0: poles, sign changes) no enclosure."""
    (arg,) = expr.args
    b = _enclose(arg, ctx)
    if b is None:
        return None
    if _is_integer(arg, ctx) and _cmp(b.lo, sp.S.NegativeOne) > 0:
        return Bound(sp.S.One, oo, False, True)
    if b.is_nonnegative():
        return Bound(GAMMA_MIN_LOWER, oo, False, True)
    return None


def _number(expr: sp.Expr, ctx: _Context) -> Bound | None:
    """A numeric atom: a Rational or Float exactly, pi and E rounded outward at the context's precision;
    infinities, nan, complex and other numbers give no enclosure."""
    if expr.is_Rational:
        return Bound.point(expr)
    if isinstance(expr, sp.Float):
        return Bound.point(expr) if expr.is_finite else None
    constants = {sp.pi: mpf_pi, sp.E: mpf_e}
    if expr in constants:
        compute = constants[expr]
        return Bound(_from_mpf(compute(ctx.prec, FLOOR)), _from_mpf(compute(ctx.prec, CEILING)))
    return None


def _constant(expr: sp.Expr, ctx: _Context) -> Bound | None:
    """An expression without free symbols, enclosed at 30, 60, 120, then 240 digits until its enclosure
    excludes 0 (or is a point): its sign is then decided; otherwise the widest-precision enclosure, which holds
    0 and decides no strict sign."""
    if ctx.in_constant:
        return _tree(expr, ctx)
    if expr.is_Rational or isinstance(expr, sp.Float):
        return _number(expr, ctx)
    b = None
    for digits in CONSTANT_DIGITS:
        b = _tree(expr, replace(ctx, prec=_bits(digits), in_constant=True))
        if b is not None and (b.excludes_zero() or _cmp(b.lo, b.hi) == 0):
            return b
    return b


def _fold(args, start: sp.Expr, combine, ctx: _Context) -> Bound | None:
    """The enclosure of a sum or product: its constant terms enclosed together (so their cancellation is
    decided at the precision it needs), then combined with the enclosures of the others (None if one is
    missing)."""
    constants = [a for a in args if a.is_number]
    others = [a for a in args if not a.is_number]
    if len(constants) > 1 and others and not ctx.in_constant:
        args = [(sp.Add if start == 0 else sp.Mul)(*constants), *others]
    result = Bound.point(start)
    for arg in args:
        b = _enclose(arg, ctx)
        if b is None:
            return None
        result = combine(result, b, ctx.prec)
    return result


def _enclose(expr: sp.Expr, ctx: _Context) -> Bound | None:
    if expr.is_number:
        return _constant(expr, ctx)
    return _tree(expr, ctx)


def _tree(expr: sp.Expr, ctx: _Context) -> Bound | None:
    if expr in ctx.env:
        return ctx.env[expr]
    if expr.is_Atom:
        if isinstance(expr, (sp.Symbol, sp.Indexed)):
            return _of_set(ctx.assumptions.domain_of(expr), ctx)
        return _number(expr, ctx)
    if isinstance(expr, sp.Indexed):
        return _of_set(ctx.assumptions.domain_of(expr), ctx)
    if isinstance(expr, sp.Add):
        return _fold(expr.args, sp.S.Zero, _add, ctx)
    if isinstance(expr, sp.Mul):
        return _fold(expr.args, sp.S.One, _mul, ctx)
    if isinstance(expr, sp.Pow):
        base = _enclose(expr.base, ctx)
        exponent = _enclose(expr.exp, ctx)
        if base is None or exponent is None:
            return None
        return _pow(base, expr.exp, exponent, ctx)
    primitive = primitive_of(expr)
    if primitive is not None:
        b = _enclose(expr.args[0], ctx) if len(expr.args) == 1 else None
        return _apply(primitive, b, ctx) if b else None
    if isinstance(expr, sp.factorial):
        return _factorial(expr, ctx)
    if isinstance(expr, sp.Sum):
        return _sum(expr, ctx)
    if isinstance(expr, sp.Product):
        return _product(expr, ctx)
    if isinstance(expr, sp.Piecewise):
        return _piecewise(expr, ctx)
    return None


def enclose(expr: sp.Expr, assumptions: Assumptions, extra: dict | None = None) -> Bound | None:
    """A Bound containing every value of `expr` over the declared domains, or None where none is derived.

    `extra` maps further atoms (a dummy variable t of a transform) to their sets of values.
    """
    ctx = _Context(assumptions)
    env = {atom: _of_set(domain, ctx) for atom, domain in (extra or {}).items()}
    try:
        return _enclose(sp.sympify(expr), replace(ctx, env=env))
    except (TypeError, ValueError):  # an end that is not a number (a symbolic domain end): no enclosure
        return None


def proves_positive(expr: sp.Expr, assumptions: Assumptions, extra: dict | None = None) -> bool:
    bound = enclose(expr, assumptions, extra)
    return bound is not None and bound.is_positive()


def proves_negative(expr: sp.Expr, assumptions: Assumptions, extra: dict | None = None) -> bool:
    return proves_positive(-expr, assumptions, extra)


def proves_within(expr: sp.Expr, domain: sp.Set, assumptions: Assumptions, extra: dict | None = None) -> bool:
    bound = enclose(expr, assumptions, extra)
    return bound is not None and bound.within(domain)
