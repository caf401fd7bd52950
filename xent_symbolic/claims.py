"""Range claims: a final step that keeps the expression and claims its values lie in a set (e.g. >= 0)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .core import Derivation, Name, Relation, Step

__all__ = ["NONNEGATIVE", "RangeClaim", "claim_nonnegative"]

#: the values of a nonnegative quantity
NONNEGATIVE = sp.Interval(0, sp.oo)


@dataclass(frozen=True)
class RangeClaim(Step):
    """`after` (= `before`) takes values in `domain` for every admissible value of every symbol; `reading`
    says what that means (e.g. 'for every v: H is positive semi-definite'), stated in the conclusion."""

    reading: Name | None = None


def claim_nonnegative(derivation: Derivation, justification: str, reading: Name | None = None) -> Derivation:
    """`derivation` with a final step claiming its current expression is >= 0 (the checker decides it)."""
    current = derivation.current
    step = RangeClaim(
        "nonnegative", current, current, Relation.EQUAL, justification, domain=NONNEGATIVE, reading=reading
    )
    return derivation.then(step)
