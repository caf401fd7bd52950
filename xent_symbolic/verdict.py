"""The answer of verify-grad: a verdict per claimed partial derivative, as text, JSON and exit code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, assert_never

import sympy as sp

from .core import Status

__all__ = ["ClaimResult", "GradientVerification", "exit_code"]


def exit_code(status: Status, *, accept_numeric: bool = False) -> int:
    """The exit code of verify-grad for a status: 0 proved, 1 refuted, 3 checked or unknown (2 is bad input);
    with `accept_numeric`, checked is 0 too (gradcheck-like: the output still says "checked, not proved").

    PROVED: the claim minus sp.diff's derivative simplifies to 0; CHECKED: no counterexample at the sampled
    points, not proved; UNKNOWN: neither proved nor refuted within the budget; REFUTED: a counterexample point,
    confirmed at higher precision.
    """
    match status:
        case Status.PROVED:
            return 0
        case Status.CHECKED:
            return 0 if accept_numeric else 3
        case Status.REFUTED:
            return 1
        case Status.UNKNOWN:
            return 3
        case _:
            assert_never(status)


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claimed partial derivative d(loss)/d(wrt) = claim.

    `counterexample` maps symbol names to values and `claimed`/`true` are the two values there, all as decimal
    strings with 17 significant digits (values may lie outside the range of a float); None unless refuted.
    """

    wrt: sp.Symbol
    claim: sp.Expr
    derivative: sp.Expr
    status: Status
    method: str
    counterexample: dict[str, str] | None = None
    claimed: str | None = None
    true: str | None = None
    diagnosis: str | None = None
    #: for array claims: the sizes of the counterexample, every entry of its arrays (nested lists, NumPy order)
    #: and the 0-based gradient entry where the claim differs most
    sizes: dict[str, int] | None = None
    arrays: dict[str, Any] | None = None
    entry: tuple[int, ...] | None = None
    #: for array claims: what a proof or the numeric evidence covers ("all sizes n, d", "sizes up to 4")
    scope: str | None = None

    def lines(self) -> list[str]:
        """The verdict as text: one line, plus the two formulas and the diagnosis when refuted."""
        d = f"d/d{self.wrt}"
        match self.status:
            case Status.PROVED:
                return [f"verified ({self.method}): {d} = {self.claim}"]
            case Status.CHECKED:
                return [f"checked, not proved ({self.method}): {d} = {self.claim}"]
            case Status.UNKNOWN:
                return [f"{self.status.value} ({self.method}): {d} = {self.claim}"]
            case Status.REFUTED if self.arrays is not None:
                at = f"[{', '.join(map(str, self.entry))}]" if self.entry else ""
                sizes = ", ".join(f"{k} = {v}" for k, v in (self.sizes or {}).items())
                lines = [
                    f"refuted: at {sizes or 'the declared sizes'} the claim gives {self.claimed} but {d}{at} = {self.true}"
                    + (f" (entry {at}, 0-based, differs most)" if at else ""),
                    *(f"  {name} = {_show(value)}" for name, value in self.arrays.items()),
                    f"  claimed: {d} = {self.claim}",
                    f"  true:    {self.derivative.lhs} = {self.derivative.rhs}"
                    if isinstance(self.derivative, sp.Eq)
                    else f"  true:    {d} = {self.derivative}",
                ]
                if self.diagnosis:
                    lines.append(f"  diagnosis: {self.diagnosis}")
                return lines
            case Status.REFUTED:
                point = ", ".join(f"{k} = {v}" for k, v in (self.counterexample or {}).items())
                where = f"at {point}" if point else "everywhere"
                lines = [
                    f"refuted: {where} the claim gives {self.claimed} but {d} = {self.true}",
                    f"  claimed: {d} = {self.claim}",
                    f"  true:    {d} = {self.derivative}",
                ]
                if self.diagnosis:
                    lines.append(f"  diagnosis: {self.diagnosis}")
                return lines
            case _:
                assert_never(self.status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "wrt": str(self.wrt),
            "claim": str(self.claim),
            "status": self.status.value,
            "method": self.method,
            "counterexample": self.counterexample,
            "claimed": self.claimed,
            "true": self.true,
            "diagnosis": self.diagnosis,
            "derivative": str(self.derivative),
            **(
                {"sizes": self.sizes, "arrays": self.arrays, "entry": list(self.entry or ())}
                if self.arrays is not None
                else {}
            ),
            **({"scope": self.scope} if self.scope is not None else {}),
        }


def _show(value: Any) -> str:
    """An array of decimal strings as NumPy prints a list: [[1.5, -2], [0, 3]]."""
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class GradientVerification:
    """The verdicts on every claimed partial derivative of `loss`; the top-level fields are those of the worst
    claim (the first one with the worst verdict). `accept_numeric` makes a checked verdict exit 0."""

    loss: sp.Expr
    results: tuple[ClaimResult, ...]
    accept_numeric: bool = False

    @property
    def deciding(self) -> ClaimResult:
        worst = Status.worst(r.status for r in self.results)
        return next(r for r in self.results if r.status is worst)

    @property
    def status(self) -> Status:
        return self.deciding.status

    @property
    def exit_code(self) -> int:
        """0 only when every claim is proved (or, with accept_numeric, checked), 1 refuted, 3 otherwise."""
        return exit_code(self.status, accept_numeric=self.accept_numeric)

    @property
    def proved(self) -> bool:
        """Every claim proved symbolically."""
        return self.status is Status.PROVED

    @property
    def ok(self) -> bool:
        """What exit code 0 means: every claim proved, or with accept_numeric checked at least."""
        return self.exit_code == 0

    @property
    def counterexample(self) -> dict[str, str] | None:
        return self.deciding.counterexample

    @property
    def claimed(self) -> str | None:
        return self.deciding.claimed

    @property
    def true(self) -> str | None:
        return self.deciding.true

    @property
    def diagnosis(self) -> str | None:
        return self.deciding.diagnosis

    @property
    def derivative(self) -> str:
        return str(self.deciding.derivative)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "counterexample": self.counterexample,
            "claimed": self.claimed,
            "true": self.true,
            "diagnosis": self.diagnosis,
            "derivative": self.derivative,
            "proved": self.proved,
            "exit_code": self.exit_code,
            "loss": str(self.loss),
            "wrt": [str(r.wrt) for r in self.results],
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def report(self) -> str:
        """Plain text: one verdict per symbol and, for several symbols, the overall verdict."""
        lines = [line for r in self.results for line in r.lines()]
        if len(self.results) > 1:
            lines.append(f"overall: {self.status.value}")
        return "\n".join(lines) + "\n"
