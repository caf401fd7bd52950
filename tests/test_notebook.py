"""Derivations display in Jupyter, and the example notebook runs and shows what it promises."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "tour.ipynb"


def test_checked_derivations_display_one_row_per_step(bce_checked):
    html = bce_checked._repr_html_()
    assert html.count("<tr>") == 1 + 1 + len(bce_checked.steps)  # header, start, steps
    assert html.count('<td class="xent-proved">proved</td>') == 7
    assert bce_checked._repr_latex_().startswith("$$\n\\begin{align*}\n")
    assert bce_checked._repr_markdown_().startswith("# Binary cross-entropy from the Bernoulli likelihood")


def test_unchecked_derivations_display_without_statuses(bce):
    latex = bce._repr_latex_()
    assert latex.count(" \\\\\n") == len(bce.steps)
    assert "[proved]" not in latex
    assert "not checked yet" in bce._repr_markdown_()


def _outputs(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def _kernel_for_this_python(folder: Path) -> str:
    """A kernelspec that runs this interpreter (the stock one says plain `python`, which may not exist)."""
    spec = folder / "kernels" / "xent-test-python"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "xent tests", "language": "python"})
    )
    return "xent-test-python"


def test_the_example_notebook_runs_and_shows_its_results(tmp_path, monkeypatch):
    nbformat = pytest.importorskip(
        "nbformat", reason="the notebook test needs the test extra (nbformat, nbclient)"
    )
    nbclient = pytest.importorskip(
        "nbclient", reason="the notebook test needs the test extra (nbformat, nbclient)"
    )
    pytest.importorskip("ipykernel", reason="the notebook test needs the test extra (ipykernel)")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    kernel = _kernel_for_this_python(tmp_path)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name=kernel, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert "[proved]" not in _outputs(code[0]) and "\\begin{align*}" in _outputs(code[0])
    assert _outputs(code[1]).count('<td class="xent-proved">proved</td>') == 7
    assert _outputs(code[2]).strip() == "argmax_yhat L(yhat) = argmin_yhat J(yhat) | proved"
    assert "6. negate  -log L(yhat)          0.8675005677047232        0.86750056770472306" in _outputs(
        code[3]
    )
    assert _outputs(code[4]).startswith("refuted {'n': ")
