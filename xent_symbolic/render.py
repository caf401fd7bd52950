"""Plain-text, Markdown and JSON renderings of a checked derivation (LaTeX lives in latex.py)."""

from __future__ import annotations

import json
from typing import Any, assert_never

import sympy as sp

from ._version import __version__
from .check import CheckedDerivation, Conclusion, StepCheck, set_text
from .claims import NONNEGATIVE
from .core import Derivation, Relation, Status
from .derivation_file import FileCheck
from .latex import conclusion_latex, document, latex

__all__ = [
    "FORMATS",
    "check_report",
    "conclusion_text",
    "derivation_markdown",
    "file_json_dict",
    "file_report",
    "markdown",
    "render",
    "text",
    "to_json_dict",
]


def conclusion_text(conclusion: Conclusion) -> str:
    """The conclusion in plain text: 'argmax_yhat L(yhat) = argmin_yhat J(yhat)'."""
    p = ", ".join(str(p) for p in conclusion.parameters) or "the parameters"
    L, J = conclusion.objective, conclusion.result
    if J.text == L.text:  # 'dFL/dz = dFL/dz' says nothing: the result is the final expression
        J = conclusion.final
    match conclusion.relation:
        case Relation.EQUAL | Relation.DEFINES:
            text = f"{L} = {J}"
        case Relation.INCREASING:
            text = f"argmax_{p} {L} = argmax_{p} {J} and argmin_{p} {L} = argmin_{p} {J}"
        case Relation.DECREASING:
            text = f"argmax_{p} {L} = argmin_{p} {J}"
        case _:
            assert_never(conclusion.relation)
    if conclusion.range is None:
        return text
    in_range = ">= 0" if conclusion.range == NONNEGATIVE else f"in {set_text(conclusion.range)}"
    text = f"{text} {in_range}" if conclusion.relation is Relation.EQUAL else f"{text}; {J} {in_range}"
    return f"{text} {conclusion.reading.text}" if conclusion.reading is not None else text


def _step_title(k: int, check: StepCheck) -> str:
    step = check.step
    return f"{k}. {step.rule.name} [{step.relation.effect}] ({check.status.value})"


def text(checked: CheckedDerivation) -> str:
    """The derivation as plain text: each step's rule, relation, status, result and justification."""
    d = checked.derivation
    lines = [
        f"{d.name}: {d.title}",
        "assumptions: " + "; ".join(s.text for s in d.assumptions.statements),
        "",
    ]
    lines.append(f"start  {d.start_name} = {d.start}")
    for k, check in enumerate(checked.steps, 1):
        name = f"{check.step.name} = " if check.step.name else "= "
        lines.append(_step_title(k, check))
        lines.append(f"   {name}{check.step.after}")
        lines.append(f"   because: {check.step.justification}")
    lines += ["", f"conclusion ({checked.conclusion.status.value}): {conclusion_text(checked.conclusion)}"]
    return "\n".join(lines) + "\n"


def _obligation_line(obligation) -> str:
    """One obligation of a step: its status, claim, method, and the counterexample with its values."""
    line = f"      {obligation.status.value:<8} {obligation.claim}: {obligation.method}"
    if obligation.counterexample:
        point = ", ".join(f"{key}={value}" for key, value in obligation.counterexample.items())
        line += f"; at {point}"
        if obligation.values:
            line += f" the values are {', '.join(obligation.values)}"
    return line


def check_report(checked: CheckedDerivation) -> str:
    """The proof check as plain text: each step's status and how each obligation was decided."""
    d = checked.derivation
    width = max((len(c.step.rule.name) for c in checked.steps), default=4)
    lines = [f"check {d.name}: {d.title}"]
    for k, check in enumerate(checked.steps, 1):
        lines.append(
            f"{k:>2}. {check.step.rule.name:<{width}}  {check.step.relation.value:<10}  {check.status.value}"
        )
        lines += [_obligation_line(o) for o in check.obligations]
    verdict = _VERDICT[checked.status]
    lines.append(f"conclusion ({checked.conclusion.status.value}): {conclusion_text(checked.conclusion)}")
    lines.append(f"{verdict}: {_tally(checked)}")
    return "\n".join(lines) + "\n"


#: the report's last word: ok only when every obligation is proved; numeric evidence alone is not ok
_VERDICT = {
    Status.PROVED: "ok",
    Status.CHECKED: "NOT ok (not proved, only checked numerically)",
    Status.UNKNOWN: "NOT ok (not proved)",
    Status.REFUTED: "NOT ok (refuted)",
}


def _tally(checked: CheckedDerivation) -> str:
    counts: dict[str, int] = {}
    for check in checked.steps:
        counts[check.status.value] = counts.get(check.status.value, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in counts.items())


def _markdown_justification(step) -> str:
    """Markdown has inline $...$ math but no text-mode LaTeX: the LaTeX form where there is one, else the text."""
    return step.justification_latex if step.justification_latex is not None else step.justification


def markdown(checked: CheckedDerivation) -> str:
    """The derivation as Markdown with $$ blocks that GitHub and Jupyter render."""
    return derivation_markdown(checked.derivation, checked)


def derivation_markdown(derivation: Derivation, checked: CheckedDerivation | None = None) -> str:
    """Markdown of a derivation: the justifications as text, the expressions in $$ blocks; with `checked`, the
    status of every step and the conclusion."""
    d = derivation
    title = f"# {d.title}" if checked else f"# {d.title} (not checked yet: `check(derivation)`)"
    out = [title, "", "Assumptions: " + ", ".join(f"${s.latex}$" for s in d.assumptions.statements) + ".", ""]
    out += ["Start:", "", "$$", f"{d.start_name.latex} = {latex(d.start)}", "$$", ""]
    for k, step in enumerate(d.steps, 1):
        lhs = step.name.latex if step.name else r"\phantom{=}"
        status = f" ({checked.steps[k - 1].status.value})" if checked else ""
        out += [
            f"**{k}. {step.rule.name} [{step.relation.effect}]{status}**: {_markdown_justification(step)}",
            "",
            "$$",
            f"{lhs} = {latex(step.after)}",
            "$$",
            "",
        ]
    if checked:
        out += ["**Conclusion** (" + checked.conclusion.status.value + "):", "", "$$"]
        out += [conclusion_latex(checked.conclusion), "$$", ""]
    return "\n".join(out)


def to_json_dict(checked: CheckedDerivation) -> dict[str, Any]:
    """The check certificate: every step with exact (srepr) and readable forms, statuses and obligations."""
    d = checked.derivation
    return {
        "name": d.name,
        "title": d.title,
        "conclusion": conclusion_text(checked.conclusion),
        "conclusion_latex": conclusion_latex(checked.conclusion),
        "conclusion_relation": checked.conclusion.relation.value,
        "ok": checked.ok,
        "status": checked.status.value,
        "assumptions": [s.text for s in d.assumptions.statements],
        "start": str(d.start),
        "start_srepr": sp.srepr(d.start),
        "steps": [
            {
                "rule": c.step.rule.name,
                "relation": c.step.relation.value,
                "status": c.status.value,
                "justification": c.step.justification,
                "justification_latex": c.step.justification_latex,
                "before": str(c.step.before),
                "after": str(c.step.after),
                "before_srepr": sp.srepr(c.step.before),
                "after_srepr": sp.srepr(c.step.after),
                "latex": latex(c.step.after),
                "obligations": [
                    {
                        "claim": o.claim,
                        "status": o.status.value,
                        "method": o.method,
                        "counterexample": o.counterexample,
                    }
                    for o in c.obligations
                ],
            }
            for c in checked.steps
        ],
        "versions": {"xent_symbolic": __version__, "sympy": sp.__version__},
    }


def _json(checked: CheckedDerivation) -> str:
    return json.dumps(to_json_dict(checked), indent=2) + "\n"


#: format name -> renderer
FORMATS = {"text": text, "latex": document, "markdown": markdown, "json": _json}


def render(checked: CheckedDerivation, fmt: str) -> str:
    from .errors import did_you_mean

    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise did_you_mean(fmt, tuple(FORMATS), "format") from None
    return renderer(checked)


# ---------------------------------------------------------------------------------------------- derivation files


def file_report(result: FileCheck) -> str:
    """A checked derivation file as plain text: one line per step with its file line, name, relation and status;
    the obligations of any step not proved (with the counterexample of a refuted one); the conclusion."""
    file, checked = result.file, result.checked
    names = [n or "" for n in file.names]
    width = max(len(n) for n in names)
    lines = [f"check {file.path}: {file.derivation.title}"]
    lines.append(f"  line {file.start_line:>3}  {names[0]:<{width}}  start")
    for k, (line, check) in enumerate(zip(file.step_lines, checked.steps, strict=True), 1):
        lines.append(
            f"  line {line:>3}  {names[k]:<{width}}  {check.step.relation.value:<10}  {check.status.value}"
        )
        if check.status is not Status.PROVED:
            lines += [_obligation_line(o) for o in check.obligations if o.status is not Status.PROVED]
    if result.conclusion is not None:
        c = result.conclusion
        lines.append(f"  line {c.line.line:>3}  conclude: {c.line.text}  {c.status.value} ({c.method})")
    counts: dict[str, int] = {}
    for check in checked.steps:
        counts[check.status.value] = counts.get(check.status.value, 0) + 1
    tally = ", ".join(f"{v} {k}" for k, v in counts.items())
    lines.append(f"{_VERDICT[result.status]}: {tally}")
    return "\n".join(lines) + "\n"


def file_json_dict(result: FileCheck) -> dict[str, Any]:
    """{"ok", "status", "steps": [{"line", "name", "status", "relation", ...}], "conclusion": {...}}."""
    file, checked = result.file, result.checked
    steps = to_json_dict(checked)["steps"]
    for k, (step, line) in enumerate(zip(steps, file.step_lines, strict=True), 1):
        step["line"] = line
        step["name"] = file.names[k]
    conclusion = None
    if result.conclusion is not None:
        c = result.conclusion
        conclusion = {"line": c.line.line, "status": c.status.value, "text": c.line.text, "method": c.method}
    return {
        "file": file.path,
        "title": file.derivation.title,
        "ok": result.status is Status.PROVED,
        "status": result.status.value,
        "start": {"line": file.start_line, "name": file.names[0], "expression": str(file.derivation.start)},
        "steps": steps,
        "conclusion": conclusion,
        "versions": {"xent_symbolic": __version__, "sympy": sp.__version__},
    }
