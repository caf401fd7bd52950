"""Your own likelihood in a few lines: the Laplace likelihood gives the mean absolute error, every step proved."""

import sympy as sp

from xent_symbolic import Assumptions, Derivation, Name, check
from xent_symbolic.likelihood import negative_log_likelihood
from xent_symbolic.render import conclusion_text
from xent_symbolic.rules import Distribute, DropConstant, Scale, SumLinearity

n, i = sp.Symbol("n", integer=True, positive=True), sp.Symbol("i", integer=True, positive=True)
y, mu = sp.IndexedBase("y", real=True), sp.IndexedBase("mu", real=True)
s = sp.Symbol("s", positive=True)  # the Laplace scale: fixed, not a parameter


def mae() -> Derivation:
    """The derivation (also `xent export examples/own_likelihood.py:mae -o mae.py`)."""
    return negative_log_likelihood(
        "mae",
        "Mean absolute error from the Laplace likelihood",
        density=sp.exp(-sp.Abs(y[i] - mu[i]) / s) / (2 * s),
        assumptions=Assumptions(
            domains=((y, sp.S.Reals), (mu, sp.S.Reals), (s, sp.Interval.open(0, sp.oo)), (n, sp.S.Naturals)),
            parameters=(mu,),
            indices=((i, 1, n),),
        ),
        index=i,
        size=n,
        density_name=Name("p(y_i | mu_i)", r"p(y_i \mid \mu_i)"),
        loss_name=Name("MAE(mu)", r"\operatorname{MAE}(\mu)"),
        finish=(SumLinearity(), Distribute(), DropConstant(), Scale(s)),
    )


if __name__ == "__main__":
    derivation = mae()
    checked = check(derivation)
    print("J =", derivation.current)
    print(*(f"{k}. {c.step.rule.name}: {c.status.value}" for k, c in enumerate(checked.steps, 1)), sep="\n")
    print(f"conclusion ({checked.conclusion.status.value}): {conclusion_text(checked.conclusion)}")
