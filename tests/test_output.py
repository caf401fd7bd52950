"""`-o`: standard output, devices and fifos in place, symlinks followed, folders refused, atomic regular files,
and every failure one line with exit code 2."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from xent_symbolic import cli
from xent_symbolic.cli import main
from xent_symbolic.errors import OutputError
from xent_symbolic.output import write_output


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dash_is_standard_output(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "derive", "bce", "--format", "json", "-o", "-")
    assert (code, err) == (0, "")
    assert out.startswith('{\n  "name": "bce",')
    assert list(tmp_path.iterdir()) == []  # no file named '-'


def test_a_symlink_is_followed_and_stays_a_link(capsys, tmp_path):
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, _ = run(capsys, "derive", "bce", "--format", "markdown", "-o", str(link))
    assert code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("# Binary cross-entropy from the Bernoulli likelihood\n")


def test_a_character_device_is_written_in_place_not_replaced(capsys):
    code, out, err = run(capsys, "derive", "bce", "-o", "/dev/null")
    assert (code, out, err) == (0, "", "")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_full_device_is_one_line_and_exit_2(capsys):
    code, out, err = run(capsys, "derive", "bce", "-o", "/dev/full")
    assert (code, out) == (2, "")
    assert err == "xent: error: cannot write /dev/full: no space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_output(str(fifo), "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("folder", [".", "FOLDER"])
def test_a_folder_is_refused(capsys, tmp_path, monkeypatch, folder):
    monkeypatch.chdir(tmp_path)
    path = str(tmp_path) if folder == "FOLDER" else "."
    code, _, err = run(capsys, "derive", "bce", "-o", path)
    assert code == 2
    assert err == f"xent: error: cannot write {path}: it is a folder; give a file name inside it\n"
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "bce.tex"
    target.write_text("old")

    def read_only(*args):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(OutputError) as error:
        write_output(str(target), "new")
    assert str(error.value) == f"cannot write {target}: read-only file system"
    assert [p.name for p in tmp_path.iterdir()] == ["bce.tex"] and target.read_text() == "old"


def test_a_folder_where_no_file_can_be_made_is_one_line(capsys, tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", denied)
    code, _, err = run(capsys, "derive", "bce", "-o", str(tmp_path / "bce.tex"))
    assert code == 2
    assert err == f"xent: error: cannot write {tmp_path / 'bce.tex'}: permission denied\n"


def test_an_existing_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "bce.md"
    target.write_text("old")
    target.chmod(0o640)
    write_output(str(target), "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new"


def test_ctrl_c_is_exit_130_without_a_traceback(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_list", interrupted)
    code, out, err = run(capsys, "list")
    assert (code, out, err) == (130, "", "xent: interrupted\n")


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == "xent 0.1.0\n"


def test_a_misspelt_command_gets_did_you_mean(capsys):
    code, out, err = run(capsys, "lst")
    assert (code, out) == (2, "")
    assert err == "xent: error: unknown command 'lst'; did you mean 'list', 'plot'? (see 'xent --help')\n"


def test_a_name_in_the_wrong_case_gets_did_you_mean(capsys):
    code, _, err = run(capsys, "derive", "BCE")
    assert code == 2
    assert err == "xent: error: unknown derivation 'BCE'; did you mean 'bce'?\n"
