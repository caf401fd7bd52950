"""LaTeX documents: a derivation as align lines, its conclusion, and a standalone document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

import sympy as sp

from .check import CheckedDerivation, Conclusion
from .claims import NONNEGATIVE
from .core import Derivation, Relation, Status, Step
from .latex_printer import latex

__all__ = ["align", "conclusion_latex", "document", "escape_text", "latex", "step_line"]


_TEXT_ESCAPES = {
    "\\": r"$\backslash$",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "^": r"\^{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "~": r"\~{}",
}


def escape_text(text: str) -> str:
    """Plain text made safe inside \\text{...}."""
    return "".join(_TEXT_ESCAPES.get(c, c) for c in text)


def conclusion_latex(conclusion: Conclusion) -> str:
    r"""The conclusion in LaTeX: '\operatorname*{arg\,max}_{\hat{y}} \mathcal{L} = \operatorname*{arg\,min} ...'."""
    p = ", ".join(sp.latex(p) for p in conclusion.parameters) or r"\theta"
    argmax, argmin = r"\operatorname*{arg\,max}_{%s}" % p, r"\operatorname*{arg\,min}_{%s}" % p
    L, J = conclusion.objective.latex, conclusion.result.latex
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


def step_line(step: Step, status: Status | None = None) -> str:
    """One align line for a step: `name &= after && \\text{rule: justification [status]}`."""
    lhs = step.name.latex if step.name else ""
    note = escape_text(f"{step.rule}: {step.justification}")
    verdict = f" [{status.value}]" if status is not None else ""
    return r"%s &= %s && %s" % (lhs, latex(step.after), _note(note + verdict))


def _note(text: str) -> str:
    """A justification beside an align line, wrapped to a fixed width so long ones stay on the page."""
    return r"\parbox[c]{0.34\textwidth}{\raggedright\small %s}" % text


def align(derivation: Derivation, statuses: Sequence[Status] | None = None) -> str:
    """The derivation as an align* environment, one line per step (with its status when checked)."""
    lines = [r"%s &= %s && %s" % (derivation.start_name.latex, latex(derivation.start), _note("start"))]
    verdicts = statuses if statuses is not None else [None] * len(derivation.steps)
    lines += [step_line(step, status) for step, status in zip(derivation.steps, verdicts, strict=True)]
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _align(checked: CheckedDerivation) -> str:
    return align(checked.derivation, [c.status for c in checked.steps])


def document(checked: CheckedDerivation) -> str:
    """A standalone LaTeX document (amsmath, amssymb) of the derivation, its assumptions and its conclusion."""
    derivation = checked.derivation
    assumptions = "\n".join(r"  \item $%s$" % s.latex for s in derivation.assumptions.statements)
    conclusion = checked.conclusion
    return "\n".join(
        [
            r"\documentclass[11pt]{article}",
            r"\usepackage[a4paper,landscape,margin=1.5cm]{geometry}",
            r"\usepackage{amsmath,amssymb}",
            r"\begin{document}",
            r"\section*{%s}" % escape_text(derivation.title),
            r"\paragraph{Assumptions.}",
            r"\begin{itemize}",
            assumptions or r"  \item none",
            r"\end{itemize}",
            r"\paragraph{Derivation.} Each line is computed from the previous one by the named rule and checked.",
            _align(checked),
            r"\paragraph{Conclusion (%s).}" % conclusion.status.value,
            r"\[ %s \]" % conclusion_latex(conclusion),
            r"\end{document}",
            "",
        ]
    )
