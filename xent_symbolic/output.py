"""Writing a command's output: to standard output, to a device or fifo in place, or atomically to a file."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from .errors import OutputError

__all__ = ["write_output"]

#: the output path that means standard output
STDOUT = "-"


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def write_output(path: str, content: str | bytes) -> None:
    """Write `content` to `path` so that nothing the user did not ask for is destroyed.

    - '-' is standard output;
    - a symbolic link is followed: its target is written, the link stays;
    - a character device or a fifo (/dev/stdout, /dev/null, a named pipe) is written in place, never replaced;
    - a folder or any other file that is not a regular file is refused;
    - a regular file (new or existing) is written atomically: a temporary file in the same folder renamed over
      it, so a failure leaves the old file (or no file) and never a half-written one; an existing file keeps
      its permissions.

    Raises OutputError, whose one-line message names the path and the reason, for every failure.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {path}: it is a folder; give a file name inside it")
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        _write_in_place(path, target, data)
    elif mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"cannot write {path}: it is not a regular file, a device or a fifo")
    else:
        _write_atomically(path, target, data, None if mode is None else stat.S_IMODE(mode))


def _write_in_place(path: str, target: Path, data: bytes) -> None:
    try:
        with open(target, "wb", buffering=0) as handle:
            view = memoryview(data)
            while view:
                view = view[handle.write(view) :]
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None


def _write_atomically(path: str, target: Path, data: bytes, mode: int | None) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is None:  # mkstemp makes 0600; a new document is an ordinary file under the umask
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
