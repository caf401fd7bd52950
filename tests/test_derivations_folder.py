"""The committed documents in derivations/ are exactly what the code generates now."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from xent_symbolic.catalog import get, names
from xent_symbolic.check import check
from xent_symbolic.cli import DOCUMENTS
from xent_symbolic.render import render

FOLDER = Path(__file__).resolve().parent.parent / "derivations"
REGENERATE = "regenerate with: xent render --all -o derivations/"


@pytest.mark.parametrize("name", names())
def test_committed_documents_match_the_generated_ones(name):
    checked = check(get(name).build())
    for suffix, fmt in DOCUMENTS.items():
        path = FOLDER / f"{name}.{suffix}"
        assert path.exists(), f"{path} is missing; {REGENERATE}"
        assert path.read_text() == render(checked, fmt), f"{path} is out of date; {REGENERATE}"


@pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
    reason="pdflatex or pdftotext is not installed (Debian: texlive-latex-base, poppler-utils)",
)
@pytest.mark.parametrize("name", names())
def test_every_committed_tex_compiles_within_the_page(name, tmp_path):
    """pdflatex compiles it, no box is more than 1 pt too wide, and no < or > came out as an inverted mark."""
    shutil.copy(FOLDER / f"{name}.tex", tmp_path)
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    overfull = [float(w) for w in re.findall(r"Overfull \\[hv]box \(([0-9.]+)pt too", log)]
    assert [w for w in overfull if w > 1] == []
    text = subprocess.run(
        ["pdftotext", f"{name}.pdf", "-"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "¿" not in text and "¡" not in text
    assert "proved" in text
