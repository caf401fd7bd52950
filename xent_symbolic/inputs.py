"""Checks of verify-grad's inputs shared by the scalar and the array verifier: names to differentiate by, a
name that does not occur, the time budget."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence

import sympy as sp

from .errors import InputError
from .parse import parse_names

__all__ = ["checked_timeout", "not_in_loss", "wrt_names"]

MAX_TIMEOUT = 3600.0

SymbolLike = str | sp.Symbol


def wrt_names(wrt: SymbolLike | Sequence[SymbolLike]) -> tuple[str, ...]:
    if isinstance(wrt, str):
        return parse_names(wrt)
    items = [wrt] if isinstance(wrt, sp.Symbol) else list(wrt) if isinstance(wrt, (list, tuple)) else None
    if not items:
        raise InputError(f"wrt must name the symbols to differentiate by, such as 'w,b', not {wrt!r}")
    names = []
    for item in items:
        if isinstance(item, sp.Symbol):
            names.append(item.name)
        elif isinstance(item, str):
            names += parse_names(item)
        else:
            raise InputError(f"wrt: expected a symbol name or Symbol, not {type(item).__name__}")
    if len(set(names)) != len(names):
        raise InputError(f"wrt lists a symbol twice: {', '.join(names)}; list each symbol once")
    return tuple(names)


def not_in_loss(message: str, name: str, loss_names: list[str]) -> InputError:
    same_case = [n for n in loss_names if n.lower() == name.lower()]
    close_names = same_case or difflib.get_close_matches(name, loss_names, n=3, cutoff=0.5)
    if close_names:
        return InputError(f"{message}; did you mean {', '.join(map(repr, close_names))}?")
    return InputError(f"{message}; its symbols are {', '.join(loss_names) or 'none'}")


def checked_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout):
        raise InputError(f"timeout must be a finite number of seconds, not {timeout!r}")
    if not 0 <= timeout <= MAX_TIMEOUT:
        raise InputError(f"timeout must lie between 0 and {MAX_TIMEOUT:g} seconds, not {timeout:g}")
    return float(timeout)
