"""One record per elementary function: its SymPy class, formula name, numeric values, array code and enclosure."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import mpmath
import numpy as np
import sympy as sp
from mpmath.libmp import (
    fnone,
    fone,
    from_int,
    fzero,
    mpf_abs,
    mpf_add,
    mpf_atan,
    mpf_cmp,
    mpf_div,
    mpf_erf,
    mpf_exp,
    mpf_log,
    mpf_mul,
    mpf_neg,
    mpf_shift,
    mpf_sub,
    round_ceiling,
    round_floor,
    round_nearest,
)
from sympy.codegen.cfunctions import expm1, log1p

from .functions import log_sigmoid, sigmoid, softplus

__all__ = [
    "BACKENDS",
    "BY_CLASS",
    "BY_NAME",
    "FORMULA_FUNCTIONS",
    "MPMATH_FUNCTIONS",
    "PRIMITIVES",
    "Monotone",
    "Primitive",
    "primitive_of",
]

#: the array backends every primitive is spelled for (the names export/printer.py takes)
BACKENDS = ("numpy", "jax", "torch")

oo = sp.oo


#: a directed evaluation of a function at a point: value(x, prec, rnd) is an mpmath raw number (mpf tuple) at
#: `prec` bits that is <= f(x) when rnd is round_floor ("f") and >= f(x) when rnd is round_ceiling ("c")
Directed = Callable[[tuple, int, str], tuple]


@dataclass(frozen=True)
class Monotone:
    """How to enclose f(x) given an interval of x: f is strictly increasing on `domain`, where it takes (or
    approaches, at an open or infinite end) the values `ends` at domain.inf and domain.sup; `value` rounds f at
    a point of the domain outward (see `Directed`); with `even`, f(-x) = f(x) and `domain` is the half [0, c] or
    [0, oo) on which it increases.

    No enclosure is derived where the argument may leave `domain` (or its mirror image, if even)."""

    domain: sp.Interval
    ends: tuple[sp.Expr, sp.Expr]
    value: Directed
    even: bool = False

    def __post_init__(self) -> None:
        if self.even and self.domain.inf != 0:
            raise ValueError(f"an even function's domain starts at 0, not {self.domain}")


@dataclass(frozen=True, eq=False)
class Primitive:
    """Everything the package knows about one function; every module that meets the function reads it here.

    name: what a formula calls it (parse); sympy_class: the SymPy class of its applications;
    mpmath / float64: its value at the working precision and in float64, as the plain formula (trace,
    evidence); arrays: backend -> array source with {0} for the argument (export/printer.py; the numpy erf
    is scipy's); stable: an overflow-free form, printed instead where there is one (then arrays is empty);
    fused: backend -> a library call that computes that overflow-free form in one kernel (torch's logsigmoid
    computes min(x, 0) - log1p(exp(-|x|)) itself), printed instead of the expanded form there, or the
    function in other fused primitives it is printed as (softplus(x) = -log_sigmoid(-x) in torch);
    enclosure: how bounds.py encloses its values; arguments / optional: the argument names, the last
    `optional` of them may be left out; in_formulas: whether formulas may call it.
    """

    name: str
    sympy_class: type[sp.Basic]
    mpmath: Callable
    float64: Callable
    enclosure: Monotone
    arrays: Mapping[str, str] = field(default_factory=dict)
    stable: Callable[[sp.Expr], sp.Expr] | None = None
    fused: Mapping[str, str | Callable[..., sp.Expr]] = field(default_factory=dict)
    arguments: tuple[str, ...] = ("x",)
    optional: int = 0
    in_formulas: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "arrays", MappingProxyType(dict(self.arrays)))
        object.__setattr__(self, "fused", MappingProxyType(dict(self.fused)))
        if self.fused and (self.stable is None or not set(self.fused) <= set(BACKENDS)):
            raise ValueError(
                f"{self.name}: a fused spelling stands for a stable form, in columns of {BACKENDS}"
            )
        if (self.stable is None) == (not self.arrays):
            raise ValueError(f"{self.name}: give either an array spelling per backend or a stable form")
        if self.arrays and tuple(self.arrays) != BACKENDS:
            raise ValueError(f"{self.name}: spell it for exactly {BACKENDS}, not {tuple(self.arrays)}")

    @property
    def arity(self) -> tuple[int, ...]:
        """The numbers of arguments it may be called with."""
        return tuple(range(len(self.arguments) - self.optional, len(self.arguments) + 1))

    @property
    def usage(self) -> str:
        """How to call it: 'exp(x)', 'log(x) or log(x, base)'."""
        return " or ".join(f"{self.name}({', '.join(self.arguments[:k])})" for k in self.arity)


def stable_softplus(x: sp.Expr) -> sp.Expr:
    """softplus(x) = max(x, 0) + log(1 + exp(-|x|)): exp never overflows, log's argument lies in (1, 2]."""
    return sp.Max(x, 0) + sp.log(1 + sp.exp(-sp.Abs(x)))


def stable_sigmoid(x: sp.Expr) -> sp.Expr:
    """sigma(x) = {1 if x >= 0; exp(-|x|) otherwise} / (1 + exp(-|x|)): no exponent is positive, no difference
    of close numbers, and exp(-|x|) is shared with softplus."""
    return sp.Piecewise((1, x >= 0), (sp.exp(-sp.Abs(x)), True)) / (1 + sp.exp(-sp.Abs(x)))


def stable_log_sigmoid(x: sp.Expr) -> sp.Expr:
    """log sigma(x) = -softplus(-x) = -(max(-x, 0) + log(1 + exp(-|x|))): softplus's overflow-free form."""
    return -stable_softplus(-x)


def _mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def _mp_softplus(z):
    return mpmath.log1p(mpmath.exp(z))


def _mp_log_sigmoid(z):
    return -mpmath.log1p(mpmath.exp(-z))


def _f64_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _f64_softplus(z):
    return np.log1p(np.exp(z))


def _f64_log_sigmoid(z):
    return -np.log1p(np.exp(-z))


_erf64 = np.vectorize(
    math.erf, otypes=[np.float64]
)  # numpy has no erf; math's is correctly rounded to ~1 ulp


def _spelled(numpy: str, jax: str, torch: str) -> dict[str, str]:
    return {"numpy": numpy + "({0})", "jax": jax + "({0})", "torch": torch + "({0})"}


# ------------------------------------------------------------------------------------------- directed values
# Each function below is `Directed`: value(x, prec, rnd) lies below f(x) for rnd = round_floor and above it for
# round_ceiling. They are built only from mpmath's libmp operations that round in the requested direction (add,
# sub, mul, div, exp, log, atan: the ones mpmath's own interval arithmetic rests on), each operand rounded in
# the direction that moves the result the same way, so the composition is rounded outward; erf alone is a
# point value widened by a stated error bound.

_FLIP = {round_floor: round_ceiling, round_ceiling: round_floor}


def _magnitude(x: tuple) -> int:
    """m with |x| < 2**m (x finite and nonzero)."""
    return x[2] + x[3]


def _exp_d(x: tuple, prec: int, rnd: str) -> tuple:
    return mpf_exp(x, prec, rnd)


def _log_d(x: tuple, prec: int, rnd: str) -> tuple:
    return mpf_log(x, prec, rnd)


def _expm1_d(x: tuple, prec: int, rnd: str) -> tuple:
    """exp(x) - 1. For |x| < 2**-(prec + 8): x <= exp(x) - 1 <= x + x**2 (|x| <= 1). Otherwise exp rounded the
    same way at |x|'s magnitude extra bits (at most prec + 8), so subtracting 1 keeps `prec` bits of the
    result (|exp(x) - 1| >= |x| / 2 for x >= -1; below -1 the result is near -1 and needs none)."""
    if x == fzero:
        return fzero
    if _magnitude(x) < -(prec + 8):
        return x if rnd == round_floor else mpf_add(x, mpf_mul(x, x, prec, rnd), prec, rnd)
    extra = max(0, -_magnitude(x)) + 8
    return mpf_sub(mpf_exp(x, prec + extra, rnd), fone, prec, rnd)


def _log1p_d(x: tuple, prec: int, rnd: str) -> tuple:
    """log(1 + x). For |x| < 2**-(prec + 8): x - x**2 <= log(1 + x) <= x (|x| <= 1/2). Otherwise 1 + x rounded
    the way asked with |x|'s magnitude extra bits (at most prec + 8), so a small x is kept, then log rounded the
    same way."""
    if x == fzero:
        return fzero
    if _magnitude(x) < -(prec + 8):
        return x if rnd == round_ceiling else mpf_sub(x, mpf_mul(x, x, prec, round_ceiling), prec, rnd)
    extra = max(0, -_magnitude(x)) + 8
    return mpf_log(mpf_add(x, fone, prec + extra, rnd), prec, rnd)


def _sigmoid_d(x: tuple, prec: int, rnd: str) -> tuple:
    """1 / (1 + exp(-x)): the denominator rounded against the direction asked, the quotient with it."""
    other = _FLIP[rnd]
    return mpf_div(fone, mpf_add(fone, mpf_exp(mpf_neg(x), prec, other), prec, other), prec, rnd)


def _softplus_d(x: tuple, prec: int, rnd: str) -> tuple:
    return _log1p_d(mpf_exp(x, prec, rnd), prec, rnd)


def _log_sigmoid_d(x: tuple, prec: int, rnd: str) -> tuple:
    """-log(1 + exp(-x)): the negation of softplus(-x) rounded the other way."""
    other = _FLIP[rnd]
    return mpf_neg(_softplus_d(mpf_neg(x), prec, other))


def _tanh_d(x: tuple, prec: int, rnd: str) -> tuple:
    """u / (u + 2) with u = exp(2x) - 1 > -1, increasing in u: u rounded the way asked, then the denominator
    rounded so that the quotient moves that way too (against it where u >= 0, with it where u < 0)."""
    u = _expm1_d(mpf_shift(x, 1), prec, rnd)
    denominator = mpf_add(u, from_int(2), prec, _FLIP[rnd] if u[0] == 0 else rnd)
    return mpf_div(u, denominator, prec, rnd)


def _sinh_d(x: tuple, prec: int, rnd: str) -> tuple:
    """((exp(x) - 1) - (exp(-x) - 1)) / 2: no cancellation near 0, the two terms having opposite signs."""
    difference = mpf_sub(_expm1_d(x, prec, rnd), _expm1_d(mpf_neg(x), prec, _FLIP[rnd]), prec, rnd)
    return mpf_shift(difference, -1)


def _cosh_d(x: tuple, prec: int, rnd: str) -> tuple:
    return mpf_shift(mpf_add(mpf_exp(x, prec, rnd), mpf_exp(mpf_neg(x), prec, rnd), prec, rnd), -1)


def _atan_d(x: tuple, prec: int, rnd: str) -> tuple:
    return mpf_atan(x, prec, rnd)


def _abs_d(x: tuple, prec: int, rnd: str) -> tuple:
    return mpf_abs(x)  # exact


def _erf_d(x: tuple, prec: int, rnd: str) -> tuple:
    """mpmath's erf at prec + 32 bits, widened by |erf(x)| 2**-prec and clipped to [-1, 1]. mpmath sums the
    Taylor series in fixed point with 25 guard bits beyond the precision asked (or uses 2x/sqrt(pi) and 1 where
    they are exact to that precision), so its error is below 2**-(prec + 16) relatively: the widening leaves a
    margin of 2**16."""
    value = mpf_erf(x, prec + 32, round_nearest)
    margin = mpf_shift(mpf_abs(value), -prec)
    widened = mpf_sub(value, margin, prec, rnd) if rnd == round_floor else mpf_add(value, margin, prec, rnd)
    if mpf_cmp(widened, fone) > 0:
        return fone
    if mpf_cmp(widened, fnone) < 0:
        return fnone
    return widened


_REALS = sp.Interval(-oo, oo)
_HALF_LINE = sp.Interval(0, oo)

#: the table: one row per function
PRIMITIVES: tuple[Primitive, ...] = (
    Primitive(
        "abs",
        sp.Abs,
        mpmath.fabs,
        np.abs,
        Monotone(_HALF_LINE, (sp.S.Zero, oo), _abs_d, even=True),
        _spelled("np.abs", "jnp.abs", "torch.abs"),
    ),
    Primitive(
        "atan",
        sp.atan,
        mpmath.atan,
        np.arctan,
        Monotone(_REALS, (-sp.pi / 2, sp.pi / 2), _atan_d),
        _spelled("np.arctan", "jnp.arctan", "torch.atan"),
        in_formulas=False,  # bounds has enclosed it all along; the formula language does not offer it (yet)
    ),
    Primitive(
        "cosh",
        sp.cosh,
        mpmath.cosh,
        np.cosh,
        Monotone(_HALF_LINE, (sp.S.One, oo), _cosh_d, even=True),
        _spelled("np.cosh", "jnp.cosh", "torch.cosh"),
    ),
    Primitive(
        "erf",
        sp.erf,
        mpmath.erf,
        _erf64,
        Monotone(_REALS, (-sp.S.One, sp.S.One), _erf_d),
        _spelled("scipy.special.erf", "jax.scipy.special.erf", "torch.erf"),
    ),
    Primitive(
        "exp",
        sp.exp,
        mpmath.exp,
        np.exp,
        Monotone(_REALS, (sp.S.Zero, oo), _exp_d),
        _spelled("np.exp", "jnp.exp", "torch.exp"),
    ),
    Primitive(
        "expm1",
        expm1,
        mpmath.expm1,
        np.expm1,
        Monotone(_REALS, (-sp.S.One, oo), _expm1_d),
        _spelled("np.expm1", "jnp.expm1", "torch.expm1"),
    ),
    Primitive(
        "log",
        sp.log,
        mpmath.log,
        np.log,
        Monotone(sp.Interval.open(0, oo), (-oo, oo), _log_d),
        _spelled("np.log", "jnp.log", "torch.log"),
        arguments=("x", "base"),
        optional=1,
    ),
    Primitive(
        "log1p",
        log1p,
        mpmath.log1p,
        np.log1p,
        Monotone(sp.Interval.open(-1, oo), (-oo, oo), _log1p_d),
        _spelled("np.log1p", "jnp.log1p", "torch.log1p"),
    ),
    Primitive(
        "log_sigmoid",
        log_sigmoid,
        _mp_log_sigmoid,
        _f64_log_sigmoid,
        Monotone(_REALS, (-oo, sp.S.Zero), _log_sigmoid_d),
        stable=stable_log_sigmoid,
        fused={"torch": "torch.nn.functional.logsigmoid({0})", "jax": "jax.nn.log_sigmoid({0})"},
    ),
    Primitive(
        "sigmoid",
        sigmoid,
        _mp_sigmoid,
        _f64_sigmoid,
        Monotone(_REALS, (sp.S.Zero, sp.S.One), _sigmoid_d),
        stable=stable_sigmoid,
        fused={"torch": "torch.sigmoid({0})", "jax": "jax.nn.sigmoid({0})"},
    ),
    Primitive(
        "sinh",
        sp.sinh,
        mpmath.sinh,
        np.sinh,
        Monotone(_REALS, (-oo, oo), _sinh_d),
        _spelled("np.sinh", "jnp.sinh", "torch.sinh"),
    ),
    Primitive(
        "softplus",
        softplus,
        _mp_softplus,
        _f64_softplus,
        Monotone(_REALS, (sp.S.Zero, oo), _softplus_d),
        stable=stable_softplus,
        fused={"torch": lambda x: -log_sigmoid(-x), "jax": "jax.nn.softplus({0})"},
    ),
    Primitive(
        "tanh",
        sp.tanh,
        mpmath.tanh,
        np.tanh,
        Monotone(_REALS, (-sp.S.One, sp.S.One), _tanh_d),
        _spelled("np.tanh", "jnp.tanh", "torch.tanh"),
    ),
)

#: formula name -> primitive, and SymPy class -> primitive
BY_NAME: Mapping[str, Primitive] = MappingProxyType({p.name: p for p in PRIMITIVES})
BY_CLASS: Mapping[type, Primitive] = MappingProxyType({p.sympy_class: p for p in PRIMITIVES})
#: the functions a formula may call, by name
FORMULA_FUNCTIONS: Mapping[str, Primitive] = MappingProxyType(
    {p.name: p for p in PRIMITIVES if p.in_formulas}
)
#: the names lambdify prints for the functions (their class names) -> their mpmath evaluations, for
#: sp.lambdify(..., modules=[MPMATH_FUNCTIONS, "mpmath"]); a dict because lambdify takes only dicts: read only
MPMATH_FUNCTIONS: dict[str, Callable] = {p.sympy_class.__name__: p.mpmath for p in PRIMITIVES}


def primitive_of(expr: object) -> Primitive | None:
    """The primitive `expr` applies (exp(x) -> the exp row), or None for anything else."""
    return BY_CLASS.get(type(expr))


def _log1p_form(expr: sp.Expr) -> sp.Expr:
    """log(1 + u) -> log1p(u), so printed code never rounds 1 + u first."""
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and sp.S.One in e.args[0].args,
        lambda e: log1p(e.args[0] - 1),
    )


def _stable_code(primitive: Primitive) -> Callable:
    def code(self, printer) -> str:
        return printer._print(_log1p_form(primitive.stable(*self.args)))

    return code


def _formula_code(self, printer) -> str:
    # the plain formula, as the mpmath evaluations compute it (complex arguments give complex values)
    # only the function itself is rewritten: its argument stays as it is (y**2 must not become exp(2 log y))
    dummy = sp.Dummy("u", real=True)
    outer = _log1p_form(self.func(dummy).rewrite(sp.exp)).xreplace({dummy: self.args[0]})
    return f"({printer._print(outer)})"  # parenthesised: it may be a power base


# lambdify prints our own functions through these hooks, so sp.lambdify(z, sigmoid(z), "numpy") runs with
# no namespace given: array code (numpy, scipy, jax) in the stable form, mpmath code as the mpmath row reads
for _primitive in PRIMITIVES:
    if _primitive.stable is not None:
        _primitive.sympy_class._numpycode = _stable_code(_primitive)
        _primitive.sympy_class._jaxcode = _stable_code(_primitive)
        _primitive.sympy_class._mpmathcode = _formula_code
