"""The README's pasted output is the real output of the commands it shows."""

from __future__ import annotations

from pathlib import Path

from xent_symbolic.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _output(capsys, *argv):
    main(list(argv))
    return capsys.readouterr().out


def test_the_pasted_derive_output_is_current(capsys):
    assert "```text\n" + _output(capsys, "derive", "bce") + "```" in README


def test_the_pasted_check_output_is_current(capsys):
    assert "```text\n" + _output(capsys, "check", "bce") + "```" in README


def test_the_two_setup_commands_are_there():
    assert "python3 -m pip install -e . && xent derive bce && xent check bce\n" in README
    assert 'python3 -m pip install -q -e ".[test]" && python3 -m pytest -q\n' in README
    assert 'python3 -m pip install -q -e ".[test]" && python3 -m pytest -q' in (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
