"""LaTeX documents: a derivation as align lines, its conclusion, and a standalone document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

import sympy as sp

from .check import CheckedDerivation, Conclusion
from .claims import NONNEGATIVE
from .core import Derivation, Relation, Status, Step
from .latex_printer import latex

__all__ = ["align", "conclusion_latex", "document", "escape_text", "justification", "latex"]


#: text-mode LaTeX for the characters that are special there; < and > have no glyph in the default (OT1) font
#: encoding, where pdflatex prints them as inverted marks, and >=, <= read best as the math symbols
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_TEXT_SYMBOLS = {">=": r"$\geq$", "<=": r"$\leq$"}


def escape_text(text: str) -> str:
    """Plain text made safe in text mode (a document's paragraphs, \\text{...} in MathJax and KaTeX)."""
    pieces = []
    k = 0
    while k < len(text):
        pair = text[k : k + 2]
        if pair in _TEXT_SYMBOLS:
            pieces.append(_TEXT_SYMBOLS[pair])
            k += 2
            continue
        pieces.append(_TEXT_ESCAPES.get(text[k], text[k]))
        k += 1
    return "".join(pieces)


def conclusion_latex(conclusion: Conclusion) -> str:
    r"""The conclusion in LaTeX: '\operatorname*{arg\,max}_{\hat{y}} \mathcal{L} = \operatorname*{arg\,min} ...'."""
    p = ", ".join(sp.latex(p) for p in conclusion.parameters) or r"\theta"
    argmax, argmin = r"\operatorname*{arg\,max}_{%s}" % p, r"\operatorname*{arg\,min}_{%s}" % p
    L, J = conclusion.objective.latex, conclusion.result.latex
    if conclusion.result.text == conclusion.objective.text:  # the final expression, not the same name twice
        J = latex(conclusion.final)
    match conclusion.relation:
        case Relation.EQUAL | Relation.DEFINES:
            text = f"{L} = {J}"
        case Relation.INCREASING:
            text = rf"{argmax} {L} = {argmax} {J}, \quad {argmin} {L} = {argmin} {J}"
        case Relation.DECREASING:
            text = rf"{argmax} {L} = {argmin} {J}"
        case _:
            assert_never(conclusion.relation)
    if conclusion.range is None:
        return text
    in_range = r"\geq 0" if conclusion.range == NONNEGATIVE else rf"\in {sp.latex(conclusion.range)}"
    text = f"{text} {in_range}" if conclusion.relation is Relation.EQUAL else rf"{text}; \quad {J} {in_range}"
    return rf"{text} \quad {conclusion.reading.latex}" if conclusion.reading is not None else text


def justification(step: Step) -> str:
    """A step's justification as LaTeX text: its own LaTeX form where it has one, else the escaped text."""
    return (
        step.justification_latex if step.justification_latex is not None else escape_text(step.justification)
    )


def _note(step: Step, status: Status | None) -> str:
    verdict = f" [{status.value}]" if status is not None else ""
    return f"{escape_text(step.rule.name)}: {justification(step)}{verdict}"


def align(derivation: Derivation, statuses: Sequence[Status] | None = None) -> str:
    """The derivation as an align* environment for notebooks (MathJax, KaTeX): one line per step, its rule,
    justification and status (when checked) as \\text beside it."""
    lines = [r"%s &= %s && \text{start}" % (derivation.start_name.latex, latex(derivation.start))]
    verdicts = statuses if statuses is not None else [None] * len(derivation.steps)
    for step, status in zip(derivation.steps, verdicts, strict=True):
        lhs = step.name.latex if step.name else ""
        lines.append(r"%s &= %s && \text{%s}" % (lhs, latex(step.after), _note(step, status)))
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


#: a display that never runs off the page: set at its natural size, or scaled down to the line width
_FIT = r"""\newsavebox{\xentbox}
\newcommand{\xentfit}[1]{\sbox{\xentbox}{$\displaystyle #1$}%
  \ifdim\wd\xentbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\xentbox}}\else\usebox{\xentbox}\fi}"""


def _display(expr: str, lhs: str | None = None) -> str:
    """A display of `lhs = expr` (or of `expr` alone), scaled down only if it is wider than the line."""
    return r"\[ \xentfit{%s} \]" % (expr if lhs is None else f"{lhs} = {expr}")


def _step_block(k: int, step: Step, status: Status) -> list[str]:
    """One step: its number, rule, relation and status as a heading line, the justification, the display."""
    lhs = step.name.latex if step.name else ""
    return [
        r"\par\medskip\noindent\textbf{%d.\ %s} \hfill \textit{%s} \quad [%s]\\*"
        % (k, escape_text(step.rule.name), escape_text(step.relation.effect), status.value),
        justification(step),
        r"\nopagebreak",
        _display(latex(step.after), lhs),
    ]


def document(checked: CheckedDerivation) -> str:
    """A standalone LaTeX document (amsmath, amssymb, graphicx) of the derivation: its assumptions, every step as
    a heading (rule, relation, status), its justification and a display that breaks across pages and never
    runs off the page, and the conclusion."""
    derivation = checked.derivation
    assumptions = "\n".join(r"  \item $%s$" % s.latex for s in derivation.assumptions.statements)
    conclusion = checked.conclusion
    steps = [line for k, c in enumerate(checked.steps, 1) for line in _step_block(k, c.step, c.status)]
    return "\n".join(
        [
            r"\documentclass[11pt]{article}",
            r"\usepackage[a4paper,landscape,margin=1.5cm]{geometry}",
            r"\usepackage{amsmath,amssymb,graphicx}",
            _FIT,
            r"\begin{document}",
            r"\section*{%s}" % escape_text(derivation.title),
            r"\paragraph{Assumptions.}",
            r"\begin{itemize}",
            assumptions or r"  \item none",
            r"\end{itemize}",
            r"\paragraph{Derivation.} Each step is computed from the previous one by the named rule and checked.",
            r"\par\medskip\noindent\textbf{Start.}",
            _display(latex(derivation.start), derivation.start_name.latex),
            *steps,
            r"\paragraph{Conclusion (%s).}" % conclusion.status.value,
            _display(conclusion_latex(conclusion)),
            r"\end{document}",
            "",
        ]
    )
