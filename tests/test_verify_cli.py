"""`xent verify-grad`: exit codes 0/1/2/3, text and JSON output, and hostile input that never runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from xent_symbolic.cli import main

BCE = "-y*log(sigmoid(z)) - (1-y)*log(1-sigmoid(z))"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["verify-grad", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_0_proved_symbolically(capsys):
    code, out, err = _run(capsys, f"--loss={BCE}", "--wrt", "z", "--claim", "1/(1+exp(-z)) - y")
    assert (code, out, err) == (0, "verified (proved symbolically): d/dz = -y + 1/(1 + exp(-z))\n", "")


def test_exit_3_checked_numerically_is_not_verified_and_says_so(capsys):
    code, out, err = _run(capsys, "--loss", "log(z)", "--wrt", "z", "--claim", "1/abs(z)", "--timeout", "5")
    assert code == 3 and err == ""
    assert out.startswith("checked, not proved (no counterexample at ") and "random points, 50 digits" in out
    assert out.endswith("; not proved symbolically within 5 s): d/dz = 1/Abs(z)\n")


def test_accept_numeric_makes_checked_exit_0_and_still_says_not_proved(capsys):
    argv = ("--loss", "log(z)", "--wrt", "z", "--claim", "1/abs(z)", "--timeout", "5", "--accept-numeric")
    code, out, err = _run(capsys, *argv)
    assert code == 0 and err == ""
    assert out.startswith("checked, not proved (no counterexample at ")
    code, out, _ = _run(
        capsys, "--loss", "softplus(z)", "--wrt", "z", "--claim", "sigmoid(-z)", "--accept-numeric"
    )
    assert code == 1 and out.startswith("refuted: ")


def test_exit_1_refuted_prints_the_point_both_values_and_the_diagnosis(capsys):
    code, out, err = _run(capsys, f"--loss={BCE}", "--wrt", "z", "--claim", "y - sigmoid(z)")
    assert code == 1 and err == ""
    first, claimed, true, diagnosis = out.splitlines()
    assert first.startswith("refuted: at y = ") and ", z = " in first and " the claim gives -" in first
    value = first.split(" the claim gives ")[1].split(" but d/dz = ")
    assert value[0] == "-" + value[1]
    assert claimed == "  claimed: d/dz = y - sigmoid(z)"
    assert true == "  true:    d/dz = -y + sigmoid(z)"
    assert diagnosis == "  diagnosis: sign flipped: the claim is -(d/dz)"


def test_json_output(capsys):
    code, out, _ = _run(capsys, f"--loss={BCE}", "--wrt", "z", "--claim", "2*(sigmoid(z) - y)", "--json")
    data = json.loads(out)
    assert code == 1
    assert list(data)[:6] == ["status", "counterexample", "claimed", "true", "diagnosis", "derivative"]
    assert data["status"] == "refuted" and set(data["counterexample"]) == {"y", "z"}
    assert float(data["claimed"]) == pytest.approx(2 * float(data["true"]), rel=1e-15)
    assert data["diagnosis"] == "off by a constant factor: the claim is 2 times d/dz"
    assert data["derivative"] == "-y + sigmoid(z)"
    code, out, _ = _run(capsys, f"--loss={BCE}", "--wrt", "z", "--claim", "sigmoid(z) - y", "--json")
    data = json.loads(out)
    assert (
        code,
        data["status"],
        data["counterexample"],
        data["claimed"],
        data["true"],
        data["diagnosis"],
    ) == (0, "proved", None, None, None, None)


def test_two_symbols_and_repeated_domains(capsys):
    loss = "-y*log(sigmoid(w*x + b)) - (1-y)*log(1-sigmoid(w*x + b))"
    code, out, _ = _run(
        capsys,
        f"--loss={loss}",
        "--wrt",
        "w,b",
        "--claim",
        "x*(sigmoid(w*x+b) - y), sigmoid(w*x+b)",
        "--domain",
        "y:(0,1)",
        "--domain",
        "x:(-1,1)",
    )
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == "verified (proved symbolically): d/dw = x*(-y + sigmoid(b + w*x))"
    assert lines[1].startswith("refuted: at b = ")
    assert lines[-2] == "  diagnosis: a missing term: the claim is d/db without the term -y"
    assert lines[-1] == "overall: refuted"


def test_exit_3_unknown_when_no_point_is_real(capsys):
    code, out, err = _run(capsys, "--loss", "sqrt(-1 - z**2)", "--wrt", "z", "--claim", "z/sqrt(-1 - z**2)")
    assert (code, err) == (3, "")
    assert out == (
        "unknown (not proved symbolically within 10 s; no numeric evidence: the loss, the claim or "
        "the derivative is not real at any of the 60 points tried): d/dz = z/sqrt(-z**2 - 1)\n"
    )


def test_exit_3_unknown_with_no_time(capsys):
    code, out, _ = _run(
        capsys, f"--loss={BCE}", "--wrt", "z", "--claim", "1/(1+exp(-z)) - y", "--timeout", "0", "--json"
    )
    assert code == 3 and json.loads(out)["status"] == "unknown"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--loss", "z", "--wrt", "z", "--claim", "1,2"],
            "2 claim(s) for 1 symbol(s) (z); give one claim per symbol, in the same order",
        ),
        (
            ["--loss", "z*y", "--wrt", "q", "--claim", "1"],
            "wrt symbol 'q' does not occur in the loss; its symbols are y, z",
        ),
        (
            ["--loss", "z", "--wrt", "z", "--claim", "1", "--timeout", "inf"],
            "timeout must be a finite number of seconds, not inf",
        ),
        (
            ["--loss", "z", "--wrt", "z", "--claim", "1", "--domain", "z:[0,1"],
            "domain 'z:[0,1' is not an interval, a finite set or a row domain; write NAME:SET with SET an interval such as (0,1), [0,1], (0,oo) or [0,1), a finite set such as {0,1}, or for a matrix onehot or simplex",
        ),
    ],
)
def test_exit_2_bad_input_is_one_line(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert (code, out, err) == (2, "", f"xent: error: {message}\n")


def _hostile(marker: str) -> list[list[str]]:
    touch = f"__import__('os').system('touch {marker}')"
    return [
        ["--loss", touch, "--wrt", "z", "--claim", "1"],
        ["--loss", "z", "--wrt", "z", "--claim", touch],
        ["--loss", "z", "--wrt", "z", "--claim", "1", "--domain", f"z:(0,{touch})"],
        ["--loss", "z", "--wrt", touch, "--claim", "1"],
        ["--loss", f"open('{marker}', 'w')", "--wrt", "z", "--claim", "1"],
        ["--loss", f"exec(\"open('{marker}','w')\")", "--wrt", "z", "--claim", "1"],
        ["--loss", f"eval(\"open('{marker}','w')\")", "--wrt", "z", "--claim", "1"],
        ["--loss", "z", "--wrt", "z", "--claim", f"sympify(\"open('{marker}','w')\")"],
        ["--loss", "z.__class__.__bases__", "--wrt", "z", "--claim", "1"],
        ["--loss", "sigmoid.__globals__", "--wrt", "z", "--claim", "1"],
        ["--loss", "__builtins__", "--wrt", "z", "--claim", "1"],
        ["--loss", f"(lambda: open('{marker}', 'w'))()", "--wrt", "z", "--claim", "1"],
        ["--loss", f"[open('{marker}', 'w') for z in (1,)]", "--wrt", "z", "--claim", "1"],
        ["--loss", "sigmoid(z)[0]", "--wrt", "z", "--claim", "1"],
        ["--loss", "'z'", "--wrt", "z", "--claim", "1"],
        ["--loss", "sigmoid(z, key=1)", "--wrt", "z", "--claim", "1"],
        ["--loss", "z if z else 1", "--wrt", "z", "--claim", "1"],
        ["--loss", "lambda", "--wrt", "z", "--claim", "1"],
        ["--loss", "9**9**9**9", "--wrt", "z", "--claim", "1"],
        ["--loss", "z", "--wrt", "z", "--claim", "z**9**9**9"],
        ["--loss", "1e999999*z", "--wrt", "z", "--claim", "1"],
        ["--loss", "(" * 200 + "z" + ")" * 200, "--wrt", "z", "--claim", "1"],
        ["--loss", "z+" * 5000 + "z", "--wrt", "z", "--claim", "1"],
        ["--loss", "z", "--wrt", "z", "--claim", "1", "--timeout", "nan"],
    ]


def test_hostile_input_is_rejected_and_nothing_runs(capsys, tmp_path):
    marker = tmp_path / "MARKER"
    for argv in _hostile(str(marker)):
        code, out, err = _run(capsys, *argv)
        assert code == 2, argv
        assert out == "" and err.startswith("xent") and err.count("\n") == 1, (argv, err)
        assert not marker.exists(), argv
    assert list(tmp_path.iterdir()) == []


def test_the_module_runs_as_a_command(tmp_path):
    marker = tmp_path / "MARKER"
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "xent_symbolic",
            "verify-grad",
            "--loss",
            "softplus(z) - y*z",
            "--wrt",
            "z",
            "--claim",
            "sigmoid(z) - y",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    expected = "verified (proved symbolically: identical to the derivative): d/dz = -y + sigmoid(z)\n"
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, expected, "")
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "xent_symbolic",
            "verify-grad",
            f"--loss=__import__('os').system('touch {marker}')",
            "--wrt",
            "z",
            "--claim",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == (
        "xent: error: attribute access \"__import__('os').system\" is not allowed in a formula at "
        "column 1; use numbers, names, + - * / ** and calls of abs, cosh, erf, exp, expm1, log, log1p, "
        "log_sigmoid, sigmoid, sinh, softplus, sqrt, tanh\n"
    )
    assert not marker.exists()


# ------------------------------------------------------------------ formulas that start with '-', @FILE and stdin


def _usage_error(capsys, *argv: str) -> tuple[int, str, str]:
    """argparse's own errors leave through SystemExit (the console script turns it into the exit code)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["verify-grad", *argv])
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_a_claim_that_starts_with_a_minus_is_a_value_not_an_option(capsys):
    code, out, err = _run(capsys, "--loss", "softplus(z) - y*z", "--wrt", "z", "--claim", "-y*sigmoid(-y*z)")
    assert (code, err) == (1, "")
    assert out.startswith("refuted: at y = ")
    assert "  claimed: d/dz = -y*sigmoid(-y*z)\n  true:    d/dz = -y + sigmoid(z)\n" in out


def test_a_loss_and_a_domain_that_start_with_a_minus(capsys):
    code, out, err = _run(capsys, "--loss", "-log(p)", "--domain", "p:(0,1)", "--wrt", "p", "--claim", "-1/p")
    assert (code, out, err) == (
        0,
        "verified (proved symbolically: identical to the derivative): d/dp = -1/p\n",
        "",
    )


def test_a_missing_value_is_still_a_usage_error(capsys):
    code, out, err = _usage_error(capsys, "--loss", "--wrt", "z", "--claim", "1")
    assert (code, out) == (2, "")
    assert (
        err
        == "xent verify-grad: error: argument --loss: expected one argument (see 'xent verify-grad --help')\n"
    )


def test_formulas_from_a_file_and_from_standard_input(capsys, tmp_path, monkeypatch):
    claim = tmp_path / "claim.txt"
    claim.write_text("sigmoid(z)\n    - y\n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("softplus(z) - y*z\n"))
    code, out, err = _run(capsys, "--loss", "-", "--wrt", "z", "--claim", f"@{claim}")
    assert (code, out, err) == (
        0,
        "verified (proved symbolically: identical to the derivative): d/dz = -y + sigmoid(z)\n",
        "",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--loss", "@/nonexistent/loss.txt"),
            "argument --loss: cannot read the formula file "
            "'/nonexistent/loss.txt': No such file or directory (see 'xent verify-grad --help')",
        ),
        (("--loss", "-"), "argument --loss: standard input holds no formula (see 'xent verify-grad --help')"),
        (
            ("--loss", "-", "--claim", "-"),
            "standard input (-) can give only one of --loss and --claim; put "
            "the other in a file and pass @FILE",
        ),
    ],
)
def test_unreadable_or_empty_formula_sources_are_one_line_errors(capsys, monkeypatch, argv, message):
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(""))
    both = "--claim" in argv
    rest = ("--wrt", "z") + (() if both else ("--claim", "1"))
    code, out, err = (_run if both else _usage_error)(capsys, *argv, *rest)
    assert (code, out, err) == (2, "", f"xent verify-grad: error: {message}\n")
