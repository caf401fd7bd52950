"""Rich display in Jupyter: derivations and check reports as LaTeX, Markdown and an HTML table per step."""

from __future__ import annotations

import html

from . import render
from .check import CheckedDerivation
from .core import Derivation
from .latex import align, conclusion_latex, latex

__all__ = ["checked_html", "checked_latex", "checked_markdown", "derivation_latex", "derivation_markdown"]


def derivation_latex(derivation: Derivation) -> str:
    return "$$\n" + align(derivation) + "\n$$"


def derivation_markdown(derivation: Derivation) -> str:
    return render.derivation_markdown(derivation)


def checked_latex(checked: CheckedDerivation) -> str:
    return "$$\n" + align(checked.derivation, [c.status for c in checked.steps]) + "\n$$"


def checked_markdown(checked: CheckedDerivation) -> str:
    return render.markdown(checked)


def checked_html(checked: CheckedDerivation) -> str:
    """One table row per step: number, rule, relation, status, the expression after it, the justification."""
    d = checked.derivation
    rows = [
        "<tr><td>start</td><td></td><td></td><td></td>"
        f"<td>${html.escape(d.start_name.latex)} = {html.escape(latex(d.start))}$</td><td></td></tr>"
    ]
    for k, c in enumerate(checked.steps, 1):
        step = c.step
        lhs = f"{step.name.latex} = " if step.name else "= "
        rows.append(
            f"<tr><td>{k}</td><td>{html.escape(step.rule.name)}</td><td>{html.escape(step.relation.effect)}</td>"
            f'<td class="xent-{c.status.value}">{c.status.value}</td>'
            f"<td>${html.escape(lhs + latex(step.after))}$</td><td>{html.escape(step.justification)}</td></tr>"
        )
    head = "<tr><th>#</th><th>rule</th><th>relation</th><th>status</th><th>expression</th><th>justification</th></tr>"
    conclusion = f"<p><b>Conclusion</b> ({checked.conclusion.status.value}): ${html.escape(conclusion_latex(checked.conclusion))}$</p>"
    return (
        f"<p><b>{html.escape(d.title)}</b></p>\n<table>\n{head}\n"
        + "\n".join(rows)
        + "\n</table>\n"
        + conclusion
    )
