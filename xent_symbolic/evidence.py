"""Numeric evidence: evaluate expressions at random points of the declared domains with mpmath."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from .assumptions import Assumptions
from .calculus import prepare
from .functions import AbstractFunction
from .primitives import MPMATH_FUNCTIONS
from .sums import write_out_sums

__all__ = ["DPS", "Evidence", "instantiate", "sample_value", "search"]

#: working precision (decimal digits) of numeric evidence
DPS = 50
#: sizes (n, d, K) of the instances sampled, in turn: small ones, and some above 4
_SIZE_CHOICES = (1, 2, 5, 3, 7, 4)


@dataclass(frozen=True)
class Evidence:
    """What sampling found: `failure` is the first point where the predicate failed, with the values there."""

    points: int  # points at which everything evaluated and the predicate held
    dps: int
    failure: dict[str, str] | None = None
    values: tuple[str, ...] = ()
    skipped: int = 0  # points where an expression could not be evaluated (outside its real domain)
    sizes: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.points} random points at {self.dps} digits"


def instantiate(
    expr: sp.Expr, assumptions: Assumptions, sizes: dict[sp.Symbol, int], rng: random.Random
) -> sp.Expr:
    """`expr` with concrete sizes, free indices set inside their ranges, definitions expanded, sums done."""
    expr = _concrete(expr, assumptions, sizes, rng)
    if not expr.has(sp.KroneckerDelta):
        return expr.doit()
    # SymPy's doit sums a delta against a sampled index (delta_{c, t_1}) into entries W[t_1, q] that would be
    # sampled as separate unknowns: sum term by term with an inert delta, then restore it
    inert = expr.replace(sp.KroneckerDelta, _InertDelta).doit()
    return inert.replace(_InertDelta, sp.KroneckerDelta)


def _concrete(
    expr: sp.Expr, assumptions: Assumptions, sizes: dict[sp.Symbol, int], rng: random.Random
) -> sp.Expr:
    """`expr` with definitions expanded, concrete sizes, free indices drawn inside their ranges, and every sum
    with integer limits written out (nothing evaluated yet)."""
    expr = prepare(expr, assumptions, indirect=False)
    expr = expr.xreplace({s: sp.Integer(v) for s, v in sizes.items()})
    free_indices = {}
    for index, low, high in assumptions.indices:  # every index draws, so equal rng states give equal values
        low_v = int(sp.sympify(low).xreplace({s: sp.Integer(v) for s, v in sizes.items()}))
        high_v = int(sp.sympify(high).xreplace({s: sp.Integer(v) for s, v in sizes.items()}))
        value = sp.Integer(rng.randint(low_v, max(low_v, high_v)))
        if index in expr.free_symbols:
            free_indices[index] = value
    return write_out_sums(expr.xreplace(free_indices))


#: precision (decimal digits) at which a counterexample is re-evaluated before it is reported
CONFIRM_DPS = 120
#: the most working precision (bits) SymPy's evalf may use to certify those digits
_CONFIRM_MAXN = 4000


def _exact(value) -> sp.Rational:
    """The sampled binary number as the exact rational it is."""
    sign, man, exp, _ = mpmath.mpf(value)._mpf_
    return (-1) ** sign * sp.Integer(man) * sp.Integer(2) ** exp


def _to_mpmath(value: sp.Expr):
    """A SymPy number (evaluated at CONFIRM_DPS digits) as an mpmath number; ValueError if it is not one."""
    if value.free_symbols or not value.is_number:
        raise ValueError(f"{value} is not a number")
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return mpmath.nan
    re, im = (sp.Float(part, CONFIRM_DPS) for part in value.as_real_imag())
    real = mpmath.mpf(str(re))
    return real if im.is_zero else mpmath.mpc(real, mpmath.mpf(str(im)))


def _confirmed(
    exprs: Sequence[sp.Expr],
    holds: Callable[[Sequence], bool],
    assumptions: Assumptions,
    sizes: dict[sp.Symbol, int],
    state,
    point: dict[sp.Basic, object],
    allow_bad: bool,
    defining: Sequence[int] | None = None,
) -> tuple | None:
    """The values of `exprs` at `point`, re-evaluated from the expressions themselves (the sampled values as
    exact rationals, SymPy's evalf with its digits certified (strict) at CONFIRM_DPS digits) when the predicate
    fails there too; None when it does not confirm (the fast evaluation was wrong), when SymPy cannot certify the
    digits, or when a defining expression is not real there (see `search`)."""
    rng = random.Random()
    exact = {atom: _exact(v) for atom, v in point.items()}
    values = []
    try:
        with mpmath.workdps(CONFIRM_DPS):
            for e in exprs:
                rng.setstate(state)
                value = _as_exp_and_log(
                    _concrete(sp.sympify(e), assumptions, sizes, rng).xreplace(exact).doit()
                )
                values.append(_to_mpmath(sp.N(value, CONFIRM_DPS, strict=True, maxn=_CONFIRM_MAXN)))
            bad = [k for k, v in enumerate(values) if _is_bad(v)]
            if not allow_bad and bad:
                if defining is None or any(k in defining for k in bad):
                    return None
                return tuple(values)  # defined where the defining expressions are, and not real: refuted
            return None if holds(values) else tuple(values)
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, RecursionError, sp.PrecisionExhausted):
        return None


def _as_exp_and_log(expr: sp.Expr) -> sp.Expr:
    """expm1(x) as exp(x) - 1 and log1p(x) as log(1 + x), exactly: SymPy's evalf certifies the digits of these
    (raising its precision where they cancel, up to its limit), while mpmath's expm1 of a huge negative number
    raises its precision without limit (expm1(-1.4e7) ran for minutes)."""
    return expr.replace(
        lambda e: isinstance(e, (expm1, log1p)),
        lambda e: e.rewrite(sp.exp) if isinstance(e, expm1) else sp.log(1 + e.args[0]),
    )


class _InertDelta(sp.Function):
    nargs = 2


def _end(value: sp.Expr) -> mpmath.mpf:
    """A finite end of a domain (2, sqrt(2), 2*pi, E) as an mpmath number at the working precision."""
    return mpmath.mpf(sp.N(value, DPS + 10))


def sample_value(domain: sp.Set, rng: random.Random) -> mpmath.mpf:
    """A random value of `domain` that also probes its ends (a closed end itself, an open end from 10^-1 down
    to 10^-30 of the width away) and, on unbounded sets, magnitudes from 10^-12 to 10^8 in both signs."""
    if isinstance(domain, sp.FiniteSet):
        return mpmath.mpf(int(rng.choice(sorted(domain))))
    if isinstance(domain, sp.Range) or domain in (sp.S.Naturals, sp.S.Naturals0, sp.S.Integers):
        low = {sp.S.Naturals: 1, sp.S.Naturals0: 0, sp.S.Integers: -5}.get(domain, domain.inf)
        high = domain.sup if isinstance(domain, sp.Range) else low + (5 if rng.random() < 0.8 else 10**6)
        return mpmath.mpf(rng.randint(int(low), int(high)))
    low, high = domain.inf, domain.sup
    mode = rng.random()
    if low == -sp.oo and high == sp.oo:
        sign = rng.choice((-1, 1))
        if mode < 0.4:
            return mpmath.mpf(sign * rng.uniform(0, 4))
        exponent = (
            rng.uniform(-8, 3) if mode < 0.8 else rng.uniform(-12, -8) if mode < 0.9 else rng.uniform(3, 8)
        )
        return sign * mpmath.power(10, exponent)
    if high == sp.oo or low == -sp.oo:
        end, closed, sign = (
            (low, not domain.left_open, 1) if high == sp.oo else (high, not domain.right_open, -1)
        )
        if closed and mode < 0.1:
            return _end(end)
        distance = mpmath.power(10, rng.uniform(-30, -10) if mode < 0.25 else rng.uniform(-10, 8))
        return _end(end) + sign * distance
    a, b = _end(low), _end(high)
    width = b - a
    if mode < 0.05 and not domain.left_open:
        return a
    if mode < 0.1 and not domain.right_open:
        return b
    if mode < 0.6:
        value = a + width * mpmath.mpf(rng.random())
    elif mode < 0.8:
        value = a + width * mpmath.power(10, -rng.uniform(1, 30))
    else:
        value = b - width * mpmath.power(10, -rng.uniform(1, 30))
    return value if a < value < b else a + width / 2


def _size_sets(
    assumptions: Assumptions, instances: int, choices: Sequence[int] = _SIZE_CHOICES
) -> list[dict[sp.Symbol, int]]:
    sizes = assumptions.sizes()
    if not sizes:
        return [{}]
    return [{s: choices[(k + j) % len(choices)] for j, s in enumerate(sizes)} for k in range(instances)]


def _is_bad(value) -> bool:
    """Not a real finite number: complex, infinite, nan, or no number at all (a Piecewise where no case holds)."""
    if not isinstance(value, (mpmath.mpf, mpmath.mpc, int, float)):
        return True
    return (isinstance(value, mpmath.mpc) and abs(value.imag) > 0) or not mpmath.isfinite(value)


def search(
    exprs: Sequence[sp.Expr],
    holds: Callable[[Sequence], bool],
    assumptions: Assumptions,
    *,
    points: int = 60,
    dps: int = DPS,
    extra: dict[sp.Symbol, sp.Set] | None = None,
    seed: int = 20261123,
    instances: int = 3,
    allow_bad: bool = False,
    defining: Sequence[int] | None = None,
    size_choices: Sequence[int] = _SIZE_CHOICES,
    score: Callable[[Sequence], object] | None = None,
    refine: int = 3,
) -> Evidence:
    """Evaluate `exprs` at random admissible points until `holds(values)` fails or `points` pass.

    The sizes (n, d, K) of instance k are `size_choices` from position k on, one per size in declaration order.
    With `score` (a function of the values, larger meaning closer to failing, e.g. the relative difference of an
    equality), the `refine` best passing points of each instance are the starts of a local search that moves
    one variable at a time, by relative steps from 10^-1 down to 10^-9, while the score grows: a claim wrong
    only in a narrow region near a sampled point is found there too.

    Points where a value is complex or not finite are skipped and counted, unless `allow_bad` hands them to
    `holds` too. With `defining` (indices into `exprs`), only a point where a defining expression is not real is
    skipped: one where the defining ones are real and another is not fails (a rewrite that is complex where its
    input is real is wrong there). A failing point is re-evaluated exactly before it is reported. The search is
    seeded and repeatable; a failing point names the sizes it used.
    """
    rng = random.Random(seed)
    extra = extra or {}
    passed = skipped = 0
    size_sets = _size_sets(assumptions, instances, size_choices)
    per_instance = max(1, points // len(size_sets))
    for sizes in size_sets:
        state = rng.getstate()  # the same free-index values (k in 1..d) in every expression
        concrete = []
        for e in exprs:
            rng.setstate(state)
            concrete.append(instantiate(sp.sympify(e), assumptions, sizes, rng))
        if any(c.atoms(AbstractFunction) for c in concrete):  # no numeric value: only a proof decides
            skipped += per_instance
            continue
        atoms = _sampled_atoms(concrete)
        if any(_bare_symbols(ix) for a in atoms if isinstance(a, sp.Indexed) for ix in a.indices):
            # an element whose index is still a symbol (bound by a sum that could not be written out) is no
            # unknown of its own: sampling it would test something else
            skipped += per_instance
            continue
        dummies = [sp.Dummy(f"a{k}") for k in range(len(atoms))]
        replaced = [c.xreplace(dict(zip(atoms, dummies, strict=False))) for c in concrete]
        function = sp.lambdify(dummies, replaced, modules=[MPMATH_FUNCTIONS, "mpmath"])
        concrete_sizes = {s: sp.Integer(v) for s, v in sizes.items()}
        domains = [extra.get(a, assumptions.domain_of(a)).xreplace(concrete_sizes) for a in atoms]

        def evaluate(values_in):
            """'pass', 'skip' or 'fail' at a point, with the values there."""
            with mpmath.workdps(dps):
                try:
                    values = function(*values_in)
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    return "skip", None
                bad = [k for k, v in enumerate(values) if _is_bad(v)]
                if not allow_bad and bad and (defining is None or any(k in defining for k in bad)):
                    return "skip", None
                if not bad and holds(values):
                    return "pass", values
                return "fail", values

        def failure_at(values_in):
            """The Evidence of a failing point confirmed exactly, or None."""
            at = dict(zip(atoms, values_in, strict=False))
            exact = _confirmed(exprs, holds, assumptions, sizes, state, at, allow_bad, defining)
            if exact is None:  # the exact re-evaluation does not confirm: no refutation at this point
                return None
            point = {str(s): str(v) for s, v in sizes.items()}
            point.update({str(a): mpmath.nstr(v, 17) for a, v in at.items()})
            return Evidence(
                passed,
                dps,
                point,
                tuple(mpmath.nstr(v, 17) for v in exact),
                skipped,
                {str(s): v for s, v in sizes.items()},
            )

        best: list[tuple[object, list]] = []  # (score, point) of the passing points, for the local search
        for _ in range(per_instance):
            with mpmath.workdps(dps):
                values_in = [sample_value(d, rng) for d in domains]
            verdict, values = evaluate(values_in)
            if verdict == "skip":
                skipped += 1
                continue
            if verdict == "pass":
                passed += 1
                if score is not None:
                    best.append((score(values), values_in))
                continue
            found = failure_at(values_in)
            if found is None:
                skipped += 1
                continue
            return found
        if score is not None and best:
            best.sort(key=lambda item: item[0], reverse=True)
            for _, start in best[:refine]:
                for candidate in _climb(start, domains, evaluate, score, dps):
                    found = failure_at(candidate)
                    if found is not None:
                        return found
    return Evidence(passed, dps, None, (), skipped)


#: relative steps of the local search, and the most evaluations it makes from one start
_STEPS = tuple(mpmath.mpf(10) ** -k for k in range(1, 10))
_MAX_CLIMB = 80


def _inside(value, domain: sp.Set) -> bool:
    if not isinstance(domain, sp.Interval):
        return False
    low, high = domain.inf, domain.sup
    if low != -sp.oo:
        end = _end(low)
        if value < end or (domain.left_open and value == end):
            return False
    if high != sp.oo:
        end = _end(high)
        if value > end or (domain.right_open and value == end):
            return False
    return True


def _climb(start: list, domains: list, evaluate, score, dps: int):
    """Points where `evaluate` fails, met while moving from `start` uphill in the score, one coordinate at a time
    (a finite or integer domain is not moved; a move stays inside its interval): first in strides that double
    while the score grows (from 10^-1 of the value's size, at least 10^-1), so a narrow region several units away
    is reached in a few steps, then by relative steps from 10^-1 down to 10^-9 around the best point."""
    point = list(start)
    verdict, values = evaluate(point)
    if verdict != "pass":
        return
    current, evaluations = score(values), 0
    movable = [k for k, domain in enumerate(domains) if isinstance(domain, sp.Interval)]

    def moved(k, delta):
        with mpmath.workdps(dps):
            value = point[k] + delta
        return [*point[:k], value, *point[k + 1 :]] if _inside(value, domains[k]) else None

    for _ in range(2):  # strides
        for k in movable:
            for sign in (1, -1):
                with mpmath.workdps(dps):
                    stride = max(abs(point[k]), mpmath.mpf(1)) / 10
                while evaluations < _MAX_CLIMB:
                    candidate = moved(k, sign * stride)
                    if candidate is None:
                        break
                    evaluations += 1
                    verdict, values = evaluate(candidate)
                    if verdict == "fail":
                        yield candidate
                        break
                    if verdict != "pass" or not score(values) > current:
                        break
                    point, current = candidate, score(values)
                    stride *= 2
    for step in _STEPS:  # local steps: each size repeated while it gains
        improved = True
        while improved:
            improved = False
            for k in movable:
                for sign in (1, -1):
                    if evaluations >= _MAX_CLIMB:
                        return
                    with mpmath.workdps(dps):
                        delta = sign * step * (abs(point[k]) if point[k] != 0 else mpmath.mpf(1))
                    candidate = moved(k, delta)
                    if candidate is None:
                        continue
                    evaluations += 1
                    verdict, values = evaluate(candidate)
                    if verdict == "fail":
                        yield candidate
                    elif verdict == "pass" and score(values) > current:
                        point, current, improved = candidate, score(values), True


def _bare_symbols(index: sp.Expr) -> set:
    """The symbols of an index expression outside any Indexed element in it (t[1] in W[t[1], 2] is sampled)."""
    return index.xreplace({e: sp.S.Zero for e in index.atoms(sp.Indexed)}).free_symbols


def is_real_finite(value) -> bool:
    return not _is_bad(value)


def _sampled_atoms(concrete: Sequence[sp.Expr]) -> list[sp.Basic]:
    """The quantities to sample: Indexed elements and plain symbols (not the labels of IndexedBases)."""
    indexed = set().union(*(c.atoms(sp.Indexed) for c in concrete))
    labels = {ix.base.label for ix in indexed} | {i for ix in indexed for i in ix.indices}
    symbols = {s for c in concrete for s in c.free_symbols if isinstance(s, sp.Symbol) and s not in labels}
    return sorted(indexed | symbols, key=sp.default_sort_key)


def close(a, b, dps: int = DPS) -> bool:
    """Equal up to the working precision relative to the larger magnitude, however small (two values of 1e-60
    that differ in their tenth digit are not equal; both zero are). Digits lost to cancellation at `dps` may make
    equal values differ here: `search` re-evaluates every failing point exactly before it reports it."""
    return abs(a - b) <= max(abs(a), abs(b)) * mpmath.power(10, -(dps - 12))
