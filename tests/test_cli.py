"""The xent command line: output, exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from xent_symbolic.catalog import names
from xent_symbolic.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_entry_with_a_description(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert re.search(
        r"^bce +binary cross-entropy from the Bernoulli likelihood of n independent examples$", out, re.M
    )
    assert len(out.splitlines()) == len(names())


def test_check_bce_passes_and_prints_each_step(capsys):
    code, out, _ = run(capsys, "check", "bce")
    assert code == 0
    assert " 7. scale                increasing  proved\n" in out
    assert out.endswith("conclusion (proved): argmax_yhat L(yhat) = argmin_yhat J(yhat)\nok: 7 proved\n")


def test_check_json_is_the_certificate(capsys):
    code, out, _ = run(capsys, "check", "bce", "--json")
    assert code == 0
    data = json.loads(out)
    assert [s["rule"] for s in data["steps"]][-2:] == ["negate", "scale"]


@pytest.mark.parametrize(
    "fmt, marker",
    [
        ("latex", r"\xentfit{J(\hat{y}) = "),
        ("markdown", "$$"),
        ("text", "conclusion (proved)"),
        ("json", '"ok": true'),
    ],
)
def test_derive_writes_every_format_to_a_file(capsys, tmp_path, fmt, marker):
    target = tmp_path / f"bce.{fmt}"
    code, out, _ = run(capsys, "derive", "bce", "--format", fmt, "-o", str(target))
    assert code == 0 and out == ""
    assert marker in target.read_text()


def test_an_unknown_name_is_one_line_with_the_closest_names_and_exit_2(capsys):
    code, out, err = run(capsys, "derive", "bec")
    assert (code, out) == (2, "")
    assert err == "xent: error: unknown derivation 'bec'; did you mean 'bce'?\n"


def test_a_missing_output_folder_writes_nothing_and_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "derive", "bce", "-o", str(tmp_path / "missing" / "bce.tex"))
    assert code == 2
    assert (
        err
        == f"xent: error: cannot write {tmp_path}/missing/bce.tex: the folder {tmp_path}/missing does not exist\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_usage_mistake_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["derive", "bce", "--format", "pdf"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("xent derive: error: argument --format: invalid choice: 'pdf'")


def test_python_dash_m_runs_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "xent_symbolic", "check", "bce"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok: 7 proved"


def test_render_writes_three_documents_per_entry(capsys, tmp_path):
    code, out, _ = run(capsys, "render", "bce", "-o", str(tmp_path))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bce.json", "bce.md", "bce.tex"]
    assert out.splitlines() == [
        str(tmp_path / "bce.tex"),
        str(tmp_path / "bce.md"),
        str(tmp_path / "bce.json"),
    ]


def test_render_with_an_unknown_name_writes_nothing(capsys, tmp_path):
    code, _, err = run(capsys, "render", "bce", "nope", "-o", str(tmp_path))
    assert code == 2 and err.startswith("xent: error: unknown derivation 'nope'")
    assert list(tmp_path.iterdir()) == []
