"""Range claims: a final step that keeps the expression and claims its values lie in a set (e.g. >= 0)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import sympy as sp

from .core import Derivation, Name, Relation, Step
from .names import Phrase
from .rules import Rule, said

__all__ = ["NONNEGATIVE", "InRange", "RangeClaim", "claim_nonnegative"]

#: the values of a nonnegative quantity
NONNEGATIVE = sp.Interval(0, sp.oo)


@dataclass(frozen=True)
class RangeClaim(Step):
    """`after` (= `before`) takes values in `domain` for every admissible value of every symbol; `reading`
    says what that means (e.g. 'for every v: H is positive semi-definite'), stated in the conclusion."""

    reading: Name | None = None


@final
class InRange(Rule):
    """f -> f, claiming every value of f lies in `values`   [equal; the checker decides the range]

    Named 'nonnegative' for [0, oo), 'in-range' otherwise; its step is a RangeClaim.
    """

    relation = Relation.EQUAL

    def __init__(self, values: sp.Set, justification: str | Phrase, *, reading: Name | None = None) -> None:
        self.values, self._justification, self.reading = values, justification, reading
        self.name = "nonnegative" if values == NONNEGATIVE else "in-range"

    def rewrite(self, expr, assumptions):
        return expr

    def justification(self):
        return self._justification

    def step(self, expr, assumptions):
        text, latex = said(self._justification)
        return RangeClaim(
            self,
            expr,
            expr,
            self.relation,
            text,
            domain=self.values,
            justification_latex=latex,
            reading=self.reading,
        )


def claim_nonnegative(
    derivation: Derivation, justification: str | Phrase, reading: Name | None = None
) -> Derivation:
    """`derivation` with a final step claiming its current expression is >= 0 (the checker decides it)."""
    return derivation.apply(InRange(NONNEGATIVE, justification, reading=reading))
