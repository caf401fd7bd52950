"""Declared assumptions: the set of values of every symbol, the parameters, index ranges and definitions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy as sp

from .errors import StepError
from .names import Name

__all__ = ["BINARY", "POSITIVE_INTEGERS", "UNIT_INTERVAL", "Assumptions"]

#: the labels of a binary problem
BINARY = sp.FiniteSet(0, 1)
#: a probability strictly between 0 and 1
UNIT_INTERVAL = sp.Interval.open(0, 1)
#: sizes: n, d, K
POSITIVE_INTEGERS = sp.S.Naturals


@dataclass(frozen=True)
class Assumptions:
    """What a derivation may assume. Atoms are Symbols or IndexedBases (every element then has the domain).

    `parameters` are the atoms the optimisation varies (the argmax is over them, directly or through a model);
    `indices` give the range of free index symbols, e.g. (i, 1, n); `definitions` give auxiliary quantities
    (z[i] = sum_j X[i, j] w[j] + b) that the checker may expand.
    """

    domains: tuple[tuple[sp.Basic, sp.Set], ...] = ()
    parameters: tuple[sp.Basic, ...] = ()
    indices: tuple[tuple[sp.Symbol, sp.Expr, sp.Expr], ...] = ()
    definitions: tuple[tuple[sp.Basic, sp.Expr], ...] = ()
    statements: tuple[Name, ...] = field(default=())

    def __post_init__(self) -> None:
        # index limits as SymPy numbers: a Python int (indices=((i, 1, n),)) has no .is_number
        object.__setattr__(
            self,
            "indices",
            tuple((index, sp.sympify(low), sp.sympify(high)) for index, low, high in self.indices),
        )
        atoms = [atom for atom, _ in self.domains]
        if len(set(atoms)) != len(atoms):
            raise StepError("assumptions: an atom is given two domains")
        for atom, domain in self.domains:
            if not isinstance(atom, (sp.Symbol, sp.IndexedBase)):
                raise StepError(f"assumptions: {atom} is neither a Symbol nor an IndexedBase")
            if not isinstance(domain, sp.Set) or not domain.is_subset(sp.S.Reals):
                raise StepError(
                    f"assumptions: the domain of {atom} must be a set of real numbers, not {domain}"
                )
        cycle = _definition_cycle(self.definitions)
        if cycle:
            raise StepError(
                f"assumptions: the definitions are cyclic ({' -> '.join(str(k) for k in cycle)}); "
                "define every quantity in terms of ones that do not refer back to it"
            )

    def domain_of(self, atom: sp.Basic) -> sp.Set:
        """The declared set of values of a Symbol, IndexedBase or Indexed element (default: the reals)."""
        key = atom.base if isinstance(atom, sp.Indexed) else atom
        for known, domain in self.domains:
            if known == key:
                return domain
        for index, low, high in self.indices:
            if index == key:
                return sp.Range(low, high + 1) if low.is_number and high.is_number else sp.S.Integers
        if isinstance(key, sp.Symbol) and key.is_integer and key.is_positive:
            return POSITIVE_INTEGERS
        return sp.S.Reals

    def is_parameter(self, atom: sp.Basic) -> bool:
        key = atom.base if isinstance(atom, sp.Indexed) else atom
        return key in self.parameters

    def sizes(self) -> tuple[sp.Symbol, ...]:
        """The symbols declared as positive integers (n, d, K), in declaration order, then those an index range
        uses that are positive integers by their SymPy assumptions (indices=((i, 1, n),) with n undeclared)."""
        sizes = [a for a, d in self.domains if isinstance(a, sp.Symbol) and d == POSITIVE_INTEGERS]
        with_domains = {atom for atom, _ in self.domains}
        for _, low, high in self.indices:
            for symbol in sorted(sp.Tuple(low, high).free_symbols, key=str):
                if (
                    symbol not in sizes
                    and symbol not in with_domains
                    and symbol.is_integer
                    and symbol.is_positive
                ):
                    sizes.append(symbol)
        return tuple(sizes)

    def index_range(self, index: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
        for known, low, high in self.indices:
            if known == index:
                return low, high
        return None

    def expand_definitions(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with every defined quantity replaced by its definition (indices matched by pattern), repeated
        until no defined quantity is left: the result does not depend on the order the definitions are given in
        (they are acyclic, checked when the assumptions are made)."""
        for _ in range(len(self.definitions) + 1):
            new = self._expand_once(expr)
            if new == expr:
                return new
            expr = new
        raise StepError(  # unreachable for acyclic definitions: each pass removes one layer
            f"assumptions: expanding the definitions of {expr} does not reach a fixed point"
        )

    def _expand_once(self, expr: sp.Expr) -> sp.Expr:
        for defined, value in self.definitions:
            if isinstance(defined, sp.Indexed):
                pattern_indices = defined.indices

                def _replace(element, pattern_indices=pattern_indices, value=value):
                    return value.xreplace(dict(zip(pattern_indices, element.indices, strict=False)))

                expr = expr.replace(
                    lambda e, defined=defined: isinstance(e, sp.Indexed) and e.base == defined.base, _replace
                )
            else:
                expr = expr.xreplace({defined: value})
        return expr

    def dependents(self, atom: sp.Basic) -> tuple[tuple[sp.Basic, sp.Expr], ...]:
        """The definitions whose value refers to `atom` (a Symbol, IndexedBase or Indexed), directly or through
        other definitions, in declaration order."""
        found = {_key(atom)}
        while True:
            more = {_key(d) for d, value in self.definitions if _refers_to(value, found)} - found
            if not more:
                break
            found |= more
        return tuple((d, v) for d, v in self.definitions if _key(d) in found and _key(d) != _key(atom))

    def with_domain(self, atom: sp.Basic, domain: sp.Set) -> Assumptions:
        rest = tuple((a, d) for a, d in self.domains if a != atom)
        return replace(self, domains=(*rest, (atom, domain)))


def _key(atom: sp.Basic) -> sp.Basic:
    return atom.base if isinstance(atom, sp.Indexed) else atom


def _refers_to(value: sp.Expr, keys: set) -> bool:
    return any(value.has(k) for k in keys)


def _definition_cycle(definitions) -> tuple[sp.Basic, ...]:
    """A cycle of defined quantities each referring to the next (empty when the definitions are acyclic)."""
    keys = [_key(d) for d, _ in definitions]
    refers = {_key(d): [k for k in keys if value.has(k)] for d, value in definitions}
    state: dict[sp.Basic, int] = {}  # 1 on the current path, 2 done
    path: list[sp.Basic] = []

    def visit(key) -> tuple[sp.Basic, ...]:
        state[key] = 1
        path.append(key)
        for other in refers.get(key, ()):
            if state.get(other) == 1:
                return (*path[path.index(other) :], other)
            if other not in state:
                found = visit(other)
                if found:
                    return found
        path.pop()
        state[key] = 2
        return ()

    for key in keys:
        if key not in state:
            found = visit(key)
            if found:
                return found
    return ()
