"""Verify a user's gradient formula: the true derivative by sp.diff, each claim decided by the checker's machinery.

>>> result = verify_gradient("-y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z))", "z", "sigmoid(z) - y")
>>> result.status.value, result.exit_code
('proved', 0)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import final

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from .assumptions import Assumptions
from .core import Derivation, Name, Relation, Status
from .decide import decide_equality
from .diagnose import diagnose
from .errors import InputError, RuleError
from .inputs import checked_timeout, not_in_loss, wrt_names
from .parse import parse_domain, parse_formula, parse_formulas, parse_names
from .prove import facts_of_set
from .rules import Rule
from .timebox import BudgetExceeded, time_limit
from .verdict import ClaimResult, GradientVerification
from .verify_arrays import verify_array_gradient

__all__ = [
    "ClaimGradient",
    "ClaimResult",
    "GradientVerification",
    "Status",
    "gradient_step",
    "verify_gradient",
]

#: random points of numeric evidence per claim
POINTS = 60
#: digits at which a counterexample found at DPS digits is re-evaluated before it is reported
CONFIRM_DPS = 120
_TIDY_BUDGET = 0.2

SymbolLike = str | sp.Symbol
ExprLike = str | sp.Expr


# ---------------------------------------------------------------------------------------------- input checking


def _implied_domain(symbol: sp.Symbol) -> sp.Set:
    """The set a SymPy Symbol's own assumptions allow (integers as sampled by the checker)."""
    if symbol.is_integer:
        return sp.S.Naturals if symbol.is_positive else sp.S.Integers
    if symbol.is_positive:
        return sp.Interval.open(0, sp.oo)
    if symbol.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if symbol.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if symbol.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.S.Reals


def _symbol_for(name: str, domain: sp.Set) -> sp.Symbol:
    """A real Symbol carrying what its domain implies (sign, integrality), so simplification may use it."""
    return sp.Symbol(name, **facts_of_set(domain))


def _admissible_set(value: object) -> bool:
    """A real Interval with interior, or a finite set of real numbers: the domains a variable may be given."""
    if isinstance(value, sp.Interval):
        return value.is_subset(sp.S.Reals) is True and value.measure.is_positive is True
    return isinstance(value, sp.FiniteSet) and bool(value) and all(v.is_real and v.is_finite for v in value)


def _domains(domains: Mapping | Iterable[str] | None) -> dict[str, sp.Set]:
    """{name: set} from {name or Symbol: Interval, FiniteSet or text '(a,b)', '[0,1]', '{0,1}'} or from strings
    'NAME:SET' (parse.parse_domain)."""
    if domains is None:
        return {}
    if isinstance(domains, str):
        domains = [domains]
    pairs: list[tuple[str, sp.Set | str]] = []
    if isinstance(domains, Mapping):
        for key, value in domains.items():
            name = key.name if isinstance(key, sp.Symbol) else key
            if not isinstance(name, str):
                raise InputError(f"domains: a key must be a symbol name or Symbol, not {type(key).__name__}")
            if isinstance(value, str):
                pairs.append(parse_domain(f"{name}:{value}"))
            elif _admissible_set(value):
                pairs.append((parse_names(name)[0], value))
            else:
                raise InputError(
                    f"domains: the domain of {name!r} must be a real Interval, a FiniteSet or text such as "
                    f"'(a,b)' or '{{0,1}}', not {value!r}"
                )
    else:
        for item in domains:
            if not isinstance(item, str):
                raise InputError(f"domains: expected text 'NAME:SET', not {type(item).__name__}")
            pairs.append(parse_domain(item))
    result: dict[str, sp.Set] = {}
    for name, interval in pairs:
        if isinstance(interval, str):
            raise InputError(
                f"domain {interval} of {name!r} is for the rows of a matrix; declare its shape, e.g. "
                f"--shape {name}:n,K"
            )
        if name in result:
            raise InputError(f"domain of {name!r} is given twice; give each symbol one domain")
        result[name] = interval
    return result


def _from_sympy(expr: sp.Basic, what: str) -> sp.Expr:
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.MatrixExpr) or not expr.is_commutative:
        raise InputError(f"{what} must be a scalar SymPy expression or text, not {type(expr).__name__}")
    expr = expr.doit() if expr.has(sp.Derivative) else expr
    unknown = expr.atoms(AppliedUndef)
    if unknown:
        raise InputError(f"{what} uses the undefined function {min(map(str, unknown))}; write it out")
    others = [a for a in expr.free_symbols if not isinstance(a, sp.Symbol) or isinstance(a, sp.Dummy)]
    if others or expr.has(sp.Indexed, sp.Sum, sp.Product):
        raise InputError(f"{what} must be built from plain Symbols (no indexed quantities, sums or dummies)")
    return expr


class _Symbols:
    """One real Symbol per name, shared by the loss and the claims, with the declared domains."""

    def __init__(self, domains: dict[str, sp.Set]) -> None:
        self.domains = dict(domains)
        self.by_name: dict[str, sp.Symbol] = {name: _symbol_for(name, d) for name, d in domains.items()}

    def parse(self, text: str, *, several: bool = False) -> tuple[sp.Expr, ...]:
        parsed = (
            parse_formulas(text, symbols=self.by_name)
            if several
            else (parse_formula(text, symbols=self.by_name),)
        )
        for expr in parsed:
            for s in expr.free_symbols:
                self.by_name.setdefault(s.name, s)
        return parsed

    def adopt(self, expr: sp.Basic, what: str) -> sp.Expr:
        """A user's SymPy expression with its symbols replaced by ours (real; sign kept or from the domain)."""
        expr = _from_sympy(expr, what)
        mapping = {}
        for s in expr.free_symbols:
            if s.name in self.domains:
                implied = _implied_domain(s)
                if not self.domains[s.name].is_subset(implied):
                    raise InputError(
                        f"domain {self.domains[s.name]} of {s.name!r} is outside what the Symbol "
                        f"allows ({implied}); drop the domain or the Symbol's assumptions"
                    )
                mapping[s] = self.by_name[s.name]
            elif s.name in self.by_name:
                mapping[s] = self.by_name[s.name]
            else:
                mine = s if s.is_real else sp.Symbol(s.name, real=True)
                self.by_name[s.name] = mine
                mapping[s] = mine
        return expr.xreplace(mapping)

    def expression(self, value: ExprLike, what: str) -> sp.Expr:
        if isinstance(value, str):
            return self.parse(value)[0]
        if isinstance(value, sp.Basic):
            return self.adopt(value, what)
        raise InputError(f"{what} must be text or a SymPy expression, not {type(value).__name__}")

    def assumptions(self, used: set[sp.Symbol]) -> Assumptions:
        domains = []
        for s in sorted(used, key=sp.default_sort_key):
            domain = self.domains.get(s.name, _implied_domain(s))
            if domain != sp.S.Reals:
                domains.append((s, domain))
        return Assumptions(domains=tuple(domains))


def _claims(claim: ExprLike | Sequence[ExprLike], symbols: _Symbols) -> tuple[sp.Expr, ...]:
    if isinstance(claim, str):
        return symbols.parse(claim, several=True)
    if isinstance(claim, sp.Basic):
        return (symbols.adopt(claim, "claim"),)
    if isinstance(claim, (list, tuple)) and claim:
        return tuple(symbols.expression(c, f"claim {k}") for k, c in enumerate(claim, 1))
    raise InputError(f"claim must be text, a SymPy expression or a list of them, not {claim!r}")


# ---------------------------------------------------------------------------------------------- deciding


#: the most working precision (bits) SymPy's evalf may use to certify the digits of a difference
_CONFIRM_MAXN = 4000


def _confirmed(claim: sp.Expr, truth: sp.Expr, point: Mapping[str, str]) -> list | None:
    """[claimed, true] at the printed point when the claim certainly differs from the derivative there, else
    None. The point's decimals are taken as exact rationals and SymPy's evalf, which raises its precision until
    the digits it returns are certain (strict), decides the difference: a difference lost to cancellation at any
    fixed precision, or a point where the derivative is not real, is not a counterexample."""
    symbols = {s.name: s for e in (claim, truth) for s in e.free_symbols}
    exact = {symbols[n]: sp.Rational(v) for n, v in point.items() if n in symbols}
    try:
        true = sp.N(truth.xreplace(exact), 40, strict=True, maxn=_CONFIRM_MAXN)
        if not (true.is_real and true.is_finite):
            return None
        claimed = sp.N(claim.xreplace(exact), 40, maxn=_CONFIRM_MAXN)
        if claimed.is_real and claimed.is_finite:
            difference = sp.N((claim - truth).xreplace(exact), 15, strict=True, maxn=_CONFIRM_MAXN)
            if difference == 0:
                return None
    except (sp.PrecisionExhausted, ValueError, TypeError, ZeroDivisionError):
        return None
    with mpmath.workdps(CONFIRM_DPS):
        as_mp = mpmath.mpmathify
        if not (claimed.is_real and claimed.is_finite):  # real derivative, claim not real: a counterexample
            return [mpmath.nan, as_mp(true)]
        return [as_mp(claimed), as_mp(true)]


#: half-widths, relative to the point's magnitude (at least 1), of the boxes tried around a counterexample
_BOX_WIDTHS = (sp.Rational(1, 10**3), sp.Rational(1, 10**6), sp.Rational(1, 10**12))


def _refuted_on_a_box(difference: sp.Expr, point: Mapping[str, str], assumptions: Assumptions) -> str | None:
    """The box, as text, on which certified interval bounds prove that `difference` (claim minus derivative) has
    one strict sign, or None. The box is centred at the counterexample (its decimals taken as exact rationals),
    intersected with each variable's declared domain, and open; a sign proved over it refutes the claim on an
    open set, not only at one point whose evaluation could be questioned."""
    from .bounds import enclose

    symbols = {s.name: s for s in difference.free_symbols}
    centre = {symbols[n]: sp.Rational(v) for n, v in point.items() if n in symbols}
    if set(centre) != set(symbols.values()):
        return None
    for width in _BOX_WIDTHS:
        boxed = assumptions
        for symbol, value in centre.items():
            half = width * max(sp.Integer(1), abs(value))
            box = sp.Interval.open(value - half, value + half).intersect(assumptions.domain_of(symbol))
            if not isinstance(box, sp.Interval) or box.measure == 0:
                return None
            boxed = boxed.with_domain(symbol, box)
        bound = enclose(difference, boxed)
        if bound is not None and bound.excludes_zero():
            return ", ".join(
                f"{s} in ({sp.N(d.inf, 17)}, {sp.N(d.sup, 17)})"
                for s, d in sorted(((s, boxed.domain_of(s)) for s in centre), key=lambda p: p[0].name)
            )
    return None


def _shown_apart(claimed, true) -> tuple[str, str]:
    """The two values with 17 significant digits, or more (up to 60) where 17 would print them equal."""
    with mpmath.workdps(CONFIRM_DPS):
        for digits in (17, 25, 35, 45, 60):
            pair = mpmath.nstr(claimed, digits), mpmath.nstr(true, digits)
            if pair[0] != pair[1]:
                break
    return pair


def _tidy(expr: sp.Expr) -> sp.Expr:
    """The shortest of expr, expand(expr) and factor(expand(expr)), for display (all equal to expr)."""
    forms = [expr]
    try:
        with time_limit(_TIDY_BUDGET):
            forms.append(sp.expand(expr))
            forms.append(sp.factor(forms[-1]))
    except (BudgetExceeded, sp.PolynomialError):
        pass
    return min(forms, key=lambda e: (sp.count_ops(e), len(str(e))))


def _decide(
    wrt: sp.Symbol,
    claim: sp.Expr,
    truth: sp.Expr,
    loss: sp.Expr,
    others: set[sp.Symbol],
    assumptions: Assumptions,
    budget: float,
) -> ClaimResult:
    """The claim against sp.diff's derivative by the shared policy (decide.decide_equality: a quick proof, numeric
    evidence confirmed exactly, the proof again), within `budget`.

    A counterexample is never overridden by a proof; certified interval bounds then try to prove the difference
    has one strict sign on an open box around it (the method says so when they do), and the diagnosis names the
    usual mistake.
    """
    deadline = time.monotonic() + budget
    shown = _tidy(truth)
    if claim == truth or claim == shown:
        return ClaimResult(
            wrt, claim, shown, Status.PROVED, "proved symbolically: identical to the derivative"
        )
    decision = decide_equality(
        truth, claim, assumptions, budget=max(0.0, deadline - time.monotonic()), points=POINTS, others=[loss]
    )
    if decision.status is Status.PROVED:
        return ClaimResult(wrt, claim, shown, Status.PROVED, "proved symbolically")
    evidence = decision.evidence
    refuted = decision.status is Status.REFUTED
    values = _confirmed(claim, truth, evidence.failure) if refuted else None
    # a counterexample confirmed exactly is never overridden: a proof that disagreed with it would be a bug
    if refuted:
        method = f"counterexample found numerically at {evidence.dps} digits"
        if decision.how == "refuted despite a proof":
            method += " (a symbolic proof said otherwise: that is a bug, please report it)"
        ratio = None
        if values is not None:
            claimed, true = _shown_apart(*values)
            if mpmath.isnan(values[0]):
                claimed = "no real value"
            method += ", confirmed exactly at the printed point"
            try:
                with time_limit(_BOX_BUDGET):
                    box = _refuted_on_a_box(claim - truth, evidence.failure, assumptions)
            except BudgetExceeded:
                box = None
            if box is not None:
                method += f"; interval bounds prove the claim differs on the whole box {box}"
            with mpmath.workdps(CONFIRM_DPS):
                ratio = values[0] / values[1] if values[1] != 0 else None
        else:  # the evidence's own values: the reference (the derivative) first, then the claim
            true, claimed = evidence.values[:2]
        # the diagnosis is numeric and quick: it may run up to 1 s past an exhausted budget
        diagnosis = diagnose(
            claim,
            truth,
            wrt,
            others,
            assumptions,
            ratio=ratio,
            loss=loss,
            deadline=max(deadline, time.monotonic() + 1.0),
        )
        return ClaimResult(
            wrt, claim, shown, Status.REFUTED, method, dict(evidence.failure), claimed, true, diagnosis
        )
    not_proved = f"not proved symbolically within {budget:.2g} s"
    if evidence is None:
        return ClaimResult(
            wrt, claim, shown, Status.UNKNOWN, f"{not_proved}; no time left for numeric evidence"
        )
    if evidence.points == 0:
        return ClaimResult(
            wrt,
            claim,
            shown,
            Status.UNKNOWN,
            f"{not_proved}; no numeric evidence: the loss, the claim or the derivative is not real "
            f"at any of the {evidence.skipped} points tried",
        )
    skipped = f" ({evidence.skipped} skipped: not real there)" if evidence.skipped else ""
    method = (
        f"no counterexample at {evidence.points} random points, {evidence.dps} digits{skipped}; {not_proved}"
    )
    return ClaimResult(wrt, claim, shown, Status.CHECKED, method)


def verify_gradient(
    loss: ExprLike,
    wrt: SymbolLike | Sequence[SymbolLike],
    claim: ExprLike | Sequence[ExprLike],
    *,
    domains: Mapping | Iterable[str] | None = None,
    timeout: float = 10.0,
    accept_numeric: bool = False,
    shapes: Mapping | Iterable[str] | None = None,
) -> GradientVerification:
    """Decide whether `claim` is the gradient of `loss` with respect to `wrt` (one claim per symbol, in order).

    Strings go through the safe parser (never eval): Python syntax over real symbols, numbers, + - * / ** and
    log, exp, sqrt, abs, sigmoid, softplus, tanh, sinh, cosh, pi, E. `domains` restricts symbols to intervals or
    finite sets, e.g. {"p": "(0,1)"} or ["p:(0,1)", "y:{0,1}", "x:[0,oo)"]; other symbols range over the reals.
    With `shapes` (["X:n,d", "w:d"]) the formulas are array formulas in NumPy notation and the proof is for all
    sizes (verify_arrays.verify_array_gradient). `timeout` (seconds) bounds the whole
    decision: numeric evidence (60 points at 50 digits over the domains, small and huge magnitudes, both signs,
    interval ends) and the symbolic proof, shared evenly between the claims; a claim still undecided when the
    time is up is unknown. Only a proved claim is verified: `result.exit_code` is 0 when every claim is proved,
    or, with `accept_numeric`, at least checked numerically (gradcheck-like). Raises XentError on bad input.

    >>> verify_gradient("softplus(z) - y*z", "z", "-y - 1").status
    <Status.REFUTED: 'refuted'>
    """
    if shapes:  # array formulas (vectors, matrices): proved for all sizes in index form
        return verify_array_gradient(
            loss, wrt, claim, shapes=shapes, domains=domains, timeout=timeout, accept_numeric=accept_numeric
        )
    timeout = checked_timeout(timeout)
    symbols = _Symbols(_domains(domains))
    loss_expr = symbols.expression(loss, "loss")
    names = wrt_names(wrt)
    claims = _claims(claim, symbols)
    loss_names = sorted(s.name for s in loss_expr.free_symbols)
    for name in names:
        if name not in loss_names:
            raise not_in_loss(f"wrt symbol {name!r} does not occur in the loss", name, loss_names)
    if len(claims) != len(names):
        raise InputError(
            f"{len(claims)} claim(s) for {len(names)} symbol(s) ({', '.join(names)}); "
            "give one claim per symbol, in the same order"
        )
    for k, c in enumerate(claims, 1):
        stray = sorted(s.name for s in c.free_symbols if s.name not in loss_names)
        if stray:
            raise not_in_loss(
                f"claim {k} (d/d{names[k - 1]}) uses {stray[0]!r}, which does not occur in the loss",
                stray[0],
                loss_names,
            )
    for name in symbols.domains:
        if name not in loss_names:
            raise InputError(f"a domain is given for {name!r}, which does not occur in the loss")
    used = set(loss_expr.free_symbols)
    assumptions = symbols.assumptions(used)
    deadline = time.monotonic() + timeout
    results = []
    for k, (name, c) in enumerate(zip(names, claims, strict=True)):
        x = symbols.by_name[name]
        share = max(0.0, deadline - time.monotonic()) / (len(names) - k)
        others = used - {symbols.by_name[n] for n in names}
        results.append(_decide_within(x, c, loss_expr, others, assumptions, share))
    return GradientVerification(loss_expr, tuple(results), accept_numeric=accept_numeric)


#: seconds the interval refutation around a confirmed counterexample may take
_BOX_BUDGET = 0.5

#: seconds a verdict may take past its share of the budget: the diagnosis of a refuted claim runs up to 1 s more
_OVERRUN = 1.5


def _decide_within(
    wrt: sp.Symbol, claim: sp.Expr, loss: sp.Expr, others: set, assumptions: Assumptions, budget: float
) -> ClaimResult:
    """_decide under a hard limit of its budget (plus the diagnosis' grace): every phase, differentiation and
    preparation included, stops when the time is up, and the claim is then unknown."""
    try:
        with time_limit(max(budget, 0.01) + _OVERRUN):
            truth = sp.diff(loss, wrt)
            return _decide(wrt, claim, truth, loss, others, assumptions, budget)
    except BudgetExceeded:
        return ClaimResult(
            wrt,
            claim,
            sp.Derivative(loss, wrt),
            Status.UNKNOWN,
            f"ran out of the time budget of {budget:.2g} s",
        )


# ---------------------------------------------------------------------------------------------- derivation step


_T = sp.Dummy("t", real=True)


@final
class ClaimGradient(Rule):
    """L -> g, the user's claimed d L/d x   [defines the gradient; checked: g = phi(L) with phi(t) = dt/dx]

    The rule never computes the derivative: the checker evaluates phi(L) = Derivative(L, x) itself.
    """

    name = "claimed-gradient"
    relation = Relation.DEFINES

    def __init__(self, wrt: sp.Symbol, claim: sp.Expr) -> None:
        if not isinstance(wrt, sp.Symbol) or not isinstance(claim, sp.Expr):
            raise RuleError("ClaimGradient(wrt, claim) needs a Symbol and a SymPy expression")
        self.wrt, self.claim = wrt, claim

    def rewrite(self, expr, assumptions):
        if self.wrt not in expr.free_symbols:
            raise RuleError(f"rule {self.name!r}: {self.wrt} does not occur in {expr}")
        return self.claim

    def transform(self):
        return sp.Lambda(_T, sp.Derivative(_T, self.wrt))

    def justification(self):
        return f"claimed by the user: the derivative with respect to {self.wrt}"


def gradient_step(
    derivation: Derivation, wrt: SymbolLike, claim: ExprLike, *, name: Name | None = None
) -> Derivation:
    """`derivation` followed by the claimed gradient step d(current)/d(wrt) = claim, for check() to decide.

    `wrt` and the names in a text `claim` are matched by name against the current expression's symbols.
    """
    current = derivation.current
    by_name = {s.name: s for s in current.free_symbols if isinstance(s, sp.Symbol)}
    if isinstance(wrt, str):
        if wrt.strip() not in by_name:
            raise not_in_loss(
                f"wrt symbol {wrt.strip()!r} does not occur in {current}", wrt.strip(), sorted(by_name)
            )
        wrt = by_name[wrt.strip()]
    if isinstance(claim, str):
        claim = parse_formula(claim, symbols=by_name)
    step_name = name or Name(
        f"d{derivation.start_name.text}/d{wrt}",
        rf"\frac{{\partial {derivation.start_name.latex}}}{{\partial {sp.latex(wrt)}}}",
    )
    return derivation.apply(ClaimGradient(wrt, claim), name=step_name)
