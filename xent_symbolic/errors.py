"""One error tree: every error a user can cause is an XentError with a one-line message."""

from __future__ import annotations

__all__ = [
    "InputError",
    "OutputError",
    "ParseError",
    "RuleError",
    "StepError",
    "UnknownNameError",
    "XentError",
]


class XentError(Exception):
    """Base of every error xent_symbolic raises on purpose; the CLI prints it as one line, exit code 2."""


class UnknownNameError(XentError, LookupError):
    """A name (derivation, rule, format) that is not known; the message lists the closest known names."""


class ParseError(XentError, ValueError):
    """User-typed text that is not an accepted formula."""


class RuleError(XentError, ValueError):
    """A rule that cannot be applied to the expression it was given."""


class StepError(XentError, ValueError):
    """A step or derivation that breaks an invariant (a step's before is not the previous step's after)."""


class InputError(XentError, ValueError):
    """Invalid numeric input: wrong shape, dtype or label range."""


class OutputError(XentError, OSError):
    """Output that cannot be written where the user asked (a folder, a read-only file system, no permission)."""


def did_you_mean(name: str, known: list[str] | tuple[str, ...], what: str) -> UnknownNameError:
    """An UnknownNameError for `name` naming the closest of `known`."""
    import difflib

    by_lower = {k.lower(): k for k in known}
    close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.5)]
    hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else f"known: {', '.join(known)}"
    return UnknownNameError(f"unknown {what} {name!r}; {hint}")
