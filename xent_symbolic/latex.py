"""LaTeX for expressions (a LatexPrinter subclass) and for whole derivation documents."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .check import CheckedDerivation
from .core import Derivation, Status, Step

__all__ = ["XentLatexPrinter", "align", "document", "escape_text", "latex", "step_line"]


class XentLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the conventions of the field: -\\frac{1}{n} \\sum ..., y_i \\log \\hat{y}_i."""

    printmethod = "_latex"

    def _print_Mul(self, expr):
        coefficient, factors = expr.as_coeff_mul()
        reciprocals = [f for f in factors if f.is_Pow and f.exp == -1 and f.base.is_Symbol]
        others = [f for f in factors if f not in reciprocals]
        if any(f.is_Pow and f.exp.is_negative for f in others) or not others:
            return super()._print_Mul(expr)
        if reciprocals and not any(f.has(sp.Sum, sp.Product) for f in others):
            return super()._print_Mul(expr)
        sign = "-" if coefficient.is_negative else ""
        magnitude = abs(coefficient)
        parts = []
        if reciprocals:
            denominator = " ".join(self._print(f.base) for f in reciprocals)
            numerator = self._print(magnitude.p) if magnitude.q == 1 else None
            if numerator is None:
                parts.append(r"\frac{%s}{%s %s}" % (magnitude.p, magnitude.q, denominator))
            else:
                parts.append(r"\frac{%s}{%s}" % (numerator, denominator))
        elif magnitude != 1:
            parts.append(self._print(magnitude))
        # plain quantities (y_i, 1 - y_i) before function applications (\log \hat{y}_i), as people write them
        ordered = sorted(
            others,
            key=lambda f: (isinstance(f, sp.Function) or f.has(sp.Sum, sp.Product), sp.default_sort_key(f)),
        )
        for k, f in enumerate(ordered):
            last = k == len(ordered) - 1
            # a trailing sum or product needs no parentheses: -\frac{1}{n} \sum_i ...
            parts.append(
                self._print(f)
                if last and isinstance(f, (sp.Sum, sp.Product))
                else self.parenthesize(f, PRECEDENCE["Mul"], strict=False)
            )
        return sign + " ".join(parts)

    def _print_Add(self, expr, order=None):
        if any(t.is_number for t in expr.args):
            return super()._print_Add(expr, order)
        # simpler terms first: y_i \log \hat{y}_i before (1 - y_i) \log(1 - \hat{y}_i)
        terms = sorted(self._as_ordered_terms(expr, order=order), key=sp.count_ops)
        text = ""
        for k, term in enumerate(terms):
            if k == 0:
                piece = self._print(term)
            elif term.could_extract_minus_sign():
                text += " - "
                piece = self._print(-term)
            else:
                text += " + "
                piece = self._print(term)
            text += r"\left(%s\right)" % piece if self._needs_add_brackets(term) else piece
        return text

    def _needs_add_brackets(self, term) -> bool:
        return isinstance(term, sp.Add)


_PRINTER = XentLatexPrinter()


def latex(expr: sp.Basic) -> str:
    """The LaTeX of one expression in the project's conventions."""
    return _PRINTER.doprint(expr)


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


def step_line(step: Step, status: Status | None = None) -> str:
    """One align line for a step: `name &= after && \\text{rule: justification [status]}`."""
    lhs = step.name.latex if step.name else ""
    note = escape_text(f"{step.rule.name}: {step.justification}")
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
            r"\[ %s \]" % conclusion.latex,
            r"\end{document}",
            "",
        ]
    )
