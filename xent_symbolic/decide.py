"""The one policy that decides whether two expressions are equal, for `xent check` and `verify-grad` alike.

1. Identical expressions are proved.
2. A short symbolic proof (`quick` seconds): most true identities take well under a second; it is checked
   against a few sampled points, and a counterexample confirmed there wins (the proof had a bug).
3. Numeric evidence (evidence.search): a counterexample is re-evaluated from the exact rationals of its point at
   higher precision before it is reported, and is then never overridden by a proof.
4. What time is left goes to the symbolic proof again.
5. Otherwise "checked" (no counterexample at N points; not proved) or "unknown" (no admissible point, or no time).

A caller may add a symbolic refutation (`refute_on_box`: interval bounds proving that the difference has one
strict sign on an open box around the counterexample); it only adds to the method of a refutation.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from .assumptions import Assumptions
from .core import Status
from .evidence import DPS, Evidence, close, search
from .prove import proves_zero
from .timebox import BudgetExceeded, time_limit

__all__ = ["QUICK_PROOF", "Decision", "decide_equality", "exact_numbers"]

#: seconds of the first symbolic proof attempt, before numeric evidence
QUICK_PROOF = 1.0
#: points, and at most seconds, of numeric evidence that check a quick proof (a counterexample always wins)
CONFIRMING_POINTS = 12
CONFIRM_SECONDS = 0.5


@dataclass(frozen=True)
class Decision:
    """The verdict on reference = candidate: `how` is 'identical', 'proved', 'refuted', 'checked', 'no points'
    (no admissible point evaluated) or 'no time'; `evidence` is the numeric evidence, where there was any."""

    status: Status
    how: str
    evidence: Evidence | None = None


Prover = Callable[[sp.Expr, float], bool]


def _default_prover(assumptions: Assumptions) -> Prover:
    def prove(difference: sp.Expr, budget: float) -> bool:
        try:
            with time_limit(budget):
                return proves_zero(difference, assumptions, budget)
        except BudgetExceeded:
            return False

    return prove


#: the most differing subterms a proof by congruence takes one by one before the whole difference is tried
CONGRUENCE_PARTS = 8
#: what binds a variable: a subterm under one is not a closed statement, so congruence stops at it
_BINDERS = (sp.Sum, sp.Product, sp.Integral, sp.Derivative, sp.Lambda, sp.Subs)


def differing_parts(a: sp.Basic, b: sp.Basic) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """The pairs of corresponding subterms where `a` and `b` differ, the trees walked in step (same head, same
    number of arguments) down to the first difference; None where a differing pair is not a pair of
    expressions (a condition, a relation). A binder (Sum, Derivative, ...) is never entered: the pair is the
    whole bound term, its variables bound. If every pair is equal for every admissible value of the free
    symbols, then a = b (substitution of equals)."""
    if a == b:
        return []
    pairs = list(zip(a.args, b.args, strict=False))
    if isinstance(a, (sp.Add, sp.Mul)) and type(a) is type(b):  # commutative: drop the common terms first
        rest_a, rest_b = list(a.args), list(b.args)
        for term in a.args:
            if term in rest_b:
                rest_a.remove(term)
                rest_b.remove(term)
        if len(rest_a) == len(rest_b):
            pairs = _matched(rest_a, rest_b)
        elif len(rest_a) < len(a.args):  # the common terms dropped: the rest of each side is one part
            return differing_parts(a.func(*rest_a), b.func(*rest_b))
        else:
            pairs = []
        same_head = bool(pairs)
    else:
        same_head = type(a) is type(b) and len(a.args) == len(b.args) and a.args
    if same_head and not isinstance(a, _BINDERS):
        parts: list[tuple[sp.Expr, sp.Expr]] = []
        for x, y in pairs:
            sub = differing_parts(x, y)
            if sub is None:
                return None
            parts += sub
        return parts
    if not (isinstance(a, sp.Expr) and isinstance(b, sp.Expr)):
        return None
    return [(a, b)]


def _matched(xs: list[sp.Basic], ys: list[sp.Basic]) -> list[tuple[sp.Basic, sp.Basic]]:
    """The terms of two sums (or factors of two products) paired so that the pairs share the most arguments
    (a rewrite keeps the untouched factors of a term); in order where there are more than four."""
    if len(xs) > 4:
        return list(zip(xs, ys, strict=True))

    def shared(x: sp.Basic, y: sp.Basic) -> int:
        return len(set(sp.Mul.make_args(x)) & set(sp.Mul.make_args(y)))

    best = max(
        itertools.permutations(range(len(ys))),
        key=lambda order: sum(shared(x, ys[k]) for x, k in zip(xs, order, strict=True)),
    )
    return [(x, ys[k]) for x, k in zip(xs, best, strict=True)]


def _by_congruence(reference: sp.Expr, candidate: sp.Expr, prover: Prover, budget: float) -> bool:
    """reference = candidate proved part by part (differing_parts), each part within its share of `budget`;
    False where the parts are the whole expressions, too many, or one is not proved."""
    parts = differing_parts(reference, candidate)
    parts = list(dict.fromkeys(parts)) if parts else parts  # a rewritten subterm that occurs twice: one proof
    if not parts or len(parts) > CONGRUENCE_PARTS or parts == [(reference, candidate)]:
        return False
    deadline = time.monotonic() + budget
    for x, y in parts:
        left = deadline - time.monotonic()
        if left <= 0 or not prover(x - y, left):
            return False
    return True


def exact_numbers(expr: sp.Expr) -> sp.Expr:
    """`expr` with every Float replaced by the exact rational of its binary value (Floats are rounded on every
    addition; rationals are not)."""
    floats = expr.atoms(sp.Float) if isinstance(expr, sp.Basic) else set()
    return expr.xreplace({f: sp.Rational(f) for f in floats}) if floats else expr


def decide_equality(
    reference: sp.Expr,
    candidate: sp.Expr,
    assumptions: Assumptions,
    *,
    budget: float,
    points: int = 60,
    dps: int = DPS,
    others: Sequence[sp.Expr] = (),
    quick: float = QUICK_PROOF,
    prove: Prover | None = None,
    allow_proof: bool = True,
    bounded_search: bool = True,
    search_options: dict | None = None,
    confirm: int = CONFIRMING_POINTS,
) -> Decision:
    """Decide reference = candidate over the admissible values by the policy above, within `budget` seconds.

    Numeric evidence samples [reference, candidate, *others] (its values come in that order); a point where the
    reference or one of `others` is not real says nothing (skipped), one where they are real and the candidate is
    not refutes. `prove` replaces the symbolic proof of reference - candidate = 0 (array claims prove in index
    form); `allow_proof=False` skips it (a symbol whose SymPy assumptions claim more than its domain). With
    `bounded_search=False` the search has no time limit and the proof keeps its whole budget (xent check: a
    step's verdict must not depend on the machine's speed more than it has to). A quick proof is followed by
    `confirm` sampled points (0: none) within CONFIRM_SECONDS: a counterexample found there wins over the proof,
    which then had a bug ("a confirmed counterexample always wins")."""
    deadline = time.monotonic() + budget
    # every Float as the exact rational it stands for, before any difference is formed: SymPy adds Floats at
    # 15 digits, so exp(x) - 1 - (expm1(x) + 1e-30) would become exp(x) - expm1(x) - 1.0 and "prove" a claim
    # that is off by 1e-30
    reference, candidate = exact_numbers(reference), exact_numbers(candidate)
    others = tuple(exact_numbers(o) for o in others)
    if reference == candidate:
        return Decision(Status.PROVED, "identical")
    prover = prove or _default_prover(assumptions)
    difference = reference - candidate
    # bounded: at most half the budget, so that the search has time; unbounded (xent check): up to all of it
    first = min(quick, budget / 2 if bounded_search else budget)
    started = time.monotonic()
    # a rewrite of a few subterms (sigma -> its overflow-free form) is proved part by part, in half the time;
    # else the whole difference, in what is left
    if (
        allow_proof
        and first > 0
        and (
            _by_congruence(reference, candidate, prover, first / 2)
            or prover(difference, first - (time.monotonic() - started))
        )
    ):
        return _confirmed_proof(
            exprs_for(reference, candidate, others), assumptions, dps, search_options, confirm
        )
    spent = time.monotonic() - started
    exprs = exprs_for(reference, candidate, others)
    remaining = deadline - time.monotonic() if bounded_search else None
    evidence = _evidence(exprs, assumptions, remaining, points, dps, search_options)
    if evidence is not None and evidence.failure is not None:
        return Decision(Status.REFUTED, "refuted", evidence)
    remaining = deadline - time.monotonic() if bounded_search else budget - spent
    if allow_proof and remaining > max(first, 0.05) / 2 and prover(difference, remaining):
        return Decision(Status.PROVED, "proved", evidence)  # the search above found no counterexample
    if evidence is None:
        return Decision(Status.UNKNOWN, "no time")
    if evidence.points == 0:
        return Decision(Status.UNKNOWN, "no points", evidence)
    return Decision(Status.CHECKED, "checked", evidence)


def _relative_gap(values) -> object:
    """|a - b| / max(|a|, |b|): how far from equal two sampled values are (0 for both zero)."""
    a, b = values[0], values[1]
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0


def exprs_for(reference: sp.Expr, candidate: sp.Expr, others: Sequence[sp.Expr]) -> list[sp.Expr]:
    return [reference, candidate, *others]


def _confirmed_proof(exprs, assumptions, dps, options, points: int) -> Decision:
    """A proof, checked against a few sampled points: a confirmed counterexample there refutes (the prover erred)."""
    if points <= 0:
        return Decision(Status.PROVED, "proved")
    evidence = _evidence(exprs, assumptions, CONFIRM_SECONDS, points, dps, options)
    if evidence is not None and evidence.failure is not None:
        return Decision(Status.REFUTED, "refuted despite a proof", evidence)
    return Decision(Status.PROVED, "proved", evidence)


def _evidence(exprs, assumptions, remaining, points, dps, options) -> Evidence | None:
    """search over the exprs (the candidate, index 1, is the one that need not be defining), within `remaining`
    seconds (None: no limit); None when the time ran out first."""

    def run() -> Evidence:
        return search(
            exprs,
            lambda v: close(v[0], v[1]),
            assumptions,
            points=points,
            dps=dps,
            defining=(0, *range(2, len(exprs))),
            score=_relative_gap,
            **(options or {}),
        )

    if remaining is None:
        return run()
    if remaining <= 0:
        return None
    try:
        with time_limit(remaining):
            return run()
    except BudgetExceeded:
        return None
