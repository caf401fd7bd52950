"""Array formulas in NumPy spelling (X.T @ (sigmoid(X @ w) - y) / n), lowered to index form for the checker.

A formula is parsed by the same ast whitelist walk as a scalar one (parse.py: no eval, no sympify) and every
value it builds is a `Tensor`: a shape (sizes: positive-integer Symbols or integers) and the entry at free index
symbols, a scalar SymPy expression over IndexedBase elements and sums from 1 to a size (the engine's index form,
so a proof about it holds for every size). Shapes are checked as NumPy does; a mismatch is a ParseError naming the
operation and the two shapes.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import count

import sympy as sp

from .assumptions import POSITIVE_INTEGERS, Assumptions
from .errors import InputError, ParseError
from .parse import _Builder, _check_name, _checked_value, _prepare_tree, _quote, parse_domain
from .primitives import FORMULA_FUNCTIONS
from .prove import facts_of_set, proves_zero
from .timebox import BudgetExceeded, time_limit

__all__ = [
    "ArrayNames",
    "ArrayProblem",
    "Tensor",
    "array_problem",
    "free_names",
    "parse_array_formula",
    "parse_shape",
    "readable",
]

Shape = tuple[sp.Expr, ...]

_ELEMENTWISE = frozenset(FORMULA_FUNCTIONS) | {"sqrt", "maximum", "minimum"}
#: reductions over one axis or all of them; softmax keeps the shape
_REDUCTIONS = ("sum", "mean", "prod", "logsumexp", "softmax")
_ALLOWED = ", ".join(sorted(_ELEMENTWISE | set(_REDUCTIONS)))
_ARRAY_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_fresh = count()


def _index(size: sp.Expr) -> sp.Dummy:
    """A new index symbol for an axis of `size` (a Dummy: it can capture no name of a formula)."""
    return sp.Dummy(f"i{next(_fresh)}", integer=True, positive=True)


_READABLE_BOUND = ("i", "j", "m", "p", "q", "r", "s", "t", "u", "v")


def readable(expr: sp.Expr, free: Mapping[sp.Symbol, sp.Symbol] | None = None) -> sp.Expr:
    """`expr` with the bound index of every sum and product its own short name (i, j, m, ... then i1, i2, ...),
    none used elsewhere in it, outermost first, and the free symbols in `free` renamed: what a person reads."""
    free = dict(free or {})
    taken = {s.name for s in expr.free_symbols if not isinstance(s, sp.Dummy)} | {
        b.label.name for b in expr.atoms(sp.IndexedBase)
    }
    taken |= {s.name for s in free.values()}
    names = (
        n for n in itertools.chain(_READABLE_BOUND, (f"i{k}" for k in itertools.count(1))) if n not in taken
    )

    def rename(node):
        if isinstance(node, (sp.Sum, sp.Product)):
            mapping = {var: sp.Symbol(next(names), integer=True) for var, *_ in node.limits}
            limits = [(mapping[var], low, high) for var, low, high in node.limits]
            return node.func(rename(node.function.xreplace(mapping)), *limits)
        if not node.args:
            return node
        return node.func(*(rename(a) for a in node.args))

    return rename(expr).xreplace(free)


def free_names(expr: sp.Expr) -> set[str]:
    """The names a formula's value uses: its Symbols (not the Dummies of its indices) and its arrays."""
    names = {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)}
    return names | {b.label.name for b in expr.atoms(sp.IndexedBase)}


def show_shape(shape: Shape) -> str:
    """(n, d), (d,) or () as NumPy prints shapes."""
    inner = ", ".join(map(str, shape))
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


@dataclass(frozen=True)
class Tensor:
    """An array value: `shape`, and `body`, its entry at the free `indices` (1-based, one per axis)."""

    shape: Shape
    body: sp.Expr
    indices: tuple[sp.Symbol, ...] = ()

    @classmethod
    def scalar(cls, value: sp.Expr) -> Tensor:
        return cls((), sp.sympify(value), ())

    @classmethod
    def build(cls, shape: Shape, entry: Callable[..., sp.Expr]) -> Tensor:
        indices = tuple(_index(size) for size in shape)
        return cls(tuple(shape), entry(*indices), indices)

    def at(self, *where: sp.Expr) -> sp.Expr:
        """The entry at index expressions `where` (one per axis)."""
        return self.body.xreplace(dict(zip(self.indices, where, strict=True)))

    def map(self, function: Callable[[sp.Expr], sp.Expr]) -> Tensor:
        return Tensor(self.shape, function(self.body), self.indices)


@dataclass(frozen=True)
class ArrayNames:
    """What the names of a formula stand for: arrays (IndexedBase and shape), sizes, scalars (Symbols)."""

    arrays: Mapping[str, tuple[sp.IndexedBase, Shape]]
    sizes: Mapping[str, sp.Symbol]
    scalars: Mapping[str, sp.Symbol]

    def lookup(self, name: str) -> Tensor | None:
        if name in self.arrays:
            base, shape = self.arrays[name]
            if not shape:
                return Tensor.scalar(base)
            return Tensor.build(shape, lambda *ix: base[ix])
        if name in self.sizes:
            return Tensor.scalar(self.sizes[name])
        if name in self.scalars:
            return Tensor.scalar(self.scalars[name])
        return None


def parse_shape(text: str) -> tuple[str, tuple[str | int, ...]]:
    """'X:n,d' -> ('X', ('n', 'd')); sizes are names or positive integers ('w:3')."""
    usage = "write NAME:DIMS with comma-separated sizes, e.g. 'X:n,d' or 'w:3'"
    if not isinstance(text, str) or len(text) > 200:
        raise ParseError(f"shape must be text of at most 200 characters; {usage}")
    name, colon, dims = text.partition(":")
    if not colon:
        raise ParseError(f"shape {_quote(text)} has no ':'; {usage}")
    name = _check_name(name, "shape name")
    sizes: list[str | int] = []
    for piece in dims.split(","):
        part = piece.strip()
        if not part:
            raise ParseError(f"shape {_quote(text)} has an empty size; {usage}")
        if part.isdigit():
            if not 1 <= int(part) <= 10**6:
                raise ParseError(f"size {part} in shape {_quote(text)} must be between 1 and 10^6")
            sizes.append(int(part))
        else:
            sizes.append(_check_name(part, "size name"))
    if len(sizes) > 2:
        raise ParseError(
            f"shape {_quote(text)} has {len(sizes)} axes; arrays have at most 2 (vectors, matrices)"
        )
    return name, tuple(sizes)


def _broadcast(a: Tensor, b: Tensor, what: str) -> Shape:
    """NumPy's broadcast of two shapes (trailing axes aligned; equal sizes or a literal 1), or ParseError."""
    result = []
    for k in range(1, max(len(a.shape), len(b.shape)) + 1):
        x = a.shape[-k] if k <= len(a.shape) else sp.S.One
        y = b.shape[-k] if k <= len(b.shape) else sp.S.One
        if x != y and sp.S.One not in (x, y):
            raise ParseError(
                f"shape mismatch in {what}: {show_shape(a.shape)} and {show_shape(b.shape)} do not broadcast"
            )
        result.append(y if x == sp.S.One else x)
    return tuple(reversed(result))


def _broadcast_entry(t: Tensor, shape: Shape, indices: tuple[sp.Symbol, ...]) -> sp.Expr:
    """The entry of `t` at `indices` of the broadcast `shape`."""
    offset = len(shape) - len(t.shape)
    where = [
        sp.S.One if size == 1 and shape[offset + k] != 1 else indices[offset + k]
        for k, size in enumerate(t.shape)
    ]
    return t.at(*where)


def elementwise(function: Callable[..., sp.Expr], *operands: Tensor, what: str) -> Tensor:
    """function applied entry by entry to broadcast operands."""
    shape: Shape = ()
    for operand in operands:
        shape = _broadcast(Tensor(shape, sp.S.Zero), operand, what)
    return Tensor.build(shape, lambda *ix: function(*(_broadcast_entry(t, shape, ix) for t in operands)))


def matmul(a: Tensor, b: Tensor, what: str) -> Tensor:
    """a @ b for vectors and matrices, as NumPy: (m,k)@(k,p), (m,k)@(k,), (k,)@(k,p), (k,)@(k,)."""
    if not a.shape or not b.shape:
        raise ParseError(
            f"{what}: '@' needs arrays, got shapes {show_shape(a.shape)} and {show_shape(b.shape)}; use * for scalars"
        )
    inner_a, inner_b = a.shape[-1], b.shape[0]
    if inner_a != inner_b:
        raise ParseError(
            f"shape mismatch in {what}: {show_shape(a.shape)} @ {show_shape(b.shape)} "
            f"(inner sizes {inner_a} and {inner_b} differ)"
        )
    shape = (*a.shape[:-1], *b.shape[1:])
    s = _index(inner_a)

    def entry(*ix):
        left = a.at(*ix[: len(a.shape) - 1], s)
        right = b.at(s, *ix[len(a.shape) - 1 :])
        return sp.Sum(left * right, (s, 1, inner_a))

    return Tensor.build(shape, entry)


def transpose(a: Tensor) -> Tensor:
    if len(a.shape) < 2:
        return a  # as NumPy: a vector's .T is the vector
    return Tensor.build(tuple(reversed(a.shape)), lambda i, j: a.at(j, i))


def reduce(name: str, a: Tensor, axis: int | None, what: str) -> Tensor:
    """sum, mean, prod, logsumexp over `axis` (all axes when None); softmax normalised over it."""
    axes = tuple(range(len(a.shape))) if axis is None else (axis,)
    if axis is not None and not -len(a.shape) <= axis < len(a.shape):
        raise ParseError(f"{what}: axis {axis} is out of range for shape {show_shape(a.shape)}")
    axes = tuple(x % len(a.shape) for x in axes) if a.shape else ()
    kept = tuple(size for k, size in enumerate(a.shape) if k not in axes)

    def over(term: Callable[..., sp.Expr], free: tuple, kind=sp.Sum) -> sp.Expr:
        bound = [_index(a.shape[k]) for k in axes]
        where, free_iter, bound_iter = [], iter(free), iter(bound)
        for k in range(len(a.shape)):
            where.append(next(bound_iter) if k in axes else next(free_iter))
        value = term(*where)
        if not bound:
            return value
        return kind(value, *((ix, 1, a.shape[k]) for ix, k in zip(bound, axes, strict=True)))

    count_ = sp.Mul(*(a.shape[k] for k in axes))
    if name == "softmax":

        def entry(*ix):
            others = tuple(ix[k] for k in range(len(ix)) if k not in axes)
            return sp.exp(a.at(*ix)) / over(lambda *w: sp.exp(a.at(*w)), others)

        return Tensor.build(a.shape, entry) if a.shape else Tensor.scalar(sp.S.One)
    if name == "sum":
        return Tensor.build(kept, lambda *ix: over(a.at, ix))
    if name == "mean":
        return Tensor.build(kept, lambda *ix: over(a.at, ix) / count_)
    if name == "prod":
        return Tensor.build(kept, lambda *ix: over(a.at, ix, sp.Product))
    if name == "logsumexp":
        return Tensor.build(kept, lambda *ix: sp.log(over(lambda *w: sp.exp(a.at(*w)), ix)))
    raise AssertionError(name)


class _ArrayBuilder:
    """One walk over a parsed array formula; scalar pieces (numbers, powers, limits) go through parse's _Builder."""

    def __init__(self, scalar: _Builder, names: ArrayNames) -> None:
        self.scalar, self.names = scalar, names

    def fail(self, node: ast.AST, what: str, fix: str = "") -> ParseError:
        return self.scalar.fail(node, what, fix)

    def what(self, node: ast.AST) -> str:
        return f"{self.scalar.source(node)} {self.scalar.where(node)}"

    def build(self, node: ast.AST, depth: int = 0) -> Tensor:
        if depth > self.scalar.max_depth:
            raise self.fail(
                node, f"formula nests more than {self.scalar.max_depth} levels deep", "simplify it"
            )
        if isinstance(node, ast.Constant):
            return Tensor.scalar(self.scalar.constant(node))
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Attribute):
            if node.attr != "T" or not isinstance(node.ctx, ast.Load):
                raise self.fail(node, f"attribute {node.attr!r} is not allowed", "only .T (transpose) is")
            return transpose(self.build(node.value, depth + 1))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand = self.build(node.operand, depth + 1)
            return operand.map(lambda e: -e) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _ARRAY_OPS:
            return self.binary(node, depth)
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            self.scalar.build(node)  # the scalar walk words the refusal (^, %, //, ...)
        raise self.fail(
            node,
            f"{self.scalar.source(node)} is not allowed in an array formula",
            f"use numbers, names, + - * / ** @ .T and calls of {_ALLOWED}",
        )

    def name(self, node: ast.Name) -> Tensor:
        if node.id in _ELEMENTWISE or node.id in _REDUCTIONS:
            raise self.fail(node, f"{node.id!r} is a function", f"call it as {node.id}(x)")
        found = self.names.lookup(node.id)
        if found is not None:
            return found
        return Tensor.scalar(self.scalar.name(node))

    def binary(self, node: ast.BinOp, depth: int) -> Tensor:
        """a + b - c ...: the left spine walked in a loop, so long sums cost no depth."""
        spine = []
        while (
            isinstance(node, ast.BinOp) and type(node.op) in _ARRAY_OPS and not isinstance(node.op, ast.Pow)
        ):
            spine.append(node)
            node = node.left
        result = self.build(node, depth + 1) if spine else None
        if not spine:  # a power
            return self.power(node, depth)
        for whole in reversed(spine):
            right = self.build(whole.right, depth + 1)
            result = self.combine(whole, result, right)
        return result

    def power(self, node: ast.BinOp, depth: int) -> Tensor:
        base, exponent = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
        return elementwise(
            lambda b, e: self.scalar.real(node, self.scalar.power(node, b, e)),
            base,
            exponent,
            what=f"'**' ({self.what(node)})",
        )

    def combine(self, node: ast.BinOp, left: Tensor, right: Tensor) -> Tensor:
        op = _ARRAY_OPS[type(node.op)]
        what = f"{op!r} ({self.what(node)})"
        if op == "@":
            return matmul(left, right, what)
        function = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
        }[op]
        return elementwise(function, left, right, what=what)

    def axis(self, call: ast.Call, name: str, given: list[ast.AST]) -> int | None:
        if not given:
            return None
        (node,) = given
        value = node
        sign = 1
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
            sign, value = -1, value.operand
        if isinstance(value, ast.Constant) and value.value is None:
            return None
        if not (isinstance(value, ast.Constant) and type(value.value) is int and value.value < 8):
            raise self.fail(
                node, f"axis of {name} must be a small integer such as 0 or 1", f"write {name}(A, axis=1)"
            )
        return sign * value.value

    def call(self, node: ast.Call, depth: int) -> Tensor:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node,
                f"call of {self.scalar.source(node.func)} is not allowed",
                f"call one of {_ALLOWED} by name",
            )
        name = node.func.id
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(
                    arg, f"starred argument {self.scalar.source(arg)} is not allowed", "pass the value"
                )
        if name in _REDUCTIONS:
            keywords = {k.arg: k.value for k in node.keywords}
            if set(keywords) - {"axis"} or None in keywords:
                raise self.fail(
                    node, f"{name} takes only the keyword axis=", f"write {name}(A) or {name}(A, axis=1)"
                )
            if len(node.args) + len(keywords) not in (1, 2) or not node.args:
                raise self.fail(
                    node, f"{name} takes an array and an optional axis", f"write {name}(A, axis=1)"
                )
            axis = self.axis(node, name, [*node.args[1:], *keywords.values()])
            return reduce(name, self.build(node.args[0], depth + 1), axis, f"{name} ({self.what(node)})")
        if node.keywords:
            raise self.fail(
                node, f"keyword arguments are not allowed in {name}(...)", "pass arguments by position"
            )
        if name in ("maximum", "minimum"):
            if len(node.args) != 2:
                raise self.fail(
                    node, f"{name} takes 2 arguments, got {len(node.args)},", f"write {name}(a, b)"
                )
            a, b = (self.build(arg, depth + 1) for arg in node.args)
            return elementwise(
                sp.Max if name == "maximum" else sp.Min, a, b, what=f"{name} ({self.what(node)})"
            )
        if name not in _ELEMENTWISE:
            if name.startswith("_") or "__" in name:
                self.scalar.name(node.func)  # refused there, naming the dunder
            raise self.fail(node, f"unknown function {name!r} in formula", f"allowed: {_ALLOWED}")
        # an elementwise primitive: the scalar walk checks its arguments and builds each entry
        self.scalar.check_arguments(node)
        operands = [self.build(arg, depth + 1) for arg in node.args]
        return elementwise(
            lambda *values: self.scalar.function(node, list(values)),
            *operands,
            what=f"{name} ({self.what(node)})",
        )


def parse_array_formula(
    text: str,
    names: ArrayNames,
    *,
    symbols: Mapping[str, sp.Symbol] | None = None,
    max_length: int = 2000,
    max_depth: int = 40,
) -> Tensor:
    """Parse an array formula such as 'mean(softplus(X @ w) - y * (X @ w))' into a Tensor in index form.

    `names` says which names are arrays (with their IndexedBase and shape), sizes and scalars; any other name is
    a real scalar Symbol. Raises ParseError, one line, for anything outside the notation or a shape mismatch.
    """
    tree, body, lead = _prepare_tree(text, max_length, max_depth)
    scalar = _Builder(
        body, lead, {**(symbols or {}), **names.scalars, **names.sizes}, {"pi": sp.pi, "E": sp.E}, max_depth
    )
    value = _ArrayBuilder(scalar, names).build(tree.body)
    _checked_value(text, value.body)
    return value


# ---------------------------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class ArrayProblem:
    """What the names stand for and what may be assumed: arrays, sizes, scalars, domains, row constraints."""

    names: ArrayNames
    domains: tuple[tuple[sp.Basic, sp.Set], ...]
    definitions: tuple[tuple[sp.Indexed, sp.Expr], ...]
    rows: Mapping[str, str]  # array name -> 'onehot' | 'simplex'
    hidden: Mapping[sp.IndexedBase, str]  # the auxiliary arrays a row domain is built from -> its array

    def assumptions(self, indices: tuple = ()) -> Assumptions:
        """What numeric evidence samples: a row domain through its definition (one-hot rows by class labels,
        simplex rows by positive weights)."""
        return Assumptions(domains=self.domains, indices=indices, definitions=self.definitions)

    def proof_assumptions(self, indices: tuple = ()) -> Assumptions:
        """What a proof assumes: as `assumptions`, but a simplex matrix is its own entries in [0, 1], whose row
        sums `row_sums` replaces by 1 (the weights it is sampled through would only hide that)."""
        simplex = {self.names.arrays[name][0] for name, kind in self.rows.items() if kind == "simplex"}
        definitions = tuple((d, v) for d, v in self.definitions if d.base not in simplex)
        hidden = {label for label, name in self.hidden.items() if self.rows[name] == "simplex"}
        domains = tuple((a, d) for a, d in self.domains if a not in hidden)
        domains += tuple((base, sp.Interval(0, 1)) for base in simplex)
        return Assumptions(domains=domains, indices=indices, definitions=definitions)

    def proves_zero(self, difference: sp.Expr, indices: tuple, budget: float) -> bool:
        """Whether `difference` (index form, free `indices`) is proved 0 for all sizes and admissible values:
        prove.proves_zero under the proof assumptions, row sums replaced, within a hard limit of `budget` s."""
        try:
            with time_limit(budget):
                return proves_zero(self.row_sums(difference), self.proof_assumptions(indices), budget)
        except BudgetExceeded:
            return False

    def row_sums(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with every sum over a whole row of a one-hot or simplex matrix, sum_c Y[i, c] g (g free of c),
        replaced by g: the rows sum to 1. Only a Sum of one limit that runs over exactly the columns (1..K)."""
        rows = {self.names.arrays[name][0]: self.names.arrays[name][1][1] for name in self.rows}
        if not rows:
            return expr

        def rewrite(node: sp.Expr) -> sp.Expr:
            if not node.args:
                return node
            node = node.func(*(rewrite(a) for a in node.args))
            if not isinstance(node, sp.Sum) or len(node.limits) != 1:
                return node
            ((c, low, high),) = node.limits
            factors = sp.Mul.make_args(node.function)
            for k, f in enumerate(factors):
                if (
                    isinstance(f, sp.Indexed)
                    and f.base in rows
                    and low == 1
                    and high == rows[f.base]
                    and f.indices[1] == c
                    and c not in f.indices[0].free_symbols
                ):
                    rest = sp.Mul(*factors[:k], *factors[k + 1 :])
                    if c not in rest.free_symbols:
                        return rest
            return node

        return rewrite(expr)

    def shape_of(self, name: str) -> tuple[sp.Expr, ...] | None:
        if name in self.names.arrays:
            return self.names.arrays[name][1]
        if name in self.names.scalars:
            return ()
        return None


def shape_pairs(shapes: Mapping | Iterable[str]) -> list[tuple[str, tuple[str | int, ...]]]:
    if isinstance(shapes, str):
        shapes = [shapes]
    if isinstance(shapes, Mapping):
        pairs = []
        for name, dims in shapes.items():
            text = dims if isinstance(dims, str) else ",".join(map(str, dims))
            pairs.append(parse_shape(f"{name}:{text}"))
        return pairs
    pairs = []
    for item in shapes:
        if not isinstance(item, str):
            raise InputError(f"shapes: expected text 'NAME:DIMS', not {type(item).__name__}")
        pairs.append(parse_shape(item))
    return pairs


def domain_pairs(domains: Mapping | Iterable[str] | None) -> list[tuple[str, sp.Set | str]]:
    if domains is None:
        return []
    if isinstance(domains, str):
        domains = [domains]
    if isinstance(domains, Mapping):
        pairs = []
        for key, value in domains.items():
            name = key.name if isinstance(key, sp.Symbol) else key
            if isinstance(value, str):
                pairs.append(parse_domain(f"{name}:{value}"))
            elif isinstance(value, sp.Set) and value.is_subset(sp.S.Reals) is True:
                pairs.append((name, value))
            else:
                raise InputError(
                    f"domains: the domain of {name!r} must be a set of reals or text, not {value!r}"
                )
        return pairs
    return [parse_domain(item) if isinstance(item, str) else _bad_domain(item) for item in domains]


def _bad_domain(item: object):
    raise InputError(f"domains: expected text 'NAME:SET', not {type(item).__name__}")


def array_problem(shapes: Mapping | Iterable[str], domains: Mapping | Iterable[str] | None) -> ArrayProblem:
    """The names, domains and definitions of `shapes` ('X:n,d', ...) and `domains` ('y:{0,1}', 'Y:onehot')."""
    pairs = shape_pairs(shapes)
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            raise InputError(f"the shape of {name!r} is given twice; give each array one shape")
        seen.add(name)
    size_names = list(dict.fromkeys(d for _, dims in pairs for d in dims if isinstance(d, str)))
    clash = sorted(set(size_names) & seen)
    if clash:
        raise InputError(f"{clash[0]!r} is both an array and a size; use another name for one of them")
    sizes = {
        name: sp.Symbol(name, integer=True, positive=True) for name in size_names
    }  # in declaration order
    arrays = {
        name: (
            sp.IndexedBase(name, real=True),
            tuple(sizes[d] if isinstance(d, str) else sp.Integer(d) for d in dims),
        )
        for name, dims in pairs
    }
    domain_list: list[tuple[sp.Basic, sp.Set]] = [(s, POSITIVE_INTEGERS) for s in sizes.values()]
    scalars: dict[str, sp.Symbol] = {}
    definitions, rows, hidden = [], {}, {}
    given: set[str] = set()
    for name, domain in domain_pairs(domains):
        if name in given:
            raise InputError(f"domain of {name!r} is given twice; give each name one domain")
        given.add(name)
        if name in sizes:
            raise InputError(f"{name!r} is a size (a positive integer); it takes no domain")
        if isinstance(domain, str):
            if name not in arrays or len(arrays[name][1]) != 2:
                raise InputError(
                    f"domain {domain} of {name!r} is for the rows of a matrix; declare it 2-D, e.g. --shape {name}:n,K"
                )
            base, (_, columns) = arrays[name]
            row, col, other = (sp.Symbol(f"r{k}", integer=True, positive=True) for k in range(3))
            rows[name] = domain
            if domain == "onehot":  # Y[i, c] = [c = t_i], t_i in 1..K: every one-hot matrix, and only those
                label = sp.IndexedBase(f"_{name}_class", integer=True)
                domain_list.append((label, sp.Range(1, columns + 1)))
                definitions.append((base[row, col], sp.KroneckerDelta(col, label[row])))
            else:  # Y[i, c] = V[i, c] / sum_m V[i, m], V > 0: every row of the open simplex
                label = sp.IndexedBase(f"_{name}_weight", real=True)
                domain_list.append((label, sp.Interval.open(0, sp.oo)))
                definitions.append(
                    (base[row, col], label[row, col] / sp.Sum(label[row, other], (other, 1, columns)))
                )
            hidden[label] = name
            continue
        if name in arrays:
            domain_list.append((arrays[name][0], domain))
        else:
            symbol = sp.Symbol(name, **facts_of_set(domain))
            scalars[name] = symbol
            domain_list.append((symbol, domain))
    names = ArrayNames(arrays, sizes, scalars)
    return ArrayProblem(names, tuple(domain_list), tuple(definitions), rows, hidden)
