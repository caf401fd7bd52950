"""The README's examples are real: every `$ xent ...` block is run again and must print exactly what is pasted."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from xent_symbolic.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```text\n\$ (xent [^\n]*)\n(.*?)```", README, re.S)


def test_the_readme_has_examples_to_check():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("command, pasted", BLOCKS, ids=[c for c, _ in BLOCKS])
def test_each_pasted_output_is_what_the_command_prints(command, pasted, capsys, monkeypatch, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # the derivation files the commands read
    monkeypatch.chdir(tmp_path)  # commands that write files write them here
    argv = shlex.split(command)[1:]
    code = main(argv)
    out, err = capsys.readouterr()
    printed = out + err
    expected_code = int(m.group(1)) if (m := re.search(r"\n\[exit (\d)\]\n$", pasted)) else 0
    pasted = re.sub(r"\[exit \d\]\n$", "", pasted)
    assert printed == pasted
    assert code == expected_code


def test_the_two_setup_commands_are_there_and_ci_runs_the_test_command():
    assert "python3 -m pip install -e . && xent derive bce && xent check bce\n" in README
    test_command = 'python3 -m pip install -q -e ".[test]" && python3 -m pytest -q'
    assert test_command + "\n" in README
    assert test_command in (ROOT / ".ci" / "run").read_text()
