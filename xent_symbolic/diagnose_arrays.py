"""What went wrong in a refuted array gradient: the usual mistakes, each tried as a fix at the counterexample.

Every candidate is a concrete repair (the claim divided by n, a transpose undone, an axis flipped) or a special
case (a symmetric matrix, a weight of 1, one-hot rows) under which the claim would be right. A candidate that
makes every entry of the claim agree with the gradient there is reported; a repair is then also tried as a proof
for all sizes, and the diagnosis says which of the two it is.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sympy as sp

from .array_evidence import REPORT_DPS, ConcreteArrays, Counterexample, Target
from .arrays import ArrayProblem, Tensor, parse_array_formula
from .errors import ParseError
from .timebox import BudgetExceeded, time_limit

__all__ = ["diagnose_array_claim"]

#: seconds a corrected claim may take to be proved for all sizes
_PROOF = 0.5
_AGREE = sp.Rational(1, 10 ** (REPORT_DPS - 10))


@dataclass(frozen=True)
class _Context:
    problem: ArrayProblem
    target: Target
    claim_text: str
    claim: Tensor
    truth: sp.Expr
    loss_names: frozenset[str]
    concrete: ConcreteArrays
    values: dict


def _agree(a: dict, b: dict) -> bool:
    for ix, x in a.items():
        y = b[ix]
        if not (x.is_real and y.is_real):
            return False
        if abs(x - y) > _AGREE * max(abs(x), abs(y), sp.Float(1e-300)):
            return False
    return True


def _entries(ctx: _Context, tensor: Tensor, values: dict, only: tuple[int, ...] | None = None) -> dict:
    return ctx.concrete.entries(tensor.body, tensor.indices, ctx.target.shape, values, only)


def _agrees(ctx: _Context, tensor: Tensor, values: dict, true: dict, first: tuple[int, ...]) -> bool:
    """Whether `tensor` equals the gradient at every entry; the entry `first` (1-based) is tried alone first,
    so that most candidates cost one evaluation."""
    if first in true and not _agree(_entries(ctx, tensor, values, first), {first: true[first]}):
        return False
    return _agree(_entries(ctx, tensor, values), true)


def _true_entries(ctx: _Context, values: dict) -> dict:
    return ctx.concrete.entries(ctx.truth, ctx.target.indices, ctx.target.shape, values)


def _proved_for_all_sizes(ctx: _Context, tensor: Tensor) -> bool:
    bounds = tuple((k, sp.S.One, size) for k, size in zip(ctx.target.indices, ctx.target.shape, strict=True))
    return ctx.problem.proves_zero(ctx.truth - tensor.at(*ctx.target.indices), bounds, _PROOF)


# ---------------------------------------------------------------------------------------------- repairs


def _scalings(ctx: _Context) -> Iterator[tuple[Tensor, str]]:
    """The claim times a factor it may have missed or added: a size, -1, 2."""
    used = {s for s in (ctx.truth - ctx.claim.at(*ctx.target.indices)).free_symbols}
    for name, size in ctx.problem.names.sizes.items():
        if size not in used:
            continue
        yield (
            ctx.claim.map(lambda e, s=size: e / s),
            f"the claim is {name} times the gradient: a missing factor 1/{name}",
        )
        yield (
            ctx.claim.map(lambda e, s=size: e * s),
            f"an extra factor 1/{name}: the gradient is {name} times the claim",
        )
    yield ctx.claim.map(lambda e: -e), "the sign is wrong: the gradient is minus the claim"
    yield ctx.claim.map(lambda e: e / 2), "a factor 2 too many: the gradient is half the claim"
    yield ctx.claim.map(lambda e: 2 * e), "a missing factor 2: the gradient is twice the claim"


def _mutants(text: str, matrices: set[str]) -> Iterator[tuple[str, str]]:
    """The claim's text with one transpose removed, one matrix transposed, or one axis flipped (0 <-> 1)."""
    tree = ast.parse(text.strip(), mode="eval")
    for k, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.Attribute) and node.attr == "T":
            yield _replaced(tree, k, lambda n: n.value), "a transpose too many"
        elif isinstance(node, ast.Name) and node.id in matrices:
            yield (
                _replaced(tree, k, lambda n: ast.Attribute(value=n, attr="T", ctx=ast.Load())),
                "a missing transpose",
            )
        elif isinstance(node, ast.keyword) and node.arg == "axis" and isinstance(node.value, ast.Constant):
            if node.value.value in (0, 1):
                flipped = ast.Constant(1 - node.value.value)
                yield (
                    _replaced(tree, k, lambda n, f=flipped: ast.keyword(arg="axis", value=f)),
                    "the wrong axis",
                )


def _replaced(tree: ast.Expression, position: int, change: Callable[[ast.AST], ast.AST]) -> str:
    """ast.unparse of `tree` with its `position`-th node (in ast.walk order) changed."""
    copy = ast.parse(ast.unparse(tree), mode="eval")
    target = list(ast.walk(copy))[position]

    class Swap(ast.NodeTransformer):
        def generic_visit(self, node):
            if node is target:
                return change(node)
            return super().generic_visit(node)

    return ast.unparse(ast.fix_missing_locations(Swap().visit(copy)))


def _repairs(ctx: _Context) -> Iterator[tuple[Tensor, str]]:
    yield from _scalings(ctx)
    matrices = {name for name, (_, shape) in ctx.problem.names.arrays.items() if len(shape) == 2}
    for text, what in _mutants(ctx.claim_text, matrices):
        try:
            tensor = parse_array_formula(text, ctx.problem.names)
        except ParseError:
            continue
        if tensor.shape == ctx.target.shape:
            yield tensor, f"{what}: the gradient is {text}"


# ---------------------------------------------------------------------------------------------- special cases


def _with(ctx: _Context, change: Callable[[sp.Indexed, dict], sp.Expr | None]) -> dict:
    values = dict(ctx.values)
    for atom in list(values):
        if isinstance(atom, sp.Indexed):
            new = change(atom, values)
            if new is not None:
                values[atom] = new
    return values


def _special_cases(ctx: _Context) -> Iterator[tuple[dict, str]]:
    arrays = ctx.problem.names.arrays
    claim_names = {b.label.name for b in ctx.claim.body.atoms(sp.IndexedBase)}
    claim_names |= {s.name for s in ctx.claim.body.free_symbols}
    for name, (base, shape) in arrays.items():
        if name not in ctx.loss_names or name in ctx.problem.rows:
            continue
        if len(shape) == 2 and shape[0] == shape[1]:
            symmetric = _with(
                ctx,
                lambda a, v, b=base: (
                    v[b[a.indices[::-1]]] if a.base == b and a.indices[0] > a.indices[1] else None
                ),
            )
            yield (
                symmetric,
                f"the claim holds only for a symmetric {name} ({name} = {name}.T); for a general {name} the "
                f"gradient differs (of w @ {name} @ w it is ({name} + {name}.T) @ w, not 2 * {name} @ w)",
            )
        if len(shape) == 2 and name not in ctx.problem.rows:
            columns = ctx.concrete.shape(shape)[1]
            onehot = _with(
                ctx,
                lambda a, v, b=base, K=columns: (
                    sp.Integer(int(a.indices[1]) == (int(a.indices[0]) - 1) % K + 1) if a.base == b else None
                ),
            )
            yield (
                onehot,
                f"the claim holds only when every row of {name} is one-hot (sums to 1); declare it with "
                f"--domain {name}:onehot (or {name}:simplex)",
            )
        if name not in claim_names and name != ctx.target.name:
            ones = _with(ctx, lambda a, v, b=base: sp.Integer(1) if a.base == b else None)
            yield ones, f"a forgotten weight: the claim leaves out {name}, and holds only where {name} = 1"
    for name, symbol in ctx.problem.names.scalars.items():
        if (
            name in ctx.loss_names
            and name not in claim_names
            and name != ctx.target.name
            and symbol in ctx.values
        ):
            values = dict(ctx.values)
            values[symbol] = sp.Integer(1)
            yield values, f"a forgotten weight: the claim leaves out {name}, and holds only where {name} = 1"


# ---------------------------------------------------------------------------------------------- the diagnosis


def diagnose_array_claim(
    problem: ArrayProblem,
    target: Target,
    claim_text: str,
    claim: Tensor,
    truth: sp.Expr,
    loss_names: frozenset[str],
    report: Counterexample,
    deadline: float,
) -> str | None:
    """The first usual mistake that explains the counterexample, or None (also when the time is up)."""
    concrete = ConcreteArrays(problem, report.sizes)
    ctx = _Context(problem, target, claim_text, claim, truth, loss_names, concrete, report.values)
    try:
        with time_limit(max(0.05, deadline - time.monotonic())):
            true = _true_entries(ctx, report.values)
            fallback = None
            first = tuple(k + 1 for k in report.entry)
            for tensor, what in _repairs(ctx):
                if not _agrees(ctx, tensor, report.values, true, first):
                    continue
                if _proved_for_all_sizes(ctx, tensor):
                    return f"{what} (the repaired claim is proved for all sizes)"
                fallback = (
                    fallback or f"{what} (the repaired claim agrees at this counterexample; not proved)"
                )
            if fallback:
                return fallback
            for values, what in _special_cases(ctx):
                if _agrees(ctx, claim, values, _true_entries(ctx, values), ()):
                    return what
    except BudgetExceeded:
        return None
    return None
