"""The proof checker: discharges every step's obligations, symbolic proof first, numeric evidence second."""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

import sympy as sp

from .assumptions import Assumptions
from .bounds import enclose, proves_positive, proves_within
from .calculus import prepare
from .claims import RangeClaim
from .core import Derivation, Name, Relation, Status, Step
from .decide import decide_equality
from .evidence import DPS, Evidence, close, is_real_finite, search
from .functions import sigmoid, softplus
from .prove import stronger_assumptions

__all__ = [
    "CheckedDerivation",
    "Conclusion",
    "Obligation",
    "StepCheck",
    "check",
    "check_step",
    "decide_equal",
    "monotone_relation",
]

#: default time budget (seconds) of the symbolic proof of one obligation
DEFAULT_BUDGET = 2.0


@dataclass(frozen=True)
class Obligation:
    """One claim the checker had to decide about a step, how it was decided, and a counterexample if refuted."""

    claim: str
    status: Status
    method: str
    counterexample: dict[str, str] | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepCheck:
    step: Step
    obligations: tuple[Obligation, ...]

    @property
    def status(self) -> Status:
        return Status.worst(o.status for o in self.obligations)


@dataclass(frozen=True)
class Conclusion:
    """What the chain establishes, as data: `objective` stands in `relation` to `result` (the final
    expression `final`) as functions of the `parameters`; a chain that ends in a range claim adds that `result`
    lies in `range` (`reading` says what that means). The renderers make its text (render.conclusion_text) and
    LaTeX (latex.conclusion_latex); where the result carries the objective's own name they show `final`."""

    relation: Relation
    objective: Name
    result: Name
    final: sp.Expr
    parameters: tuple[sp.Basic, ...]
    status: Status
    range: sp.Set | None = None
    reading: Name | None = None


@dataclass(frozen=True, repr=False)
class CheckedDerivation:
    derivation: Derivation
    steps: tuple[StepCheck, ...]
    conclusion: Conclusion

    @property
    def ok(self) -> bool:
        """True iff it has steps and every obligation of every step is proved. Numeric evidence alone (checked)
        is not ok: a sampled point misses a narrow bump, a factor that is 0 somewhere, a rewrite off by 1e-45."""
        return bool(self.steps) and all(s.status is Status.PROVED for s in self.steps)

    @property
    def status(self) -> Status:
        """The worst verdict of its steps; a derivation with no steps proves nothing: unknown, never proved."""
        if not self.steps:
            return Status.UNKNOWN
        return Status.worst(s.status for s in self.steps)

    def __repr__(self) -> str:
        return f"CheckedDerivation({self.derivation.name}: {len(self.steps)} steps, {self.status.value})"

    def _repr_latex_(self) -> str:
        from .display import checked_latex  # a Jupyter hook: renderers load on display only

        return checked_latex(self)

    def _repr_markdown_(self) -> str:
        from .display import checked_markdown

        return checked_markdown(self)

    def _repr_html_(self) -> str:
        from .display import checked_html

        return checked_html(self)


def _refuted_or_checked(claim: str, evidence: Evidence, proof_note: str) -> Obligation:
    if evidence.failure is not None:
        return Obligation(
            claim,
            Status.REFUTED,
            f"counterexample found numerically ({evidence.dps} digits)",
            evidence.failure,
            evidence.values,
        )
    if evidence.points == 0:
        return Obligation(claim, Status.UNKNOWN, f"{proof_note}; no admissible point could be evaluated")
    return Obligation(claim, Status.CHECKED, f"{proof_note}; numerically: holds at {evidence.describe()}")


def decide_equal(
    lhs: sp.Expr,
    rhs: sp.Expr,
    assumptions: Assumptions,
    *,
    budget: float = DEFAULT_BUDGET,
    claim: str | None = None,
    points: int = 60,
) -> Obligation:
    """Decide lhs = rhs over the admissible values: proved, refuted with a point, checked, or unknown. `lhs` is
    the reference (a step's before, or phi(before)): a point where it is not real says nothing, one where it is
    real and `rhs` is not refutes.

    The policy is decide.decide_equality, shared with verify-grad. Proved only symbolically (identical, or
    proves_zero of the difference), and never when a symbol's SymPy assumptions claim more than its domain. Refuted only at a point where the sampled values, as exact
    rationals, make the two sides differ at 120 digits too. Anything else is checked (no counterexample at the
    sampled points: the report says how many) or unknown (no admissible point could be evaluated)."""
    claim = claim or f"{lhs} = {rhs}"
    beyond = stronger_assumptions(sp.Tuple(lhs, rhs), assumptions)
    # SymPy may have used stronger assumptions already, when lhs and rhs were built: then no proof is tried
    decision = decide_equality(
        lhs,
        rhs,
        assumptions,
        budget=budget,
        points=points,
        allow_proof=not beyond,
        bounded_search=False,
        confirm=0,
        quick=budget,  # a step's proof keeps its whole budget before any sampling, as it always had
    )
    if decision.how == "identical" and not beyond:
        return Obligation(claim, Status.PROVED, "identical expressions")
    if decision.status is Status.PROVED and not beyond:
        return Obligation(
            claim, Status.PROVED, "symbolic: the difference simplifies to 0 under the assumptions"
        )
    note = (
        f"not proved: {_beyond_text(beyond, assumptions)}"
        if beyond
        else (f"not proved symbolically within {budget:g} s")
    )
    evidence = decision.evidence
    if evidence is None:  # identical but stronger assumptions: sample them all the same
        evidence = search([lhs, rhs], lambda v: close(v[0], v[1]), assumptions, points=points, defining=(0,))
    return _refuted_or_checked(claim, evidence, note)


def _decide_positive(
    expr: sp.Expr, assumptions: Assumptions, claim: str, extra: dict | None = None
) -> Obligation:
    if proves_positive(expr, assumptions, extra):
        return Obligation(claim, Status.PROVED, "interval bounds over the declared domains")
    evidence = search([expr], lambda v: v[0] > 0, assumptions, extra=extra)
    return _refuted_or_checked(claim, evidence, "not proved by interval bounds")


def _decide_within(expr: sp.Expr, domain: sp.Set, assumptions: Assumptions, claim: str) -> Obligation:
    if domain == sp.S.Reals:
        if enclose(expr, assumptions) is not None:
            return Obligation(claim, Status.PROVED, "real-valued: interval bounds over the declared domains")
        evidence = search([expr], lambda v: is_real_finite(v[0]), assumptions, allow_bad=True)
        return _refuted_or_checked(claim, evidence, "not proved real-valued by interval bounds")
    if proves_within(expr, domain, assumptions):
        return Obligation(claim, Status.PROVED, f"interval bounds: {_bound_text(expr, assumptions)}")
    evidence = search([expr], lambda v: bool(domain.contains(sp.Float(v[0], DPS))), assumptions)
    return _refuted_or_checked(claim, evidence, "not proved by interval bounds")


def _decide_range(expr: sp.Expr, domain: sp.Set, assumptions: Assumptions) -> Obligation:
    """A range claim: every value of `expr` (definitions expanded) lies in `domain`; a point outside refutes it."""
    claim = f"after lies in {set_text(domain)} for every admissible value"
    if proves_within(prepare(expr, assumptions), domain, assumptions):
        return Obligation(claim, Status.PROVED, f"interval bounds: {_factors_text(expr, assumptions)}")
    evidence = search([expr], lambda v: bool(domain.contains(sp.Float(v[0], DPS))), assumptions)
    return _refuted_or_checked(claim, evidence, "not proved by interval bounds")


def _factors_text(expr: sp.Expr, assumptions: Assumptions) -> str:
    """How the bounds compose: the enclosure of every factor of the (nested) summands, then of the whole."""
    leaves: list[sp.Expr] = []

    def walk(e: sp.Expr) -> None:
        for f in sp.Mul.make_args(e):
            walk(f.function) if isinstance(f, sp.Sum) else leaves.append(f)

    walk(expr)
    whole = _bound_text(prepare(expr, assumptions), assumptions)
    if len(leaves) < 2:
        return whole
    parts = ", ".join(
        f"{f} {_bound_text(prepare(f, assumptions), assumptions).replace('values ', '')}" for f in leaves
    )
    return f"{parts}; their products and sums: {whole}"


def _bound_text(expr: sp.Expr, assumptions: Assumptions) -> str:
    b = enclose(expr, assumptions)
    return f"values in {'(' if b.lo_open else '['}{b.lo}, {b.hi}{')' if b.hi_open else ']'}"


def set_text(domain: sp.Set) -> str:
    """(0, oo), [0, 1], {0, 1}, R: sets as people write them."""
    if domain == sp.S.Reals:
        return "R"
    if isinstance(domain, sp.Interval):
        return (
            f"{'(' if domain.left_open else '['}{domain.inf}, {domain.sup}{')' if domain.right_open else ']'}"
        )
    return str(domain)


def phi_text(transform: sp.Lambda) -> str:
    """phi(t) = log(t) for Lambda(_t, log(_t))."""
    (variable,) = transform.variables
    t = sp.Symbol("t")
    return f"phi(t) = {transform.expr.xreplace({variable: t})}"


def _free_of_parameters(transform: sp.Lambda, assumptions: Assumptions) -> Obligation:
    """phi is the same map for every value of the parameters: no parameter occurs in phi once every definition
    is expanded to its fixed point (in any order: p := sigmoid(z), z := w hides w behind two layers); refuted,
    naming the parameters, when one occurs."""
    claim = "phi does not depend on the parameters"
    body = assumptions.expand_definitions(transform.expr)
    bad = sorted({str(a) for a in body.atoms(sp.Indexed, sp.Symbol) if assumptions.is_parameter(a)})
    if bad:
        return Obligation(
            claim,
            Status.REFUTED,
            f"phi involves the parameter(s) {', '.join(bad)}",
            {"phi": phi_text(transform)},
        )
    return Obligation(claim, Status.PROVED, "no parameter occurs in phi")


#: functions continuous at every point where they are defined (jointly in their arguments); a phi built only
#: from these, and defined on the whole interval, is continuous there
_CONTINUOUS = (
    sp.Add,
    sp.Mul,
    sp.Pow,
    sp.exp,
    sp.log,
    sigmoid,
    softplus,
    sp.tanh,
    sp.sinh,
    sp.cosh,
    sp.atan,
    sp.Abs,
    sp.Max,
    sp.Min,
)


def _discontinuity(expr: sp.Expr, t: sp.Symbol) -> str | None:
    """Why `expr` is not shown continuous in `t` where it is defined (None when it is built only from
    `_CONTINUOUS` functions, numbers and atoms, with `t` in no index and no limit of a sum)."""
    if not expr.has(t) or expr.is_Atom:
        return None
    if isinstance(expr, sp.Indexed):
        return f"{expr} has {t} in an index" if any(ix.has(t) for ix in expr.indices) else None
    if isinstance(expr, (sp.Sum, sp.Product)):
        if any(low.has(t) or high.has(t) for _, low, high in expr.limits):
            return f"a limit of {expr} depends on the argument"
        return _discontinuity(expr.function, t)
    if not isinstance(expr, _CONTINUOUS):
        return f"{type(expr).__name__} is not accepted as continuous"
    for arg in expr.args:
        reason = _discontinuity(arg, t)
        if reason:
            return reason
    return None


def _monotone(
    transform: sp.Lambda, relation: Relation, domain: sp.Set, assumptions: Assumptions
) -> Obligation:
    """phi strictly increasing (decreasing) on the interval I, by the derivative test.

    Side conditions, each checked: I is an interval (a derivative's sign says nothing across a gap); phi is
    continuous on I: built only from functions continuous where they are defined (no Piecewise, sign, floor,
    Heaviside: a jump keeps the derivative's sign and breaks monotonicity) and defined at every point of I (an
    interval enclosure of phi over I exists); phi' (SymPy's derivative, built from the same functions) is
    enclosed in (0, oo) (in (-oo, 0)) over I, so it exists and has that sign at every point of I. Then the mean
    value theorem gives phi(b) - phi(a) = phi'(c) (b - a) > 0 for a < b in I. Anything short of that is unknown
    (or refuted by a point where phi' has the wrong sign), never proved.
    """
    t = sp.Dummy("t", real=True)
    body = transform(t)
    slope = sp.diff(body, t)
    direction = "increasing" if relation is Relation.INCREASING else "decreasing"
    claim = f"{phi_text(transform)} is strictly {direction} on {set_text(domain)}"
    if not isinstance(domain, sp.Interval):  # a derivative's sign says nothing across the gaps of a union
        return Obligation(
            claim, Status.UNKNOWN, "the derivative test needs an interval; give phi an interval domain"
        )
    reason = _discontinuity(body, t)
    if reason is None and enclose(body, assumptions, {t: domain}) is None:
        reason = f"phi is not shown defined at every point of {set_text(domain)} (no interval enclosure)"
    if reason is not None:
        return Obligation(
            claim,
            Status.UNKNOWN,
            f"the derivative test needs phi continuous on {set_text(domain)}: {reason.replace(str(t), 't')}",
        )
    sign = slope if relation is Relation.INCREASING else -slope
    result = _decide_positive(sign, assumptions, claim, extra={t: domain})
    if result.status is not Status.PROVED:
        return result
    slope_text = phi_text(sp.Lambda(t, slope)).replace("phi(t)", "phi'(t)")
    return Obligation(
        claim,
        Status.PROVED,
        f"{slope_text} has constant sign there (interval bounds)",
    )


def monotone_relation(transform: sp.Lambda, domain: sp.Set, assumptions: Assumptions) -> Relation | None:
    """INCREASING or DECREASING where the derivative test (_monotone) proves phi strictly so on `domain`, else
    None: the direction a user's map 'by PHI' has, read off a proof, never guessed."""
    for relation in (Relation.INCREASING, Relation.DECREASING):
        if _monotone(transform, relation, domain, assumptions).status is Status.PROVED:
            return relation
    return None


def check_step(step: Step, assumptions: Assumptions, *, budget: float = DEFAULT_BUDGET) -> StepCheck:
    """Decide every obligation of one step under the declared assumptions."""
    match step.relation:
        case Relation.EQUAL:
            obligations = (
                decide_equal(step.before, step.after, assumptions, budget=budget, claim="after = before"),
            )
        case Relation.DEFINES:
            expected = step.transform(step.before)
            obligations = (
                decide_equal(
                    expected,
                    step.after,
                    assumptions,
                    budget=budget,
                    claim=f"after = phi(before), {phi_text(step.transform)}",
                ),
            )
        case Relation.INCREASING | Relation.DECREASING:
            expected = step.transform(step.before)
            obligations = (
                decide_equal(expected, step.after, assumptions, budget=budget, claim="after = phi(before)"),
                _free_of_parameters(step.transform, assumptions),
                _monotone(step.transform, step.relation, step.domain, assumptions),
                _decide_within(
                    step.before, step.domain, assumptions, f"before lies in {set_text(step.domain)}"
                ),
            )
        case _:
            assert_never(step.relation)
    if isinstance(step, RangeClaim):
        obligations += (_decide_range(step.after, step.domain, assumptions),)
    mismatch = _assumptions_beyond_domains(step, assumptions)
    return StepCheck(step, obligations if mismatch is None else (*obligations, mismatch))


def _assumptions_beyond_domains(step: Step, assumptions: Assumptions) -> Obligation | None:
    """An unknown obligation when a symbol of the step claims more in SymPy than its declared domain implies.

    The prover rebuilds every symbol from its declared domain (prove.governed_by_domains), but what SymPy
    evaluated when the expression was built with the stronger symbol (Abs(x) -> x for a positive x) cannot be
    undone: such a step is never proved. Absent (no obligation at all) when every symbol agrees."""
    parts = [step.before, step.after] + ([step.transform.expr] if step.transform is not None else [])
    beyond = stronger_assumptions(sp.Tuple(*parts), assumptions)
    if not beyond:
        return None
    return Obligation(
        "every symbol's SymPy assumptions follow from its declared domain",
        Status.UNKNOWN,
        f"{_beyond_text(beyond, assumptions)}: SymPy may have used that when the expression was built; declare "
        "the domain or build the symbol with assumptions no stronger than it",
    )


def _beyond_text(beyond: dict, assumptions: Assumptions) -> str:
    return "; ".join(
        f"{atom} is {', '.join(facts)} in SymPy but declared in {set_text(assumptions.domain_of(atom))}"
        for atom, facts in beyond.items()
    )


def conclude(derivation: Derivation, status: Status) -> Conclusion:
    """What the composed chain says about the objective and the final expression."""
    _, objective_name = derivation.objective()
    result = (
        derivation.result_name or (derivation.steps[-1].name if derivation.steps else None) or objective_name
    )
    last = derivation.steps[-1] if derivation.steps else None
    claim = last if isinstance(last, RangeClaim) else None
    return Conclusion(
        derivation.composed_relation(),
        objective_name,
        result,
        derivation.current,
        derivation.assumptions.parameters,
        status,
        range=claim.domain if claim else None,
        reading=claim.reading if claim else None,
    )


def check(derivation: Derivation, *, budget: float = DEFAULT_BUDGET) -> CheckedDerivation:
    """Check every step of `derivation` and compose the chain into its conclusion."""
    checks = tuple(check_step(s, derivation.assumptions, budget=budget) for s in derivation.steps)
    status = Status.worst(c.status for c in checks)
    return CheckedDerivation(derivation, checks, conclude(derivation, status))
