"""Property tests of the prover's soundness: random expression trees never get 'proved' for something false.

proves_zero never proves a difference that is nonzero (at 60 digits) at a sampled point of the declared
domains, and a MonotoneMap step is never proved for a phi that decreases somewhere on a sample of its domain.
The differences are built from a random tree and a rewrite of it that SymPy applies with force=True (sound only
under sign conditions the domains may not give), so many of them are false and tempting.
"""

from __future__ import annotations

import random
from unittest.mock import patch

import mpmath
import sympy as sp
import sympy.physics.units
from hypothesis import event, given
from hypothesis import strategies as st

from xent_symbolic.assumptions import Assumptions
from xent_symbolic.check import check_step
from xent_symbolic.core import Status
from xent_symbolic.errors import XentError
from xent_symbolic.evidence import Evidence, sample_value
from xent_symbolic.functions import sigmoid, softplus
from xent_symbolic.primitives import MPMATH_FUNCTIONS
from xent_symbolic.prove import proves_zero
from xent_symbolic.rules import MonotoneMap
from xent_symbolic.timebox import BudgetExceeded, time_limit
from xent_symbolic.verify import verify_gradient

DOMAINS = {
    "R": sp.S.Reals,
    "positive": sp.Interval.open(0, sp.oo),
    "unit": sp.Interval.open(0, 1),
    "nonnegative": sp.Interval(0, sp.oo),
}
#: the symbols, created with assumptions that may be stronger than the domain they are declared in
SYMBOLS = (sp.Symbol("a", real=True), sp.Symbol("b", positive=True), sp.Symbol("c"))
T = sp.Symbol("t", real=True)
BUDGET = 0.01
DIGITS = 60

UNARY = (sp.exp, sp.log, sigmoid, softplus, sp.tanh, lambda e: -e, sp.sqrt, lambda e: e**2)
BINARY = (sp.Add, sp.Mul, lambda x, y: x - y, lambda x, y: x / y, lambda x, y: x**y)
CONSTANTS = (sp.Integer(1), sp.Integer(2), sp.Integer(-1), sp.Rational(1, 2), sp.Integer(0))


def _trees(leaves):
    base = st.one_of(st.sampled_from(leaves), st.sampled_from(CONSTANTS))
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(UNARY), inner).map(lambda p: p[0](p[1])),
            st.tuples(st.sampled_from(BINARY), inner, inner).map(lambda p: p[0](p[1], p[2])),
        ),
        max_leaves=4,
    )


REWRITES = (
    lambda e: sp.expand_log(e, force=True),
    lambda e: sp.powsimp(e, force=True),
    lambda e: sp.expand_power_base(e, force=True),
    lambda e: sp.powdenest(e, force=True),
    lambda e: sp.logcombine(e, force=True),
    lambda e: e.rewrite(sp.exp),
    lambda e: e + sp.Rational(1, 10**45),
    sp.expand,
)


def _no_evidence(*args, **kwargs):
    return Evidence(0, DIGITS)


#: what _values and _settled give where the reference evaluation ran past its second or out of memory: no verdict
#: at that point (log(z**(2*z**log(z)/z)) at z = 3e-30 takes 3 s at 60 digits, and is defined)
TOO_SLOW = object()


def _values(expr, symbols, point, digits=DIGITS):
    """expr at the point, at `digits` digits (None where it is undefined or not finite)."""
    with mpmath.workdps(digits):
        try:
            with time_limit(1.0):  # exp(exp(exp(x))) at a large x would work for hours
                value = sp.lambdify(symbols, expr, modules=[MPMATH_FUNCTIONS, "mpmath"])(*point)
        except (BudgetExceeded, MemoryError, OverflowError):
            # no verdict: exp((y + z)**(z**2)) at z = 1e3 is a number of 10^300000 digits, and a**(a**(1/z)/z**2)
            # at z = 1e-19 one whose exponent mpmath cannot hold; both are defined
            return TOO_SLOW
        except (ZeroDivisionError, ValueError, TypeError, NameError, KeyError):
            # KeyError: lambdify cannot print zoo, which sigmoid(I*pi) = 1/(1 - 1) becomes (undefined)
            return None
        try:
            value = mpmath.mpmathify(value)
        except TypeError:  # not a number: a symbol the point does not give a value to
            return None
        return +value if mpmath.isfinite(value) else None


def _settled(expr, symbols, point):
    """(value, error) of expr at the point: evaluated at DIGITS, 2*DIGITS and 4*DIGITS digits until two
    successive values agree to half their digits; the error is their difference. None where it is undefined,
    or where no two precisions agree (so ill-conditioned at the point that no sample can judge it: (-b)**(a/b)
    at a/b near 1e24 needs 24 digits for the phase alone)."""
    previous = _values(expr, symbols, point, DIGITS)
    for digits in (2 * DIGITS, 4 * DIGITS):
        if previous is None or previous is TOO_SLOW:
            return previous
        value = _values(expr, symbols, point, digits)
        if value is None or value is TOO_SLOW:
            return value
        with mpmath.workdps(digits):
            error = abs(value - previous)
            if error <= max(mpmath.mpf(1), abs(value)) * mpmath.mpf(10) ** (-(digits // 4)):
                return value, error
        previous = value
    return None


def _tolerance(*settled):
    """How far apart two settled values may be and still be equal: ten times their own errors, plus 10^-(DIGITS-15)
    of their scale (at least 1). Call at 4*DIGITS digits."""
    scale = max(mpmath.mpf(1), *(abs(value) for value, _ in settled))
    return 10 * sum(error for _, error in settled) + scale * mpmath.mpf(10) ** (-(DIGITS - 15))


@given(
    tree=_trees(SYMBOLS),
    second=_trees(SYMBOLS),
    rewrite=st.sampled_from(REWRITES),
    domains=st.tuples(*(st.sampled_from(sorted(DOMAINS)) for _ in SYMBOLS)),
    seed=st.integers(0, 2**16),
)
def test_proves_zero_never_proves_a_nonzero_difference(tree, second, rewrite, domains, seed):
    if tree.has(
        sp.zoo, sp.nan
    ):  # an undefined tree: SymPy's own rewrites fail on it (logcombine: KeyError zoo)
        return
    try:
        other = rewrite(tree)
    except (TypeError, ValueError, NotImplementedError, RecursionError, AttributeError, KeyError):
        return
    if other == tree:  # the rewrite did not apply: compare with another tree (or a nudge of this one)
        other = second if second != tree else tree + sp.Rational(1, 10**45)
    difference = tree - other
    if difference.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return
    assumptions = Assumptions(tuple((s, DOMAINS[d]) for s, d in zip(SYMBOLS, domains, strict=True)))
    if not proves_zero(difference, assumptions, BUDGET):
        return
    rng = random.Random(seed)
    symbols = sorted(tree.free_symbols | other.free_symbols, key=sp.default_sort_key)
    for _ in range(8):
        with mpmath.workdps(DIGITS):
            point = [sample_value(assumptions.domain_of(s), rng) for s in symbols]
        lhs, rhs = _settled(tree, symbols, point), _settled(other, symbols, point)
        if {id(lhs), id(rhs)} & {id(None), id(TOO_SLOW)}:
            continue
        (lhs, lhs_error), (rhs, rhs_error) = lhs, rhs
        with mpmath.workdps(4 * DIGITS):
            tolerance = _tolerance((lhs, lhs_error), (rhs, rhs_error))
            assert abs(lhs - rhs) <= tolerance, (
                f"proved {tree} = {other} under {domains}, but at {point} they are {lhs} and {rhs}"
            )


@given(
    phi=_trees((T, T, SYMBOLS[0])),
    domain=st.sampled_from(sorted(DOMAINS)),
    increasing=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_a_monotone_claim_is_never_proved_for_a_phi_that_turns(phi, domain, increasing, seed):
    if not phi.has(T):
        return
    x = sp.Symbol("x", real=True)
    assumptions = Assumptions(((x, DOMAINS[domain]), (SYMBOLS[0], sp.S.Reals)))
    rule = MonotoneMap(sp.Lambda(T, phi), DOMAINS[domain], increasing=increasing, justification="claimed")
    try:
        step = rule.step(x, assumptions)
    except Exception:  # the rule does not change x: nothing to check
        return
    # proved never rests on sampling: skip it here (the checker's own searches and the shared decision policy's)
    with (
        patch("xent_symbolic.check.search", _no_evidence),
        patch("xent_symbolic.decide.search", _no_evidence),
    ):
        obligations = check_step(step, assumptions, budget=BUDGET).obligations
    (monotone,) = [o for o in obligations if "strictly" in o.claim]
    if monotone.status is not Status.PROVED:
        return
    rng = random.Random(seed)
    symbols = [T, SYMBOLS[0]]
    for _ in range(8):
        with mpmath.workdps(DIGITS):
            t1, t2 = sorted(sample_value(DOMAINS[domain], rng) for _ in range(2))
            a = sample_value(sp.S.Reals, rng)
        if t1 == t2:
            continue
        low, high = _settled(phi, symbols, [t1, a]), _settled(phi, symbols, [t2, a])
        if {id(low), id(high)} & {id(None), id(TOO_SLOW)}:
            continue
        (low, low_error), (high, high_error) = low, high
        if mpmath.im(low) or mpmath.im(high):
            continue
        with mpmath.workdps(4 * DIGITS):
            rise = high - low if increasing else low - high
            tolerance = _tolerance((low, low_error), (high, high_error))
            assert rise > -tolerance, (
                f"proved {phi} monotone on {domain}, but at t = {t1}, {t2}: {low}, {high}"
            )


#: claims built from the true derivative: rewrites that hold only under sign conditions, nudges far below any
#: sampling tolerance, the usual slips, and unrelated formulas
CLAIMS = (
    lambda g, other: sp.expand_log(g, force=True),
    lambda g, other: sp.powsimp(g, force=True),
    lambda g, other: sp.powdenest(g, force=True),
    lambda g, other: sp.logcombine(g, force=True),
    lambda g, other: g.rewrite(sp.exp),
    lambda g, other: sp.expand(g),
    lambda g, other: g + sp.Rational(1, 10**45),
    lambda g, other: g * (1 + sp.Rational(1, 10**9)),
    lambda g, other: -g,
    lambda g, other: 2 * g,
    lambda g, other: g + other,
    lambda g, other: g + sp.exp(-sp.exp(-(Z - 50))) / 1000,
    lambda g, other: other,
)
Z = sp.Symbol("z", real=True)
Y = sp.Symbol("y", real=True)
VERIFY_DOMAINS = {"R": None, "positive": "(0,oo)", "unit": "(0,1)"}


@given(
    loss=_trees((Z, Z, Y)),
    other=_trees((Z, Y)),
    make_claim=st.sampled_from(CLAIMS),
    z_domain=st.sampled_from(sorted(VERIFY_DOMAINS)),
    seed=st.integers(0, 2**16),
)
def test_verify_grad_never_proves_a_claim_that_differs_from_the_derivative(
    loss, other, make_claim, z_domain, seed
):
    if not loss.has(Z) or loss.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return
    truth = sp.diff(loss, Z)
    try:
        claim = make_claim(truth, other)
    except (TypeError, ValueError, NotImplementedError, RecursionError, AttributeError):
        return
    if claim.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not claim.free_symbols <= loss.free_symbols:
        return
    domains = {"z": VERIFY_DOMAINS[z_domain]} if VERIFY_DOMAINS[z_domain] else None
    try:
        with patch("xent_symbolic.decide._evidence", lambda *args: Evidence(0, DIGITS)):  # the proof alone
            result = verify_gradient(loss, "z", claim, domains=domains, timeout=0.05)
    except XentError:  # bad input (0**z on z > 0 is 0: z is not in the loss), refused with a message
        return
    event(result.status.value)
    if result.status is not Status.PROVED:
        return
    rng = random.Random(seed)
    domain = sp.Interval.open(0, sp.oo) if z_domain == "positive" else DOMAINS[z_domain]
    symbols = [Z, Y]
    for _ in range(8):
        with mpmath.workdps(DIGITS):
            point = [sample_value(domain, rng), sample_value(sp.S.Reals, rng)]
        if _settled(loss, symbols, point) in (
            None,
            TOO_SLOW,
        ):  # a claim says nothing where the loss is undefined
            continue
        true, claimed = _settled(truth, symbols, point), _settled(claim, symbols, point)
        if true is None or true is TOO_SLOW or claimed is TOO_SLOW or mpmath.im(true[0]):
            continue
        assert claimed is not None, f"proved d/dz {loss} = {claim}, but at {point} the claim is undefined"
        (true, true_error), (claimed, claimed_error) = true, claimed
        with mpmath.workdps(4 * DIGITS):
            tolerance = _tolerance((true, true_error), (claimed, claimed_error))
            assert abs(true - claimed) <= tolerance, (
                f"proved d/dz {loss} = {claim}, but at {point} they are {true} and {claimed}"
            )
