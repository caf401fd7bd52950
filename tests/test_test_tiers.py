"""The slow-tier tables in conftest.py name real test modules and tests (a renamed test must not leave them)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import SLOW_MODULES, SLOW_TESTS

TESTS = Path(__file__).resolve().parent


def test_every_slow_module_exists():
    assert sorted(m for m in SLOW_MODULES if not (TESTS / f"{m}.py").exists()) == []


def test_every_slow_test_exists():
    defined = {
        node.name
        for path in TESTS.glob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    assert sorted(SLOW_TESTS - defined) == []
