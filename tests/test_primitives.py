"""The primitives table: every row complete, its evaluations agreeing, its enclosures sound, new functions usable."""

from __future__ import annotations

import dataclasses
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from numeric_helpers import OPTIONAL_BACKENDS, to_backend, to_numpy
from sympy.codegen.cfunctions import expm1, log1p

from xent_symbolic import Assumptions, Derivation, Name
from xent_symbolic.bounds import Bound, enclose
from xent_symbolic.export.printer import print_array
from xent_symbolic.functions import log_sigmoid, sigmoid, softplus
from xent_symbolic.parse import parse_formula
from xent_symbolic.primitives import (
    BACKENDS,
    BY_CLASS,
    BY_NAME,
    FORMULA_FUNCTIONS,
    MPMATH_FUNCTIONS,
    PRIMITIVES,
    Monotone,
    Primitive,
    primitive_of,
)
from xent_symbolic.trace import trace

x = sp.Symbol("x", real=True)
NEW = ("erf", "expm1", "log1p", "log_sigmoid")
#: sample points, exact; each primitive takes those inside its domain
POINTS = tuple(
    sp.Rational(v)
    for v in ("-7.25", "-3.5", "-1.5", "-0.75", "-0.001", "0.001", "0.1", "0.3", "1", "2", "7.25", "13.5")
)


def _defined(p: Primitive, value: sp.Rational) -> bool:
    domain = p.enclosure.domain
    if p.enclosure.even:
        return domain.contains(abs(value)) is sp.true
    return domain.contains(value) is sp.true


def _points(p: Primitive) -> list[sp.Rational]:
    return [v for v in POINTS if _defined(p, v)]


def _mp(value: sp.Rational) -> mpmath.mpf:
    return mpmath.mpf(value.p) / value.q


def _to_mp(expr: sp.Expr) -> mpmath.mpf:
    """A SymPy number at 60 digits, as an mpmath number of 60 digits."""
    with mpmath.workdps(60):
        return mpmath.mpf(sp.N(expr, 60))


def _exact(p: Primitive, value: sp.Rational) -> mpmath.mpf:
    """p at value from SymPy's evalf at 60 digits."""
    return _to_mp(p.sympy_class(value))


# ------------------------------------------------------------------------------------------- completeness


def test_the_table_holds_the_functions_the_package_meets():
    assert sorted(BY_NAME) == [
        "abs",
        "atan",
        "cosh",
        "erf",
        "exp",
        "expm1",
        "log",
        "log1p",
        "log_sigmoid",
        "sigmoid",
        "sinh",
        "softplus",
        "tanh",
    ]
    assert BY_NAME["erf"].sympy_class is sp.erf
    assert BY_NAME["log1p"].sympy_class is log1p
    assert BY_NAME["expm1"].sympy_class is expm1
    assert BY_NAME["log_sigmoid"].sympy_class is log_sigmoid
    assert BY_NAME["abs"].sympy_class is sp.Abs
    assert sorted(FORMULA_FUNCTIONS) == sorted(set(BY_NAME) - {"atan"})


@pytest.mark.parametrize("p", PRIMITIVES, ids=lambda p: p.name)
def test_every_primitive_is_complete(p):
    for f in dataclasses.fields(p):
        assert getattr(p, f.name) is not None or f.name == "stable", f"{p.name}: {f.name} is not set"
    assert p.name.isidentifier() and callable(p.mpmath) and callable(p.float64)
    assert isinstance(p.enclosure, Monotone)
    assert issubclass(p.sympy_class, sp.Basic)
    # spelled for every backend, or printed through its stable form, never both
    if p.stable is None:
        assert tuple(p.arrays) == BACKENDS
        assert all("{0}" in spelling for spelling in p.arrays.values())
    else:
        assert not p.arrays
        stable = p.stable(x)
        assert stable.free_symbols == {x}
        # what the stable form calls is spelled for every backend
        for f in stable.atoms(sp.Function):
            if primitive_of(f) is not None:
                assert primitive_of(f).stable is None, f"{p.name}'s stable form uses {f.func}"
    assert p.sympy_class(x).func is p.sympy_class  # the class applied to a symbol stays unevaluated


def test_names_and_classes_are_one_to_one():
    assert len({p.name for p in PRIMITIVES}) == len(PRIMITIVES)
    assert len({p.sympy_class for p in PRIMITIVES}) == len(PRIMITIVES)
    assert all(BY_NAME[p.name] is p and BY_CLASS[p.sympy_class] is p for p in PRIMITIVES)
    for backend in BACKENDS:
        spelled = [p.arrays[backend] for p in PRIMITIVES if p.arrays]
        assert len(set(spelled)) == len(spelled)
    assert set(MPMATH_FUNCTIONS) == {p.sympy_class.__name__ for p in PRIMITIVES}


def test_an_incomplete_row_fails_when_it_is_built():
    monotone = Monotone(sp.Interval(-sp.oo, sp.oo), (sp.S.Zero, sp.oo), BY_NAME["exp"].enclosure.value)
    with pytest.raises(ValueError, match="either an array spelling per backend or a stable form"):
        Primitive("exp", sp.exp, mpmath.exp, np.exp, monotone)
    with pytest.raises(ValueError, match=r"spell it for exactly \('numpy', 'jax', 'torch'\)"):
        Primitive("exp", sp.exp, mpmath.exp, np.exp, monotone, {"numpy": "np.exp({0})"})
    with pytest.raises(ValueError, match="an even function's domain starts at 0"):
        Monotone(sp.Interval(-1, sp.oo), (sp.S.Zero, sp.oo), BY_NAME["abs"].enclosure.value, even=True)


def test_arity_and_usage():
    assert BY_NAME["log"].arity == (1, 2)
    assert BY_NAME["log"].usage == "log(x) or log(x, base)"
    assert BY_NAME["erf"].arity == (1,)
    assert BY_NAME["erf"].usage == "erf(x)"


# ------------------------------------------------------------------------------------------- evaluations


@pytest.mark.parametrize("p", PRIMITIVES, ids=lambda p: p.name)
def test_mpmath_and_float64_evaluations_agree_with_sympy(p):
    points = _points(p)
    assert len(points) >= 6
    for value in points:
        exact = _exact(p, value)
        with mpmath.workdps(50):
            at_50 = p.mpmath(_mp(value))
        assert abs(at_50 - exact) <= mpmath.mpf("1e-40") * max(1, abs(exact)), (p.name, value)
        f64 = float(p.float64(np.float64(float(value))))
        assert abs(mpmath.mpf(f64) - exact) <= mpmath.mpf("1e-15") * abs(exact), (p.name, value, f64)


@pytest.mark.parametrize("p", PRIMITIVES, ids=lambda p: p.name)
def test_lambdify_with_the_mpmath_names_agrees_with_sympy(p):
    function = sp.lambdify(x, p.sympy_class(x), modules=[MPMATH_FUNCTIONS, "mpmath"])
    for value in _points(p):
        exact = _exact(p, value)
        with mpmath.workdps(50):
            assert abs(function(_mp(value)) - exact) <= mpmath.mpf("1e-40") * max(1, abs(exact))


def _array_namespace(backend: str) -> dict:
    if backend == "numpy":
        import scipy.special

        return {"np": np, "scipy": scipy}
    if backend == "torch":
        import torch

        return {"torch": torch}
    import jax
    import jax.numpy as jnp
    import jax.scipy.special  # makes jax.scipy.special reachable

    return {"jax": jax, "jnp": jnp}


def _check_spelling(p: Primitive, backend: str) -> None:
    points = _points(p)
    code = print_array(p.sympy_class(x), backend)
    namespace = _array_namespace(backend)
    values = np.array([float(v) for v in points])
    argument = values if backend == "numpy" else to_backend(backend, values)
    got = to_numpy(eval(code, namespace, {"x": argument}))  # our own generated code, not user text
    assert got.dtype == np.float64
    for value, g in zip(points, got, strict=True):
        exact = _exact(p, value)
        assert abs(mpmath.mpf(float(g)) - exact) <= mpmath.mpf("4e-15") * abs(exact), (p.name, backend, value)


@pytest.mark.parametrize("p", PRIMITIVES, ids=lambda p: p.name)
def test_the_numpy_spelling_on_an_array_agrees(p):
    _check_spelling(p, "numpy")


@pytest.mark.parametrize("backend", OPTIONAL_BACKENDS)
@pytest.mark.parametrize("p", PRIMITIVES, ids=lambda p: p.name)
def test_the_jax_and_torch_spellings_on_an_array_agree(p, backend):
    _check_spelling(p, backend)


# ------------------------------------------------------------------------------------------- enclosures


def _random_interval(p: Primitive, rng: random.Random) -> sp.Interval:
    """A sub-interval of the primitive's domain (its mirror image too, if even) with random ends."""
    domain = p.enclosure.domain
    low_limit = -domain.sup if p.enclosure.even else domain.inf
    drawn = sorted(sp.Rational(rng.randint(-4000, 4000), rng.choice((100, 1000, 7))) for _ in range(2))
    lo = low_limit if rng.random() < 0.15 else min(max(drawn[0], low_limit), domain.sup)
    hi = domain.sup if rng.random() < 0.15 else min(max(drawn[1], low_limit), domain.sup)
    if lo == hi:
        lo, hi = (lo, lo + 1) if hi != domain.sup else (hi - 1, hi)
    left_open = lo == -sp.oo or (lo == low_limit and domain.left_open) or rng.random() < 0.5
    right_open = hi == sp.oo or rng.random() < 0.5
    return sp.Interval(lo, hi, left_open, right_open)


def _samples(interval: sp.Interval, rng: random.Random) -> list[sp.Rational]:
    lo = interval.inf if interval.inf != -sp.oo else interval.sup - 1000 if interval.sup != sp.oo else -1000
    hi = interval.sup if interval.sup != sp.oo else lo + 1000
    inside = [lo + (hi - lo) * sp.Rational(rng.randint(1, 999), 1000) for _ in range(6)]
    ends = ((interval.inf, interval.left_open), (interval.sup, interval.right_open))
    return inside + [e for e, is_open in ends if not is_open]


def _contains(bound: Bound, value: mpmath.mpf) -> bool:
    with mpmath.workdps(60):
        tol = mpmath.mpf("1e-45") * max(1, abs(value))
        lo_ok = bound.lo == -sp.oo or value >= _to_mp(bound.lo) - tol
        hi_ok = bound.hi == sp.oo or value <= _to_mp(bound.hi) + tol
        return bool(lo_ok and hi_ok) and bound.lo != sp.oo and bound.hi != -sp.oo


@pytest.mark.parametrize("p", PRIMITIVES, ids=lambda p: p.name)
def test_the_enclosure_contains_every_value_of_random_sub_intervals(p):
    rng = random.Random(20261202)
    t = sp.Symbol("t", real=True)
    for _ in range(12):
        interval = _random_interval(p, rng)
        bound = enclose(p.sympy_class(t), Assumptions(domains=((t, interval),)))
        assert bound is not None, (p.name, interval)
        for value in _samples(interval, rng):
            exact = _exact(p, value)
            assert _contains(bound, exact), (p.name, interval, value, bound)


def _rounded(bound: Bound, lo: sp.Expr, hi: sp.Expr, lo_open: bool, hi_open: bool) -> bool:
    """The enclosure is [lo, hi] with those flags, each irrational end rounded outward by less than 1e-30."""
    assert (bound.lo_open, bound.hi_open) == (lo_open, hi_open), bound
    for end, true, below in ((bound.lo, sp.sympify(lo), True), (bound.hi, sp.sympify(hi), False)):
        if true.is_Rational or true.is_infinite:
            assert end == true, (bound, true)
        else:
            with mpmath.workdps(60):  # the rounded end exactly (SymPy would round it to its own precision)
                exact = mpmath.mpf(end._mpf_) if isinstance(end, sp.Float) else _to_mp(end)
                gap = _to_mp(true) - exact if below else exact - _to_mp(true)
                assert 0 < gap < 1e-30, (bound, true, gap)
    return True


def test_exact_enclosures_of_the_new_functions():
    reals = Assumptions()

    def over(interval):
        t = sp.Symbol("t", real=True)
        return lambda f: enclose(f(t), Assumptions(domains=((t, interval),)))

    assert enclose(sp.erf(x), reals) == Bound(-1, 1, True, True)
    assert enclose(expm1(x), reals) == Bound(-1, sp.oo, True, True)
    assert enclose(log_sigmoid(x), reals) == Bound(-sp.oo, 0, True, True)
    assert enclose(log1p(x), reals) is None  # undefined at and below -1
    assert over(sp.Interval(-1, 0))(log1p) is None  # -1 itself is in the interval
    assert over(sp.Interval.open(-1, sp.oo))(log1p) == Bound(-sp.oo, sp.oo, True, True)
    assert _rounded(over(sp.Interval.Lopen(0, 1))(log1p), 0, sp.log(2), True, False)
    assert _rounded(over(sp.Interval(0, sp.oo))(log_sigmoid), -sp.log(2), 0, False, True)
    assert _rounded(over(sp.Interval(0, 1))(sp.erf), 0, sp.erf(1), False, False)
    assert _rounded(over(sp.Interval(0, 1))(expm1), 0, sp.E - 1, False, False)
    # even functions: the larger end of |x| gives the top, 0 the bottom
    assert _rounded(over(sp.Interval.Lopen(-2, 1))(sp.cosh), 1, sp.cosh(2), False, True)
    assert over(sp.Interval(-2, 3))(sp.Abs) == Bound(0, 3, False, False)
    assert over(sp.Interval.Ropen(-3, -1))(sp.Abs) == Bound(1, 3, True, False)
    assert enclose(sp.cosh(x), reals) == Bound(1, sp.oo, False, True)
    # the monotone functions bounds enclosed before the table, as before
    assert enclose(sp.tanh(x), reals) == Bound(-1, 1, True, True)
    assert _rounded(enclose(sp.atan(x), reals), -sp.pi / 2, sp.pi / 2, True, True)
    assert enclose(sp.log(x), reals) is None
    assert enclose(sigmoid(x) * (1 - sigmoid(x)), reals) == Bound(0, 1, True, True)
    assert enclose(softplus(x), reals) == Bound(0, sp.oo, True, True)


# ------------------------------------------------------------------------------------------- new functions


def _central_difference(f: sp.Expr, value: sp.Rational) -> sp.Float:
    h = sp.Rational(1, 10**20)
    return ((f.subs(x, value + h) - f.subs(x, value - h)) / (2 * h)).evalf(80)


@pytest.mark.parametrize("name", NEW)
def test_each_new_function_parses_and_differentiates_correctly(name):
    f = parse_formula(f"{name}(x)", symbols={"x": x})
    assert f == BY_NAME[name].sympy_class(x)
    derivative = f.diff(x)
    assert not derivative.has(sp.Derivative)
    for value in _points(BY_NAME[name]):
        exact = derivative.subs(x, value).evalf(60)
        assert abs(exact - _central_difference(f, value)) <= sp.Float("1e-35") * max(1, abs(exact)), value


def test_the_derivatives_are_the_known_ones():
    assert sp.simplify(sp.erf(x).diff(x) - 2 * sp.exp(-(x**2)) / sp.sqrt(sp.pi)) == 0
    assert sp.simplify(log1p(x).diff(x) - 1 / (1 + x)) == 0
    assert expm1(x).diff(x) == sp.exp(x)
    assert log_sigmoid(x).diff(x) == sigmoid(-x)


def test_log_sigmoid_is_log_of_sigmoid():
    assert log_sigmoid(0) == -sp.log(2)
    assert log_sigmoid(sp.oo) == 0
    assert log_sigmoid(x).rewrite(softplus) == -softplus(-x)
    assert log_sigmoid(x).is_negative and log_sigmoid(x).is_real
    assert sp.latex(log_sigmoid(x)) == r"\log\sigma\left(x\right)"
    value = sp.Rational(-37, 4)
    assert abs(log_sigmoid(value).evalf(50) - sp.log(sigmoid(value)).evalf(50)) < sp.Float("1e-45")


@pytest.mark.parametrize("name", NEW)
def test_each_new_function_is_traced(name):
    t = sp.Symbol("t", real=True)
    derivation = Derivation(
        name=f"{name}-trace",
        title=name,
        start=parse_formula(f"{name}(t)", symbols={"t": t}),
        assumptions=Assumptions(domains=((t, sp.S.Reals),)),
        start_name=Name(f"{name}(t)", name),
    )
    (row,) = trace(derivation, {"t": Fraction(3, 10)}).rows
    exact = _exact(BY_NAME[name], sp.Rational(3, 10))
    assert abs(row.exact - exact) <= mpmath.mpf("1e-45")
    assert row.float64 == pytest.approx(float(exact), rel=1e-15)
    assert not row.float64_fails


def test_each_new_function_is_printed_for_numpy():
    assert print_array(sp.erf(x), "numpy") == "scipy.special.erf(x)"
    assert print_array(log1p(x), "numpy") == "np.log1p(x)"
    assert print_array(expm1(x), "numpy") == "np.expm1(x)"
    assert print_array(log_sigmoid(x), "numpy") == "(-np.log1p(np.exp(-np.abs(x))) - np.maximum(-x, 0))"
    assert print_array(sp.log(1 + sp.exp(x)), "torch") == "torch.log1p(torch.exp(x))"
    assert print_array(sp.erf(x), "torch") == "torch.erf(x)"


# ------------------------------------------------------------------------------------------- stable forms


@pytest.mark.parametrize("p", [p for p in PRIMITIVES if p.stable is not None], ids=lambda p: p.name)
def test_the_stable_forms_equal_the_definitions_and_do_not_overflow(p):
    stable = p.stable(x)
    for value in (*POINTS, sp.Integer(-1000), sp.Integer(1000), sp.Integer(0)):
        exact = _exact(p, value)
        with mpmath.workdps(60):
            assert abs(_to_mp(stable.subs(x, value)) - exact) <= mpmath.mpf("1e-45") * max(1, abs(exact))
    code = print_array(p.sympy_class(x), "numpy")
    with np.errstate(over="raise", invalid="raise"):  # an overflow would raise (exp(-1000) = 0 may underflow)
        got = eval(code, {"np": np}, {"x": np.array([-1000.0, 1000.0])})  # our own generated code
    for value, g in zip((-1000, 1000), got, strict=True):
        exact = _exact(p, sp.Integer(value))
        assert np.isfinite(g)
        assert abs(mpmath.mpf(float(g)) - exact) <= mpmath.mpf("1e-15") * max(abs(exact), 1e-300)


@pytest.mark.parametrize("p", [p for p in PRIMITIVES if p.stable is not None], ids=lambda p: p.name)
def test_lambdify_runs_our_functions_with_no_namespace_given(p):
    points = [*_points(p), sp.Integer(-1000), sp.Integer(1000)]
    with np.errstate(over="raise", invalid="raise", under="ignore"):
        got = sp.lambdify(x, p.sympy_class(x), "numpy")(np.array([float(v) for v in points]))
    at_50 = sp.lambdify(x, p.sympy_class(x), "mpmath")
    for value, g in zip(points, got, strict=True):
        exact = _exact(p, value)
        assert abs(mpmath.mpf(float(g)) - exact) <= mpmath.mpf("4e-15") * max(abs(exact), 1e-300), value
        with mpmath.workdps(50):
            assert abs(at_50(_mp(value)) - exact) <= mpmath.mpf("1e-40") * max(1, abs(exact)), value
    # mpmath evaluates the plain formula, as the mpmath row does: a complex argument gives a complex value
    with mpmath.workdps(50):
        z = mpmath.mpc(1, 1)
        assert abs(at_50(z) - p.mpmath(z)) < mpmath.mpf("1e-45")


def test_the_mpmath_hook_rewrites_the_function_not_its_argument():
    import inspect

    from xent_symbolic.primitives import MPMATH_FUNCTIONS

    y = sp.Symbol("y", real=True)
    f = sp.lambdify(y, log_sigmoid(y**2), modules=[MPMATH_FUNCTIONS, "mpmath"])
    assert "log(y)" not in inspect.getsource(f)  # y**2 stayed a power: real for negative y
    with mpmath.workdps(60):
        value = f(-mpmath.pi)
        assert isinstance(value, mpmath.mpf)
        assert abs(value + mpmath.log1p(mpmath.exp(-(mpmath.pi**2)))) < mpmath.mpf(10) ** -55
