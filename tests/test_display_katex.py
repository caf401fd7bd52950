"""Every notebook and GitHub display of every catalog entry typesets with a real KaTeX, without an error."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from xent_symbolic.catalog import CATALOG
from xent_symbolic.check import check

KATEX = Path(__file__).resolve().parent / "katex"


def _katex_failures(items: list[dict]) -> list[dict]:
    if shutil.which("node") is None or not (KATEX / "node_modules" / "katex").is_dir():
        pytest.skip("KaTeX is not installed: npm install --prefix tests/katex (CI does)")
    result = subprocess.run(
        ["node", str(KATEX / "check.js")],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def _math(text: str, source: str) -> list[dict]:
    """The $$...$$ blocks (display) and the $...$ spans (inline) of a Markdown or HTML display."""
    items = []
    for k, block in enumerate(re.findall(r"\$\$\n(.*?)\n\$\$", text, re.S)):
        items.append({"id": f"{source} block {k}", "latex": block, "display": True})
    rest = re.sub(r"\$\$\n.*?\n\$\$", "", text, flags=re.S)
    for k, span in enumerate(re.findall(r"\$([^$]+)\$", rest)):
        items.append({"id": f"{source} span {k}", "latex": html.unescape(span), "display": False})
    return items


def _displays() -> list[dict]:
    items = []
    for name, entry in CATALOG.items():
        derivation = entry.build()
        checked = check(derivation)
        items += _math(derivation._repr_latex_(), f"{name} Derivation latex")
        items += _math(derivation._repr_markdown_(), f"{name} Derivation markdown")
        items += _math(checked._repr_latex_(), f"{name} checked latex")
        items += _math(checked._repr_markdown_(), f"{name} checked markdown")
        items += _math(checked._repr_html_(), f"{name} checked html")
    return items


def test_every_display_of_every_entry_typesets_without_an_error():
    items = _displays()
    assert len(items) > 20 * len(CATALOG)  # the walk found the math it must check
    assert _katex_failures(items) == []


def test_the_checker_catches_what_mathjax_would_show_in_red():
    bad = [{"id": "parbox", "latex": r"\parbox[c]{1cm}{x} = 1", "display": True}]
    assert [f["id"] for f in _katex_failures(bad)] == ["parbox"]
