"""Symbolic proofs of identities under declared assumptions: sound log rules, sums merged by limits, case splits."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import cache
from itertools import product as cartesian

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from .assumptions import Assumptions
from .bounds import enclose, proves_positive
from .calculus import prepare
from .sums import substitute_free
from .timebox import BudgetExceeded, time_limit

__all__ = ["expand_log_soundly", "facts_of_set", "flatten_sums", "proves_zero"]

_MAX_CASES = 16
#: how often the rest of a sum split is split again to merge its sums into the groups
_MAX_REGROUP = 3


def expand_log_soundly(expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
    """Apply log(prod f) = sum log f, log(a b) = log a + log b, log(a^k) = k log a, log(exp(x)) = x,
    each only where its side condition (positive arguments, real exponents) is proved by interval bounds."""

    def positive(e: sp.Expr) -> bool:
        return proves_positive(e, assumptions)

    def rewrite(e: sp.Expr) -> sp.Expr:
        if not e.args:
            return e
        e = (
            e.func(*(rewrite(a) for a in e.args))
            if not isinstance(e, (sp.Sum, sp.Product))
            else _rewrite_inside(e, rewrite)
        )
        if not isinstance(e, sp.log) or len(e.args) != 1:
            return e
        (arg,) = e.args
        if isinstance(arg, sp.Product) and _proves_factor_positive(arg, assumptions):
            return rewrite(sp.Sum(sp.log(arg.function), *arg.limits))
        if isinstance(arg, sp.Mul) and all(positive(f) for f in arg.args):
            return sp.Add(*(rewrite(sp.log(f)) for f in arg.args))
        if isinstance(arg, sp.Pow) and positive(arg.base) and enclose(arg.exp, assumptions) is not None:
            return arg.exp * rewrite(sp.log(arg.base))
        if isinstance(arg, sp.exp) and enclose(arg.args[0], assumptions) is not None:
            return arg.args[0]
        return e

    return rewrite(expr)


def _rewrite_inside(e: sp.Expr, rewrite) -> sp.Expr:
    return e.func(rewrite(e.function), *e.limits)


def _karr_range(low: sp.Expr, high: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The ends of the integers a Sum/Product over (i, low, high) runs over, under SymPy's (Karr's) convention:
    low..high when high >= low - 1, else high + 1..low - 1 (sum_{i=a}^{b} f = -sum_{i=b+1}^{a-1} f). Limits not
    known to be ordered are not assumed ordered: the range then covers both cases."""
    return sp.Min(low, high + 1), sp.Max(high, low - 1)


def _proves_factor_positive(product: sp.Product, assumptions: Assumptions) -> bool:
    """Every factor of `product` positive: for the index over the integers the product runs over (_karr_range),
    so that log(prod f) = sum log f holds for reversed limits too (prod_{a}^{b} f = 1 / prod_{b+1}^{a-1} f)."""
    extra_ranges = tuple((i, *_karr_range(lo, hi)) for i, lo, hi in product.limits)
    scoped = replace(assumptions, indices=assumptions.indices + extra_ranges)
    return proves_positive(product.function, scoped)


@cache
def _canonical_index(depth: int) -> sp.Dummy:
    """The bound index of the sums compared at nesting `depth`: a Dummy, so no symbol of the expression (whatever
    its name) can be captured by it, and the same one at every call, so alpha-equivalent sums compare equal."""
    return sp.Dummy(f"k{depth}", integer=True)


@cache
def _canonical_bound_index(depth: int, position: int) -> sp.Dummy:
    """The `position`-th bound index of a Sum/Product at nesting `depth` in `_canonical_bound` (a Dummy, cached)."""
    return sp.Dummy(f"b{depth}_{position}", integer=True)


def _distribute(expr: sp.Expr) -> sp.Expr:
    """Products multiplied out over sums of terms at the top level only (never inside a Sum or a function)."""
    while True:
        new = sp.Add(*(sp.expand(t, deep=False) for t in sp.Add.make_args(sp.expand(expr, deep=False))))
        if new == expr:
            return new
        expr = new


def _split_sums(expr: sp.Expr, depth: int) -> tuple[sp.Expr, dict[tuple, sp.Expr]]:
    """expr = rest + sum over groups of Sum(summand, limits): terms c*Sum(f, L) with c free of L's index are
    gathered into one summand per range L, the bound index renamed canonically.

    Sound for any limits, ordered or not: a Sum under Karr's convention is linear in its summand
    (c sum_L f + sum_L g = sum_L (c f + g) for c free of the index), whatever the order of L's ends. The canonical
    index is a Dummy, so it cannot capture a symbol of `expr`; a coefficient that mentions the sum's own index
    stays outside (in `rest`)."""
    groups: dict[tuple, sp.Expr] = {}
    rest = sp.S.Zero
    index = _canonical_index(depth)
    for term in sp.Add.make_args(_distribute(expr)):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            rest += term
            continue
        (s,) = sums
        (var, low, high) = s.limits[-1]  # the outermost limit (SymPy merges nested sums into one)
        inner = sp.Sum(s.function, *s.limits[:-1]) if len(s.limits) > 1 else s.function
        coefficient = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not s))
        if var in coefficient.free_symbols or index in coefficient.free_symbols:
            rest += term
            continue
        key = (low, high)
        groups[key] = groups.get(key, sp.S.Zero) + coefficient * inner.xreplace({var: index})
    return rest, groups


def _finite_atoms(expr: sp.Expr, assumptions: Assumptions) -> list[sp.Basic]:
    """Atoms with a finite domain that may be split into cases: none whose index is bound by a Sum/Product
    (substituting y[i] inside a sum over i would only test the cases where all y_i are equal)."""
    bound = {var for e in expr.atoms(sp.Sum, sp.Product) for var, *_ in e.limits}
    atoms = expr.atoms(sp.Indexed) | {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return sorted(
        (
            a
            for a in atoms
            if isinstance(assumptions.domain_of(a), sp.FiniteSet) and not (a.free_symbols & bound)
        ),
        key=sp.default_sort_key,
    )


def _with_assumed_dummies(expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
    """Indexed atoms as Dummies that carry what the bounds prove (real, positive) so simplify can use it."""
    replacement = {}
    for atom in expr.atoms(sp.Indexed):
        bound = enclose(atom, assumptions)
        if bound is None:
            continue
        replacement[atom] = sp.Dummy(str(atom), real=True, positive=True if bound.is_positive() else None)
    return expr.xreplace(replacement)


def _plain_zero(expr: sp.Expr, assumptions: Assumptions, deadline: float) -> bool:
    """Zero test of an expression without sums: cheap normal forms first, then simplify within the budget."""
    attempts = (
        sp.expand,
        lambda e: sp.cancel(sp.expand(e)),
        lambda e: sp.simplify(_with_assumed_dummies(e, assumptions)),
        lambda e: sp.simplify(_with_assumed_dummies(e.rewrite(sp.exp), assumptions)),
    )
    for attempt in attempts:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            with time_limit(remaining):
                if attempt(expr) == 0:
                    return True
        except BudgetExceeded:
            return False
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            continue
    return False


def _zero(expr: sp.Expr, assumptions: Assumptions, deadline: float, depth: int) -> bool:
    """Whether `expr` is 0 for every admissible value, by these rules (True only when they prove it):

    - finite case split: an atom with a finite domain (a label y in {0, 1}, none bound by a sum) is replaced by
      each of its values in turn; every case must be 0 (at most 4 atoms);
    - sign split: a real Symbol of unknown sign inside Abs/Max/Min is t, -t (t > 0) or 0, each case 0;
    - sums: grouped by their limits (_split_sums); a term constant in the index gives (high - low + 1) c, true
      under Karr's convention for any order of the ends; each group's summand must be 0 for every index in the
      integers the sum runs over (_karr_range: low..high, or high + 1..low - 1 when reversed, both when unknown);
    - what is left: sums done by doit() only when that removes them, else _plain_zero within the deadline."""
    if expr == 0:
        return True
    finite = _finite_atoms(expr, assumptions)
    if finite and len(finite) <= 4:
        values = [sorted(assumptions.domain_of(a)) for a in finite]
        return all(
            _zero(expr.xreplace(dict(zip(finite, case, strict=False))), assumptions, deadline, depth)
            for case in cartesian(*values)
        )
    signed = _sign_split_symbols(expr)
    if signed:
        return all(_zero(expr.xreplace(case), assumptions, deadline, depth) for case in _sign_cases(signed))
    expr = _write_out_short_sums(expr)
    rest, groups = _split_sums(expr, depth)
    index = _canonical_index(depth)
    for key, summand in list(groups.items()):
        # sum_{k=a}^{b} (f_k + c) = sum_k f_k + (b - a + 1) c, for any bounds under Karr's convention
        constant, varying = _distribute(summand).as_independent(index, as_Add=True)
        low, high = key
        rest += (high - low + 1) * constant
        groups[key] = varying
    rest = _distribute(rest)
    # a constant term may itself be a sum over a group's range (d * (-sum_j w_j / d**2) next to sum_i w_i / d):
    # split the rest again and merge, by the same linearity, until no term of the rest joins a group
    for _ in range(_MAX_REGROUP):
        more_rest, more = _split_sums(rest, depth)
        joining = {key: summand for key, summand in more.items() if key in groups}
        if not joining:
            break
        for key, summand in joining.items():
            constant, varying = _distribute(summand).as_independent(index, as_Add=True)
            groups[key] += varying
            more_rest += (key[1] - key[0] + 1) * constant
        for key, summand in more.items():
            if key not in joining:
                more_rest += sp.Sum(summand, (index, *key))
        rest = _distribute(more_rest)
    for (low, high), summand in groups.items():
        # the summand is 0 wherever the sum runs (under Karr's convention, maybe high + 1..low - 1)
        inner = replace(assumptions, indices=(*assumptions.indices, (index, *_karr_range(low, high))))
        if not _zero(summand, inner, deadline, depth + 1):
            return False
    if rest == 0:
        return True
    if rest.has(sp.Sum, sp.Product):
        done = _abstract_function_arguments(rest.doit())
        return _plain_zero(done, assumptions, deadline) if not done.has(sp.Sum, sp.Product) else False
    return _plain_zero(rest, assumptions, deadline)


def _canonical_bound(e: sp.Expr) -> sp.Expr:
    """A Sum/Product with its bound indices renamed by nesting depth, so alpha-equivalent ones are equal."""

    def rename(node, depth):
        if isinstance(node, (sp.Sum, sp.Product)):
            mapping = {var: _canonical_bound_index(depth, k) for k, (var, *_) in enumerate(node.limits)}
            limits = [(mapping[var], low, high) for var, low, high in node.limits]
            return node.func(rename(node.function.xreplace(mapping), depth + 1), *limits)
        if not node.args:
            return node
        return node.func(*(rename(a, depth) for a in node.args))

    return rename(e, 0)


def _abstract_function_arguments(expr: sp.Expr) -> sp.Expr:
    """Each Sum/Product left over (inside a function such as sigma or exp, or a denominator) replaced by a
    Dummy, equal ones (up to renaming their bound indices) by the same: sound, since an identity that holds for
    an arbitrary (real, where the sum is real) number holds in particular at the value of the sum."""
    dummies: dict[sp.Expr, sp.Dummy] = {}

    def inside(node):
        if isinstance(node, (sp.Sum, sp.Product)):
            key = _canonical_bound(node)
            return dummies.setdefault(key, sp.Dummy("s", real=True) if node.is_real else sp.Dummy("s"))
        if not node.args:
            return node
        return node.func(*(inside(a) for a in node.args))

    return inside(expr)


_MAX_SIGN_SPLIT = 2


def _sign_split_symbols(expr: sp.Expr) -> list[sp.Symbol]:
    """Real Symbols that occur inside Abs, Max or Min (at most two; none bound by a Sum/Product)."""
    bound = {var for e in expr.atoms(sp.Sum, sp.Product) for var, *_ in e.limits}
    found = set()
    for node in expr.atoms(sp.Abs, sp.Max, sp.Min):
        found |= {
            s
            for s in node.free_symbols
            if isinstance(s, sp.Symbol)
            and s.is_real
            and not s.is_integer
            and s not in bound
            and _sign_unknown(s)
        }
    found = sorted(found, key=sp.default_sort_key)
    return found if len(found) <= _MAX_SIGN_SPLIT else []


def _sign_unknown(symbol: sp.Symbol) -> bool:
    """A symbol of known sign needs no split (and the positive Dummy a split introduces is never split again)."""
    return symbol.is_positive is None and symbol.is_negative is None and symbol.is_zero is None


def _sign_cases(symbols: list[sp.Symbol]):
    """Every real x is t, -t (t > 0) or 0: the cases that settle Abs(x), Max(x, 0), Min(x, 0) (sound and complete)."""
    choices = []
    for s in symbols:
        t = sp.Dummy(f"{s}_abs", positive=True)
        choices.append((t, -t, sp.S.Zero))
    for values in cartesian(*choices):
        yield dict(zip(symbols, values, strict=False))


def _shift_out_of_log_sum_exp(expr: sp.Expr) -> sp.Expr:
    """log(Sum(exp(a_j + c), j)) -> c + log(Sum(exp(a_j), j)) for terms c free of j: sound, since
    sum_j exp(a_j + c) = exp(c) sum_j exp(a_j) and the sum of exponentials is positive (c real)."""

    def query(e):
        if not (isinstance(e, sp.log) and isinstance(e.args[0], sp.Sum) and len(e.args[0].limits) == 1):
            return False
        total = e.args[0]
        (var, *_), body = total.limits[0], total.function
        if not isinstance(body, sp.exp):
            return False
        shift = [t for t in sp.Add.make_args(body.args[0]) if var not in t.free_symbols]
        return bool(shift) and all(t.is_real for t in shift)

    def value(e):
        total = e.args[0]
        (var, *_), body = total.limits[0], total.function
        terms = sp.Add.make_args(body.args[0])
        shift = sp.Add(*(t for t in terms if var not in t.free_symbols))
        rest = sp.Add(*(t for t in terms if var in t.free_symbols))
        return shift + sp.log(sp.Sum(sp.exp(rest), *total.limits))

    return expr.replace(query, value)


def _write_out_short_sums(expr: sp.Expr) -> sp.Expr:
    """Sums whose outermost limit has numeric ends low <= high and at most _MAX_CASES terms, written out term by
    term (the index replaced in its free occurrences only: an inner sum that binds the same name keeps its own)."""

    def short(e):
        if not isinstance(e, sp.Sum):
            return False
        _, low, high = e.limits[-1]
        return low.is_Integer and high.is_Integer and 0 <= high - low < _MAX_CASES

    def write_out(e):
        var, low, high = e.limits[-1]
        inner = sp.Sum(e.function, *e.limits[:-1]) if len(e.limits) > 1 else e.function
        return sp.Add(*(substitute_free(inner, var, sp.Integer(v)) for v in range(int(low), int(high) + 1)))

    if not expr.has(sp.Sum):
        return expr
    new = expr.replace(short, write_out)
    return expr if new == expr else sp.expand_mul(new)


_MAX_POWER = 4
_MAX_TERMS = 64


def _fresh(s: sp.Sum) -> sp.Sum:
    """`s` with its bound indices renamed to new Dummies (alpha-equivalent: no capture is possible)."""
    mapping = {var: sp.Dummy(str(var), integer=True) for var, *_ in s.limits}
    limits = [(mapping[var], low.xreplace(mapping), high.xreplace(mapping)) for var, low, high in s.limits]
    return sp.Sum(s.function.xreplace(mapping), *limits)


def _has_nested_sums(expr: sp.Expr) -> bool:
    """Whether a Sum is a factor or a power of a product with another Sum, or a term or factor inside a Sum's
    summand (not looking inside functions such as sigma or log)."""

    def algebraic_sums(e: sp.Expr) -> int:
        if isinstance(e, sp.Sum):
            return 1
        if isinstance(e, (sp.Add, sp.Mul, sp.Pow)):
            return sum(algebraic_sums(a) for a in e.args)
        return 0

    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Sum) and algebraic_sums(node.function):
            return True
        if isinstance(node, sp.Mul) and sum(isinstance(f, sp.Sum) for f in node.args) > 1:
            return True
        if (
            isinstance(node, sp.Pow)
            and isinstance(node.base, sp.Sum)
            and node.exp.is_Integer
            and node.exp > 1
        ):
            return True
    return False


def _merge(factors: tuple[sp.Expr, ...]) -> sp.Expr:
    """prod_a f_a * prod_b Sum(g_b, L_b) = Sum(prod_a f_a prod_b g_b, L_1, ..., L_m): finite sums are linear,
    also under Karr's convention (a reversed sum is minus a sum over a finite set, and the signs multiply as the
    nested sums' do), and after renaming every bound index afresh (Dummies) no factor or limit mentions another
    sum's index; each sum's own limits keep their order, so a limit that depends on an outer index of the same
    sum still sees it."""
    sums = [_fresh(f) for f in factors if isinstance(f, sp.Sum)]
    others = [f for f in factors if not isinstance(f, sp.Sum)]
    if not sums:
        return sp.Mul(*factors)
    return sp.Sum(sp.Mul(*others, *(s.function for s in sums)), *(limit for s in sums for limit in s.limits))


def _sorted_limits(s: sp.Sum) -> sp.Sum:
    """The limits ordered by their ranges when the indices are distinct and no bound depends on one of them
    (exchanging finite sums, each a signed sum over a finite set, even under Karr's convention)."""
    bound = {var for var, *_ in s.limits}
    if len(bound) < len(s.limits):  # an index bound twice: the inner one shadows the outer, order matters
        return s
    if any((low.free_symbols | high.free_symbols) & bound for _, low, high in s.limits):
        return s
    limits = sorted(s.limits, key=lambda limit: sp.default_sort_key(sp.Tuple(limit[1], limit[2])))
    return sp.Sum(s.function, *limits)


class _TooLarge(Exception):
    pass


def _nest(term: sp.Expr, limits: tuple) -> sp.Expr:
    """Sum(term, *limits) with a summand that is itself a Sum merged into one Sum (its indices renamed afresh,
    so none shadows an outer one)."""
    if not isinstance(term, sp.Sum):
        return sp.Sum(term, *limits)
    inner = _fresh(term)
    return sp.Sum(inner.function, *inner.limits, *limits)


def _flat(e: sp.Expr) -> sp.Expr:
    if isinstance(e, sp.Add):
        return sp.Add(*(_flat(a) for a in e.args))
    if isinstance(e, sp.Pow) and isinstance(e.base, sp.Sum) and e.exp.is_Integer and 1 < e.exp <= _MAX_POWER:
        return _flat(sp.Mul(*(_fresh(e.base) for _ in range(int(e.exp))), evaluate=False))
    if isinstance(e, sp.Mul):
        choices = [sp.Add.make_args(_flat(f)) for f in e.args]
        if sp.prod(len(c) for c in choices) > _MAX_TERMS:
            raise _TooLarge
        return sp.Add(*(_merge(combo) for combo in cartesian(*choices)))
    if isinstance(e, sp.Sum):
        return sp.Add(*(_nest(t, e.limits) for t in sp.Add.make_args(_flat(e.function))))
    return e


def flatten_sums(expr: sp.Expr) -> sp.Expr:
    """`expr` as a sum of terms each a single (multi-limit) Sum of a product or free of sums at the algebraic
    level: products and powers of sums multiplied out, nested sums merged, independent limits sorted."""
    try:
        flat = _flat(expr)
    except _TooLarge:
        return expr
    return sp.Add(*(_sorted_limits(t) if isinstance(t, sp.Sum) else t for t in sp.Add.make_args(flat)))


def _is_true(relation) -> bool:
    return sp.sympify(relation) is sp.true


def facts_of_set(domain: sp.Set) -> dict[str, bool]:
    """The SymPy assumptions a set of values implies, and no more: real; integer, positive, nonnegative, negative,
    nonpositive only where the set shows it (an end SymPy cannot order implies nothing)."""
    facts = {"real": True}
    if domain.is_subset(sp.S.Integers) is True:
        facts["integer"] = True
    inf, sup = domain.inf, domain.sup
    if _is_true(inf > 0) or (inf == 0 and _is_true(domain.contains(0) == sp.false)):
        facts["positive"] = True
    elif _is_true(inf >= 0):
        facts["nonnegative"] = True
    if _is_true(sup < 0) or (sup == 0 and _is_true(domain.contains(0) == sp.false)):
        facts["negative"] = True
    elif _is_true(sup <= 0):
        facts["nonpositive"] = True
    return facts


def implied_assumptions(atom: sp.Basic, assumptions: Assumptions) -> dict[str, bool]:
    """The SymPy assumptions the declared domain of a Symbol or IndexedBase implies; a free index with a range
    (k, 1, d) is an integer with the sign of its lower end."""
    if isinstance(atom, sp.Symbol) and assumptions.index_range(atom) is not None:
        low, _ = assumptions.index_range(atom)
        facts = {"integer": True}
        low_bound = enclose(low, assumptions)
        if low_bound is not None and low_bound.is_positive():
            facts["positive"] = True
        elif low_bound is not None and low_bound.is_nonnegative():
            facts["nonnegative"] = True
        return facts
    return facts_of_set(assumptions.domain_of(atom))


_FACTS = ("real", "integer", "positive", "nonnegative", "negative", "nonpositive")


def stronger_assumptions(expr: sp.Expr, assumptions: Assumptions) -> dict[sp.Basic, tuple[str, ...]]:
    """The free Symbols and IndexedBases of `expr` whose SymPy assumptions claim more than their declared domain
    implies (e.g. positive, declared over R), each with what it claims beyond."""
    found = {}
    atoms = {a for a in sp.sympify(expr).free_symbols if isinstance(a, sp.Symbol)}
    atoms |= sp.sympify(expr).atoms(sp.IndexedBase)
    labels = {b.label for b in atoms if isinstance(b, sp.IndexedBase)}
    for atom in atoms - labels:
        implied = sp.Dummy(**{"real": True, **implied_assumptions(atom, assumptions)})
        extra = tuple(f for f in _FACTS if getattr(atom, f"is_{f}") and not getattr(implied, f"is_{f}"))
        if extra:
            found[atom] = extra
    return dict(sorted(found.items(), key=lambda item: sp.default_sort_key(item[0])))


def governed_by_domains(expr: sp.Expr, assumptions: Assumptions) -> tuple[sp.Expr, Assumptions]:
    """`expr` and `assumptions` with every Symbol and IndexedBase rebuilt so that its SymPy assumptions are exactly
    what its declared domain implies (Assumptions.domain_of: undeclared ones get the checker's default).

    A symbol made `positive=True` but declared over R would otherwise let simplify prove log(x^2) = 2 log(x),
    false at x = -1: the declared domain governs. A symbol bound by a Sum or Product anywhere is rebuilt as an
    integer only (its limits, not its assumptions, say which values it takes). Weaker assumptions can only make
    fewer rewrites apply, so this is sound; it cannot undo what SymPy evaluated when `expr` was built."""
    expr = sp.sympify(expr)
    parts = [expr, *(v for _, v in assumptions.definitions), *(d for d, _ in assumptions.definitions)]
    parts += [a for a, _ in assumptions.domains] + list(assumptions.parameters)
    parts += [sp.Tuple(*limit) for limit in assumptions.indices]
    bound = {var for part in parts for e in part.atoms(sp.Sum, sp.Product) for var, *_ in e.limits}
    mapping: dict[sp.Basic, sp.Basic] = {}
    for part in parts:
        for base in part.atoms(sp.IndexedBase):
            if base not in mapping:
                facts = implied_assumptions(base, assumptions)
                mapping[base] = sp.IndexedBase(base.label.name, *base.args[1:], **facts)
        for symbol in part.atoms(sp.Symbol):
            if symbol in mapping:
                continue
            facts = {"integer": True} if symbol in bound else facts_of_set(assumptions.domain_of(symbol))
            rebuilt = (
                sp.Dummy(symbol.name, **facts)
                if isinstance(symbol, sp.Dummy)
                else sp.Symbol(symbol.name, **facts)
            )
            mapping[symbol] = rebuilt
    mapping = {old: new for old, new in mapping.items() if old != new}
    if not mapping:
        return expr, assumptions
    governed = Assumptions(
        tuple((atom.xreplace(mapping), domain) for atom, domain in assumptions.domains),
        tuple(p.xreplace(mapping) for p in assumptions.parameters),
        tuple(tuple(sp.sympify(e).xreplace(mapping) for e in limit) for limit in assumptions.indices),
        tuple((d.xreplace(mapping), v.xreplace(mapping)) for d, v in assumptions.definitions),
        assumptions.statements,
    )
    return expr.xreplace(mapping), governed


def proves_zero(expr: sp.Expr, assumptions: Assumptions, budget: float) -> bool:
    """True only if `expr` is proved to be 0 for every admissible value; False means 'not proved'.

    The symbols' SymPy assumptions are first made exactly what their declared domains imply
    (governed_by_domains). Nested sums, products and squares of sums are first tried in a flat normal form
    (flatten_sums), where exchanged sums and a multiplied-out square compare summand by summand."""
    deadline = time.monotonic() + budget
    expr, assumptions = governed_by_domains(expr, assumptions)
    expr = prepare(expr, assumptions)
    # log1p(x) and expm1(x) are log(1 + x) and exp(x) - 1 exactly, where each is defined: prove in those
    expr = expr.replace(log1p, lambda a: sp.log(1 + a)).replace(expm1, lambda a: sp.exp(a) - 1)
    expr = expand_log_soundly(expr, assumptions)
    expr = _shift_out_of_log_sum_exp(expr)
    try:
        if _has_nested_sums(expr) and _zero(flatten_sums(expr), assumptions, deadline, 0):
            return True
        return _zero(expr, assumptions, deadline, 0)
    except BudgetExceeded:
        return False
