"""From a per-example probability to a loss: the chain every likelihood-based loss shares, as checked steps."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .assumptions import Assumptions
from .core import Derivation, Name
from .errors import RuleError
from .rules import IndependentProduct, LogOfExp, LogOfPower, LogOfProduct, Negate, Rule, Scale, TakeLog

__all__ = ["likelihood_chain", "negative_log_likelihood"]


def _names(assumptions: Assumptions) -> tuple[Name, Name, Name]:
    text = ", ".join(str(p) for p in assumptions.parameters) or "theta"
    latex = ", ".join(sp.latex(p) for p in assumptions.parameters) or r"\theta"
    return (
        Name(f"L({text})", rf"\mathcal{{L}}({latex})"),
        Name(f"log L({text})", rf"\log \mathcal{{L}}({latex})"),
        Name(f"-log L({text})", rf"-\log \mathcal{{L}}({latex})"),
    )


def _if_it_applies(derivation: Derivation, rule: Rule) -> Derivation:
    try:
        return derivation.apply(rule)
    except RuleError:  # the rule changes nothing here (no exp inside a log, say): no step to record
        return derivation


def likelihood_chain(
    derivation: Derivation, index: sp.Symbol, size: sp.Expr, loss_name: Name, finish: Sequence[Rule] = ()
) -> Derivation:
    """Continue a derivation whose current expression is one example's probability p(y_i | theta_i):
    product over independent examples, log, product/power/exp rules of the log, negate, scale by 1/size,
    then the `finish` rules (drop constants, rescale); the last expression is named `loss_name`."""
    likelihood, log_likelihood, nll = _names(derivation.assumptions)
    derivation = derivation.apply(IndependentProduct(index, 1, size), name=likelihood)
    derivation = derivation.apply(TakeLog(), name=log_likelihood)
    for rule in (LogOfProduct(), LogOfPower(), LogOfExp()):
        derivation = _if_it_applies(derivation, rule)
    derivation = derivation.apply(Negate(), name=nll)
    derivation = derivation.apply(Scale(1 / size), name=loss_name if not finish else Name("J", "J"))
    for k, rule in enumerate(finish):
        derivation = derivation.apply(rule, name=loss_name if k == len(finish) - 1 else None)
    return derivation.named(loss_name)


def negative_log_likelihood(
    name: str,
    title: str,
    density: sp.Expr,
    assumptions: Assumptions,
    *,
    index: sp.Symbol,
    size: sp.Expr,
    density_name: Name,
    loss_name: Name,
    finish: Sequence[Rule] = (),
) -> Derivation:
    """The loss of a likelihood: `density` is p(y_i | theta_i) for one example, with `index` i running 1..size.

    >>> from xent_symbolic.catalog.notation import bernoulli_assumptions, i, n, y, yhat
    >>> d = negative_log_likelihood("bernoulli", "BCE", yhat[i]**y[i] * (1 - yhat[i])**(1 - y[i]),
    ...     bernoulli_assumptions(), index=i, size=n, density_name=Name("p", "p"), loss_name=Name("J", "J"))
    >>> d.current
    -Sum((1 - y[i])*log(1 - yhat[i]) + log(yhat[i])*y[i], (i, 1, n))/n
    """
    start = Derivation(name, title, density, assumptions, density_name)
    return likelihood_chain(start, index, size, loss_name, finish)
