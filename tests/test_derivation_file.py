"""xent check FILE.xent: a user's derivation, line by line; the seeds' chains as files; every kind of broken file
caught at its line and column; wrong steps refuted or never proved."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from xent_symbolic.catalog import get
from xent_symbolic.cli import main
from xent_symbolic.core import Relation, Status
from xent_symbolic.derivation_file import DerivationFileError, check_derivation_file, read_derivation_file
from xent_symbolic.prove import proves_zero

EXAMPLES = Path(__file__).parent.parent / "examples"
HEADER = "title: t\nshape: p:n, y:n\ndomain: p:(0,1), y:{0,1}\nover: p\n"


def _check(text: str, name: str = "f.xent"):
    return check_derivation_file(read_derivation_file(name, text=text))


@pytest.mark.parametrize(
    ("file", "steps", "relations"),
    [
        ("bce.xent", 5, ["increasing", "equal", "equal", "decreasing", "increasing"]),
        ("two_points.xent", 3, ["increasing", "equal", "decreasing"]),
        ("gaussian_mse.xent", 6, ["increasing", "equal", "equal", "decreasing", "increasing", "increasing"]),
    ],
)
def test_the_seeds_chains_are_proved_with_their_conclusions(file, steps, relations, capsys) -> None:
    result = check_derivation_file(read_derivation_file(EXAMPLES / file))
    assert [c.step.relation.value for c in result.checked.steps] == relations
    assert [c.status for c in result.checked.steps] == [Status.PROVED] * steps
    assert result.conclusion.status is Status.PROVED
    assert result.conclusion.method == "the lines between compose to 'turns argmax into argmin'"
    assert main(["check", str(EXAMPLES / file)]) == 0
    assert capsys.readouterr().out.endswith(f"ok: {steps} proved\n")


def test_the_report_gives_each_step_its_file_line(capsys) -> None:
    assert main(["check", str(EXAMPLES / "two_points.xent")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "  line   7  Output      start",
        "  line   8  log Output  increasing  proved",
        "  line   9              equal       proved",
        "  line  10  Loss        decreasing  proved",
        "  line  11  conclude: argmax_pR,pB Output = argmin_pR,pB Loss  proved (the lines between compose to "
        "'turns argmax into argmin')",
        "ok: 3 proved",
    ]


def test_the_bce_file_ends_where_the_catalog_bce_ends() -> None:
    file = read_derivation_file(EXAMPLES / "bce.xent")
    catalog = get("bce").build()
    n = sp.Symbol("n", integer=True, positive=True)
    y_cat = next(b for b in catalog.current.atoms(sp.IndexedBase) if b.label.name == "y")
    yhat = next(b for b in catalog.current.atoms(sp.IndexedBase) if b.label.name == "yhat")
    p, y = (next(b for b in file.derivation.current.atoms(sp.IndexedBase) if b.label.name == k) for k in "py")
    catalog_final = catalog.current.xreplace({yhat: p, y_cat: y}).xreplace(
        {s: n for s in catalog.current.free_symbols if s.name == "n"}
    )
    difference = file.derivation.current - catalog_final
    assert proves_zero(difference, file.derivation.assumptions, 5.0)
    assert not proves_zero(difference + sp.Rational(1, 10**9), file.derivation.assumptions, 2.0)


def test_json_has_the_fields_the_issue_names(capsys) -> None:
    assert main(["check", str(EXAMPLES / "bce.xent"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["ok"], data["status"]) == (True, "proved")
    assert [(s["line"], s["status"], s["relation"], s["name"]) for s in data["steps"]] == [
        (8, "proved", "increasing", "log L"),
        (9, "proved", "equal", None),
        (10, "proved", "equal", None),
        (11, "proved", "decreasing", "-log L"),
        (12, "proved", "increasing", "J"),
    ]
    assert data["conclusion"]["line"] == 13
    assert (data["conclusion"]["status"], data["conclusion"]["text"]) == ("proved", "argmax_p L = argmin_p J")


def test_derive_and_render_use_the_catalog_renderers(tmp_path, capsys) -> None:
    assert main(["derive", str(EXAMPLES / "bce.xent"), "--format", "latex"]) == 0
    tex = capsys.readouterr().out
    assert r"\prod_{i=1}^{n}" in tex and r"\log{\left(t \right)}" in tex
    assert main(["render", str(EXAMPLES / "bce.xent"), "-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bce.json", "bce.md", "bce.tex"]


# ---------------------------------------------------------------------------------------------- wrong steps


@pytest.mark.parametrize(
    ("chain", "line", "status"),
    [
        # a wrong equality: the log of a product is not the product of logs
        ("L = prod(p)\nlog L = log(prod(p))   by log(t)\n  = prod(log(p))\n", 7, Status.REFUTED),
        # a wrong map: the after is not phi(before)
        ("L = prod(p)\nM = 2 * prod(p)   by 3 * t\n", 6, Status.REFUTED),
        # a wrong sign inside an equality, wrong by 1e-9 relative only
        ("L = sum(y * log(p))\n  = sum(y * log(p)) * (1 + 1e-9)\n", 6, Status.REFUTED),
        # log of something that can be negative is never proved
        ("L = sum(p - y)\nlog L = log(sum(p - y))   by log(t)\n", 6, None),
        # a map that depends on the parameters is never proved
        ("L = prod(p)\nM = sum(p) * prod(p)   by sum(p) * t\n", 6, None),
        # a map that is not monotone on the range is never proved
        ("L = sum(p - y)\nM = sum(p - y)**2   by t**2\n", 6, None),
    ],
)
def test_a_wrong_step_is_caught_at_its_line(chain, line, status) -> None:
    result = _check(HEADER + chain)
    (bad,) = [
        (n, c)
        for n, c in zip(result.file.step_lines, result.checked.steps, strict=True)
        if c.status is not Status.PROVED
    ]
    assert bad[0] == line
    if status is Status.REFUTED:
        assert bad[1].status is Status.REFUTED
    else:
        assert bad[1].status is not Status.PROVED
    assert result.status is not Status.PROVED


def test_a_refuted_step_shows_its_counterexample_and_exit_1(tmp_path, capsys) -> None:
    path = tmp_path / "wrong.xent"
    path.write_text(HEADER + "L = prod(p)\nlog L = log(prod(p))   by log(t)\n  = prod(log(p))\n")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "  line   7         equal       refuted\n" in out
    assert "      refuted  after = before:" in out and "; at n=" in out
    assert out.endswith("NOT ok (refuted): 1 proved, 1 refuted\n")


def test_a_conclusion_that_does_not_follow_is_not_proved(tmp_path, capsys) -> None:
    text = (EXAMPLES / "bce.xent").read_text().replace("argmax_p L = argmin_p J", "argmax_p L = argmax_p J")
    result = _check(text)
    assert result.conclusion.status is Status.UNKNOWN
    assert (
        result.conclusion.method
        == "does not follow: the lines from 'L' to 'J' compose to 'turns argmax into argmin'"
    )
    path = tmp_path / "c.xent"
    path.write_text(text)
    assert main(["check", str(path)]) == 3


def test_an_equality_conclusion_between_equal_lines() -> None:
    result = _check(HEADER + "A = sum(y * log(p))\nB = sum(log(p**y))\nconclude: A = B\n")
    assert (result.conclusion.status, result.status) == (Status.PROVED, Status.PROVED)
    assert result.checked.steps[0].step.relation is Relation.EQUAL


# ---------------------------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "titel: x\nL = 1\n",
            "f.xent:1:1: unknown header 'titel'; the headers are title:, shape:, domain:, over:, conclude:",
        ),
        (
            HEADER + "L = prod(pp)\n",
            "f.xent:5:10: undefined name 'pp'; did you mean 'p'? declare it with shape:",
        ),
        (
            HEADER + "L = prod(q)\n",
            "f.xent:5:10: undefined name 'q'; declare it with shape: (an array) or domain:",
        ),
        ("shape: p:n, X:n,d\nL = sum(X @ p)\n", "f.xent:2:9: shape mismatch in '@' ('X @ p'): (n, d) @ (n,)"),
        (
            HEADER + "L = prod(p)\nM = log(prod(p))   by log(2)\n",
            "f.xent:6:23: by 'log(2)' does not use t; write the map in t",
        ),
        (HEADER + "  = prod(p)\n", "f.xent:5:3: a formula line '= EXPR' before the start of the chain"),
        (HEADER, "f.xent:4:1: no formula at all; start the chain with NAME = EXPR"),
        (
            HEADER + "L = prod(p)\nconclude: argmax_p L = argmin_p J\n",
            "f.xent:6:33: conclude: 'J' is not a name of the chain; its names are 'L'",
        ),
        (
            HEADER + "L = prod(p)\nJ = 2\nshape: w:d\n",
            "f.xent:7:1: shape: comes after the first formula line",
        ),
        (HEADER + "L = p\n", "f.xent:5:5: the formula has shape (n,); a line of the chain is a scalar"),
        (HEADER + "L = prod(p)   by log(t)\n", "f.xent:5:1: the first formula line starts the chain"),
        (
            HEADER + "L = __import__('os').system('ls')\n",
            "f.xent:5:5: call of \"__import__('os').system\" is not allowed",
        ),
        (
            HEADER + "this is not a formula\n",
            "f.xent:5:1: not a header (title:, shape:, domain:, over:, conclude:) nor a formula line",
        ),
        ("shape: p:n\ndomain: p:[0,1\nL = sum(p)\n", "f.xent:2:1: domain 'p:[0,1' is not an interval"),
        (
            HEADER + "L = prod(p)\nconclude: argmax_q L = argmin_q L\n",
            "f.xent:6:11: conclude: optimises over 'q', but over: lists p",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_line_and_column(text: str, message: str, tmp_path, capsys) -> None:
    with pytest.raises(DerivationFileError) as caught:
        read_derivation_file("f.xent", text=text)
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)
    path = tmp_path / "f.xent"
    path.write_text(text)
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and f"{path}:" in captured.err


def test_a_missing_file_is_one_line(capsys) -> None:
    assert main(["check", "no/such/file.xent"]) == 2
    assert (
        capsys.readouterr().err == "xent: error: cannot read no/such/file.xent: No such file or directory\n"
    )


@pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (Debian: texlive-latex-base)"
)
@pytest.mark.parametrize("file", ["bce.xent", "two_points.xent", "gaussian_mse.xent"])
def test_the_rendered_latex_of_every_example_file_compiles_within_the_page(file, tmp_path) -> None:
    assert main(["render", str(EXAMPLES / file), "-o", str(tmp_path)]) == 0
    stem = Path(file).stem
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{stem}.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    log = (tmp_path / f"{stem}.log").read_text(errors="replace")
    assert [w for w in map(float, re.findall(r"Overfull \\[hv]box \(([0-9.]+)pt too", log)) if w > 1] == []
