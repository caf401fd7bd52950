"""Array counterexamples: a problem's arrays at concrete sizes, every entry, and the gradient entry that differs
most; what verify-grad reports for a refuted array claim and what the diagnosis evaluates candidate fixes on."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

from .arrays import ArrayProblem, Tensor
from .calculus import prepare
from .sums import write_out_sums

__all__ = ["ConcreteArrays", "Counterexample", "Target"]

#: digits at which the arrays of a counterexample are evaluated for the report and the diagnosis
REPORT_DPS = 40


@dataclass(frozen=True)
class Target:
    """One variable to differentiate by: its name, shape, free indices and the entry d loss / d entry."""

    name: str
    shape: tuple[sp.Expr, ...]
    indices: tuple[sp.Symbol, ...]
    entry: sp.Basic  # W[k, l], w[k] or the scalar Symbol


def _index_tuples(shape: tuple[int, ...]):
    return itertools.product(*(range(1, s + 1) for s in shape))


@dataclass
class Counterexample:
    """The arrays of a counterexample (every entry), and the gradient entry where claim and truth differ most."""

    sizes: dict[str, int]
    values: dict[sp.Basic, sp.Rational]  # every sampled atom (Indexed entries, scalars) -> its exact value
    arrays: dict[str, object]  # name -> nested lists of decimal strings (NumPy order) or a decimal string
    entry: tuple[int, ...]  # 0-based, as NumPy
    claimed: str
    true: str

    @staticmethod
    def at(problem, loss, target, tensor, truth, failure: Mapping[str, str]) -> Counterexample:
        sizes = {name: int(failure[name]) for name in problem.names.sizes if name in failure}
        concrete = ConcreteArrays(problem, sizes)
        values = concrete.values(failure, [loss.body, truth, tensor.body])
        arrays = concrete.arrays(values)
        claimed, true, entry = concrete.worst(tensor, truth, target, values)
        return Counterexample(sizes, values, arrays, entry, claimed, true)

    def flat(self) -> dict[str, object]:
        return {**{k: str(v) for k, v in self.sizes.items()}, **self.arrays}


class ConcreteArrays:
    """Expressions of the problem at concrete sizes: sums written out, definitions expanded, values substituted."""

    def __init__(self, problem: ArrayProblem, sizes: Mapping[str, int]) -> None:
        self.problem = problem
        self.sizes = {problem.names.sizes[name]: sp.Integer(v) for name, v in sizes.items()}
        self.assumptions = problem.assumptions()
        self._expanded: dict[sp.Expr, sp.Expr] = {}

    def shape(self, shape) -> tuple[int, ...]:
        return tuple(int(sp.sympify(s).xreplace(self.sizes)) for s in shape)

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with the definitions expanded and every sum written out (free indices may stay symbols)."""
        if expr not in self._expanded:
            concrete = prepare(expr, self.assumptions, indirect=False).xreplace(self.sizes)
            self._expanded[expr] = write_out_sums(concrete).doit()
        return self._expanded[expr]

    def values(self, failure: Mapping[str, str], exprs: Sequence[sp.Expr]) -> dict[sp.Basic, sp.Rational]:
        """Every atom the problem's arrays and scalars have at these sizes, with the failure's value (0 if the
        failure did not need it: nothing it reports depends on it)."""
        atoms: dict[str, sp.Basic] = {}
        for name, (base, shape) in self.problem.names.arrays.items():
            if name in self.problem.rows:
                continue
            for ix in _index_tuples(self.shape(shape)):
                atoms[str(base[ix])] = base[ix]
        for label, name in self.problem.hidden.items():
            shape = self.shape(self.problem.names.arrays[name][1])
            for ix in _index_tuples(shape if self.problem.rows[name] == "simplex" else shape[:1]):
                atoms[str(label[ix])] = label[ix]
        for e in exprs:
            for s in e.free_symbols:
                if (
                    isinstance(s, sp.Symbol)
                    and not isinstance(s, sp.Dummy)
                    and s not in self.sizes
                    and s.name not in self.problem.names.sizes
                ):
                    if not s.is_integer:
                        atoms.setdefault(s.name, s)
        default = {label: sp.Integer(1) for label in self.problem.hidden}
        values = {}
        for text, atom in atoms.items():
            fallback = default.get(atom.base, sp.S.Zero) if isinstance(atom, sp.Indexed) else sp.S.Zero
            values[atom] = sp.Rational(failure[text]) if text in failure else fallback
        return values

    def number(self, expr: sp.Expr, values) -> sp.Expr:
        return sp.N(self.expand(expr).xreplace(values), REPORT_DPS)

    def arrays(self, values) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, (base, shape) in self.problem.names.arrays.items():
            dims = self.shape(shape)
            entries = {ix: self.number(base[ix], values) for ix in _index_tuples(dims)}
            out[name] = _nested(dims, lambda ix, entries=entries: _decimal(entries[ix]))
        for name, symbol in self.problem.names.scalars.items():
            if symbol in values:
                out[name] = _decimal(sp.N(values[symbol], REPORT_DPS))
        for atom, value in values.items():
            if isinstance(atom, sp.Symbol) and atom.name not in out:
                out[atom.name] = _decimal(sp.N(value, REPORT_DPS))
        return out

    def entries(
        self, expr: sp.Expr, indices: Sequence[sp.Symbol], shape, values, only: tuple[int, ...] | None = None
    ) -> dict[tuple[int, ...], sp.Expr]:
        """The value of `expr` at every entry (1-based index tuples) of `shape` for its free `indices`, or at the
        entry `only`: written out once, then each entry substituted."""
        expanded = self.expand(expr)
        wanted = [only] if only is not None else _index_tuples(self.shape(shape))
        return {
            ix: sp.N(
                expanded.xreplace(dict(zip(indices, map(sp.Integer, ix), strict=True))).xreplace(values),
                REPORT_DPS,
            )
            for ix in wanted
        }

    def worst(self, tensor: Tensor, truth: sp.Expr, target: Target, values):
        claimed = self.entries(tensor.body, tensor.indices, target.shape, values)
        true = self.entries(truth, target.indices, target.shape, values)
        entry = max(claimed, key=lambda ix: _relative_gap(claimed[ix], true[ix]))
        return _decimal(claimed[entry]), _decimal(true[entry]), tuple(k - 1 for k in entry)


def _relative_gap(a: sp.Expr, b: sp.Expr) -> float:
    if not (a.is_real and b.is_real):
        return float("inf")
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else float(abs(a - b) / scale)


def _decimal(value: sp.Expr) -> str:
    if not value.is_real:
        return "no real value"
    with mpmath.workdps(REPORT_DPS):  # never the process's precision: the digits must not depend on it
        number = mpmath.mpf(str(sp.Float(value, REPORT_DPS)))
        if mpmath.isint(number) and abs(number) < 10**15:  # labels, one-hot entries: 1, not 1.0
            return str(int(number))
        return mpmath.nstr(number, 17)


def _nested(dims: tuple[int, ...], value) -> object:
    if not dims:
        return value(())
    if len(dims) == 1:
        return [value((i,)) for i in range(1, dims[0] + 1)]
    return [[value((i, j)) for j in range(1, dims[1] + 1)] for i in range(1, dims[0] + 1)]
