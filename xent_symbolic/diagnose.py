"""Diagnosis of the usual mistakes in a claimed derivative: sign, constant factor, swapped labels, a missing term."""

from __future__ import annotations

import fractions
import time
from collections.abc import Iterable
from dataclasses import dataclass

import mpmath
import sympy as sp

from .assumptions import Assumptions
from .evidence import close, search
from .timebox import BudgetExceeded, time_limit

__all__ = ["Candidate", "candidates", "diagnose"]

#: at most this many additive terms are tried one by one as the missing term
_MAX_TERMS = 12
#: a constant factor is named only when it is a fraction with a denominator up to this
_MAX_DENOMINATOR = 12
_MAX_FACTOR = 1000


@dataclass(frozen=True)
class Candidate:
    """A wrong form built from the true derivative d: the mistake's name, what the claim is then, and the form."""

    mistake: str
    detail: str
    expr: sp.Expr
    #: a symbol the form divides by: no diagnosis where it may be 0 (the form is undefined where the claim is not)
    divisor: sp.Symbol | None = None

    @property
    def text(self) -> str:
        return f"{self.mistake}: {self.detail}"


def _small_fraction(ratio) -> sp.Rational | None:
    """ratio as a fraction p/q with q <= 12 and |p/q| <= 1000, when it is one to 30 digits; else None."""
    if ratio is None or not mpmath.isfinite(ratio) or ratio == 0:
        return None
    with mpmath.workdps(60):
        guess = fractions.Fraction(mpmath.nstr(ratio, 40)).limit_denominator(_MAX_DENOMINATOR)
        if guess == 0 or abs(guess) > _MAX_FACTOR:
            return None
        exact = mpmath.mpf(guess.numerator) / guess.denominator
        if abs(ratio - exact) > abs(exact) * mpmath.mpf(10) ** -30:
            return None
    return sp.Rational(guess.numerator, guess.denominator)


def _terms(truth: sp.Expr) -> list[sp.Expr]:
    """The additive terms of d as written and of d expanded (at most 12 of each), without repeats."""
    found: list[sp.Expr] = []
    forms = [truth]
    try:
        with time_limit(0.5):
            forms.append(sp.expand(truth))
    except BudgetExceeded:
        pass
    for form in forms:
        terms = sp.Add.make_args(form)
        if 1 < len(terms) <= _MAX_TERMS:
            found += [t for t in terms if t not in found]
    return found


def candidates(truth: sp.Expr, wrt: sp.Symbol, others: Iterable[sp.Symbol], ratio=None) -> list[Candidate]:
    """The usual wrong forms of d = d/d(wrt), most common first.

    `others` are the loss's symbols other than the ones differentiated by (labels, sizes, inputs); `ratio` is
    claimed / true at a counterexample, used to name a constant factor such as 2 or 1/2.
    """
    d = f"d/d{wrt}"
    others = sorted(set(others), key=sp.default_sort_key)
    found = [Candidate("sign flipped", f"the claim is -({d})", -truth)]
    factor = _small_fraction(ratio)
    if factor is not None and factor not in (1, -1):
        found.append(
            Candidate("off by a constant factor", f"the claim is {factor} times {d}", factor * truth)
        )
    for s in others:
        found.append(
            Candidate(f"off by a factor {s}", f"the claim is {s} times {d} (a missing 1/{s}?)", s * truth)
        )
        found.append(
            Candidate(
                f"off by a factor {s}",
                f"the claim is {d} divided by {s} (an extra 1/{s}?)",
                truth / s,
                divisor=s,
            )
        )
    for s in others:
        swapped = truth.xreplace({s: 1 - s})
        if swapped != truth:
            found.append(
                Candidate("labels swapped", f"the claim is {d} with {s} replaced by 1 - {s}", swapped)
            )
    for term in _terms(truth):
        found.append(Candidate("a missing term", f"the claim is {d} without the term {term}", truth - term))
    return found


def diagnose(
    claim: sp.Expr,
    truth: sp.Expr,
    wrt: sp.Symbol,
    others: Iterable[sp.Symbol],
    assumptions: Assumptions,
    *,
    ratio=None,
    loss: sp.Expr | None = None,
    deadline: float | None = None,
    points: int = 30,
) -> str | None:
    """Name the usual mistake the (refuted) claim matches, or None.

    A candidate matches when numeric evidence (mpmath, 50 digits, over the declared domains) finds the claim equal
    to it at every sampled point and at least one point evaluates; candidates are tried until `deadline`.
    Points where the claim or `loss` is not real are skipped, as in the verdict; a point where they are real and
    the candidate is not fails it.
    """
    defined = [loss] if loss is not None else []
    for candidate in candidates(truth, wrt, others, ratio):
        if candidate.divisor is not None and assumptions.domain_of(candidate.divisor).contains(0) != sp.false:
            continue
        remaining = (deadline - time.monotonic()) if deadline is not None else 5.0
        if remaining <= 0:
            return None
        try:
            with time_limit(remaining):
                # where the claim (and the loss) are real the candidate must be too
                evidence = search(
                    [claim, candidate.expr, *defined],
                    lambda v: close(v[0], v[1]),
                    assumptions,
                    points=points,
                    defining=(0, *range(2, 2 + len(defined))),
                )
        except BudgetExceeded:
            return None
        if evidence.failure is None and evidence.points > 0:
            return candidate.text
    return None
