"""LaTeX, Markdown and JSON renderings: exact notation, a pdflatex compile, an exact srepr round trip."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import sympy as sp

from xent_symbolic.errors import UnknownNameError
from xent_symbolic.latex import document, escape_text, latex
from xent_symbolic.render import markdown, render, to_json_dict

BCE_LATEX = (
    r"-\frac{1}{n} \sum_{i=1}^{n} \left({y}_{i} \log{\left({\hat{y}}_{i} \right)} + \left(1 - {y}_{i}\right) "
    r"\log{\left(1 - {\hat{y}}_{i} \right)}\right)"
)


def test_the_final_expression_prints_in_the_usual_notation(bce):
    assert latex(bce.current) == BCE_LATEX
    assert latex(bce.steps[1].after) == (
        r"\prod_{i=1}^{n} \left(1 - {\hat{y}}_{i}\right)^{1 - {y}_{i}} {\hat{y}}_{i}^{{y}_{i}}"
    )


def test_the_printer_keeps_ordinary_expressions_ordinary():
    x, y = sp.symbols("x y")
    assert [latex(1 - x), latex(x / (y + 1)), latex(2 * x), latex(-x * y / 2)] == [
        "1 - x",
        r"\frac{x}{y + 1}",
        "2 x",
        r"-\frac{1}{2} x y",
    ]


def test_justifications_are_escaped_for_text_mode():
    assert escape_text("p^y q_1 {a} 50% & # x > 0, x >= 1 <") == (
        r"p\textasciicircum{}y q\_1 \{a\} 50\% \& \# x \textgreater{} 0, x $\geq$ 1 \textless{}"
    )


def test_the_document_has_a_heading_justification_and_display_per_step(bce_checked):
    tex = document(bce_checked)
    assert tex.count(r"\par\medskip\noindent\textbf{") == 1 + len(bce_checked.steps)  # start and steps
    assert (
        "\\par\\medskip\\noindent\\textbf{7.\\ scale} \\hfill \\textit{keeps argmax and argmin} \\quad [proved]\\\\*\n"
        "scaling by the positive constant $\\frac{1}{n}$ keeps the argmin\n"
        "\\nopagebreak\n"
        "\\[ \\xentfit{J(\\hat{y}) = " + BCE_LATEX + "} \\]\n"
    ) in tex
    assert (
        r"\[ \xentfit{\operatorname*{arg\,max}_{\hat{y}} \mathcal{L}(\hat{y}) = \operatorname*{arg\,min}_{\hat{y}} J(\hat{y})} \]"
        in tex
    )


@pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (Debian: texlive-latex-base)"
)
def test_the_document_compiles_with_pdflatex(bce_checked, tmp_path):
    (tmp_path / "bce.tex").write_text(document(bce_checked))
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "bce.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "bce.pdf").stat().st_size > 1000


def test_markdown_has_a_display_block_per_step_and_the_conclusion(bce_checked):
    md = markdown(bce_checked)
    assert md.startswith("# Binary cross-entropy from the Bernoulli likelihood\n")
    assert md.count("$$\n") == 2 * (1 + len(bce_checked.steps) + 1)
    assert "$$\nJ(\\hat{y}) = " + BCE_LATEX + "\n$$" in md
    assert "**7. scale [keeps argmax and argmin] (proved)**" in md


def test_json_certificate_round_trips_every_expression_exactly(bce_checked):
    data = json.loads(render(bce_checked, "json"))
    assert set(data) >= {"name", "conclusion", "ok", "steps"}
    assert data["name"] == "bce" and data["ok"] is True
    assert data["conclusion"] == "argmax_yhat L(yhat) = argmin_yhat J(yhat)"
    for entry, step_check in zip(data["steps"], bce_checked.steps, strict=False):
        assert set(entry) >= {
            "rule",
            "relation",
            "status",
            "justification",
            "before",
            "after",
            "before_srepr",
            "after_srepr",
            "latex",
        }
        assert sp.parse_expr(entry["after_srepr"], evaluate=False) == step_check.step.after  # our own output
        assert sp.parse_expr(entry["before_srepr"], evaluate=False) == step_check.step.before
        assert entry["status"] == "proved"
    assert data["steps"][6]["after"] == "-Sum((1 - y[i])*log(1 - yhat[i]) + log(yhat[i])*y[i], (i, 1, n))/n"
    assert data["versions"]["sympy"] == sp.__version__


def test_an_unknown_format_names_the_closest(bce_checked):
    with pytest.raises(UnknownNameError, match=r"^unknown format 'markdwn'; did you mean 'markdown'\?$"):
        render(bce_checked, "markdwn")


def test_the_json_dict_lists_obligations_with_their_methods(bce_checked):
    take_log = to_json_dict(bce_checked)["steps"][2]
    assert [o["claim"] for o in take_log["obligations"]] == [
        "after = phi(before)",
        "phi does not depend on the parameters",
        "phi(t) = log(t) is strictly increasing on (0, oo)",
        "before lies in (0, oo)",
    ]


def test_justifications_with_math_are_typeset_not_ascii(bce_checked):
    tex = document(bce_checked)
    assert r"one formula for both labels: $p^y q^{1-y}$ is $p$ when $y = 1$ and $q$ when $y = 0$" in tex
    assert r"$\log$ is strictly increasing on $(0, \infty)$" in tex
    assert "p\\textasciicircum{}y" not in tex and "(0, oo)" not in tex
    text = render(bce_checked, "text")
    assert "because: one formula for both labels: p^y q^(1-y) is p when y = 1 and q when y = 0" in text


def test_log1p_and_expm1_are_typeset_as_people_write_them():
    from sympy.codegen.cfunctions import expm1, log1p

    x = sp.Symbol("x")
    assert latex(log1p(x)) == r"\log\left(1 + x\right)"
    assert latex(expm1(x) ** 2) == r"\left(e^{x} - 1\right)^{2}"
