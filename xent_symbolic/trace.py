"""Numeric trace: every step of a derivation evaluated at given numbers, in float64 and at 50 digits."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from .core import Derivation
from .errors import InputError, did_you_mean
from .primitives import PRIMITIVES

__all__ = ["Trace", "TraceRow", "parse_values", "trace"]

_DPS = 50


@dataclass(frozen=True)
class TraceRow:
    label: str
    float64: tuple[float, ...] | float
    exact: tuple[mpmath.mpf, ...] | mpmath.mpf

    @property
    def float64_fails(self) -> bool:
        """True where float64 is off by more than a millionth relative (underflow, overflow, cancellation)."""
        pairs = zip(_tuple(self.float64), _tuple(self.exact), strict=True)
        return any(not _agrees(f, e) for f, e in pairs)


def _tuple(value):
    return value if isinstance(value, tuple) else (value,)


def _agrees(f: float, e) -> bool:
    if not math.isfinite(f):
        return False
    return abs(mpmath.mpf(f) - e) <= mpmath.mpf("1e-6") * abs(e)


@dataclass(frozen=True)
class Trace:
    derivation: Derivation
    values: dict[str, object]
    rows: tuple[TraceRow, ...]

    def table(self) -> str:
        header = ", ".join(f"{k}={_show_input(v)}" for k, v in self.values.items())
        width = max(len(r.label) for r in self.rows)
        lines = [
            f"trace {self.derivation.name} at {header}",
            f"{'step':<{width}}  {'float64':<24}  50 digits",
        ]
        for row in self.rows:
            mark = "  <- float64 is wrong here" if row.float64_fails else ""
            lines.append(
                f"{row.label:<{width}}  {_show(row.float64, _f64):<24}  {_show(row.exact, _mp)}{mark}"
            )
        return "\n".join(lines) + "\n"


def _f64(x: float) -> str:
    return f"{x:.16g}"


def _mp(x) -> str:
    return mpmath.nstr(x, 17, min_fixed=-4, max_fixed=6)


def _show(value, fmt) -> str:
    if isinstance(value, tuple):
        shown = ", ".join(fmt(v) for v in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"[{shown}]"
    return fmt(value)


def _show_input(value) -> str:
    if isinstance(value, list):
        shown = ", ".join(_number(v) for v in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"[{shown}]"
    return _number(value)


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.16g}"


class _Float64:
    def number(self, x):
        return np.float64(float(x))

    functions = {p.sympy_class: p.float64 for p in PRIMITIVES}  # noqa: RUF012 - read only


class _Mp:
    def number(self, x):
        return mpmath.mpf(sp.Float(x, _DPS)) if not x.is_Rational else mpmath.mpf(x.p) / x.q

    functions = {p.sympy_class: p.mpmath for p in PRIMITIVES}  # noqa: RUF012 - read only


def _compile(expr: sp.Expr, arith) -> Callable[[dict], object]:
    """`expr` as a closure over an environment (symbol -> number, base -> list), built once, run per point."""
    if expr.is_Number or expr in (sp.pi, sp.E):
        value = arith.number(sp.Float(expr, _DPS) if not expr.is_Rational else expr)
        return lambda env: value
    if isinstance(expr, (sp.Symbol, sp.IndexedBase)):
        return lambda env: env[expr]
    if isinstance(expr, sp.Indexed):
        base, positions = expr.base, [_compile(index, arith) for index in expr.indices]

        def entry(env):
            value = env[base]
            for position in positions:
                value = value[int(position(env)) - 1]
            return value

        return entry
    if isinstance(expr, (sp.Add, sp.Mul)):
        parts = [_compile(a, arith) for a in expr.args]
        if isinstance(expr, sp.Add):
            return lambda env: _fold(parts, env, operator.add)
        return lambda env: _fold(parts, env, operator.mul)
    if isinstance(expr, sp.Pow):
        base, exponent = _compile(expr.base, arith), _compile(expr.exp, arith)
        return lambda env: base(env) ** exponent(env)
    if isinstance(expr, (sp.Sum, sp.Product)):
        (index, low, high), *rest = expr.limits
        inner = _compile(expr.func(expr.function, *rest) if rest else expr.function, arith)
        low_fn, high_fn = _compile(low, arith), _compile(high, arith)
        combine = operator.add if isinstance(expr, sp.Sum) else operator.mul
        start = arith.number(sp.S.Zero if isinstance(expr, sp.Sum) else sp.S.One)

        def loop(env):
            result = start
            for k in range(int(low_fn(env)), int(high_fn(env)) + 1):
                result = combine(result, inner({**env, index: k}))
            return result

        return loop
    if isinstance(expr, sp.Piecewise):
        cases = [(_compile(v, arith), _compile_condition(c, arith)) for v, c in expr.args]

        def choose(env):
            for value, holds in cases:
                if holds(env):
                    return value(env)
            raise InputError(f"no case of {expr} applies at the given values")

        return choose
    function = arith.functions.get(type(expr))
    if function is not None and len(expr.args) == 1:
        argument = _compile(expr.args[0], arith)
        return lambda env: function(argument(env))
    raise InputError(f"trace cannot evaluate {type(expr).__name__} in {expr}")


def _fold(parts, env, combine):
    total = parts[0](env)
    for part in parts[1:]:
        total = combine(total, part(env))
    return total


def _compile_condition(condition, arith) -> Callable[[dict], bool]:
    if condition is sp.true:
        return lambda env: True
    if isinstance(condition, sp.Eq):
        lhs, rhs = _compile(condition.lhs, arith), _compile(condition.rhs, arith)
        return lambda env: lhs(env) == rhs(env)
    raise InputError(f"trace cannot decide the condition {condition}")


#: the most digits of a number given to trace (its exponent has at most three): no huge exact integers
_MAX_DIGITS = 100


def parse_values(tokens: Sequence[str]) -> dict[str, object]:
    """`n=2 y=1,0 yhat=0.6,0.3` -> {'n': 2, 'y': [1, 0], 'yhat': [Fraction(3, 5), ...]}; numbers only, exact."""
    values: dict[str, object] = {}
    for token in tokens:
        name, sep, text = token.partition("=")
        if not sep or not name.strip().isidentifier():
            raise InputError(
                f"cannot read the value {token!r}; write NAME=NUMBER or NAME=N1,N2,... (e.g. yhat=0.6,0.3)"
            )
        parts = [part.strip() for part in text.split(",")]
        for part in parts:
            mantissa, _, exponent = part.lower().partition("e")
            if sum(c.isdigit() for c in mantissa) > _MAX_DIGITS or len(exponent.lstrip("+-")) > 3:
                raise InputError(
                    f"the number {part[:20]!r} in {name.strip()!r} is too long; use at most {_MAX_DIGITS} digits "
                    "and an exponent of at most 999"
                )
        try:
            numbers = [Fraction(part) for part in parts]
        except (ValueError, ZeroDivisionError):
            raise InputError(
                f"cannot read the numbers in {token!r}; use decimals such as 0.6 or fractions such as 3/5"
            ) from None
        values[name.strip()] = numbers if len(numbers) > 1 else numbers[0]
    return values


#: the most terms trace evaluates per quantity (the product of the sizes): every step runs at 50 digits too
MAX_TERMS = 10_000


def _dimensions(derivation: Derivation) -> dict[sp.IndexedBase, tuple[sp.Expr, ...]]:
    """The shape of every indexed quantity, as size expressions (n, K): the upper limits of the sums and the
    declared ranges of its indices, read where it occurs (indices run from 1)."""
    assumptions = derivation.assumptions
    shapes: dict[sp.IndexedBase, tuple[sp.Expr, ...]] = {}

    def walk(expr: sp.Basic, ranges: dict) -> None:
        if isinstance(expr, (sp.Sum, sp.Product)):
            inner = {**ranges, **{index: high for index, _, high in expr.limits}}
            walk(expr.function, inner)
            return
        if isinstance(expr, sp.Indexed) and expr.base not in shapes:
            dims = []
            for index in expr.indices:
                declared = assumptions.index_range(index) if isinstance(index, sp.Symbol) else None
                dims.append(ranges.get(index, declared[1] if declared else None))
            if all(d is not None for d in dims):
                shapes[expr.base] = tuple(dims)
        for arg in expr.args:
            walk(arg, ranges)

    for expr in (derivation.start, *(s.after for s in derivation.steps)):
        walk(expr, {})
    return shapes


def _nest(entries: list, dims: tuple[int, ...]) -> list:
    """A flat row-major list as nested lists of shape `dims`."""
    if len(dims) == 1:
        return entries
    step = len(entries) // dims[0]
    return [_nest(entries[k * step : (k + 1) * step], dims[1:]) for k in range(dims[0])]


def _untraceable(derivation: Derivation) -> str | None:
    """Why trace cannot follow the derivation (its steps hold derivatives or matrix entries), or None."""
    from .matrices import Entry

    exprs = (derivation.start, *(s.after for s in derivation.steps))
    if any(e.has(sp.Derivative, Entry) for e in exprs):
        return (
            f"'{derivation.name}' derives a gradient (its steps hold derivatives or matrix entries), which trace "
            "does not evaluate; trace a loss such as 'bce', 'cross-entropy' or 'mse'"
        )
    return None


def _environment(derivation: Derivation, values: Mapping[str, object], arith) -> dict:
    from .check import set_text

    assumptions = derivation.assumptions
    sizes = {str(s): s for s in assumptions.sizes()}
    atoms = {str(a): a for a, _ in assumptions.domains if a not in sizes.values()}
    known = {**sizes, **atoms}
    for name in values:
        if name not in known:
            raise did_you_mean(name, tuple(known), "quantity")
    missing = [name for name in known if name not in values]
    if missing:
        raise InputError(f"give a value for {', '.join(missing)} (e.g. --values n=2 y=1,0 yhat=0.6,0.3)")
    env: dict = {}
    for name, symbol in sizes.items():
        size = values[name]
        if isinstance(size, list) or size.denominator != 1 or size < 1:
            raise InputError(f"{name} must be a positive whole number, not {_show_input(size)}")
        env[symbol] = int(size)
    total = math.prod(env.values()) if env else 1
    if total > MAX_TERMS:
        product = " * ".join(f"{n}={env[s]}" for n, s in sizes.items())
        raise InputError(
            f"{product} asks for {total} terms, over trace's limit of {MAX_TERMS} (every step is evaluated at "
            "50 digits too); use smaller sizes"
        )
    shapes = _dimensions(derivation)
    for name, atom in atoms.items():
        given = values[name]
        domain = assumptions.domain_of(atom)
        if isinstance(atom, sp.IndexedBase):
            dims = tuple(
                int(sp.sympify(d).xreplace({s: env[s] for s in sizes.values()}))
                for d in shapes.get(atom, (1,))
            )
            count = math.prod(dims)
            entries = given if isinstance(given, list) else [given] * count
            if len(entries) != count:
                shape = " x ".join(str(d) for d in shapes.get(atom, ()))
                what = "one per example" if len(dims) == 1 else f"{shape} = {count}, row by row"
                raise InputError(f"{name} needs {count} values ({what}), got {len(entries)}")
        else:
            dims, entries = (), [given]
        outside = {v for v in set(entries) if not domain.contains(sp.Rational(v.numerator, v.denominator))}
        if outside:
            k = next(k for k, v in enumerate(entries, 1) if v in outside)
            where = f"{name}[{_position(k, dims)}]" if isinstance(atom, sp.IndexedBase) else name
            raise InputError(f"{where} = {entries[k - 1]} lies outside its domain {set_text(domain)}")
        numbers = [arith.number(sp.Rational(v.numerator, v.denominator)) for v in entries]
        env[atom] = _nest(numbers, dims) if isinstance(atom, sp.IndexedBase) else numbers[0]
    return env


def _position(k: int, dims: tuple[int, ...]) -> str:
    """The 1-based index of the k-th entry (1-based, row by row) of an array of shape `dims`: '2' or '1, 2'."""
    index, rest = [], k - 1
    for d in reversed(dims):
        index.append(rest % d + 1)
        rest //= d
    return ", ".join(str(i) for i in reversed(index))


def _value(expr: sp.Expr, derivation: Derivation, env: dict, arith):
    evaluate = _compile(expr, arith)
    free = [(i, lo, hi) for i, lo, hi in derivation.assumptions.indices if i in expr.free_symbols]
    if not free:
        return evaluate(env)
    (index, low, high), *_ = free
    first, last = int(_compile(low, arith)(env)), int(_compile(high, arith)(env))
    return tuple(evaluate({**env, index: k}) for k in range(first, last + 1))


def trace(derivation: Derivation, values: Mapping[str, object]) -> Trace:
    """Evaluate the start and every step's result at `values`: sizes, and for each indexed quantity one value per
    entry (row by row for a matrix such as P[i, k]) or one for all."""
    reason = _untraceable(derivation)
    if reason is not None:
        raise InputError(reason)
    with np.errstate(all="ignore"):
        env64 = _environment(derivation, values, _Float64())
        with mpmath.workdps(_DPS):
            env_mp = _environment(derivation, values, _Mp())
            labels = [f"start  {derivation.start_name}"] + [
                f"{k}. {s.rule.name}" + (f"  {s.name}" if s.name else "")
                for k, s in enumerate(derivation.steps, 1)
            ]
            exprs = [derivation.start] + [s.after for s in derivation.steps]
            rows = []
            for label, expr in zip(labels, exprs, strict=True):
                f64 = _value(expr, derivation, env64, _Float64())
                exact = _value(expr, derivation, env_mp, _Mp())
                rows.append(TraceRow(label, _as_float(f64), exact))
    return Trace(derivation, dict(values), tuple(rows))


def _as_float(value):
    return tuple(float(v) for v in value) if isinstance(value, tuple) else float(value)
