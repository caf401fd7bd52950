"""verify-grad for array formulas: a claimed gradient with respect to a vector or matrix, proved for all sizes.

The loss and the claims are parsed into index form (arrays.py): the entry (k, l) of d loss / d W is
sp.diff(loss, W[k, l]) with its Kronecker deltas collapsed over sums of symbolic size (calculus), and the claim's
entry at the same free indices must equal it for every size and every admissible value (prove.proves_zero, the
checker's own engine). A claim not proved is searched for a counterexample at small concrete sizes (evidence:
magnitudes, both signs, domain ends, confirmed exactly before it is reported); a refuted claim shows every entry
of the arrays there, the entry that differs most, and what the usual mistakes would have been.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

import sympy as sp

from .array_evidence import Counterexample, Target
from .arrays import (
    ArrayProblem,
    Tensor,
    array_problem,
    domain_pairs,
    free_names,
    parse_array_formula,
    readable,
    show_shape,
)
from .calculus import collapse_deltas
from .core import Status
from .decide import QUICK_PROOF, decide_equality
from .diagnose_arrays import diagnose_array_claim
from .errors import InputError, ParseError
from .inputs import checked_timeout, not_in_loss, wrt_names
from .parse import split_top_level
from .timebox import BudgetExceeded, time_limit
from .verdict import ClaimResult, GradientVerification

__all__ = ["ArrayProblem", "verify_array_gradient"]

#: random points of numeric evidence per claim, over three instances of the sizes
POINTS = 60
#: the sizes of those instances, in turn: small (the counterexample shows every entry), distinct within an
#: instance so that a transpose or a wrong axis shows, and 1 (a sum of one term) in two of the three
SIZES = (2, 3, 4, 1)
#: the longest fixed (integer) axis of the loss that numeric evidence writes out term by term
MAX_FIXED_SIZE = 64


# ---------------------------------------------------------------------------------------------- verifying


def _target(problem: ArrayProblem, name: str) -> Target:
    if name in problem.rows:
        raise InputError(f"cannot differentiate by {name!r}: its domain {problem.rows[name]} has no interior")
    shape = problem.shape_of(name)
    if shape is None or not shape:
        return Target(name, (), (), problem.names.scalars.get(name, sp.Symbol(name, real=True)))
    base = problem.names.arrays[name][0]
    indices = tuple(sp.Symbol(f"k{j}", integer=True, positive=True) for j in range(len(shape)))
    return Target(name, shape, indices, base[indices])


def _parse(problem: ArrayProblem, text: str, what: str) -> Tensor:
    if not isinstance(text, str):
        raise InputError(
            f"{what} must be text in array notation when shapes are given, not {type(text).__name__}"
        )
    try:
        return parse_array_formula(text, problem.names)
    except ParseError as exc:
        raise ParseError(f"{what}: {exc}") from None


def verify_array_gradient(
    loss: str,
    wrt: str | Sequence[str],
    claim: str | Sequence[str],
    *,
    shapes: Mapping | Iterable[str],
    domains: Mapping | Iterable[str] | None = None,
    timeout: float = 10.0,
    accept_numeric: bool = False,
) -> GradientVerification:
    """Decide whether `claim` is the gradient of the array formula `loss` with respect to `wrt`.

    >>> r = verify_array_gradient("sum(w**2)", "w", "2*w", shapes=["w:d"])
    >>> r.status.value, r.results[0].method
    ('proved', 'proved for all sizes d (index form)')
    """
    timeout = checked_timeout(timeout)
    problem = array_problem(shapes, domains)
    loss_tensor = _parse(problem, loss, "loss")
    if loss_tensor.shape:
        raise ParseError(
            f"the loss must be a scalar, but it has shape {show_shape(loss_tensor.shape)}; "
            "wrap it in sum(...) or mean(...)"
        )
    names = wrt_names(wrt)
    loss_names = sorted(
        free_names(loss_tensor.body) - set(problem.names.sizes) - {h.name for h in problem.hidden}
    )
    loss_names = sorted(set(loss_names) | {n for n in problem.rows if _uses(loss_tensor.body, problem, n)})
    for name in names:
        if name not in loss_names:
            raise not_in_loss(f"wrt name {name!r} does not occur in the loss", name, loss_names)
    texts = list(split_top_level(claim)) if isinstance(claim, str) else list(claim)
    if len(texts) != len(names):
        raise InputError(
            f"{len(texts)} claim(s) for {len(names)} variable(s) ({', '.join(names)}); "
            "give one claim per variable, in the same order"
        )
    targets = [_target(problem, name) for name in names]
    claims = []
    for k, (target, text) in enumerate(zip(targets, texts, strict=True), 1):
        tensor = _parse(problem, text, f"claim {k} (d/d{target.name})")
        if tensor.shape != target.shape:
            raise ParseError(
                f"claim {k} (d/d{target.name}) has shape {show_shape(tensor.shape)}, but {target.name} has shape "
                f"{show_shape(target.shape)}; a gradient has the shape of its variable"
            )
        stray = sorted(
            free_names(tensor.body)
            - set(loss_names)
            - set(problem.names.sizes)
            - {h.name for h in problem.hidden}
        )
        if stray:
            raise not_in_loss(
                f"claim {k} (d/d{target.name}) uses {stray[0]!r}, which does not occur in the loss",
                stray[0],
                loss_names,
            )
        claims.append((text.strip(), tensor))
    for name, _ in domain_pairs(domains):
        if name not in loss_names and name not in problem.names.sizes:
            raise InputError(f"a domain is given for {name!r}, which does not occur in the loss")
    deadline = time.monotonic() + timeout
    results = []
    for k, (target, (text, tensor)) in enumerate(zip(targets, claims, strict=True)):
        share = max(0.0, deadline - time.monotonic()) / (len(targets) - k)
        results.append(
            _decide_within(problem, loss_tensor, frozenset(loss_names), target, text, tensor, share)
        )
    return GradientVerification(loss_tensor.body, tuple(results), accept_numeric=accept_numeric)


def _uses(expr: sp.Expr, problem: ArrayProblem, name: str) -> bool:
    return problem.names.arrays[name][0] in expr.atoms(sp.IndexedBase)


_OVERRUN = 1.5


def _decide_within(problem, loss, loss_names, target, text, tensor, budget) -> ClaimResult:
    display = sp.Symbol(text)  # the claim as typed, for the report
    try:
        with time_limit(max(budget, 0.01) + _OVERRUN):
            return _decide(problem, loss, loss_names, target, display, tensor, budget)
    except BudgetExceeded:
        return ClaimResult(
            sp.Symbol(target.name),
            display,
            sp.Symbol("?"),
            Status.UNKNOWN,
            f"ran out of the time budget of {budget:.2g} s",
        )


_READABLE_FREE = ("k", "l")


def _readable(expr: sp.Expr, target: Target) -> sp.Expr:
    """`expr` for display: the gradient's free indices named k, l, every bound index its own short name."""
    free = {k: sp.Symbol(n) for k, n in zip(target.indices, _READABLE_FREE, strict=False)}
    return readable(expr, free)


def _sizes_text(problem: ArrayProblem, loss: Tensor) -> str:
    """The sizes of the arrays the loss uses, in the order the shapes declare them: 'n, d'."""
    bases = loss.body.atoms(sp.IndexedBase)
    used = [
        size
        for base, shape in problem.names.arrays.values()
        if base in bases or any(h.name.startswith(f"_{base.name}_") for h in bases)
        for size in shape
        if isinstance(size, sp.Symbol)
    ]
    names = list(dict.fromkeys(s.name for s in used))
    return ", ".join(names)


def _decide(
    problem: ArrayProblem,
    loss: Tensor,
    loss_names: frozenset[str],
    target: Target,
    display: sp.Symbol,
    tensor: Tensor,
    budget: float,
) -> ClaimResult:
    deadline = time.monotonic() + budget
    indices = tuple((k, sp.S.One, size) for k, size in zip(target.indices, target.shape, strict=True))
    assumptions = problem.assumptions(indices)
    truth = collapse_deltas(sp.diff(loss.body, target.entry), assumptions)
    claim = tensor.at(*target.indices)
    wrt = sp.Symbol(target.name)
    shown = _readable(truth, target)
    entry_text = f"d/d{_readable(target.entry, target)}" if target.shape else f"d/d{target.name}"
    truth_shown = sp.Eq(sp.Symbol(entry_text), shown, evaluate=False)
    sizes = _sizes_text(problem, loss)
    proof = (
        f"proved for all sizes {sizes} (index form)"
        if sizes
        else "proved symbolically (index form, fixed sizes)"
    )
    every = f"all sizes {sizes}" if sizes else "the fixed sizes"
    proved = ClaimResult(wrt, display, truth_shown, Status.PROVED, proof, scope=every)
    largest = max(
        (size for _, shape in problem.names.arrays.values() for size in shape if size.is_Integer), default=0
    )
    # the loss only says where a claim need not hold (it is undefined there); a loss over a fixed axis too long to
    # write out term by term is left out of the search, which then evaluates the claim and the gradient alone
    decision = decide_equality(
        truth,
        claim,
        assumptions,
        budget=budget,
        points=POINTS,
        others=[] if largest > MAX_FIXED_SIZE else [loss.body],
        prove=lambda difference, seconds: problem.proves_zero(difference, indices, seconds),
        search_options={"size_choices": SIZES},
    )
    if decision.status is Status.PROVED:
        return proved
    evidence = decision.evidence
    out_of_time = deadline - time.monotonic() <= QUICK_PROOF / 2
    not_proved = (f"not proved for all sizes {sizes}" if sizes else "not proved") + (
        f" within {budget:.2g} s" if out_of_time else " (no proof found)"
    )
    if evidence is None:
        return ClaimResult(
            wrt, display, truth_shown, Status.UNKNOWN, f"{not_proved}; no time left for numeric evidence"
        )
    if decision.status is not Status.REFUTED:
        if evidence.points == 0:
            return ClaimResult(
                wrt,
                display,
                truth_shown,
                Status.UNKNOWN,
                f"{not_proved}; no numeric evidence: the loss, the claim or the gradient is not real at any point tried",
            )
        return ClaimResult(
            wrt,
            display,
            truth_shown,
            Status.CHECKED,
            f"no counterexample at {evidence.points} random points, {evidence.dps} digits, sizes up to {max(SIZES)}; {not_proved}",
            scope=f"numeric evidence at sizes up to {max(SIZES)} only; not proved for {every}",
        )
    method = (
        f"counterexample found numerically at {evidence.dps} digits, confirmed exactly at the printed point"
    )
    if decision.how == "refuted despite a proof":
        method += " (a symbolic proof said otherwise: that is a bug, please report it)"
    if (
        largest > MAX_FIXED_SIZE
    ):  # too many entries to show or to diagnose: the sampled ones, and their values
        true, claimed = evidence.values[:2]  # the reference (the gradient) first
        return ClaimResult(
            wrt, display, truth_shown, Status.REFUTED, method, dict(evidence.failure), claimed, true
        )
    report = Counterexample.at(problem, loss, target, tensor, truth, evidence.failure)
    diagnosis = diagnose_array_claim(
        problem,
        target,
        str(display),
        tensor,
        truth,
        loss_names,
        report,
        max(deadline, time.monotonic() + 1.0),
    )
    return ClaimResult(
        wrt,
        display,
        truth_shown,
        Status.REFUTED,
        method,
        report.flat(),
        report.claimed,
        report.true,
        diagnosis,
        sizes=report.sizes,
        arrays=report.arrays,
        entry=report.entry,
    )


# ---------------------------------------------------------------------------------------------- diagnosis
