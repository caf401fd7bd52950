"""The stability rewrites as named rules, written once: softplus and sigmoid forms, overflow-free forms, shifts."""

from __future__ import annotations

from typing import final

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from .assumptions import BINARY
from .core import Derivation, Relation
from .errors import RuleError
from .functions import sigmoid, softplus
from .names import Phrase
from .primitives import stable_sigmoid, stable_softplus
from .rules import Rule

__all__ = [
    "OVERFLOW_FREE",
    "STABLE_PASS",
    "Differentiate",
    "Expm1Form",
    "LabelComplement",
    "Log1pForm",
    "Log1pOfLogSumExp",
    "LogSigmoidToSoftplus",
    "LogSoftmax",
    "OverflowFreeSigmoid",
    "OverflowFreeSoftplus",
    "PrimitiveForms",
    "ShiftLogSumExp",
    "ShiftedLogits",
    "SigmoidComplement",
    "SignFlip",
    "SoftplusForm",
    "before_overflow_free",
    "stable_sigmoid",
    "stable_softplus",
]


@final
class LogSigmoidToSoftplus(Rule):
    """log(sigma(x)) -> -softplus(-x), log(1 - sigma(x)) -> -softplus(x)   [equal for real x]"""

    name = "log-sigmoid-to-softplus"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        # log(1 - sigma(x)) first: it contains sigma(x), which the second replacement would otherwise catch
        expr = expr.replace(
            lambda e: isinstance(e, sp.log) and (1 - e.args[0]).func is sigmoid,
            lambda e: -softplus((1 - e.args[0]).args[0]),
        )
        return expr.replace(
            lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sigmoid),
            lambda e: -softplus(-e.args[0].args[0]),
        )

    def justification(self):
        return Phrase(
            "log sigma(z) = -softplus(-z) and log(1 - sigma(z)) = log sigma(-z) = -softplus(z)",
            r"$\log \sigma(z) = -\operatorname{softplus}(-z)$ and "
            r"$\log(1 - \sigma(z)) = \log \sigma(-z) = -\operatorname{softplus}(z)$",
        )


@final
class SigmoidComplement(Rule):
    """c sigma(x) - c -> -c sigma(-x), c - c sigma(x) -> c sigma(-x) inside every sum, innermost first
    [equal: 1 - sigma(x) = sigma(-x)]"""

    name = "sigmoid-complement"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def visit(e: sp.Expr) -> sp.Expr:
            if not e.args:
                return e
            e = e.func(*(visit(a) for a in e.args))
            if not isinstance(e, sp.Add):
                return e
            terms = list(e.args)
            for t in terms:
                for factor in sp.Mul.make_args(t):
                    if not isinstance(factor, sigmoid):
                        continue
                    rest = t / factor
                    if -rest in terms and not rest.has(factor):
                        others = [u for u in terms if u is not t]
                        others.remove(-rest)
                        return visit(sp.Add(*others, -rest * sigmoid(-factor.args[0])))
            return e

        return visit(expr)

    def justification(self):
        return Phrase(
            "1 - sigma(x) = sigma(-x): no difference of close numbers where sigma(x) is near 1",
            r"$1 - \sigma(x) = \sigma(-x)$: no difference of close numbers where $\sigma(x)$ is near 1",
        )


def _candidates(expr: sp.Expr) -> set[sp.Expr]:
    """The arguments x an overflow-free form of sigma(x) or softplus(x) in `expr` can have: the x of each
    max(x, 0) and of each Piecewise's first condition x >= 0 (or its negation, for x <= 0)."""
    found: set[sp.Expr] = set()
    for e in sp.preorder_traversal(expr):
        if isinstance(e, sp.Max) and len(e.args) == 2 and sp.S.Zero in e.args:
            found.add(next(a for a in e.args if a != 0))
        elif isinstance(e, sp.Piecewise) and isinstance(e.args[0].cond, (sp.GreaterThan, sp.LessThan)):
            condition = e.args[0].cond
            if condition.rhs == 0:
                found.add(condition.lhs if isinstance(condition, sp.GreaterThan) else -condition.lhs)
    return found


def _replace_terms(expr: sp.Expr, pattern: sp.Expr, value: sp.Expr) -> sp.Expr:
    """`expr` with `pattern` replaced by `value`, also where pattern is a sum (a product) whose terms (factors)
    are some of a larger sum's (product's)."""
    if isinstance(pattern, (sp.Add, sp.Mul)):
        parts = set(pattern.args)

        def query(e):
            return type(e) is type(pattern) and parts <= set(e.args)

        return expr.replace(query, lambda e: e.func(*(set(e.args) - parts), value))
    return expr.xreplace({pattern: value})


@final
class PrimitiveForms(Rule):
    """{1 if x >= 0; exp(-|x|) otherwise} / (1 + exp(-|x|)) -> sigma(x), max(x, 0) + log(1 + exp(-|x|)) (or
    + softplus(-|x|)) -> softplus(x)   [equal: the overflow-free forms of the primitives, read back]

    A derivation written in the overflow-free forms is exported through the primitives: differentiated as
    sigma' = sigma(x) sigma(-x) and softplus' = sigma, and printed overflow-free again. Differentiated as written,
    1 / {1; exp(-|x|)} brings in exp(|x|), which overflows where the form itself does not."""

    name = "primitive-forms"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        for x in sorted(_candidates(expr), key=sp.default_sort_key):
            for pattern, value in (
                (stable_sigmoid(x), sigmoid(x)),
                (stable_softplus(x), softplus(x)),
                (SoftplusForm().rewrite(stable_softplus(x), assumptions), softplus(x)),
            ):
                expr = _replace_terms(expr, pattern, value)
        return expr

    def justification(self):
        return Phrase(
            "the overflow-free forms of sigma(x) and softplus(x) read back as the functions: their derivatives are "
            "sigma(x) sigma(-x) and sigma(x), printed overflow-free again",
            r"the overflow-free forms of $\sigma(x)$ and $\operatorname{softplus}(x)$ read back as the functions: "
            r"their derivatives are $\sigma(x)\sigma(-x)$ and $\sigma(x)$, printed overflow-free again",
        )


@final
class OverflowFreeSoftplus(Rule):
    """softplus(x) -> max(x, 0) + log(1 + exp(-|x|))   [equal; the exponent is never positive]"""

    name = "overflow-free-softplus"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return expr.replace(lambda a: isinstance(a, softplus), lambda a: stable_softplus(a.args[0]))

    def justification(self):
        return Phrase(
            "softplus(x) = max(x, 0) + log(1 + exp(-|x|)): the exponent is never positive",
            r"$\operatorname{softplus}(x) = \max(x, 0) + \log(1 + e^{-|x|})$: the exponent is never positive",
        )


@final
class OverflowFreeSigmoid(Rule):
    """sigma(x) -> {1 if x >= 0; exp(-|x|) otherwise} / (1 + exp(-|x|))   [equal; no exponent is positive]"""

    name = "overflow-free-sigmoid"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return expr.replace(lambda a: isinstance(a, sigmoid), lambda a: stable_sigmoid(a.args[0]))

    def justification(self):
        return Phrase(
            "sigma(x) = (1 if x >= 0 else exp(-|x|)) / (1 + exp(-|x|)): no exponent is positive",
            r"$\sigma(x) = \{1 \text{ if } x \geq 0,\ e^{-|x|} \text{ otherwise}\} / (1 + e^{-|x|})$: "
            "no exponent is positive",
        )


#: the rules that put a form into its overflow-free shape: code generation prints the expression before them
OVERFLOW_FREE: tuple[type[Rule], ...] = (OverflowFreeSoftplus, OverflowFreeSigmoid)


def before_overflow_free(derivation: Derivation) -> sp.Expr:
    """The expression `derivation` arrives at before its first overflow-free step (recognised by the rule's
    type), or its final expression when it has none."""
    for step in derivation.steps:
        if isinstance(step.rule, OVERFLOW_FREE):
            return step.before
    return derivation.current


@final
class SignFlip(Rule):
    """f(y) -> softplus(s x) with s = 1 - 2y, where f(1) = softplus(-x) and f(0) = softplus(x)
    [equal for a label y in {0, 1}]"""

    name = "sign-flip"
    relation = Relation.EQUAL

    def __init__(self, label: sp.Symbol) -> None:
        self.label = label

    def rewrite(self, expr, assumptions):
        if assumptions.domain_of(self.label) != BINARY:
            raise RuleError(f"rule {self.name!r}: {self.label} is not declared a label in {{0, 1}}")
        positive, negative = expr.xreplace({self.label: 1}), expr.xreplace({self.label: 0})
        if not (isinstance(negative, softplus) and positive == softplus(-negative.args[0])):
            raise RuleError(
                f"rule {self.name!r} needs softplus(-x) at {self.label} = 1 and softplus(x) at "
                f"{self.label} = 0, not {positive} and {negative}"
            )
        return softplus((1 - 2 * self.label) * negative.args[0])

    def justification(self):
        return Phrase(
            "y in {0, 1}: one of the two terms vanishes; s = 1 - 2y is -1 for y = 1 and +1 for y = 0",
            r"$y \in \{0, 1\}$: one of the two terms vanishes; $s = 1 - 2y$ is $-1$ for $y = 1$ and $+1$ for "
            r"$y = 0$",
        )


@final
class SoftplusForm(Rule):
    """log(1 + exp(x)) -> softplus(x)   [equal: softplus is that function, printed overflow-free]"""

    name = "softplus-form"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def query(e):
            if not (isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and len(e.args[0].args) == 2):
                return False
            return sp.S.One in e.args[0].args and any(isinstance(a, sp.exp) for a in e.args[0].args)

        return expr.replace(query, lambda e: softplus(next(a for a in e.args[0].args if a != 1).args[0]))

    def justification(self):
        return Phrase(
            "log(1 + exp(x)) = softplus(x), computed as max(x, 0) + log1p(exp(-|x|)): no overflow",
            r"$\log(1 + e^x) = \operatorname{softplus}(x)$, computed as $\max(x, 0) + \operatorname{log1p}(e^{-|x|})$: "
            "no overflow",
        )


@final
class LabelComplement(Rule):
    """1 - c y - e -> c (1 - y) + (1 - c - e) for a label y (c, e free of y)   [equal: the same polynomial]

    1 - ytilde for a smoothed label ytilde = (1 - epsilon) y + epsilon/2 is, at y = 1, 1 minus a number near 1:
    computed as written it loses the digits of epsilon/2; as (1 - epsilon)(1 - y) + epsilon/2 it is exact."""

    name = "label-complement"
    relation = Relation.EQUAL

    def __init__(self, label: sp.Symbol) -> None:
        self.label = label

    def _split(self, e: sp.Basic) -> tuple[sp.Expr, sp.Expr] | None:
        if not isinstance(e, sp.Add) or sp.S.One not in e.args:
            return None
        c = -e.coeff(self.label)
        if c == 0 or c.has(self.label):
            return None
        rest = sp.expand(e - c * (1 - self.label))
        return None if rest.has(self.label) else (c, rest)

    def rewrite(self, expr, assumptions):
        return expr.replace(
            lambda e: self._split(e) is not None,
            lambda e: self._split(e)[0] * (1 - self.label) + self._split(e)[1],
        )

    def justification(self):
        return Phrase(
            "1 - ((1 - epsilon) y + epsilon/2) = (1 - epsilon)(1 - y) + epsilon/2: no cancellation at y = 1",
            r"$1 - ((1 - \epsilon) y + \epsilon/2) = (1 - \epsilon)(1 - y) + \epsilon/2$: no cancellation at $y = 1$",
        )


@final
class Log1pForm(Rule):
    """log(1 + x) -> log1p(x)   [equal where 1 + x > 0: the same function, computed without rounding 1 + x]"""

    name = "log1p-form"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return expr.replace(
            lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and sp.S.One in e.args[0].args,
            lambda e: log1p(e.args[0] - 1),
        )

    def justification(self):
        return Phrase(
            "log(1 + x) = log1p(x): 1 + x is never rounded, so a small x keeps its digits",
            r"$\log(1 + x) = \operatorname{log1p}(x)$: $1 + x$ is never rounded, so a small $x$ keeps its digits",
        )


@final
class Expm1Form(Rule):
    """exp(x) - 1 -> expm1(x) in a sum   [equal: the same function, without the cancellation near x = 0]"""

    name = "expm1-form"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def query(e):
            return (
                isinstance(e, sp.Add)
                and sp.S.NegativeOne in e.args
                and any(isinstance(a, sp.exp) for a in e.args)
            )

        def value(e):
            first = next(a for a in e.args if isinstance(a, sp.exp))
            rest = [a for a in e.args if a is not first and a != sp.S.NegativeOne]
            return sp.Add(expm1(first.args[0]), *rest)

        return expr.replace(query, value)

    def justification(self):
        return Phrase(
            "exp(x) - 1 = expm1(x): no cancellation when x is near 0",
            r"$e^x - 1 = \operatorname{expm1}(x)$: no cancellation when $x$ is near 0",
        )


@final
class Differentiate(Rule):
    """d f/dz -> f' by differentiation (doit)   [equal]"""

    name = "differentiate"
    relation = Relation.EQUAL

    def __init__(self, note: str | Phrase) -> None:
        self.note = note

    def rewrite(self, expr, assumptions):
        return expr.doit()

    def justification(self):
        return self.note


@final
class LogSoftmax(Rule):
    """log(exp(a) / S) -> a - log(S) for a sum S   [equal: S > 0]"""

    name = "log-softmax"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        def query(e):
            if not isinstance(e, sp.log):
                return False
            numerator, denominator = sp.fraction(e.args[0])
            return isinstance(numerator, sp.exp) and isinstance(denominator, sp.Sum)

        def value(e):
            numerator, denominator = sp.fraction(e.args[0])
            return numerator.args[0] - sp.log(denominator)

        return expr.replace(query, value)

    def justification(self):
        return Phrase(
            "log(exp(z_k) / sum_j exp(z_j)) = z_k - log sum_j exp(z_j)",
            r"$\log\bigl(e^{z_k} / \sum_j e^{z_j}\bigr) = z_k - \log \sum_j e^{z_j}$",
        )


@final
class ShiftLogSumExp(Rule):
    """log(sum_j exp(a_j)) -> m + log(sum_j exp(a_j - m))   [equal for every real m]"""

    name = "max-shift"
    relation = Relation.EQUAL

    def __init__(self, shift: sp.Symbol) -> None:
        self.shift = shift

    def rewrite(self, expr, assumptions):
        m = self.shift
        return expr.replace(
            lambda e: (
                isinstance(e, sp.log)
                and isinstance(e.args[0], sp.Sum)
                and isinstance(e.args[0].function, sp.exp)
            ),
            lambda e: m + sp.log(sp.Sum(sp.exp(e.args[0].function.args[0] - m), *e.args[0].limits)),
        )

    def justification(self):
        return Phrase(
            "sum_j exp(z_j) = exp(m) sum_j exp(z_j - m) for every real m; with m = max_k z_k no exponent is positive",
            r"$\sum_j e^{z_j} = e^m \sum_j e^{z_j - m}$ for every real $m$; with $m = \max_k z_k$ no exponent is "
            "positive",
        )


@final
class Log1pOfLogSumExp(Rule):
    """log(sum_j exp(u_j)) -> log1p(sum_j exp(u_j) - 1)   [equal: the sum is positive]

    With the shift m = max_k z_k one term of the sum is exp(0) = 1 exactly: the code sums the others for
    sum_j exp(u_j) - 1, so a loss near 0 (the right class far ahead) keeps its digits instead of rounding
    log(1 + tiny) to 0."""

    name = "log1p-of-log-sum-exp"
    relation = Relation.EQUAL

    def rewrite(self, expr, assumptions):
        return expr.replace(
            lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Sum),
            lambda e: log1p(e.args[0] - 1),
        )

    def justification(self):
        return Phrase(
            "log(sum_j exp(u_j)) = log1p(sum_j exp(u_j) - 1); one term is exp(0) = 1, so the code sums the others: a "
            "loss near 0 keeps its digits",
            r"$\log \sum_j e^{u_j} = \operatorname{log1p}(\sum_j e^{u_j} - 1)$; one term is $e^0 = 1$, so the code "
            "sums the others: a loss near 0 keeps its digits",
        )


@final
class ShiftedLogits(Rule):
    """z_k -> u_k + m, u_k := z_k - m a declared definition   [equal: the checker expands the definition]"""

    name = "shifted-logits"
    relation = Relation.EQUAL

    def __init__(self, logits: sp.IndexedBase, shifted: sp.IndexedBase, shift: sp.Symbol) -> None:
        self.logits, self.shifted, self.shift = logits, shifted, shift

    def rewrite(self, expr, assumptions):
        return expr.replace(
            lambda a: isinstance(a, sp.Indexed) and a.base == self.logits,
            lambda a: self.shifted[a.indices] + self.shift,
        )

    def justification(self):
        return Phrase(
            "z_k = u_k + m: the loss in the shifted logits, so lse - z_k is computed without cancellation",
            r"$z_k = u_k + m$: the loss in the shifted logits, so $\operatorname{lse} - z_k$ is computed without "
            "cancellation",
        )


#: the rewrites the export of any derivation applies, in this order, each recorded as a step where it changes
#: the expression (overflow-free forms read back as the primitives, log-sigmoid forms, 1 - sigma(x) as
#: sigma(-x), softplus forms, then log1p and expm1; the printer prints softplus, sigmoid and log-sigmoid in their
#: overflow-free forms)
STABLE_PASS: tuple[Rule, ...] = (
    PrimitiveForms(),
    LogSigmoidToSoftplus(),
    SigmoidComplement(),
    SoftplusForm(),
    Log1pForm(),
    Expm1Form(),
)
