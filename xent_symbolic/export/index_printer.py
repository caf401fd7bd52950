"""Index form as vectorised array code: sums over index ranges become reductions and einsums, entries become axes.

An expression in index form (Sums and Products from 1 to a size, Indexed entries such as X[i, j], free indices)
is printed bottom-up. Every subexpression is an array whose axes are its free indices, in one fixed order
(`order`); an elementwise operation aligns its operands by inserting axes (NumPy broadcasting), a Sum over an
index that two or more factors of a product share is one einsum (BLAS for matrix products), any other Sum a
reduction over that axis, and a Sum whose summand does not use its index is the summand times the size.
Everything elementwise is printed by the ArrayPrinter, so the functions keep their stable forms.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import sympy as sp

from .backends import Backend
from .backends import backend as backend_record
from .printer import print_array

__all__ = ["IndexPrinter", "Printed", "UnprintableError"]


class UnprintableError(ValueError):
    """An index-form construct this printer has no array code for (the message says which)."""


@dataclass(frozen=True)
class Printed:
    """Array source and the free indices its axes stand for, in order."""

    code: str
    axes: tuple[sp.Symbol, ...]


class IndexPrinter:
    """Prints index-form expressions for one backend.

    arrays: IndexedBase or Symbol -> the variable holding it; sizes: size symbol -> the variable holding it;
    order: every index symbol that may be free, in the order array axes take them (output indices first).
    """

    def __init__(
        self,
        backend: str,
        arrays: dict[sp.Basic, str],
        sizes: dict[sp.Symbol, str],
        order: tuple[sp.Symbol, ...],
    ) -> None:
        self.record: Backend = backend_record(backend)
        self.arrays, self.sizes, self.order = dict(arrays), dict(sizes), list(order)
        self._names = iter(f"_xent_leaf{k}" for k in range(10**9))  # stand-ins: names no formula uses

    # --- axes ------------------------------------------------------------------------------------------------

    def _sorted(self, indices) -> tuple[sp.Symbol, ...]:
        indices = list(indices)
        for index in indices:
            if index not in self.order:
                self.order.append(index)
        return tuple(sorted(set(indices), key=self.order.index))

    def align(self, printed: Printed, axes: tuple[sp.Symbol, ...]) -> str:
        """printed's array with its axes permuted into `axes`' order and size-1 axes inserted where it lacks one."""
        code, have = printed.code, printed.axes
        if not have or have == axes:
            return code
        ordered = tuple(a for a in axes if a in have)
        if ordered != have:
            permutation = tuple(have.index(a) for a in ordered)
            code = self.record.permute.format(code, permutation)
        if ordered == axes:
            return code
        return f"({code})[{', '.join(':' if a in have else 'None' for a in axes)}]"

    # --- printing --------------------------------------------------------------------------------------------

    def print(self, expr: sp.Expr) -> Printed:
        """expr as array code; its axes are its free indices."""
        if isinstance(expr, sp.Indexed):
            return self._indexed(expr)
        if isinstance(expr, sp.Sum):
            return self._reduction(expr, "sum")
        if isinstance(expr, sp.Product):
            return self._reduction(expr, "prod")
        if isinstance(expr, sp.KroneckerDelta):
            return self._delta(expr)
        leaves = self._leaves(expr)  # refuses an unevaluated derivative or an index used as a number
        if not leaves:
            self._known_symbols(expr)
            return Printed(print_array(expr, self.record.name, self._scalar_names()), ())
        printed = {leaf: self.print(leaf) for leaf in leaves}
        axes = self._sorted(a for p in printed.values() for a in p.axes)
        names, stand_ins = {}, {}
        for leaf, p in printed.items():
            symbol = sp.Symbol(next(self._names), real=True)
            stand_ins[leaf] = symbol
            names[symbol] = self.align(p, axes)
        body = expr.xreplace(stand_ins)
        self._known_symbols(body, set(stand_ins.values()))
        return Printed(print_array(body, self.record.name, {**self._scalar_names(), **names}), axes)

    def _scalar_names(self) -> dict[sp.Basic, str]:
        return {**{s: v for s, v in self.arrays.items() if isinstance(s, sp.Symbol)}, **self.sizes}

    def _known_symbols(self, expr: sp.Expr, extra: set = frozenset()) -> None:
        unknown = {
            s for s in expr.free_symbols if s not in self.arrays and s not in self.sizes and s not in extra
        }
        if unknown:
            raise UnprintableError(f"no value is given for {', '.join(sorted(map(str, unknown)))}")

    def _leaves(self, expr: sp.Expr) -> list[sp.Expr]:
        """The maximal subexpressions that carry axes: entries, sums, products, deltas."""
        found: list[sp.Expr] = []

        def walk(e: sp.Basic) -> None:
            if isinstance(e, (sp.Indexed, sp.Sum, sp.Product, sp.KroneckerDelta)):
                if e not in found:
                    found.append(e)
                return
            if isinstance(e, (sp.Derivative, sp.Integral, sp.MatrixExpr, sp.Subs)):
                raise UnprintableError(f"{type(e).__name__} {e} is not evaluated; evaluate it first")
            if e.is_Symbol and e in self.order:
                raise UnprintableError(f"the index {e} is used as a number; only as an array subscript")
            for a in e.args:
                walk(a)

        walk(expr)
        return found

    def _indexed(self, expr: sp.Indexed) -> Printed:
        if expr.base not in self.arrays:
            raise UnprintableError(f"no array is given for {expr.base}")
        indices = expr.indices
        if not all(isinstance(i, sp.Symbol) for i in indices):
            raise UnprintableError(
                f"{expr}: only plain index symbols are printed as subscripts, not {indices}"
            )
        if len(set(indices)) != len(indices):
            raise UnprintableError(f"{expr}: a repeated index (a diagonal) is not printed")
        self._sorted(indices)
        return Printed(self.arrays[expr.base], tuple(indices))

    def _size(self, low: sp.Expr, high: sp.Expr, what: sp.Expr) -> str:
        if low != 1 or high not in self.sizes:
            raise UnprintableError(
                f"{what}: only sums and products from 1 to a size are printed, not {low}..{high}"
            )
        return self.sizes[high]

    def _reduction(self, expr: sp.Sum | sp.Product, kind: str) -> Printed:
        """A Sum or Product: its first (innermost) limit over the summand, then each further limit over the
        result (SymPy merges Sum(Sum(f, a), b) into Sum(f, a, b), so the limits are taken one by one here)."""
        (index, low, high), *outer = expr.limits
        printed = self._reduce(expr.function, index, self._size(low, high, expr), kind)
        for index, low, high in outer:
            printed = self._reduce_printed(printed, index, self._size(low, high, expr), kind)
        return printed

    def _reduce(self, function: sp.Expr, index: sp.Symbol, size: str, kind: str) -> Printed:
        if kind == "sum" and index in function.free_symbols:
            self._sorted([index])
            contracted = self._einsum(function, index)
            if contracted is not None:
                return contracted
        return self._reduce_printed(self.print(function), index, size, kind)

    def _reduce_printed(self, body: Printed, index: sp.Symbol, size: str, kind: str) -> Printed:
        if index not in body.axes:  # a summand free of the index: size times it, or its power
            code = f"({size} * ({body.code}))" if kind == "sum" else f"(({body.code}) ** {size})"
            return Printed(code, body.axes)
        axis = body.axes.index(index)
        rest = tuple(a for a in body.axes if a != index)
        return Printed(f"({body.code}).{kind}({self.record.axis}={axis})", rest)

    def _einsum(self, function: sp.Expr, index: sp.Symbol) -> Printed | None:
        """sum_index of a product whose factors share `index` (at least two of them): one einsum, the factors
        without it outside. None where fewer than two factors use the index."""
        if not isinstance(function, sp.Mul):
            return None
        factors = function.args
        using = [f for f in factors if index in f.free_symbols]
        if len(using) < 2:
            return None
        printed = [self.print(f) for f in using]
        every = self._sorted(a for p in printed for a in p.axes)
        letters = dict(zip(every, string.ascii_letters, strict=False))
        if len(every) > len(string.ascii_letters):
            return None
        output = tuple(a for a in every if a != index)
        subscripts = ",".join("".join(letters[a] for a in p.axes) for p in printed)
        subscripts += "->" + "".join(letters[a] for a in output)
        operands = ", ".join(p.code for p in printed)
        contracted = Printed(self.record.einsum.format(f"'{subscripts}', {operands}"), output)
        rest = [f for f in factors if index not in f.free_symbols]
        if not rest:
            return contracted
        outside = self.print(sp.Mul(*rest))
        axes = self._sorted((*output, *outside.axes))
        return Printed(f"({self.align(outside, axes)}) * ({self.align(contracted, axes)})", axes)

    def _delta(self, expr: sp.KroneckerDelta) -> Printed:
        raise UnprintableError(
            f"the Kronecker delta {expr} is left after differentiation; it cannot be printed"
        )
