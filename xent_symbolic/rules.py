"""The rules: each small and named, computing a step's `after` from its `before`, with its relation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import ClassVar, final

import sympy as sp

from .assumptions import Assumptions
from .core import Relation, Step
from .errors import RuleError
from .latex_printer import latex
from .names import Phrase

__all__ = [
    "AddL2Penalty",
    "BernoulliTrial",
    "Claim",
    "CombineSums",
    "Distribute",
    "DropConstant",
    "Expand",
    "IndependentProduct",
    "LogOfExp",
    "LogOfPower",
    "LogOfProduct",
    "MonotoneMap",
    "Negate",
    "Rewrite",
    "Rule",
    "Scale",
    "Simplify",
    "SplitByLabel",
    "Substitute",
    "SumLinearity",
    "TakeLog",
    "WeightedMean",
]


class Rule(ABC):
    """A named rewrite with its relation; `step` applies it and records the result (the step keeps the rule).

    A rule's parameters are the attributes its `__init__` sets, once: two rules are equal when they are of the
    same class with equal parameters, so steps (frozen dataclasses holding their rule) compare by value.
    """

    name: ClassVar[str]
    relation: ClassVar[Relation]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), *(_hash_or_zero(v) for _, v in sorted(vars(self).items()))))

    def __repr__(self) -> str:
        parameters = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({parameters})"

    @abstractmethod
    def rewrite(self, expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
        """The expression after the rule; raises RuleError where the rule does not apply."""

    @abstractmethod
    def justification(self) -> str | Phrase:
        """One line saying why the step holds: plain text, or a Phrase that has its LaTeX form too."""

    def transform(self) -> sp.Lambda | None:
        """phi with after = phi(before), for rules that are not equalities."""
        return None

    def domain(self) -> sp.Set:
        """The set on which phi is strictly monotone."""
        return sp.S.Reals

    def step(self, expr: sp.Expr, assumptions: Assumptions) -> Step:
        after = self.rewrite(expr, assumptions)
        if after == expr:
            raise RuleError(f"rule {self.name!r} does not change {expr}; it does not apply here")
        text, latex = said(self.justification())
        return Step(
            self,
            expr,
            after,
            self.relation,
            text,
            self.transform(),
            self.domain(),
            justification_latex=latex,
        )


def said(justification: str | Phrase) -> tuple[str, str | None]:
    """A justification's plain text and its LaTeX (None for plain text: the renderers escape the text)."""
    if isinstance(justification, Phrase):
        return justification.text, justification.latex
    return justification, None


def _hash_or_zero(value: object) -> int:
    """hash(value), or 0 for an unhashable parameter (a mapping): equal rules still hash equally."""
    try:
        return hash(value)
    except TypeError:
        return 0


_T = sp.Dummy("t", real=True)


def _replace_until_fixed(expr: sp.Expr, query: Callable, value: Callable) -> sp.Expr:
    while True:
        new = expr.replace(query, value)
        if new == expr:
            return new
        expr = new


@final
class BernoulliTrial(Rule):
    """{p if y = 1; q if y = 0} -> p^y q^(1-y)   [equal for y in {0, 1}]"""

    name = "bernoulli-trial"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        if not isinstance(expr, sp.Piecewise) or len(expr.args) != 2:
            raise RuleError(
                f"rule {self.name!r} needs a two-case Piecewise {{p if y = 1; q if y = 0}}, not {expr}"
            )
        cases = {}
        for value, condition in expr.args:
            if not isinstance(condition, sp.Eq) or condition.rhs not in (0, 1):
                raise RuleError(
                    f"rule {self.name!r}: each case must read 'y = 1' or 'y = 0', not {condition}"
                )
            cases[int(condition.rhs)] = (value, condition.lhs)
        if set(cases) != {0, 1} or cases[0][1] != cases[1][1]:
            raise RuleError(f"rule {self.name!r} needs the cases y = 1 and y = 0 of one label y")
        (p, label), (q, _) = cases[1], cases[0]
        return p**label * q ** (1 - label)

    def justification(self):
        return Phrase(
            "one formula for both labels: p^y q^(1-y) is p when y = 1 and q when y = 0",
            r"one formula for both labels: $p^y q^{1-y}$ is $p$ when $y = 1$ and $q$ when $y = 0$",
        )


@final
class IndependentProduct(Rule):
    """f_i -> prod_{i=lo}^{hi} f_i   [defines the likelihood; assumes the examples independent]"""

    name = "independent-product"
    relation = Relation.DEFINES

    def __init__(self, index: sp.Symbol, low: sp.Expr, high: sp.Expr) -> None:
        self.index, self.low, self.high = index, sp.sympify(low), sp.sympify(high)

    def rewrite(self, expr, assumptions):
        if self.index not in expr.free_symbols:
            raise RuleError(f"rule {self.name!r}: {expr} does not depend on the example index {self.index}")
        return sp.Product(expr, (self.index, self.low, self.high))

    def transform(self):
        return sp.Lambda(_T, sp.Product(_T, (self.index, self.low, self.high)))

    def justification(self):
        return "independent examples: the joint probability is the product of the per-example probabilities"


@final
class TakeLog(Rule):
    """L -> log(L)   [needs L > 0; log is strictly increasing on (0, oo): keeps the argmax]"""

    name = "take-log"
    relation = Relation.INCREASING

    def rewrite(self, expr, assumptions):
        return sp.log(expr)

    def transform(self):
        return sp.Lambda(_T, sp.log(_T))

    def domain(self):
        return sp.Interval.open(0, sp.oo)

    def justification(self):
        return Phrase(
            "log is strictly increasing on (0, oo) and the likelihood is positive: the argmax is kept",
            r"$\log$ is strictly increasing on $(0, \infty)$ and the likelihood is positive: the argmax is kept",
        )


@final
class LogOfProduct(Rule):
    """log(prod_i f_i) -> sum_i log(f_i); log(a b) -> log(a) + log(b)   [equal when the factors are positive]"""

    name = "log-of-product"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def query(e):
            return isinstance(e, sp.log) and len(e.args) == 1 and isinstance(e.args[0], (sp.Product, sp.Mul))

        def value(e):
            (arg,) = e.args
            if isinstance(arg, sp.Product):
                return sp.Sum(sp.log(arg.function), *arg.limits)
            return sp.Add(*(sp.log(f) for f in arg.args))

        return _replace_until_fixed(expr, query, value)

    def justification(self):
        return Phrase(
            "product rule of the logarithm: log(a b) = log(a) + log(b) for positive a, b",
            r"product rule of the logarithm: $\log(ab) = \log a + \log b$ for positive $a, b$",
        )


@final
class LogOfPower(Rule):
    """log(a^k) -> k log(a)   [equal when a > 0 and k is real]"""

    name = "log-of-power"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return _replace_until_fixed(
            expr,
            lambda e: isinstance(e, sp.log) and len(e.args) == 1 and isinstance(e.args[0], sp.Pow),
            lambda e: e.args[0].exp * sp.log(e.args[0].base),
        )

    def justification(self):
        return Phrase(
            "power rule of the logarithm: log(a^k) = k log(a) for positive a",
            r"power rule of the logarithm: $\log(a^k) = k \log a$ for positive $a$",
        )


@final
class Negate(Rule):
    """f -> -f   [strictly decreasing: the argmax of f is the argmin of -f]"""

    name = "negate"
    relation = Relation.DECREASING

    def rewrite(self, expr, assumptions):
        return -expr

    def transform(self):
        return sp.Lambda(_T, -_T)

    def justification(self):
        return Phrase(
            "negation is strictly decreasing: maximising f is minimising -f",
            r"negation is strictly decreasing: maximising $f$ is minimising $-f$",
        )


@final
class Scale(Rule):
    """f -> c f   [c > 0 and free of the parameters: keeps the argmin and the argmax]"""

    name = "scale"
    relation = Relation.INCREASING

    def __init__(self, factor: sp.Expr) -> None:
        self.factor = sp.sympify(factor)
        if self.factor.is_number and not self.factor.is_positive:
            raise RuleError(
                f"rule 'scale': the factor must be positive, got {self.factor}; use 'negate' for a sign"
            )

    def rewrite(self, expr, assumptions):
        return self.factor * expr

    def transform(self):
        return sp.Lambda(_T, self.factor * _T)

    def justification(self):
        return Phrase(
            f"scaling by the positive constant {self.factor} keeps the argmin",
            f"scaling by the positive constant ${latex(self.factor)}$ keeps the argmin",
        )


@final
class MonotoneMap(Rule):
    """f -> phi(f)   [phi strictly monotone on a set containing the values of f]"""

    name = "monotone-map"

    def __init__(
        self, phi: sp.Lambda, domain: sp.Set, *, increasing: bool, justification: str | Phrase
    ) -> None:
        self.phi, self._domain, self._justification = phi, domain, justification
        self.relation = Relation.INCREASING if increasing else Relation.DECREASING

    def rewrite(self, expr, assumptions):
        return self.phi(expr)

    def transform(self):
        return self.phi

    def domain(self):
        return self._domain

    def justification(self):
        return self._justification


@final
class Rewrite(Rule):
    """f -> g(f) for a callable g that must give an equal expression   [equal; the checker proves it]"""

    relation = Relation.EQUAL

    def __init__(
        self, name: str, function: Callable[[sp.Expr], sp.Expr], justification: str | Phrase
    ) -> None:
        self.name, self.function, self._justification = name, function, justification

    def rewrite(self, expr, assumptions):
        return self.function(expr)

    def justification(self):
        return self._justification


@final
class Claim(Rule):
    """f -> g with g typed in: given, not computed   [the relation given explicitly; the checker decides it]

    For a result that no rule computes (a user's own step, a form read off a reference). The checker treats the
    step like any other of its relation: an equality must be proved, a monotone step needs its map phi.

    >>> from xent_symbolic.core import Relation
    >>> x = sp.Symbol("x", real=True)
    >>> Claim("my-form", x**2 - 1, Relation.EQUAL, "difference of squares").step((x - 1) * (x + 1), None).after
    x**2 - 1
    """

    def __init__(
        self,
        name: str,
        after: sp.Expr,
        relation: Relation,
        justification: str,
        *,
        transform: sp.Lambda | None = None,
        domain: sp.Set = sp.S.Reals,
    ) -> None:
        if not isinstance(relation, Relation):
            raise RuleError(f"claim {name!r}: relation must be a Relation, not {relation!r}")
        if not isinstance(after, sp.Basic):
            raise RuleError(f"claim {name!r}: after must be a SymPy expression, not {type(after).__name__}")
        self.name, self.after, self.relation = name, after, relation
        self._justification, self._transform, self._domain = justification, transform, domain

    def rewrite(self, expr, assumptions):
        return self.after

    def transform(self):
        return self._transform

    def domain(self):
        return self._domain

    def justification(self):
        return self._justification


@final
class Simplify(Rule):
    """f -> simplify(f)   [equal]"""

    name = "simplify"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return sp.simplify(expr)

    def justification(self):
        return "algebraic simplification"


@final
class Expand(Rule):
    """f -> expand(f)   [equal]"""

    name = "expand"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return sp.expand(expr)

    def justification(self):
        return "multiply out products and powers"


@final
class Substitute(Rule):
    """f -> f with each old replaced by new   [equal when old = new, e.g. by a declared definition]"""

    name = "substitute"
    relation = Relation.EQUAL

    def __init__(self, mapping: Mapping[sp.Basic, sp.Expr], justification: str | Phrase) -> None:
        self.mapping, self._justification = dict(mapping), justification

    def rewrite(self, expr, assumptions):
        return expr.xreplace(self.mapping)

    def justification(self):
        return self._justification


@final
class LogOfExp(Rule):
    """log(exp(x)) -> x   [equal for real x]"""

    name = "log-of-exp"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return _replace_until_fixed(
            expr,
            lambda e: isinstance(e, sp.log) and len(e.args) == 1 and isinstance(e.args[0], sp.exp),
            lambda e: e.args[0].args[0],
        )

    def justification(self):
        return Phrase(
            "log is the inverse of exp on the reals: log(exp(x)) = x",
            r"$\log$ is the inverse of $\exp$ on the reals: $\log e^x = x$",
        )


def _split_sum(s: sp.Sum) -> sp.Expr:
    """sum_i (c a_i + b_i + k) -> c sum_i a_i + sum_i b_i + (count) k for c, k free of i."""
    if len(s.limits) != 1:
        return s
    (index, low, high) = s.limits[0]
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(s.function, deep=False)):
        constant, varying = term.as_independent(index, as_Add=False)
        total += constant * ((high - low + 1) if varying == 1 else sp.Sum(varying, (index, low, high)))
    return total


@final
class SumLinearity(Rule):
    """sum_i (c a_i + b_i + k) -> c sum_i a_i + sum_i b_i + n k   [equal: the sum is linear]"""

    name = "sum-linearity"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return expr.replace(lambda e: isinstance(e, sp.Sum), _split_sum)

    def justification(self):
        return "a sum is linear: constants come out, a constant term is counted n times"


@final
class Distribute(Rule):
    """c (a + b) -> c a + c b at the top level   [equal]"""

    name = "distribute"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return sp.expand(expr, deep=False)

    def justification(self):
        return "multiply the outer factor into the sum of terms"


@final
class DropConstant(Rule):
    """f + c -> f for the terms c free of the parameters   [t -> t - c is increasing: keeps argmin and argmax]"""

    name = "drop-constant"
    relation = Relation.INCREASING

    @staticmethod
    def constant(expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
        """The top-level terms of `expr` that do not depend on the parameters (definitions expanded)."""
        return sp.Add(
            *(
                t
                for t in sp.Add.make_args(expr)
                if not _involves_parameters(assumptions.expand_definitions(t), assumptions)
            )
        )

    def rewrite(self, expr, assumptions):
        constant = self.constant(expr, assumptions)
        if constant == 0:
            raise RuleError(f"rule {self.name!r}: no term of {expr} is free of the parameters")
        return expr - constant

    def step(self, expr, assumptions):
        after = self.rewrite(expr, assumptions)
        constant = self.constant(expr, assumptions)
        justification = f"subtracting {constant}, which does not depend on the parameters, keeps the argmin"
        return Step(
            self,
            expr,
            after,
            self.relation,
            justification,
            sp.Lambda(_T, _T - constant),
            self.domain(),
            justification_latex=f"subtracting ${latex(constant)}$, which does not depend on the parameters, "
            "keeps the argmin",
        )

    def justification(self):
        return "subtracting a term that does not depend on the parameters keeps the argmin"


def _involves_parameters(expr: sp.Expr, assumptions: Assumptions) -> bool:
    return any(assumptions.is_parameter(a) for a in expr.atoms(sp.Indexed, sp.Symbol))


@final
class SplitByLabel(Rule):
    """f(y) -> y f(1) + (1 - y) f(0), each case factored   [equal for a label y in {0, 1}]"""

    name = "split-by-label"
    relation = Relation.EQUAL

    def __init__(self, label: sp.Basic) -> None:
        self.label = label

    def rewrite(self, expr, assumptions):
        if assumptions.domain_of(self.label) != sp.FiniteSet(0, 1):
            raise RuleError(f"rule {self.name!r}: {self.label} is not declared a label in {{0, 1}}")
        positive = sp.factor(sp.simplify(expr.xreplace({self.label: 1})))
        negative = sp.factor(sp.simplify(expr.xreplace({self.label: 0})))
        return self.label * positive + (1 - self.label) * negative

    def justification(self):
        y = latex(self.label)
        return Phrase(
            f"{self.label} is 0 or 1: write the value for {self.label} = 1 and for {self.label} = 0 separately",
            f"${y} \\in \\{{0, 1\\}}$: write the value for ${y} = 1$ and for ${y} = 0$ separately",
        )


@final
class CombineSums(Rule):
    """c sum_i a_i + c' sum_i b_i -> k sum_i (c a_i + c' b_i)/k, k the common factor   [equal: a sum is linear]"""

    name = "combine-sums"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        groups: dict[tuple, list[sp.Expr]] = {}
        rest = []
        for term in sp.Add.make_args(expr):
            coefficient, total = term.as_independent(sp.Sum, as_Add=False)
            if isinstance(total, sp.Sum) and not (coefficient.free_symbols & {v for v, *_ in total.limits}):
                groups.setdefault(total.limits, []).append(coefficient * total.function)
            else:
                rest.append(term)
        combined = []
        for limits, summands in groups.items():
            common, inner = sp.factor_terms(sp.Add(*summands)).as_independent(
                *(v for v, *_ in limits), as_Add=False
            )
            combined.append(common * sp.Sum(inner, *limits))
        return sp.Add(*rest, *combined)

    def justification(self):
        return "a sum is linear: sums over the same range combine into one, the common factor outside"


@final
class WeightedMean(Rule):
    """l_i -> (1/n) sum_{i=1}^{n} s_i l_i   [defines the sample-weighted objective; divides by n, not sum_i s_i]

    A new objective, not an equality: with s_i = 1 it is the plain mean, otherwise its optimum moves.
    """

    name = "weighted-mean"
    relation = Relation.DEFINES

    def __init__(self, weight: sp.IndexedBase, index: sp.Symbol, count: sp.Expr) -> None:
        self.weight, self.index, self.count = weight, index, sp.sympify(count)

    def rewrite(self, expr, assumptions):
        if self.index not in expr.free_symbols:
            raise RuleError(f"rule {self.name!r}: {expr} does not depend on the example index {self.index}")
        return sp.Sum(self.weight[self.index] * expr, (self.index, 1, self.count)) / self.count

    def transform(self):
        return sp.Lambda(_T, sp.Sum(self.weight[self.index] * _T, (self.index, 1, self.count)) / self.count)

    def justification(self):
        return Phrase(
            "a sample-weighted objective: example i counts s_i times (the sum is divided by n, as scikit-learn does)",
            r"a sample-weighted objective: example $i$ counts $s_i$ times (the sum is divided by $n$)",
        )


@final
class AddL2Penalty(Rule):
    """J -> J + (lambda/2) sum_{j=1}^{d} w_j^2   [defines a penalised objective; the bias is not penalised]

    A new objective, not an equality: for lambda > 0 its minimiser differs from J's.
    """

    name = "add-l2-penalty"
    relation = Relation.DEFINES

    def __init__(
        self, strength: sp.Symbol, weights: sp.IndexedBase, index: sp.Symbol, count: sp.Expr
    ) -> None:
        self.strength, self.weights, self.index, self.count = strength, weights, index, sp.sympify(count)

    def penalty(self) -> sp.Expr:
        """(lambda/2) sum_j w_j^2."""
        return self.strength / 2 * sp.Sum(self.weights[self.index] ** 2, (self.index, 1, self.count))

    def rewrite(self, expr, assumptions):
        if expr.has(self.strength):
            raise RuleError(f"rule {self.name!r}: {expr} already depends on {self.strength}")
        return expr + self.penalty()

    def transform(self):
        return sp.Lambda(_T, _T + self.penalty())

    def justification(self):
        return Phrase(
            "an L2-penalised objective: (lambda/2) ||w||^2 is added (the bias b is not penalised)",
            r"an $L_2$-penalised objective: $\frac{\lambda}{2} \lVert w \rVert^2$ is added "
            r"(the bias $b$ is not penalised)",
        )
