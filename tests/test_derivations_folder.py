"""The committed documents in derivations/ are exactly what the code generates now."""

from __future__ import annotations

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
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (Debian: texlive-latex-base)"
)
@pytest.mark.parametrize("name", names())
def test_every_committed_tex_compiles(name, tmp_path):
    shutil.copy(FOLDER / f"{name}.tex", tmp_path)
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
