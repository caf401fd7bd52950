"""A conclusion names the start and the result distinctly, or shows the final expression: never 'A = A'."""

from __future__ import annotations

import sympy as sp

from xent_symbolic import Assumptions, Derivation, Name, check, get
from xent_symbolic.latex import conclusion_latex
from xent_symbolic.render import conclusion_text
from xent_symbolic.rules import Negate, TakeLog
from xent_symbolic.verify import gradient_step

w, y, z = sp.symbols("w y z", real=True)


def test_an_unnamed_result_is_shown_as_the_final_expression():
    start = sp.exp(-((w - 1) ** 2)) * sp.exp(-(w**2))
    derivation = Derivation(
        "posterior", "p", start, Assumptions(parameters=(w,)), Name("p(y | w) p(w)", r"p(y \mid w) p(w)")
    )
    conclusion = check(derivation.apply(TakeLog()).apply(Negate())).conclusion
    assert (
        conclusion_text(conclusion) == "argmax_w p(y | w) p(w) = argmin_w -log(exp(-w**2)*exp(-(w - 1)**2))"
    )
    assert conclusion_latex(conclusion).endswith(
        r"= \operatorname*{arg\,min}_{w} -\log{\left(e^{-w^{2}} e^{-\left(w - 1\right)^{2}} \right)}"
    )


def test_a_claimed_gradient_concludes_with_the_claim():
    derivation = Derivation("l", "l", sp.log(1 + sp.exp(z)) - y * z, Assumptions(), Name("l", "l"))
    assert conclusion_text(check(gradient_step(derivation, "z", "sigmoid(z) - y")).conclusion) == (
        "dl/dz = -y + sigmoid(z)"
    )


def test_the_focal_gradient_concludes_with_its_formula():
    text = conclusion_text(check(get("focal-loss").build()).conclusion)
    assert text.startswith("dFL/dz = alpha*y*(1 - sigmoid(z))**gamma*")
    assert "dFL/dz = dFL/dz" not in text


def test_named_results_keep_their_names():
    assert (
        conclusion_text(check(get("bce").build()).conclusion) == "argmax_yhat L(yhat) = argmin_yhat J(yhat)"
    )
