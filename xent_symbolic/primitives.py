"""One record per elementary function: its SymPy class, formula name, numeric values, array code and enclosure."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import mpmath
import numpy as np
import sympy as sp
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


@dataclass(frozen=True)
class Monotone:
    """How to enclose f(x) given an interval of x: f is strictly increasing on `domain`, where it takes (or
    approaches, at an open or infinite end) the values `ends` at domain.inf and domain.sup; with `even`,
    f(-x) = f(x) and `domain` is the half [0, c] or [0, oo) on which it increases.

    No enclosure is derived where the argument may leave `domain` (or its mirror image, if even)."""

    domain: sp.Interval
    ends: tuple[sp.Expr, sp.Expr]
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
    arguments: tuple[str, ...] = ("x",)
    optional: int = 0
    in_formulas: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "arrays", MappingProxyType(dict(self.arrays)))
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


_REALS = sp.Interval(-oo, oo)
_HALF_LINE = sp.Interval(0, oo)

#: the table: one row per function
PRIMITIVES: tuple[Primitive, ...] = (
    Primitive(
        "abs",
        sp.Abs,
        mpmath.fabs,
        np.abs,
        Monotone(_HALF_LINE, (sp.S.Zero, oo), even=True),
        _spelled("np.abs", "jnp.abs", "torch.abs"),
    ),
    Primitive(
        "atan",
        sp.atan,
        mpmath.atan,
        np.arctan,
        Monotone(_REALS, (-sp.pi / 2, sp.pi / 2)),
        _spelled("np.arctan", "jnp.arctan", "torch.atan"),
        in_formulas=False,  # bounds has enclosed it all along; the formula language does not offer it (yet)
    ),
    Primitive(
        "cosh",
        sp.cosh,
        mpmath.cosh,
        np.cosh,
        Monotone(_HALF_LINE, (sp.S.One, oo), even=True),
        _spelled("np.cosh", "jnp.cosh", "torch.cosh"),
    ),
    Primitive(
        "erf",
        sp.erf,
        mpmath.erf,
        _erf64,
        Monotone(_REALS, (-sp.S.One, sp.S.One)),
        _spelled("scipy.special.erf", "jax.scipy.special.erf", "torch.erf"),
    ),
    Primitive(
        "exp",
        sp.exp,
        mpmath.exp,
        np.exp,
        Monotone(_REALS, (sp.S.Zero, oo)),
        _spelled("np.exp", "jnp.exp", "torch.exp"),
    ),
    Primitive(
        "expm1",
        expm1,
        mpmath.expm1,
        np.expm1,
        Monotone(_REALS, (-sp.S.One, oo)),
        _spelled("np.expm1", "jnp.expm1", "torch.expm1"),
    ),
    Primitive(
        "log",
        sp.log,
        mpmath.log,
        np.log,
        Monotone(sp.Interval.open(0, oo), (-oo, oo)),
        _spelled("np.log", "jnp.log", "torch.log"),
        arguments=("x", "base"),
        optional=1,
    ),
    Primitive(
        "log1p",
        log1p,
        mpmath.log1p,
        np.log1p,
        Monotone(sp.Interval.open(-1, oo), (-oo, oo)),
        _spelled("np.log1p", "jnp.log1p", "torch.log1p"),
    ),
    Primitive(
        "log_sigmoid",
        log_sigmoid,
        _mp_log_sigmoid,
        _f64_log_sigmoid,
        Monotone(_REALS, (-oo, sp.S.Zero)),
        stable=stable_log_sigmoid,
    ),
    Primitive(
        "sigmoid",
        sigmoid,
        _mp_sigmoid,
        _f64_sigmoid,
        Monotone(_REALS, (sp.S.Zero, sp.S.One)),
        stable=stable_sigmoid,
    ),
    Primitive(
        "sinh",
        sp.sinh,
        mpmath.sinh,
        np.sinh,
        Monotone(_REALS, (-oo, oo)),
        _spelled("np.sinh", "jnp.sinh", "torch.sinh"),
    ),
    Primitive(
        "softplus",
        softplus,
        _mp_softplus,
        _f64_softplus,
        Monotone(_REALS, (sp.S.Zero, oo)),
        stable=stable_softplus,
    ),
    Primitive(
        "tanh",
        sp.tanh,
        mpmath.tanh,
        np.tanh,
        Monotone(_REALS, (-sp.S.One, sp.S.One)),
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
    return printer._print(_log1p_form(self.rewrite(sp.exp)))


# lambdify prints our own functions through these hooks, so sp.lambdify(z, sigmoid(z), "numpy") runs with
# no namespace given: array code (numpy, scipy, jax) in the stable form, mpmath code as the mpmath row reads
for _primitive in PRIMITIVES:
    if _primitive.stable is not None:
        _primitive.sympy_class._numpycode = _stable_code(_primitive)
        _primitive.sympy_class._jaxcode = _stable_code(_primitive)
        _primitive.sympy_class._mpmathcode = _formula_code
